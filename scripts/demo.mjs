#!/usr/bin/env node
// The README's main job: start the local Atlas emulator, create a free cluster, wait for it,
// list it, delete it, stop the emulator. Runs in a throw-away config dir, so your profiles are untouched.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-demo-'))
const env = {...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_DATA_HOME: path.join(home, 'data')}
for (const k of Object.keys(env)) if (/^(MONGODB_ATLAS_|ATLAS_)/.test(k) || k === 'ATLASCTL_PROFILE') delete env[k]

function atlasctl(...args) {
  process.stderr.write(`\n$ atlasctl ${args.join(' ')}\n`)
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), ...args], {env, stdio: 'inherit'})
  if (r.status !== 0) {
    spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'emulator', 'stop'], {env, stdio: 'inherit'})
    process.exit(r.status ?? 1)
  }
}

atlasctl('emulator', 'start', '--detach', '--port', '0')
atlasctl('project', 'create', 'demo')
atlasctl(
  'cluster',
  'create',
  'demo-m0',
  '--project',
  'demo',
  '--tier',
  'M0',
  '--provider',
  'AWS',
  '--region',
  'US_EAST_1',
  '--wait',
)
atlasctl('cluster', 'list', '--project', 'demo')
atlasctl('cluster', 'delete', 'demo-m0', '--project', 'demo', '--yes', '--wait')
atlasctl('project', 'delete', 'demo', '--yes')
atlasctl('emulator', 'stop')
process.stderr.write(`\nDone. This ran against the local emulator with no Atlas account; config lived in ${home}.\n`)
