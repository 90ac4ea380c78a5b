import {createRequire} from 'node:module'
import {Ajv, type ValidateFunction} from 'ajv'
import addFormats from 'ajv-formats'
import {OPERATIONS} from '../../src/atlas/operations.generated.js'
import type {Exchange} from '../../src/emulator/server.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const spec = createRequire(import.meta.url)('../../src/atlas/spec/atlas-admin-v2.validator-friendly.json') as Json

/** readOnly properties are not required in requests, writeOnly ones not in responses (OpenAPI 3.0 §4.7.25). */
function stripRequired(node: unknown, flag: 'readOnly' | 'writeOnly'): unknown {
  if (Array.isArray(node)) return node.map((n) => stripRequired(n, flag))
  if (!node || typeof node !== 'object') return node
  const out: Json = {}
  for (const [k, v] of Object.entries(node)) out[k] = stripRequired(v, flag)
  if (Array.isArray(out.required) && out.properties) {
    out.required = out.required.filter((p: string) => !out.properties[p]?.[flag])
    if (out.required.length === 0) delete out.required
  }
  return out
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

export class ContractValidator {
  private readonly ajv = new Ajv({strict: false, allErrors: true, validateFormats: true})
  private readonly cache = new Map<string, ValidateFunction>()
  readonly violations: string[] = []
  readonly seen = new Set<string>()
  /** A test's hook on every checked exchange (e.g. to crash a client at a chosen step). */
  onCheck?: (x: Exchange) => void

  constructor() {
    addFormats.default(this.ajv)
    for (const f of ['int32', 'int64', 'double', 'float']) this.ajv.addFormat(f, true)
    this.ajv.addSchema(stripRequired(spec, 'readOnly') as Json, 'request')
    this.ajv.addSchema(stripRequired(spec, 'writeOnly') as Json, 'response')
  }

  private validator(doc: 'request' | 'response', ref: string): ValidateFunction {
    const key = `${doc}#${ref}`
    let v = this.cache.get(key)
    if (!v) {
      v = this.ajv.compile({$ref: key})
      this.cache.set(key, v)
    }
    return v
  }

  /** Validates one exchange; violations are collected, so a test can assert there are none. */
  check(x: Exchange): void {
    this.onCheck?.(x)
    const op = OPERATIONS.find((o) => o.operationId === x.operationId)
    if (!op) return void this.violations.push(`${x.method} ${x.path}: no operation in the spec`)
    this.seen.add(`${op.operationId} ${x.status}`)
    const def = spec.paths[op.path][op.method.toLowerCase()]
    const where = `${op.operationId} ${x.status}`
    if (x.requestBody !== undefined && x.status < 300) {
      const type = Object.keys(def.requestBody?.content ?? {})[0]
      if (!type) this.violations.push(`${where}: request has a body the spec does not define`)
      else
        this.run(
          'request',
          `/${pointer('paths', op.path, op.method.toLowerCase(), 'requestBody', 'content', type, 'schema')}`,
          x.requestBody,
          `${where} request`,
        )
    }
    // Injected faults are outside the spec by design; their bodies must still be ApiErrors.
    if (x.injected) return this.run('response', '/components/schemas/ApiError', x.responseBody, `${where} (injected)`)
    const resp = def.responses[String(x.status)]
    if (!resp) return void this.violations.push(`${where}: status ${x.status} is not in the spec`)
    const contentType = x.responseHeaders['content-type']
    const content = resp.content ?? spec.components.responses[resp.$ref?.split('/').pop()]?.content
    if (x.responseBody === undefined) {
      const schemas = Object.values((content ?? {}) as Json) as Json[]
      if (x.status !== 202 && x.status !== 204 && schemas.some((c) => c.schema?.$ref || c.schema?.properties))
        this.violations.push(`${where}: response has no body`)
      return
    }
    if (!content?.[contentType])
      return void this.violations.push(
        `${where}: content type ${contentType} not in the spec (${Object.keys(content ?? {}).join(', ')})`,
      )
    const base = resp.$ref
      ? `/${pointer('components', 'responses', resp.$ref.split('/').pop())}`
      : `/${pointer('paths', op.path, op.method.toLowerCase(), 'responses', String(x.status))}`
    this.run('response', `${base}/${pointer('content', contentType, 'schema')}`, x.responseBody, `${where} response`)
  }

  private run(doc: 'request' | 'response', ref: string, value: unknown, where: string): void {
    const v = this.validator(doc, ref)
    if (!v(value))
      this.violations.push(
        `${where}: ${this.ajv.errorsText(v.errors, {separator: '; '})} in ${JSON.stringify(value).slice(0, 400)}`,
      )
  }
}
