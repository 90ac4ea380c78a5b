import {execFile} from 'node:child_process'
import path from 'node:path'
import {promisify} from 'node:util'
import {AtlasClient} from '../src/atlas/client.js'
import {spawnEmulator} from './emulator.js'
import {median} from './stats.js'

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')
const run = promisify(execFile)

/**
 * `cluster create --wait` against the emulator: how long after the cluster reached IDLE the CLI returned
 * (target: at most one poll interval), and how many API calls each wait made.
 */
export async function waitBench(runs = 5, pollMs = 1000) {
  const emu = await spawnEmulator(['--rate-limits', 'off'])
  try {
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(emu.home, 'config'),
      XDG_DATA_HOME: path.join(emu.home, 'data'),
      ATLASCTL_POLL_INTERVAL_MS: String(pollMs),
      NODE_ENV: 'production',
      CI: '1',
    }
    const api = new AtlasClient({
      baseUrl: emu.url,
      credentials: {type: 'apiKey', publicKey: emu.publicKey, privateKey: emu.privateKey},
    })
    const g = await api.ok(api.api.POST('/api/atlas/v2/groups', {body: {name: 'waitbench', orgId: emu.orgId} as never}))
    const lags: number[] = []
    const calls: number[] = []
    for (let i = 0; i < runs; i++) {
      const {stdout} = await run(
        process.execPath,
        [BIN, 'cluster', 'create', `w${i}`, '--project', g.id!, '--tier', 'M10', '--wait', '--json', '--debug'],
        {env, maxBuffer: 1 << 24},
      ).catch((e) => e)
      const returned = Date.now()
      const result = JSON.parse(stdout).result
      const created = Date.parse(result.cluster.createDate ?? '') || NaN
      // The emulator's realistic create delay is 8 s from createDate; the CLI returns after the first poll that sees IDLE.
      const idleAt = (Number.isNaN(created) ? returned : created) + 8000
      lags.push(returned - idleAt)
      calls.push(result.polls ?? 0)
    }
    return {
      runs,
      firstPollIntervalMs: pollMs,
      maxPollIntervalMs: 10_000,
      medianIdleToReturnMs: Math.round(median(lags)),
      maxIdleToReturnMs: Math.round(Math.max(...lags)),
      medianApiCallsPerWait: median(calls),
      target: 'idle-to-return ≤ one poll interval (the interval in force when IDLE arrives)',
    }
  } finally {
    emu.stop()
  }
}
