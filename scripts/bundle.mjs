#!/usr/bin/env node
// Start-up: oclif and every command in one CommonJS file (dist/main.cjs), so a run compiles one script, from a V8
// code cache made here. bin/run.js loads it; oclif finds the commands in it (the explicit command strategy).
// Run after tsc, from dist/: the per-file build stays for `oclif manifest`, the contract and the tests.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const out = path.join(dist, 'main.cjs')

/** dist/commands/<topic>/<verb>.js is the command `topic:verb`, as oclif's pattern strategy names it. */
function commandFiles(dir, prefix = []) {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    if (e.isDirectory()) return commandFiles(path.join(dir, e.name), [...prefix, e.name])
    if (!e.name.endsWith('.js') || e.name === 'index.js') return []
    return [{id: [...prefix, e.name.slice(0, -3)].join(':'), file: path.join(dir, e.name)}]
  })
}

const commands = commandFiles(path.join(dist, 'commands')).sort((a, b) => (a.id < b.id ? -1 : 1))
// package.json's hooks and help class, exported as HOOK_<event> and HELP_CLASS: bin/run.js points oclif at them.
const {hooks = {}, helpClass} = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).oclif
// Each command is evaluated when oclif first reads its id, so a run evaluates only the command it runs.
const entry = [
  "export {execute, settings} from '@oclif/core'",
  ...Object.entries(hooks).map(
    ([event, file]) => `export {default as HOOK_${event}} from ${JSON.stringify(path.join(root, file))}`,
  ),
  ...(helpClass ? [`export {default as HELP_CLASS} from ${JSON.stringify(path.join(root, helpClass))}`] : []),
  'export const COMMANDS = {}',
  ...commands.map(
    (c) =>
      `Object.defineProperty(COMMANDS, ${JSON.stringify(c.id)}, {enumerable: true, get: () => require(${JSON.stringify(c.file)}).default})`,
  ),
].join('\n')

// import.meta.url in CommonJS: each file's own URL, so paths relative to it (the vendored spec) still resolve.
const importMetaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({filter: /\.js$/}, (args) => {
      const text = fs.readFileSync(args.path, 'utf8')
      if (!text.includes('import.meta.url') || !args.path.startsWith(dist + path.sep)) return undefined
      const rel = JSON.stringify(path.relative(dist, args.path))
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${rel})).href`,
        ),
        loader: 'js',
      }
    })
  },
}

// Source edits to dependencies, each for start-up; the build fails if one no longer applies (a changed dependency).
const patches = [
  {
    // The first localeCompare of a process loads ICU's collation data (about 13 ms); command ids are ASCII, where
    // code-unit order is what oclif's help sorts by anyway.
    file: path.join('@oclif', 'core', 'lib', 'config', 'plugin.js'),
    from: '.sort((a, b) => a.id.localeCompare(b.id))',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
  },
  {
    // oclif checks package.json's engines with semver (a few ms of loading it); bin/run.js checks them itself.
    file: path.join('@oclif', 'core', 'lib', 'index.js'),
    from: 'checkCWD();\ncheckNodeVersion();',
    to: 'checkCWD();',
  },
]
// bin/run.js's engines check reads ">=major.minor.patch" only.
const engines = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines?.node
if (!/^>=\d+\.\d+\.\d+$/.test(engines ?? '')) {
  console.error(`bundle: engines.node must be ">=x.y.z" for bin/run.js's check, not ${JSON.stringify(engines)}`)
  process.exit(1)
}
const patchDependencies = {
  name: 'patch-dependencies',
  setup(b) {
    for (const patch of patches) {
      const file = path.join(root, 'node_modules', patch.file)
      b.onLoad({filter: new RegExp(`${patch.file.replaceAll(/[\\/.]/g, '\\$&')}$`)}, (args) => {
        if (args.path !== file) return undefined
        const text = fs.readFileSync(file, 'utf8')
        if (!text.includes(patch.from)) throw new Error(`bundle: ${patch.file} no longer contains ${patch.from}`)
        patch.applied = true
        return {contents: text.replace(patch.from, patch.to), loader: 'js'}
      })
    }
  },
}

// oclif's `debug`, read only under DEBUG (scripts/bundle-debug.cjs); the shim's own require gets the real one.
const debugShim = path.join(root, 'scripts', 'bundle-debug.cjs')
const debugWhenAsked = {
  name: 'debug-when-asked',
  setup(b) {
    b.onResolve({filter: /^debug$/}, (args) => (args.importer === debugShim ? undefined : {path: debugShim}))
  },
}

const result = await build({
  stdin: {contents: entry, resolveDir: dist, sourcefile: 'main-entry.js', loader: 'js'},
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: out,
  // Loaded from node_modules by the commands that use them, so a run of --version or help never reads them. Only
  // packages read by name stay out: a require() of an ES module (Node >= 20.19) has no CommonJS default.
  // (typescript: oclif's support for development runs only.)
  external: [
    'mongodb',
    'zod',
    'yaml',
    'ajv',
    'ajv-formats',
    '@inquirer/prompts',
    'cli-table3',
    'smol-toml',
    'typescript',
  ],
  // A script run from a code cache cannot import(): lazy imports become require(), which loads ES modules too.
  supported: {'dynamic-import': false},
  plugins: [importMetaUrl, patchDependencies, debugWhenAsked],
  logLevel: 'warning',
  metafile: true,
  minifyWhitespace: true,
  minifySyntax: true,
})
for (const patch of patches)
  if (!patch.applied) {
    console.error(`bundle: ${patch.file} was not bundled, so its patch did not apply`)
    process.exit(1)
  }
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0)

// An ES-module-only package kept out and read by its default would get its namespace instead (a require() of an ES
// module has no CommonJS default): refuse, so that it is bundled instead.
const text = fs.readFileSync(out, 'utf8')
const nodeRequire = createRequire(import.meta.url)
for (const m of text.matchAll(/(?:(\w+) = )?__toESM\(require\("([^"]+)"\), 1\)/g)) {
  const [, variable, name] = m
  if (name.startsWith('node:')) continue
  const dir = path.join(root, 'node_modules', ...name.split('/').slice(0, name.startsWith('@') ? 2 : 1))
  const pkg = nodeRequire(path.join(dir, 'package.json'))
  if (pkg.type !== 'module' || JSON.stringify(pkg.exports ?? {}).includes('"require"')) continue
  const byDefault = variable
    ? text.includes(`${variable}.default`)
    : /default\s*:[^;]*$/.test(text.slice(Math.max(0, m.index - 120), m.index))
  if (byDefault) {
    console.error(`bundle: ${name} is an ES module read by its default; bundle it instead of keeping it out`)
    process.exit(1)
  }
}

// The code cache: V8's compiled form of what a topic's help runs, which bin/run.js writes when there is none.
const cache = `${out}.cache`
fs.rmSync(cache, {force: true})
const run = spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'cluster', '--help'], {
  stdio: ['ignore', 'ignore', 'inherit'],
})
if (run.status !== 0 || !fs.existsSync(cache)) {
  console.error('bundle: the run that makes the code cache failed')
  process.exit(1)
}
console.error(
  `bundle: ${commands.length} commands in dist/main.cjs (${Math.round(bytes / 1024)} KB), code cache ${Math.round(fs.statSync(cache).size / 1024)} KB`,
)
