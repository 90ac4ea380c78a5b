import path from 'node:path'
import {Plugin, settings} from '@oclif/core'
import ts from 'typescript'
import {ROOT} from './run-cli.js'

/**
 * The public contract, one checked-in file: every command's flags, args and aliases, the JSON Schema of its --json
 * result, and the envelopes. It sits in docs/reference/ beside the generated command reference, for the scripts that
 * rely on it; `npm run contract` writes it and test/unit/cli-contract.test.ts fails when it is stale.
 */
export const CONTRACT_FILE = path.join(ROOT, 'docs', 'reference', 'cli-contract.json')

/** A JSON Schema (draft-07) node. */
type Schema = {[keyword: string]: unknown}

// Structural facts only: descriptions, summaries and help groups may change without breaking a script.
const FLAG_FACTS = [
  'type',
  'char',
  'charAliases',
  'aliases',
  'options',
  'default',
  'required',
  'multiple',
  'allowNo',
  'exclusive',
  'dependsOn',
  'exactlyOne',
  'relationships',
  'env',
  'delimiter',
  'hidden',
  'deprecated',
]
const ARG_FACTS = ['name', 'required', 'options', 'default', 'hidden']

/** The facts an entry states; false and [] say nothing the absence of the key does not. */
function facts(entry: object, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entry).filter(
      ([k, v]) => keys.includes(k) && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0),
    ),
  )
}

/** The base commands whose type argument is what --json prints as `result`. */
const COMMAND_BASES = ['AtlasCommand', 'MongoCommand']

/** JSON's view of a checked type: what JSON.stringify of a value of that type can produce. */
class ResultSchemas {
  private readonly checker: ts.TypeChecker

  constructor(private readonly program: ts.Program) {
    this.checker = program.getTypeChecker()
  }

  /** The exported type `name` of `file`; for a command, also checks that its class extends AtlasCommand<name> (or MongoCommand<name>). */
  of(file: string, name: string, command: boolean): Schema {
    const source = this.program.getSourceFile(file)
    const where = path.relative(ROOT, file)
    const alias = source?.statements.find(
      (s): s is ts.TypeAliasDeclaration | ts.InterfaceDeclaration =>
        (ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) && s.name.text === name,
    )
    if (!source || !alias || !alias.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
      throw new Error(`${where}: no exported type ${name}`)
    const type = this.checker.getTypeAtLocation(alias)
    if (command) this.checkBase(source, file, name, type)
    return this.schema(type, `${where} ${name}`, [])
  }

  /**
   * A command extends AtlasCommand<Result> (or MongoCommand<Result>), or another command whose Result is the same
   * type (cluster resume is cluster pause with the other state), so that Result is what --json prints.
   */
  private checkBase(source: ts.SourceFile, file: string, name: string, type: ts.Type): void {
    const where = path.relative(ROOT, file)
    const base = source.statements.find(ts.isClassDeclaration)?.heritageClauses?.[0]?.types[0]
    const baseName = base?.expression.getText(source)
    const argument = base?.typeArguments?.[0]
    if (base && baseName && COMMAND_BASES.includes(baseName) && argument?.getText(source) === name) return
    const from = source.statements.find(
      (s): s is ts.ImportDeclaration =>
        ts.isImportDeclaration(s) && s.importClause?.name?.text === baseName && ts.isStringLiteral(s.moduleSpecifier),
    )
    const specifier = from && ts.isStringLiteral(from.moduleSpecifier) ? from.moduleSpecifier.text : undefined
    if (specifier?.startsWith('./')) {
      const parent = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'))
      const parentSource = this.program.getSourceFile(parent)
      const parentAlias = parentSource?.statements.find(
        (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === name,
      )
      if (parentSource && parentAlias) {
        const parentType = this.checker.getTypeAtLocation(parentAlias)
        this.checkBase(parentSource, parent, name, parentType)
        if (this.checker.isTypeAssignableTo(type, parentType) && this.checker.isTypeAssignableTo(parentType, type))
          return
      }
    }
    throw new Error(
      `${where}: the command class must extend AtlasCommand<${name}> or a command with the same ${name}, so that ${name} is what --json prints`,
    )
  }

  private schema(type: ts.Type, at: string, outer: ts.Type[]): Schema {
    const {checker} = this
    const f = type.flags
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {}
    if (f & ts.TypeFlags.String) return {type: 'string'}
    if (f & ts.TypeFlags.Number) return {type: 'number'}
    if (f & ts.TypeFlags.Boolean) return {type: 'boolean'}
    if (f & ts.TypeFlags.Null) return {type: 'null'}
    if (type.isStringLiteral()) return {type: 'string', const: type.value}
    if (type.isNumberLiteral()) return {type: 'number', const: type.value}
    if (f & ts.TypeFlags.BooleanLiteral) return {type: 'boolean', const: checker.typeToString(type) === 'true'}
    if (type.isUnion()) return this.union(type.types, at, outer)
    if (outer.includes(type)) throw new Error(`${at}: a recursive type, which the contract cannot inline`)
    if (checker.isArrayType(type)) {
      const item = checker.getIndexTypeOfType(type, ts.IndexKind.Number)
      if (item) return {type: 'array', items: this.schema(item, `${at}[]`, [...outer, type])}
    }
    if (
      (f & ts.TypeFlags.Object || type.isIntersection()) &&
      type.getCallSignatures().length === 0 &&
      !checker.isTupleType(type)
    ) {
      const properties: Record<string, Schema> = {}
      const required: string[] = []
      for (const p of checker.getPropertiesOfType(type)) {
        const t = checker.getTypeOfSymbol(p)
        properties[p.name] = this.schema(t, `${at}.${p.name}`, [...outer, type])
        // JSON.stringify drops a key whose value is undefined.
        if (
          !(p.flags & ts.SymbolFlags.Optional) &&
          !(t.isUnion() && t.types.some((m) => m.flags & ts.TypeFlags.Undefined))
        )
          required.push(p.name)
      }
      const index = checker.getIndexTypeOfType(type, ts.IndexKind.String)
      return {
        type: 'object',
        ...(Object.keys(properties).length > 0 ? {properties} : {}),
        ...(required.length > 0 ? {required: required.sort()} : {}),
        additionalProperties: index ? this.schema(index, `${at}[key]`, [...outer, type]) : false,
      }
    }
    throw new Error(`${at}: ${checker.typeToString(type)} has no JSON form the contract knows`)
  }

  /** undefined only marks a property optional; literals join in one enum; the order is by content, not by TypeScript's ids. */
  private union(members: ts.Type[], at: string, outer: ts.Type[]): Schema {
    const present = members.filter((t) => !(t.flags & ts.TypeFlags.Undefined))
    const strings = present
      .filter((t): t is ts.StringLiteralType => t.isStringLiteral())
      .map((t) => t.value)
      .sort()
    const numbers = present
      .filter((t): t is ts.NumberLiteralType => t.isNumberLiteral())
      .map((t) => t.value)
      .sort((a, b) => a - b)
    const booleans = present.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral)
    const others = present.filter(
      (t) => !t.isStringLiteral() && !t.isNumberLiteral() && !(t.flags & ts.TypeFlags.BooleanLiteral),
    )
    const schemas = [
      ...literals('string', strings),
      ...literals('number', numbers),
      ...(booleans.length === 2 ? [{type: 'boolean'}] : booleans.map((t) => this.schema(t, at, outer))),
      ...others.map((t) => this.schema(t, at, outer)),
    ]
    const anyOf = [...new Map(schemas.map((s) => [stableJson(s), s])).entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, s]) => s)
    return anyOf.length === 1 ? anyOf[0] : {anyOf}
  }
}

const literals = (type: string, values: Array<string | number>): Schema[] =>
  values.length === 0 ? [] : [values.length === 1 ? {type, const: values[0]} : {type, enum: values}]

function program(files: string[]): ts.Program {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile)
  const {options} = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT)
  return ts.createProgram(files, options)
}

/**
 * The contract of the built commands, loaded as `oclif manifest` loads them (so dist/ must be fresh: `npm test` and
 * `npm run contract` build first), and of the source's Result types.
 */
export async function buildContract(): Promise<Record<string, unknown>> {
  // The compiled commands, as shipped; not src/ through a TypeScript loader.
  settings.enableAutoTranspile = false
  const plugin = new Plugin({
    root: ROOT,
    type: 'core',
    ignoreManifest: true,
    errorOnManifestCreate: true,
    respectNoCacheDefault: true,
  })
  await plugin.load()
  const built = Object.entries(plugin.manifest.commands)
  // dist/commands/x/y.js was compiled from src/commands/x/y.ts.
  const source = (id: string, relativePath?: string[]) => {
    if (!relativePath) throw new Error(`${id}: oclif gives no file for the command`)
    return path.join(ROOT, 'src', ...relativePath.slice(1)).replace(/\.js$/, '.ts')
  }
  const base = path.join(ROOT, 'src', 'base', 'atlas-command.ts')
  const schemas = new ResultSchemas(program([...built.map(([id, c]) => source(id, c.relativePath)), base]))
  const commands = Object.fromEntries(
    built.map(([id, c]) => [
      id,
      {
        aliases: c.aliases,
        ...(c.hiddenAliases.length > 0 ? {hiddenAliases: c.hiddenAliases} : {}),
        strict: c.strict ?? true,
        // Positional: the order is the contract.
        args: Object.values(c.args).map((a) => facts(a, ARG_FACTS)),
        flags: Object.fromEntries(Object.entries(c.flags).map(([name, flag]) => [name, facts(flag, FLAG_FACTS)])),
        result: schemas.of(source(id, c.relativePath), 'Result', true),
      },
    ]),
  )
  return {
    $comment:
      "Generated by `npm run contract` from the built commands and each command's exported Result type; every result and envelope is a JSON Schema (draft-07). Do not edit.",
    envelope: {success: schemas.of(base, 'SuccessEnvelope', false), error: schemas.of(base, 'ErrorEnvelope', false)},
    commands,
  }
}

/** JSON with sorted object keys; arrays keep their order. */
export function stableJson(value: unknown, indent?: number): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sorted(x)]),
          )
        : v
  return JSON.stringify(sorted(value), null, indent)
}

export const serializeContract = (contract: unknown): string => `${stableJson(contract, 2)}\n`
