import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {AtlasClient} from '../src/atlas/client.js'
import {benchCluster} from './stats.js'

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')

/** Starts the emulator as its own process (as users run it) and returns its URL and keys. */
export async function spawnEmulator(extra: string[] = []) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-bench-'))
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'data'),
    NODE_ENV: 'production',
  }
  const child = spawn(process.execPath, [BIN, 'emulator', 'start', '--port', '0', ...extra], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(d.toString())
      if (m) resolve(m[0])
    })
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
  })
  const config = JSON.parse(fs.readFileSync(path.join(home, 'config', 'atlasctl', 'config.json'), 'utf8'))
  const p = config.profiles.local
  return {
    url,
    publicKey: p.publicApiKey as string,
    privateKey: p.privateApiKey as string,
    orgId: p.orgId as string,
    home,
    stop: () => child.kill('SIGTERM'),
  }
}

/** GET-cluster requests per second with digest auth, from concurrent clients; target ≥ 2,000. */
export async function emulatorThroughputBench(total = 20_000, concurrency = 32) {
  const emu = await spawnEmulator(['--fast', '--rate-limits', 'off'])
  try {
    const mk = () =>
      new AtlasClient({
        baseUrl: emu.url,
        credentials: {type: 'apiKey', publicKey: emu.publicKey, privateKey: emu.privateKey},
        retry: {maxRetries: 0},
      })
    const setup = mk()
    const g = await setup.ok(setup.api.POST('/api/atlas/v2/groups', {body: {name: 'bench', orgId: emu.orgId} as never}))
    const path = {groupId: g.id!, clusterName: 'c1'}
    await setup.ok(
      setup.api.POST('/api/atlas/v2/groups/{groupId}/clusters', {
        params: {path: {groupId: g.id!}},
        body: benchCluster('c1'),
      }),
    )
    // A lean digest client (node's crypto, one nonce per worker, nc counting up), so the figure is the
    // emulator's and not the pure-JS MD5 of the client sharing these two cores.
    const uri = `/api/atlas/v2/groups/${path.groupId}/clusters/${path.clusterName}`
    const md5 = (x: string) => createHash('md5').update(x).digest('hex')
    const ha1 = md5(`${emu.publicKey}:MMS Public API:${emu.privateKey}`)
    const ha2 = md5(`GET:${uri}`)
    const accept = {accept: 'application/vnd.atlas.2024-08-05+json'}
    const workers = await Promise.all(
      Array.from({length: concurrency}, async () => {
        const challenge = (await fetch(`${emu.url}${uri}`, {headers: accept})).headers.get('www-authenticate') ?? ''
        return {nonce: /nonce="([^"]+)"/.exec(challenge)![1], cnonce: randomBytes(8).toString('hex'), nc: 0}
      }),
    )
    const header = (w: {nonce: string; cnonce: string; nc: number}) => {
      const nc = (++w.nc).toString(16).padStart(8, '0')
      const response = md5(`${ha1}:${w.nonce}:${nc}:${w.cnonce}:auth:${ha2}`)
      return `Digest username="${emu.publicKey}", realm="MMS Public API", nonce="${w.nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="${w.cnonce}", response="${response}", algorithm=MD5`
    }
    let left = total
    let failures = 0
    const t = performance.now()
    await Promise.all(
      workers.map(async (w) => {
        while (left-- > 0) {
          const r = await fetch(`${emu.url}${uri}`, {headers: {...accept, authorization: header(w)}})
          await r.arrayBuffer()
          if (!r.ok) failures++
        }
      }),
    )
    const seconds = (performance.now() - t) / 1000
    return {
      requests: total,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      requestsPerSecond: Math.round(total / seconds),
      failures,
      target: '≥ 2000 req/s',
    }
  } finally {
    emu.stop()
  }
}
