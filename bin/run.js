#!/usr/bin/env node
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

// One bundled script (scripts/bundle.mjs), compiled from its V8 code cache: start-up is measured in bench/.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
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
const require = createRequire(file)
const main = new (require('node:module'))(file)
main.filename = file
script.runInThisContext()(main.exports, require, main, file, path.dirname(file))
main.loaded = true
// oclif requires the explicit command target by path: it gets this instance, not a second copy.
require.cache[file] = main

const pjson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
pjson.oclif.commands = {strategy: 'explicit', target: './dist/main.cjs', identifier: 'COMMANDS'}
await main.exports.execute({loadOptions: {root, pjson}})
// A missing cache, or one another Node version made, is (re)written once; a read-only install just runs uncached.
if (!cachedData || script.cachedDataRejected) {
  try {
    const tmp = `${cacheFile}.${process.pid}`
    fs.writeFileSync(tmp, script.createCachedData())
    fs.renameSync(tmp, cacheFile)
  } catch {
    // Not writable: nothing is lost but speed.
  }
}
