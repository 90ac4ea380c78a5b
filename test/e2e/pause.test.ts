import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Exchange} from '../../src/emulator/server.js'
import {seedCluster, startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {runCli, tempHome} from '../support/run-cli.js'

/** An emulator, a fresh home and a project; `writes` records every non-GET call with its body. */
async function setUp(project: string, delays?: Record<string, number>) {
  const writes: Exchange[] = []
  const emu = await startTestEmulator({
    ...(delays ? {delays: {clusterCreateMs: 10, clusterUpdateMs: 200, ...delays}} : {}),
    onExchange: (x) => void (x.method !== 'GET' && writes.push(x)),
  })
  const h = tempHome()
  const env: Record<string, string> = {...h.env, ...emu.env, ATLAS_PROJECT_ID: project}
  await runCli(['project', 'create', project], {env})
  return {emu, env, home: h.dir, writes}
}

const pauses = (writes: Exchange[]) =>
  writes
    .filter((w) => w.operationId === 'updateGroupCluster')
    .map((w) => JSON.stringify(w.requestBody))
    .filter((b) => b.includes('paused'))

describe('cluster pause and resume against the emulator', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let writes: Exchange[]

  beforeAll(async () => {
    ;({emu, env, writes} = await setUp('pausing'))
    for (const [name, tier] of [
      ['api', 'M10'],
      ['free', 'M0'],
      ['flex', 'FLEX'],
    ])
      await runCli(['cluster', 'create', name, '--tier', tier, '--wait'], {env})
    // Paused from the start, and only read: api is paused by one test alone.
    await seedCluster(emu, 'pausing', 'asleep', 'M10', true)
  })
  afterAll(async () => {
    try {
      // Every exchange of the block's own tests, whatever order they ran in.
      expect(emu.contract.violations).toEqual([])
    } finally {
      await emu.close()
    }
  })

  it('pauses with one PATCH of paused alone, waits until IDLE and paused, and writes the audit log', async () => {
    const before = writes.length
    const r = await runCli(['cluster', 'pause', 'api', '--wait', '--json'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(r.json.result).toEqual({
      cluster: 'api',
      project: 'pausing',
      tier: 'M10',
      paused: true,
      action: 'pause',
      changed: true,
      state: 'IDLE',
      waited: true,
    })
    expect(writes.slice(before).map((w) => [w.operationId, w.requestBody])).toEqual([
      ['updateGroupCluster', {paused: true}],
    ])
    const audit = fs
      .readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(audit.at(-1)).toMatchObject({command: 'cluster pause', action: 'PATCH updateGroupCluster', result: 'ok 200'})
    expect((await runCli(['cluster', 'describe', 'api', '--json'], {env})).json.result).toMatchObject({
      paused: true,
      state: 'IDLE',
    })
  })

  it('pausing a paused cluster is a no-op: exit 0, says so, no request', async () => {
    const before = writes.length
    const r = await runCli(['cluster', 'pause', 'asleep'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('asleep is already paused; nothing to do.')
    expect(writes.length).toBe(before)
  })

  it('a paused cluster is not scaled (exit 6, nothing written), not even on a dry run', async () => {
    const before = writes.length
    for (const extra of [[], ['--dry-run']]) {
      const r = await runCli(['scale', 'asleep', '--tier', 'M20', '--json', ...extra], {env})
      expect(r.code).toBe(6)
      expect(r.json.error).toMatchObject({code: 'CLUSTER_PAUSED', hint: '"atlasctl cluster resume asleep" resumes it.'})
    }
    expect(writes.length).toBe(before)
  })

  it('refuses M0 and flex clusters with exit 2 naming the cluster and the tier, before any write', async () => {
    const before = writes.length
    for (const [name, tier, article] of [
      ['free', 'M0', 'an M0'],
      ['flex', 'FLEX', 'a FLEX'],
    ]) {
      const r = await runCli(['cluster', 'pause', name, '--json'], {env})
      expect(r.code).toBe(2)
      expect(r.json.error).toMatchObject({code: 'CANNOT_PAUSE', details: {cluster: name, tier}})
      expect(r.json.error.message).toContain(`Cannot pause cluster ${name}: it is ${article} cluster`)
    }
    expect(writes.length).toBe(before)
    // Never paused, so resuming them is a no-op.
    const flex = await runCli(['cluster', 'resume', 'flex', '--json'], {env})
    expect(flex.code).toBe(0)
    expect(flex.json.result).toMatchObject({action: 'noop', paused: false, changed: false})
    expect(writes.length).toBe(before)
  })

  it('resumes, then resuming again is a no-op', async () => {
    await seedCluster(emu, 'pausing', 'waking', 'M10', true)
    const violations = emu.contract.violations.length
    const r = await runCli(['cluster', 'resume', 'waking', '--wait'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('waking is resumed (IDLE).\n')
    expect(r.stderr).toContain(
      'Resuming waking\nRequested waking: resume.\nCluster waking: UPDATING (M10)\nCluster waking: IDLE (M10)',
    )
    expect(pauses(writes).at(-1)).toBe('{"paused":false}')
    const before = writes.length
    const again = await runCli(['cluster', 'resume', 'waking'], {env})
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe('waking is not paused; nothing to do.')
    expect(writes.length).toBe(before)
    expect(emu.contract.violations.slice(violations)).toEqual([])
  })

  it('an unknown cluster is exit 4 with the close matches; a missing name is exit 2', async () => {
    const r = await runCli(['cluster', 'pause', 'apj', '--json'], {env})
    expect(r.code).toBe(4)
    expect(r.json.error).toMatchObject({code: 'CLUSTER_NOT_FOUND', details: {closeMatches: ['api']}})
    const missing = await runCli(['cluster', 'resume', '--json'], {env})
    expect(missing.code).toBe(2)
    expect(missing.json.error.message).toContain('NAME')
  })
})

describe('cluster pause: waiting like scale', () => {
  it('--timeout gives up with exit 5, says the cluster is still UPDATING and how to watch it; no lock is left', async () => {
    const {emu, env} = await setUp('slowpause', {pauseMs: 60_000})
    try {
      await runCli(['cluster', 'create', 'api', '--tier', 'M10', '--wait'], {env})
      const r = await runCli(['cluster', 'pause', 'api', '--wait', '--timeout', '1s', '--json'], {env})
      expect(r.code).toBe(5)
      expect(r.json.error.message).toBe('Cluster api is still UPDATING (M10, paused) after 1s.')
      expect(r.json.error.hint).toContain('Watch it with: atlasctl cluster describe api --project slowpause')
      expect(fs.readdirSync(path.join(env.XDG_DATA_HOME, 'atlasctl', 'locks'))).toEqual([])
      // Busy: a resume is refused (exit 6) unless it may wait until IDLE.
      const busy = await runCli(['cluster', 'resume', 'api', '--json'], {env})
      expect(busy.code).toBe(6)
      expect(busy.json.error.code).toBe('CLUSTER_BUSY')
    } finally {
      await emu.close()
    }
  })
})

describe('cluster regions and project describe', () => {
  it('lists providers, regions and tiers with prices, with no credentials and no request', async () => {
    const {env} = tempHome()
    const all = await runCli(['cluster', 'regions', '--json'], {env})
    expect(all.code, all.stderr).toBe(0)
    expect(all.json.result.providers.map((p: {provider: string}) => p.provider)).toEqual(['AWS', 'AZURE', 'GCP'])
    const aws = all.json.result.providers[0]
    expect(aws.defaultRegion).toBe('US_EAST_1')
    expect(aws.regions).toContain('EU_WEST_1')
    expect(aws.tiers.slice(0, 3)).toEqual([
      {tier: 'M0', monthlyUsd: 0, price: expect.stringContaining('free')},
      {tier: 'FLEX', monthlyUsd: 30, price: expect.stringContaining('$30/month')},
      {tier: 'M10', monthlyUsd: 58.4, price: 'about $0.08/h, $58/month'},
    ])

    const gcp = await runCli(['cluster', 'regions', '--provider', 'GCP'], {env})
    expect(gcp.code).toBe(0)
    expect(gcp.stdout).toContain('GCP (default region CENTRAL_US)')
    expect(gcp.stdout).toContain('CENTRAL_US')
    expect(gcp.stdout).not.toContain('AWS')

    const m30 = await runCli(['cluster', 'regions', '--tier', 'm30', '--json'], {env})
    for (const p of m30.json.result.providers) expect(p.tiers.map((t: {tier: string}) => t.tier)).toEqual(['M30'])

    const bad = await runCli(['cluster', 'regions', '--tier', 'M7', '--json'], {env})
    expect(bad.code).toBe(2)
    expect(bad.json.error).toMatchObject({details: {flag: 'tier', value: 'M7'}})
    const provider = await runCli(['cluster', 'regions', '--provider', 'IBM', '--json'], {env})
    expect(provider.code).toBe(2)
    expect(provider.json.error.message).toContain('IBM')
  })

  it('project describe by name or id; an unknown one is exit 4 with the close matches', async () => {
    const {emu, env} = await setUp('described')
    try {
      const byName = await runCli(['project', 'describe', 'described', '--json'], {env})
      expect(byName.code, byName.stderr).toBe(0)
      expect(byName.json.result).toMatchObject({name: 'described', clusterCount: 0, orgId: emu.credentials.orgId})
      const byId = await runCli(['project', 'describe', byName.json.result.id], {env})
      expect(byId.code).toBe(0)
      expect(byId.stdout).toContain('name:     described')
      const fromEnv = await runCli(['project', 'describe', '--json'], {env})
      expect(fromEnv.json.result.id).toBe(byName.json.result.id)
      const unknown = await runCli(['project', 'describe', 'describd', '--json'], {env})
      expect(unknown.code).toBe(4)
      expect(unknown.json.error).toMatchObject({code: 'PROJECT_NOT_FOUND', details: {closeMatches: ['described']}})
    } finally {
      await emu.close()
    }
  })
})

describe('scale --schedule with pause windows', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let home: string
  let writes: Exchange[]

  beforeAll(async () => {
    ;({emu, env, home, writes} = await setUp('nightly'))
  })
  afterAll(async () => {
    try {
      // Every exchange of the block's own tests, whatever order they ran in.
      expect(emu.contract.violations).toEqual([])
    } finally {
      await emu.close()
    }
  })

  /** A cluster of the test's own, at a known tier and pause, and its schedule: no test sees another's changes. */
  const own = async (name: string, tier: string, paused: boolean) => {
    await seedCluster(emu, 'nightly', name, tier, paused)
    const file = path.join(home, `${name}.yaml`)
    fs.writeFileSync(
      file,
      [
        `cluster: ${name}`,
        'base: M10',
        'windows:',
        '  - name: nights',
        '    cron: "0 20 * * 1-5"',
        '    duration: 12h',
        '    tier: paused',
        '  - name: billing',
        '    cron: "0 2 1 * *"',
        '    duration: 48h',
        '    tier: M50',
        '',
      ].join('\n'),
    )
    return file
  }
  const run = (file: string, at: string, ...extra: string[]) =>
    runCli(['scale', '--schedule', file, '--at', at, ...extra], {env})
  const describeCluster = async (name: string) =>
    (await runCli(['cluster', 'describe', name, '--json'], {env})).json.result
  const NIGHT = '2026-12-08T21:00Z' // a Tuesday night
  const DAY = '2026-12-09T10:00Z'

  it('a dry run in a pause window shows the PATCH and writes nothing', async () => {
    const file = await own('drydev', 'M10', false)
    const before = writes.length
    const r = await run(file, NIGHT, '--dry-run')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('Would pause drydev with updateGroupCluster:\n{\n  "paused": true\n}\n')
    expect(r.stderr).toContain('Schedule: paused (window "nights" is active until 2026-12-09T08:00:00.000Z).')
    expect(writes.length).toBe(before)
  })

  it('pauses in the window; the same run twice in a row writes once', async () => {
    const file = await own('nightdev', 'M10', false)
    const first = await run(file, NIGHT, '--wait', '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(first.json.result).toMatchObject({
      action: 'pause',
      changed: true,
      paused: true,
      state: 'IDLE',
      steps: [{action: 'pause', operation: 'updateGroupCluster', body: {paused: true}}],
      schedule: {tier: 'paused'},
    })
    const before = writes.length
    const second = await run(file, NIGHT, '--json')
    expect(second.code, second.stderr).toBe(0)
    expect(second.json.result).toMatchObject({action: 'noop', changed: false, paused: true, steps: []})
    expect(writes.length).toBe(before)
    expect(await describeCluster('nightdev')).toMatchObject({paused: true, tier: 'M10'})
  })

  it('a resume by hand inside the window is undone by the next run', async () => {
    const file = await own('handdev', 'M10', true)
    await runCli(['cluster', 'resume', 'handdev', '--wait'], {env})
    expect((await describeCluster('handdev')).paused).toBe(false)
    const r = await run(file, NIGHT, '--wait', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.result).toMatchObject({action: 'pause', changed: true, paused: true})
  })

  it('resumes after the window; twice in a row writes once', async () => {
    const file = await own('daydev', 'M10', true)
    const first = await run(file, DAY, '--wait', '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(first.json.result).toMatchObject({action: 'resume', from: 'M10', to: 'M10', paused: false, state: 'IDLE'})
    const before = writes.length
    const second = await run(file, DAY, '--json')
    expect(second.json.result).toMatchObject({action: 'noop', paused: false})
    expect(writes.length).toBe(before)
  })

  it('a scale by hand outside the windows is scaled back to the base tier', async () => {
    const file = await own('scaledev', 'M10', false)
    await runCli(['scale', 'scaledev', '--tier', 'M20', '--wait'], {env})
    const r = await run(file, DAY, '--wait', '--json')
    expect(r.json.result).toMatchObject({action: 'patch', from: 'M20', to: 'M10', state: 'IDLE'})
  })

  it('a tier window wins over a pause window: resume, then scale; without --wait the next run does the scale', async () => {
    const file = await own('billdev', 'M10', false)
    await run(file, NIGHT, '--wait')
    expect((await describeCluster('billdev')).paused).toBe(true)
    const before = writes.length
    // 1 December 03:00 is inside both Monday's night window and the billing window.
    const first = await run(file, '2026-12-01T03:00Z', '--no-wait', '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(first.json.result).toMatchObject({
      action: 'resume',
      from: 'M10',
      to: 'M50',
      paused: false,
      state: 'UPDATING',
      steps: [{action: 'resume', body: {paused: false}}],
      pending: ['M10 → M50'],
    })
    expect(writes.slice(before).map((w) => w.requestBody)).toEqual([{paused: false}])
    const second = await run(file, '2026-12-01T03:00Z', '--wait-idle', '--wait', '--json')
    expect(second.json.result).toMatchObject({action: 'patch', from: 'M10', to: 'M50', state: 'IDLE'})
    expect(await describeCluster('billdev')).toMatchObject({paused: false, tier: 'M50'})
  })

  it('paused and at another tier, with --wait: resume and scale in one run', async () => {
    const file = await own('bigdev', 'M50', false)
    await run(file, NIGHT, '--wait')
    const violations = emu.contract.violations.length
    const before = writes.length
    const r = await run(file, DAY, '--wait', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.result).toMatchObject({
      action: 'resume',
      from: 'M50',
      to: 'M10',
      paused: false,
      state: 'IDLE',
      waited: true,
    })
    expect(r.json.result.steps.map((s: {action: string}) => s.action)).toEqual(['resume', 'patch'])
    expect(writes.slice(before).map((w) => Object.keys(w.requestBody as object))).toEqual([
      ['paused'],
      ['replicationSpecs'],
    ])
    expect(await describeCluster('bigdev')).toMatchObject({paused: false, tier: 'M10'})
    expect(emu.contract.violations.slice(violations)).toEqual([])
  })

  it('a run holding the lock keeps a second from pausing (exit 6, nothing written)', async () => {
    const file = await own('lockdev', 'M10', false)
    const projectId = Object.values(emu.state.groups).find((g) => g.name === 'nightly')!.id
    const locks = path.join(env.XDG_DATA_HOME, 'atlasctl', 'locks')
    const lock = path.join(locks, `scale-${projectId}-lockdev.lock`)
    fs.mkdirSync(locks, {recursive: true})
    fs.writeFileSync(lock, JSON.stringify({pid: process.pid}))
    try {
      const before = writes.length
      const r = await run(file, NIGHT, '--json')
      expect(r.code).toBe(6)
      expect(r.json.error).toMatchObject({code: 'LOCKED', details: {lock, pid: process.pid}})
      expect(writes.length).toBe(before)
    } finally {
      fs.rmSync(lock)
    }
  })

  it('refuses a pause window for an M0 or flex cluster: exit 2 naming the file and the window, nothing written', async () => {
    await runCli(['cluster', 'create', 'free', '--tier', 'M0', '--wait'], {env})
    const shared = path.join(home, 'free.yaml')
    fs.writeFileSync(
      shared,
      'cluster: free\nbase: M0\nwindows:\n  - name: nights\n    cron: "0 20 * * *"\n    duration: 12h\n    tier: paused\n',
    )
    const before = writes.length
    const invalid = await runCli(['scale', '--schedule', shared, '--at', NIGHT], {env})
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toContain(
      `${shared}:7:11: windows.0.tier: window "nights" says paused, but the base tier is M0`,
    )

    // A base tier that can pause, for a cluster that is still M0: refused when the window is active.
    const upgrade = path.join(home, 'upgrade.yaml')
    fs.writeFileSync(upgrade, fs.readFileSync(shared, 'utf8').replace('base: M0', 'base: M10'))
    const refused = await runCli(['scale', '--schedule', upgrade, '--at', NIGHT, '--json'], {env})
    expect(refused.code).toBe(2)
    expect(refused.json.error).toMatchObject({
      code: 'CANNOT_PAUSE',
      details: {cluster: 'free', tier: 'M0', file: upgrade, windows: ['nights']},
    })
    expect(refused.json.error.message).toContain(`window "nights" of ${upgrade}`)
    expect(writes.length).toBe(before)
  })
})
