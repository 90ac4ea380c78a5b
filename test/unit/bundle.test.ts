import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT} from '../support/run-cli.js'

// The bundle (scripts/bundle.mjs) is what bin/run.js runs: it must hold every command, and start without the rest.
describe('dist/main.cjs', () => {
  it('holds exactly the commands of the manifest', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'))
    const bundle = createRequire(import.meta.url)(path.join(ROOT, 'dist', 'main.cjs'))
    expect(Object.keys(bundle.COMMANDS).sort()).toEqual(Object.keys(manifest.commands).sort())
    expect(fs.existsSync(path.join(ROOT, 'dist', 'main.cjs.cache')), 'the code cache is missing').toBe(true)
  })

  it('warns on a Node older than package.json engines (checked by bin/run.js, not oclif)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-engines-'))
    for (const f of ['dist', 'bin', 'oclif.manifest.json'])
      fs.cpSync(path.join(ROOT, f), path.join(dir, f), {recursive: true})
    const pjson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    for (const [engine, warned] of [
      ['>=99.0.0', true],
      [`>=${process.versions.node}`, false],
    ] as const) {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({...pjson, engines: {node: engine}}))
      const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'run.js'), '--version'], {encoding: 'utf8'})
      expect(r.stdout).toMatch(/^atlasctl\/\d/)
      expect(r.stderr.includes(`Node version must be ${engine}`), `${engine}: ${r.stderr}`).toBe(warned)
    }
  })

  it('a rejected code cache (another Node, a bad file) is written again by the next run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-cache-'))
    for (const f of ['package.json', 'dist', 'bin', 'oclif.manifest.json'])
      fs.cpSync(path.join(ROOT, f), path.join(dir, f), {recursive: true})
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
    const cache = path.join(dir, 'dist', 'main.cjs.cache')
    fs.writeFileSync(cache, 'not a code cache')
    const out = execFileSync(process.execPath, [path.join(dir, 'bin', 'run.js'), '--version'], {encoding: 'utf8'})
    expect(out).toMatch(/^atlasctl\/\d/)
    expect(fs.readFileSync(cache).length).toBeGreaterThan(100_000)
  })

  // Every command extends AtlasCommand, whose config schema is zod's: zod unread means no command was evaluated.
  it('--version and a topic help evaluate no command and load none of the packages kept out of the bundle', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-bundle-'))
    const hook = path.join(dir, 'hook.cjs')
    // Records every module that CommonJS loads.
    fs.writeFileSync(
      hook,
      `const M = require('node:module'); const seen = []; const load = M._load
M._load = function (request, ...rest) { seen.push(request); return load.call(this, request, ...rest) }
process.on('exit', () => require('node:fs').writeFileSync(process.env.SEEN, JSON.stringify(seen)))`,
    )
    for (const args of [['--version'], ['cluster', '--help']]) {
      const seenFile = path.join(dir, `${args[0]}.json`)
      execFileSync(process.execPath, ['--require', hook, BIN, ...args], {env: {...process.env, SEEN: seenFile}})
      const seen: string[] = JSON.parse(fs.readFileSync(seenFile, 'utf8'))
      for (const lazy of ['mongodb', 'zod', 'yaml', 'ajv', '@inquirer/prompts', 'cli-table3', 'typescript'])
        expect(seen, `${args.join(' ')} loaded ${lazy}`).not.toContain(lazy)
    }
  })

  // The bundle's debug is a shim that loads the real one only under DEBUG (scripts/bundle-debug.cjs).
  it('DEBUG still traces oclif, through the real debug', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], {
      env: {...process.env, DEBUG: 'oclif:*'},
      encoding: 'utf8',
    })
    expect(r.stdout).toMatch(/^atlasctl\/\d/)
    expect(r.stderr).toMatch(/oclif:main process\.argv/)
  })

  // Help skips ejs for plain text (src/ui/help.ts): an example's template is still rendered.
  it('help renders the examples templates and the plain text alike', () => {
    const out = execFileSync(process.execPath, [BIN, 'user', 'add', '--help'], {encoding: 'utf8'})
    expect(out).toContain('$ atlasctl user add alice --project my-project')
    expect(out).not.toContain('<%')
    expect(execFileSync(process.execPath, [BIN, 'cluster', '--help'], {encoding: 'utf8'})).toContain('cluster list')
  })
})
