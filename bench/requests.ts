import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {promisify} from 'node:util'
import {AtlasClient} from '../src/atlas/client.js'
import {FAST_DELAYS} from '../src/emulator/delays.js'
import {startEmulator} from '../src/emulator/server.js'
import {benchCluster, median} from './stats.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const BIN = path.join(ROOT, 'bin', 'run.js')
const FLOOR = path.join(ROOT, 'bench', 'floor-list.mjs')
const run = promisify(execFile)

/**
 * Requests and HTTP exchanges per command, counted by the emulator (every exchange it receives, and the 401
 * digest challenges among them), with the minimum each answer needs; and `cluster list`'s wall time over the
 * floor script's (bench/floor-list.mjs), process start-up included in both.
 */
export async function requestsBench(runs = 9) {
  const emu = await startEmulator({rateLimits: 'off', delays: FAST_DELAYS})
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-bench-'))
  try {
    const c = emu.credentials
    const env = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_HOME: path.join(home, 'data'),
      MONGODB_ATLAS_PUBLIC_API_KEY: c.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: c.privateKey,
      MONGODB_ATLAS_ORG_ID: c.orgId,
      ATLAS_BASE_URL: emu.url,
      NODE_ENV: 'production',
      CI: '1',
    }
    const api = new AtlasClient({baseUrl: emu.url, credentials: {type: 'apiKey', ...c}})
    const g = await api.ok(api.api.POST('/api/atlas/v2/groups', {body: {name: 'bench', orgId: c.orgId}}))
    const groupId = g.id!
    const inGroup = {groupId}
    await api.ok(
      api.api.POST('/api/atlas/v2/groups/{groupId}/clusters', {
        params: {path: inGroup},
        body: benchCluster('c1'),
      }),
    )
    await api.ok(
      api.api.POST('/api/atlas/v2/groups/{groupId}/flexClusters', {
        params: {path: inGroup},
        body: {name: 'f1', providerSettings: {backingProviderName: 'AWS', regionName: 'US_EAST_1'}},
      }),
    )
    // Both IDLE before anything is counted, so no command sees a cluster still being created.
    for (let i = 0; i < 200; i++) {
      const list = await api.ok(api.api.GET('/api/atlas/v2/groups/{groupId}/clusters', {params: {path: inGroup}}))
      if (list.results?.every((x) => x.stateName === 'IDLE')) break
      await new Promise((r) => setTimeout(r, 25))
    }

    const count = async (args: string[]) => {
      const before = {...emu.stats}
      const code = await run(process.execPath, [BIN, ...args, '--json'], {env}).then(
        () => 0,
        (e: {code?: number}) => e.code ?? 1,
      )
      const exchanges = emu.stats.exchanges - before.exchanges
      const challenges = emu.stats.challenges - before.challenges
      return {exitCode: code, requests: exchanges - challenges, exchanges}
    }
    // target: the requests each answer needs (each exchange beyond them is a digest challenge; one per run is the floor).
    const commands: Array<{name: string; args: string[]; target: number; why: string}> = [
      {
        name: 'cluster list --project ID',
        args: ['cluster', 'list', '--project', groupId],
        target: 2,
        why: 'one list per API: Atlas lists flex clusters only at /flexClusters',
      },
      {
        name: 'cluster list --project NAME',
        args: ['cluster', 'list', '--project', 'bench'],
        target: 3,
        why: 'the one lookup of the name, then the two lists',
      },
      {
        name: 'cluster describe --project ID',
        args: ['cluster', 'describe', 'c1', '--project', groupId],
        target: 1,
        why: 'the cluster (a flex cluster costs one more: the cluster API refuses it first)',
      },
      {
        name: 'cluster create --project ID --tier M10',
        args: ['cluster', 'create', 'c2', '--project', groupId, '--tier', 'M10'],
        target: 2,
        why: 'the project (its summary is in the answer) and the create',
      },
      {
        name: 'scale --dry-run',
        args: ['scale', 'c1', '--project', groupId, '--tier', 'M20', '--dry-run'],
        target: 2,
        why: "the project (its name is in the answer) and the cluster's document",
      },
      {
        name: 'user add',
        args: ['user', 'add', 'u1', '--project', groupId, '--credentials-file', path.join(home, 'u1.json')],
        target: 4,
        why: 'the project (its name is in the credentials), both cluster lists (connection strings) and the create',
      },
    ]
    const perCommand: Record<string, unknown> = {}
    for (const cmd of commands) {
      const r = await count(cmd.args)
      perCommand[cmd.name] = {
        ...r,
        targetRequests: cmd.target,
        targetExchanges: cmd.target + 1,
        met: r.exitCode === 0 && r.requests <= cmd.target && r.exchanges <= cmd.target + 1,
        why: cmd.why,
      }
    }

    // Interleaved, so a load that comes and goes on a shared machine weighs on each figure alike.
    const cases = {
      node: ['-e', '0'],
      floor: [FLOOR, groupId],
      list: [BIN, 'cluster', 'list', '--project', groupId, '--json'],
      version: [BIN, '--version'],
    }
    const samples: Record<keyof typeof cases, number[]> = {node: [], floor: [], list: [], version: []}
    await run(process.execPath, cases.list, {env}) // warm the file cache
    for (let i = 0; i < runs; i++)
      for (const [name, args] of Object.entries(cases) as Array<[keyof typeof cases, string[]]>) {
        const t = performance.now()
        await run(process.execPath, args, {env})
        samples[name].push(performance.now() - t)
      }
    const [nodeMs, floorMs, listMs, versionMs] = [samples.node, samples.floor, samples.list, samples.version].map(
      median,
    )
    return {
      perCommand,
      wall: {
        runs,
        nodeMs: Math.round(nodeMs),
        floorMs: Math.round(floorMs),
        clusterListMs: Math.round(listMs),
        versionMs: Math.round(versionMs),
        clusterListOverFloor: Number((listMs / floorMs).toFixed(2)),
        target: 'cluster list ≤ 2× the floor script (start-up included in both)',
      },
    }
  } finally {
    await emu.close()
    fs.rmSync(home, {recursive: true, force: true})
  }
}
