import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {promisify} from 'node:util'
import {AtlasClient} from '../src/atlas/client.js'
import {createTransport} from '../src/atlas/transport.js'
import {defaultEndpointSets} from '../src/emulator/ratelimit.js'
import {spawnEmulator} from './emulator.js'

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')
const run = promisify(execFile)

/**
 * `event provision` of N teams against the emulator with its realistic token buckets (and millisecond
 * cluster delays, so the buckets, not the clock, are what is measured). With faults, the emulator's
 * state is then listed to count lost and duplicated projects, clusters and users.
 */
export async function eventsBench(teams = 100, faults?: string) {
  const emu = await spawnEmulator(['--fast', ...(faults ? ['--faults', faults] : [])])
  try {
    const file = path.join(emu.home, 'event.yaml')
    fs.writeFileSync(file, ['id: bench', 'name: Bench', 'endsAt: 2026-12-31T00:00Z', 'defaults: {openNetworkAccess: true}', 'teams:', ...Array.from({length: teams}, (_, i) => `  - {id: t${i}, name: T${i}}`), ''].join('\n'))
    const env = {...process.env, XDG_CONFIG_HOME: path.join(emu.home, 'config'), XDG_DATA_HOME: path.join(emu.home, 'data'), ATLASCTL_POLL_INTERVAL_MS: '200', NODE_ENV: 'production', CI: '1'}
    const t = performance.now()
    const {stdout} = await run(process.execPath, [BIN, 'event', 'provision', file, '--out', path.join(emu.home, 'creds'), '--yes', '--json', '--max-concurrency', '16'], {env, maxBuffer: 1 << 26}).catch((e) => e)
    const seconds = (performance.now() - t) / 1000
    const doc = JSON.parse(stdout)
    const report = doc.result ?? doc.error?.details?.report
    const credentials = {type: 'apiKey' as const, publicKey: emu.publicKey, privateKey: emu.privateKey}
    const {stats} = (await (await createTransport({baseUrl: emu.url, credentials}).fetch(new Request(`${emu.url}/__emulator/stats`))).json()) as {stats: {bySet: Record<string, number>; rateLimited: number; faults: number}}
    // The floor the buckets allow: requests ÷ refill rate, for the bucket that binds (the USER-scoped ones).
    const floors = defaultEndpointSets().filter((s) => s.scope === 'USER' && stats.bySet[s.name]).map((s) => {
      const perSecond = s.spec.refillRate / s.spec.refillSeconds
      const n = stats.bySet[s.name]
      return {set: s.name, requests: n, floorSeconds: Number((n / perSecond).toFixed(1)), burstAwareFloorSeconds: Number((Math.max(0, n - s.spec.capacity) / perSecond).toFixed(1))}
    })
    const floor = Math.max(...floors.map((f) => f.floorSeconds))
    // Count what exists: every team should have exactly one project, one cluster and one user.
    const api = new AtlasClient({baseUrl: emu.url, credentials, retry: {maxRetries: 8, baseDelayMs: 50}})
    const groups = (await api.paginate((query) => api.ok(api.api.GET('/api/atlas/v2/groups', {params: {query}}), 'listGroups'))).filter((g) => g.tags?.some((x) => x.key === 'event' && x.value === 'bench'))
    let clusters = 0
    let users = 0
    let duplicated = 0
    for (const g of groups) {
      const c = (await api.ok(api.api.GET('/api/atlas/v2/groups/{groupId}/clusters', {params: {path: {groupId: g.id!}}}), 'listClusters')).results?.length ?? 0
      const u = (await api.ok(api.api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path: {groupId: g.id!}}}), 'listUsers')).results?.length ?? 0
      clusters += c
      users += u
      if (c > 1 || u > 1) duplicated++
    }
    return {
      teams,
      faults: faults ?? 'none',
      wallSeconds: Number(seconds.toFixed(1)),
      done: report?.done,
      failed: report?.failed,
      rateLimitedResponses: stats.rateLimited,
      injectedFaults: stats.faults,
      requestsBySet: stats.bySet,
      floors,
      wallOverFloor: Number((seconds / floor).toFixed(2)),
      existing: {projects: groups.length, clusters, users},
      lost: teams - Math.min(groups.length, clusters, users),
      duplicatedTeams: duplicated,
      target: faults ? 'zero lost or duplicated' : 'wall ≤ 1.2 × floor, zero failures',
    }
  } finally {
    emu.stop()
  }
}
