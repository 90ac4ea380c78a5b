import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../support/run-cli.js'

// The committed manifest is what makes start-up fast; a stale one hides commands and flags.
describe('oclif.manifest.json', () => {
  it('matches a manifest generated from the current build', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-manifest-'))
    for (const f of ['package.json', 'dist', 'bin']) fs.cpSync(path.join(ROOT, f), path.join(dir, f), {recursive: true})
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'oclif', 'bin', 'run.js'), 'manifest'], {
      cwd: dir,
      stdio: 'pipe',
      env: {...process.env, NODE_ENV: 'production'},
    })
    const fresh = JSON.parse(fs.readFileSync(path.join(dir, 'oclif.manifest.json'), 'utf8'))
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'))
    expect(committed, 'oclif.manifest.json is stale: run "npm run manifest" and commit it').toEqual(fresh)
  })
})
