import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {emulatorWithCluster, seedCluster, startTestEmulator, TestClock, type TestEmulator} from '../support/emulator.js'
import {runCli, tempHome} from '../support/run-cli.js'

describe('cluster scale (cron) against the emulator', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let home: string
  let writes: string[]

  beforeAll(async () => {
    ;({emu, env, home, writes} = await emulatorWithCluster('cron', 'api'))
  })
  afterAll(async () => {
    try {
      // Every exchange of the file's own tests, whatever order they ran in.
      expect(emu.contract.violations).toEqual([])
    } finally {
      await emu.close()
    }
  })

  const patches = () => writes.filter((w) => w.startsWith('updateGroupCluster')).length
  /** A cluster of the test's own at a known tier: no other test's scaling shows in its answers. */
  const own = (name: string, tier: string) => seedCluster(emu, 'cron', name, tier)

  it('takes the cluster from ATLAS_CLUSTER_NAME and prints one JSON line', async () => {
    await own('fromenv', 'M10')
    const r = await runCli(['scale', '--tier', 'M20', '--wait', '--json'], {
      env: {...env, ATLAS_CLUSTER_NAME: 'fromenv'},
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(r.json.result).toMatchObject({
      cluster: 'fromenv',
      from: 'M10',
      to: 'M20',
      action: 'patch',
      changed: true,
      state: 'IDLE',
      waited: true,
    })
    expect(r.stderr).not.toContain('\u001b[') // no colour or spinner without a TTY
  })

  it('already at the tier: exit 0 and zero PATCH requests', async () => {
    await own('attier', 'M20')
    const before = patches()
    const r = await runCli(['cluster', 'scale', 'attier', '--tier', 'M20', '--json'], {env})
    expect(r.code).toBe(0)
    expect(r.json.result).toMatchObject({action: 'noop', changed: false})
    expect(patches()).toBe(before)
  })

  it('--dry-run prints the request and the cost delta and writes nothing', async () => {
    await own('dry', 'M20')
    const before = writes.length
    const r = await runCli(['cluster', 'scale', 'dry', '--tier', 'M50', '--dry-run'], {env})
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('M20 → M50 (+$1314/month)')
    expect(r.stdout).toContain('"instanceSize": "M50"')
    expect(writes.length).toBe(before)
  })

  it('two concurrent runs make exactly one PATCH', async () => {
    await own('race', 'M10')
    const before = patches()
    const [a, b] = await Promise.all([
      runCli(['scale', 'race', '--tier', 'M30', '--json'], {env}),
      runCli(['scale', 'race', '--tier', 'M30', '--json'], {env}),
    ])
    expect(patches() - before).toBe(1)
    const codes = [a.code, b.code].sort()
    // The loser saw the lock, the UPDATING state, or the finished tier: never a second write.
    expect(codes[0]).toBe(0)
    expect([0, 6]).toContain(codes[1])
    await runCli(['cluster', 'scale', 'race', '--tier', 'M30', '--wait-idle', '--json'], {env})
  })

  it('a busy cluster is exit 6 unless --wait-idle', async () => {
    // A scale takes 5 s of a test clock that each GET moves 2 s: busy for the read right after it, then 3 polls.
    const clock = new TestClock()
    const slow = await startTestEmulator({
      delays: {clusterCreateMs: 10, clusterUpdateMs: 5000},
      clock: clock.now,
      onExchange: (x) => x.method === 'GET' && clock.advance(2000),
    })
    try {
      const e = {...tempHome().env, ...slow.env, ATLAS_PROJECT_ID: 'busy'}
      await runCli(['project', 'create', 'busy'], {env: e})
      await runCli(['cluster', 'create', 'api', '--tier', 'M10', '--wait'], {env: e})
      await runCli(['scale', 'api', '--tier', 'M40', '--no-wait'], {env: e})
      const busy = await runCli(['scale', 'api', '--tier', 'M50', '--json'], {env: e})
      expect(busy.code).toBe(6)
      expect(busy.json.error.code).toBe('CLUSTER_BUSY')
      const waited = await runCli(['scale', 'api', '--tier', 'M50', '--wait-idle', '--wait', '--json'], {env: e})
      expect(waited.code, waited.stderr).toBe(0)
      expect(waited.json.result).toMatchObject({from: 'M40', to: 'M50', state: 'IDLE'})
    } finally {
      await slow.close()
    }
  })

  it('a scale that outlasts --timeout, or is interrupted, says the cluster is still UPDATING and how to watch it', async () => {
    const slow = await startTestEmulator({delays: {clusterCreateMs: 10, clusterUpdateMs: 60_000}})
    try {
      const e: Record<string, string> = {...tempHome().env, ...slow.env, ATLAS_PROJECT_ID: 'slowscale'}
      await runCli(['project', 'create', 'slowscale'], {env: e})
      await runCli(['cluster', 'create', 'api', '--tier', 'M10', '--wait'], {env: e})
      const timedOut = await runCli(['scale', 'api', '--tier', 'M20', '--wait', '--timeout', '1s', '--json'], {env: e})
      expect(timedOut.code).toBe(5)
      expect(timedOut.json.error.message).toMatch(/^Cluster api is still UPDATING \(M\d+\) after 1s\.$/)
      expect(timedOut.json.error.hint).toContain('Watch it with: atlasctl cluster describe api --project slowscale')
      // The lock is released on the way out, so the next run is not refused for it.
      expect(fs.readdirSync(path.join(e.XDG_DATA_HOME, 'atlasctl', 'locks'))).toEqual([])

      const interrupted = await runCli(['scale', 'api', '--tier', 'M30', '--wait-idle', '--wait'], {
        env: e,
        interrupt: {signal: 'SIGINT', when: /Cluster api: UPDATING/},
      })
      expect(interrupted.code).toBe(130)
      expect(interrupted.stderr).toMatch(
        /Interrupted \(SIGINT\): cluster api is still UPDATING \(M\d+\) in Atlas; nothing was cancelled there\./,
      )
      expect(interrupted.stderr).toContain('Watch it with: atlasctl cluster describe api --project slowscale')
      expect(fs.readdirSync(path.join(e.XDG_DATA_HOME, 'atlasctl', 'locks'))).toEqual([])
    } finally {
      await slow.close()
    }
  })

  it('refuses dedicated → M0 with exit 2, and a stale lock of a dead process is taken over', async () => {
    await own('stale', 'M10')
    const down = await runCli(['scale', 'stale', '--tier', 'M0'], {env})
    expect(down.code).toBe(2)
    expect(down.stderr).toContain('cannot move a dedicated cluster to a shared tier')
    const locks = path.join(env.XDG_DATA_HOME, 'atlasctl', 'locks')
    const projectId = Object.values(emu.state.groups).find((g) => g.name === 'cron')!.id
    fs.mkdirSync(locks, {recursive: true})
    fs.writeFileSync(path.join(locks, `scale-${projectId}-stale.lock`), JSON.stringify({pid: 999_999}))
    const r = await runCli(['scale', 'stale', '--tier', 'M40', '--wait', '--json'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.result).toMatchObject({to: 'M40', changed: true})
    expect(fs.readdirSync(locks)).toEqual([])
  })

  it('an empty or garbled lock left by a crash is taken over once past the grace period; a fresh one is not stolen', async () => {
    await own('crashed', 'M10')
    const projectId = Object.values(emu.state.groups).find((g) => g.name === 'cron')!.id
    const locks = path.join(env.XDG_DATA_HOME, 'atlasctl', 'locks')
    const lock = path.join(locks, `scale-${projectId}-crashed.lock`)
    fs.mkdirSync(locks, {recursive: true})
    const before = patches()

    // Just created and still empty: possibly a live writer between create and write.
    fs.writeFileSync(lock, '')
    const fresh = await runCli(['scale', 'crashed', '--tier', 'M20', '--json'], {env})
    expect(fresh.code).toBe(6)
    expect(fresh.json.error).toMatchObject({code: 'LOCKED', details: {lock}})
    expect(patches()).toBe(before)

    const minuteAgo = new Date(Date.now() - 60_000)
    fs.utimesSync(lock, minuteAgo, minuteAgo)
    const empty = await runCli(['scale', 'crashed', '--tier', 'M20', '--wait', '--json'], {env})
    expect(empty.code, empty.stderr).toBe(0)
    expect(empty.json.result).toMatchObject({from: 'M10', to: 'M20', changed: true})

    fs.writeFileSync(lock, '{"pi')
    fs.utimesSync(lock, minuteAgo, minuteAgo)
    const garbled = await runCli(['scale', 'crashed', '--tier', 'M30', '--wait', '--json'], {env})
    expect(garbled.code, garbled.stderr).toBe(0)
    expect(garbled.json.result).toMatchObject({from: 'M20', to: 'M30', changed: true})
    expect(patches() - before).toBe(2)
    expect(fs.readdirSync(locks)).toEqual([])
  })

  it('upgrades M0 → FLEX → M10 through the tenant upgrade endpoints', async () => {
    await own('free', 'M0')
    const violations = emu.contract.violations.length
    const flex = await runCli(['scale', 'free', '--tier', 'FLEX', '--wait', '--json'], {env})
    expect(flex.json.result).toMatchObject({action: 'tenantUpgrade', state: 'IDLE'})
    const m10 = await runCli(['scale', 'free', '--tier', 'M10', '--wait', '--json'], {env})
    expect(m10.json.result).toMatchObject({action: 'flexUpgrade', state: 'IDLE'})
    expect((await runCli(['cluster', 'describe', 'free', '--json'], {env})).json.result.tier).toBe('M10')
    expect(emu.contract.violations.slice(violations)).toEqual([])
  })

  it('reconciles to the tier a schedule gives at fixed clock times', async () => {
    await own('billed', 'M10')
    const file = path.join(home, 'schedule.yaml')
    fs.writeFileSync(
      file,
      [
        'cluster: billed',
        'base: M10',
        'windows:',
        '  - name: billing',
        '    cron: "0 2 1 * *"',
        '    duration: 48h',
        '    tier: M50',
        '',
      ].join('\n'),
    )
    const inWindow = await runCli(['scale', '--schedule', file, '--at', '2026-12-01T03:00Z', '--wait', '--json'], {env})
    expect(inWindow.code, inWindow.stderr).toBe(0)
    expect(inWindow.json.result).toMatchObject({to: 'M50', schedule: {tier: 'M50'}})
    const again = await runCli(['scale', '--schedule', file, '--at', '2026-12-02T12:00Z', '--json'], {env})
    expect(again.json.result).toMatchObject({action: 'noop'})
    const after = await runCli(['scale', '--schedule', file, '--at', '2026-12-03T02:15Z', '--wait', '--json'], {env})
    expect(after.json.result).toMatchObject({from: 'M50', to: 'M10', state: 'IDLE'})
  })

  it('a bad schedule file is exit 2 with the line, and changes nothing', async () => {
    const file = path.join(home, 'bad.yaml')
    fs.writeFileSync(
      file,
      'cluster: api\nbase: M10\nwindows:\n  - cron: "0 2 31 2 * *"\n    duration: 2h\n    tier: M50\n',
    )
    const before = writes.length
    const r = await runCli(['scale', '--schedule', file], {env})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${file}:4:11: windows.0.cron`)
    expect(writes.length).toBe(before)
  })
})
