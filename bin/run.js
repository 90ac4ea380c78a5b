#!/usr/bin/env node
'use strict'
// CommonJS (bin/package.json): a CommonJS entry skips Node's ES module loader, a few milliseconds of every run.
const fs = require('node:fs')
const Module = require('node:module')
const path = require('node:path')
const vm = require('node:vm')

// V8 frees a dropped Buffer's memory only when it collects the object that held it, and a young generation grown
// to its full 16 MB semi-spaces is collected rarely while an import makes few objects: the driver's 2 MB messages
// pile up outside the heap (130 MB peak importing 50 KB documents). Kept at its first size from the start, it is
// collected every MB or so, and the peak is 117 MB (bench: migrate). Only for import: it costs start-up time, and
// an export of small documents, which makes many objects, would promote more of them (90 MB peak without, 137 with).
const [topic, verb] = process.argv[2]?.includes(':') ? process.argv[2].split(':') : process.argv.slice(2, 4)
if (topic === 'migrate' && verb === 'import') require('node:v8').setFlagsFromString('--semi-space-growth-factor=1')

// One bundled script (scripts/bundle.mjs), compiled from its V8 code cache: start-up is measured in bench/.
const root = path.resolve(__dirname, '..')
const file = path.join(root, 'dist', 'main.cjs')
const cacheFile = `${file}.cache`
let source
try {
  source = fs.readFileSync(file, 'utf8')
} catch {
  process.stderr.write(`atlasctl is not built (${file} is missing): run "npm run build".\n`)
  process.exit(1)
}
let cachedData
try {
  cachedData = fs.readFileSync(cacheFile)
} catch {
  // No cache yet: compiled from source, and the cache is written after this run.
}
const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`
const script = new vm.Script(wrapped, {filename: file, cachedData})
const bundleRequire = Module.createRequire(file)
const main = new Module(file)
main.filename = file
script.runInThisContext()(main.exports, bundleRequire, main, file, path.dirname(file))
main.loaded = true
// oclif requires the explicit command target by path: it gets this instance, not a second copy.
bundleRequire.cache[file] = main

const pjson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
// oclif's own engines check is left out of the bundle (it loads semver); the build keeps engines ">=x.y.z".
const compareVersions = (have, want) => {
  const [a, b] = [have, want].map((v) => v.split('.').map(Number))
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}
const engine = pjson.engines.node.slice(2)
if (compareVersions(process.versions.node, engine) < 0)
  process.emitWarning(
    `Node version must be ${pjson.engines.node} to use this CLI. Current node version: ${process.versions.node}`,
  )
pjson.oclif.commands = {strategy: 'explicit', target: './dist/main.cjs', identifier: 'COMMANDS'}
for (const event of Object.keys(pjson.oclif.hooks ?? {}))
  pjson.oclif.hooks[event] = {target: './dist/main.cjs', identifier: `HOOK_${event}`}
if (pjson.oclif.helpClass) pjson.oclif.helpClass = {target: './dist/main.cjs', identifier: 'HELP_CLASS'}
// The bundle is compiled: nothing to transpile, so typescript is never looked up (oclif would under NODE_ENV=test).
main.exports.settings.enableAutoTranspile = false
void main.exports.execute({loadOptions: {root, pjson}}).then(() => {
  // A missing cache, or one another Node version made, is (re)written once; a read-only install just runs uncached.
  if (cachedData && !script.cachedDataRejected) return
  try {
    const tmp = `${cacheFile}.${process.pid}`
    fs.writeFileSync(tmp, script.createCachedData())
    fs.renameSync(tmp, cacheFile)
  } catch {
    // Not writable: nothing is lost but speed.
  }
})
