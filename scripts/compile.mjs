#!/usr/bin/env node
// The per-file build in dist/ (what the tests, `oclif manifest` and scripts/bundle.mjs read): each source file
// transpiled on its own by esbuild, which takes under a second where tsc's emit took 10 s. Types are checked
// by `npm run typecheck` (tsconfig.check.json covers src/), which `npm test` runs after the build.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const dist = path.join(root, 'dist')

const sources = fs
  .readdirSync(src, {recursive: true, encoding: 'utf8'})
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => path.join(src, f))

await build({
  entryPoints: sources,
  outdir: dist,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  tsconfig: path.join(root, 'tsconfig.json'),
  logLevel: 'warning',
})
fs.cpSync(path.join(src, 'atlas', 'spec'), path.join(dist, 'atlas', 'spec'), {recursive: true})
