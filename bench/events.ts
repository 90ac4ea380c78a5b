import {execFile, spawn} from 'node:child_process'
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
    fs.writeFileSync(
      file,
      [
        'id: bench',
        'name: Bench',
        'endsAt: 2026-12-31T00:00Z',
        'defaults: {openNetworkAccess: true}',
        'teams:',
        ...Array.from({length: teams}, (_, i) => `  - {id: t${i}, name: T${i}}`),
        '',
      ].join('\n'),
    )
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(emu.home, 'config'),
      XDG_DATA_HOME: path.join(emu.home, 'data'),
      ATLASCTL_POLL_INTERVAL_MS: '200',
      NODE_ENV: 'production',
      CI: '1',
    }
    const t = performance.now()
    const {stdout} = await run(
      process.execPath,
      [
        BIN,
        'event',
        'provision',
        file,
        '--out',
        path.join(emu.home, 'creds'),
        '--yes',
        '--json',
        '--max-concurrency',
        '16',
      ],
      {env, maxBuffer: 1 << 26},
    ).catch((e) => e)
    const seconds = (performance.now() - t) / 1000
    const doc = JSON.parse(stdout)
    const report = doc.result ?? doc.error?.details?.report
    const credentials = {type: 'apiKey' as const, publicKey: emu.publicKey, privateKey: emu.privateKey}
    const {stats} = (await (
      await createTransport({baseUrl: emu.url, credentials}).fetch(new Request(`${emu.url}/__emulator/stats`))
    ).json()) as {stats: {bySet: Record<string, number>; rateLimited: number; faults: number}}
    // The floor the buckets allow: requests ÷ refill rate, for the bucket that binds (the USER-scoped ones).
    const floors = defaultEndpointSets()
      .filter((s) => s.scope === 'USER' && stats.bySet[s.name])
      .map((s) => {
        const perSecond = s.spec.refillRate / s.spec.refillSeconds
        const n = stats.bySet[s.name]
        return {
          set: s.name,
          requests: n,
          floorSeconds: Number((n / perSecond).toFixed(1)),
          burstAwareFloorSeconds: Number((Math.max(0, n - s.spec.capacity) / perSecond).toFixed(1)),
        }
      })
    const floor = Math.max(...floors.map((f) => f.floorSeconds))
    // Count what exists: every team should have exactly one project, one cluster and one user.
    const api = new AtlasClient({baseUrl: emu.url, credentials, retry: {maxRetries: 8, baseDelayMs: 50}})
    const groups = (
      await api.paginate((query) => api.ok(api.api.GET('/api/atlas/v2/groups', {params: {query}})))
    ).filter((g) => g.tags?.some((x) => x.key === 'event' && x.value === 'bench'))
    let clusters = 0
    let users = 0
    let duplicated = 0
    for (const g of groups) {
      const c =
        (await api.ok(api.api.GET('/api/atlas/v2/groups/{groupId}/clusters', {params: {path: {groupId: g.id!}}})))
          .results?.length ?? 0
      const u =
        (await api.ok(api.api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path: {groupId: g.id!}}})))
          .results?.length ?? 0
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

/**
 * Kills: `event provision` of N teams under faults, SIGKILLed at seeded random moments K times, with two
 * runs at once in between, then run to the end. Reads the emulator's state file to count lost and
 * duplicated projects, clusters and users, and bundles whose password is not the user's.
 */
export async function eventsKillBench(teams = 30, kills = 8, faults = 'errorRate=0.1,dropRate=0.05,seed=11') {
  const dataDir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'atlasctl-kill-'))
  const emu = await spawnEmulator(['--fast', '--faults', faults, '--data-dir', dataDir])
  try {
    const file = path.join(emu.home, 'event.yaml')
    fs.writeFileSync(
      file,
      [
        'id: kill',
        'name: Kill',
        'endsAt: 2026-12-31T00:00Z',
        'defaults: {openNetworkAccess: true}',
        'teams:',
        ...Array.from({length: teams}, (_, i) => `  - {id: t${i}, name: T${i}}`),
        '',
      ].join('\n'),
    )
    const out = path.join(emu.home, 'creds')
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(emu.home, 'config'),
      XDG_DATA_HOME: path.join(emu.home, 'data'),
      ATLASCTL_POLL_INTERVAL_MS: '100',
      NODE_ENV: 'production',
      CI: '1',
    }
    const args = [BIN, 'event', 'provision', file, '--out', out, '--yes', '--json']
    const once = (killAfterMs?: number) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, args, {env, stdio: 'ignore'})
        const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        child.on('exit', (code, signal) => {
          clearTimeout(timer)
          resolve(signal ? -1 : (code ?? -1))
        })
      })
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const codes: number[] = []
    for (let i = 0; i < kills; i++) codes.push(await once(300 + Math.floor(random() * 2500)))
    const concurrent = await Promise.all([once(), once()])
    let final = await once()
    // Under faults a team may fail a run (exit 7); the documented answer is to run again.
    for (let i = 0; i < 3 && final !== 0; i++) final = await once()
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as {
      groups: Record<string, {name: string; tags?: Array<{key: string; value: string}>}>
      clusters: Record<string, Record<string, unknown>>
      users: Record<string, Record<string, {password?: string}>>
    }
    const ours = Object.entries(state.groups).filter(([, g]) =>
      g.tags?.some((t) => t.key === 'event' && t.value === 'kill'),
    )
    const byTeam = new Map<string, number>()
    let clusters = 0
    let users = 0
    let duplicated = 0
    let wrongPasswords = 0
    for (const [id, g] of ours) {
      const team = g.tags!.find((t) => t.key === 'team')!.value
      byTeam.set(team, (byTeam.get(team) ?? 0) + 1)
      const c = Object.keys(state.clusters[id] ?? {}).length
      const u = Object.values(state.users[id] ?? {})
      clusters += c
      users += u.length
      if (c > 1 || u.length > 1) duplicated++
      const bundle = path.join(out, `${team}.json`)
      const password = fs.existsSync(bundle)
        ? (JSON.parse(fs.readFileSync(bundle, 'utf8')) as {password: string}).password
        : undefined
      if (!password || u[0]?.password !== password) wrongPasswords++
    }
    duplicated += [...byTeam.values()].filter((n) => n > 1).length
    return {
      teams,
      kills,
      faults,
      killedRunExits: codes,
      concurrentExits: concurrent,
      finalExit: final,
      existing: {projects: ours.length, clusters, users},
      lost: teams - Math.min(byTeam.size, clusters, users),
      duplicatedTeams: duplicated,
      bundlesWithWrongPassword: wrongPasswords,
      target: 'zero lost, duplicated or wrong passwords; final exit 0',
    }
  } finally {
    emu.stop()
  }
}
