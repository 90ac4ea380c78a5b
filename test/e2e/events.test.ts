import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AtlasClient} from '../../src/atlas/client.js'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {eventYaml} from '../support/events.js'
import {runCli, tempHome} from '../support/run-cli.js'

describe('hackathon events against the emulator', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let dir: string

  beforeAll(async () => {
    emu = await startTestEmulator()
    const h = tempHome()
    dir = h.dir
    env = {...h.env, ...emu.env}
  })
  afterAll(() => emu.close())

  const state = (eventId: string) => {
    const projects = Object.values(emu.state.groups).filter((g) =>
      g.tags.some((t) => t.key === 'event' && t.value === eventId),
    )
    return projects.map((p) => ({
      team: p.tags.find((t) => t.key === 'team')?.value ?? '(no team tag)',
      clusters: Object.keys(emu.state.clusters[p.id] ?? {}).length,
      users: Object.keys(emu.state.users[p.id] ?? {}).length,
    }))
  }

  it('provisions every team, asks first, writes 0600 bundles, and is idempotent', async () => {
    const file = path.join(dir, 'e1.yaml')
    fs.writeFileSync(file, eventYaml('e1', 3))
    const out = path.join(dir, 'creds-e1')
    const refused = await runCli(['event', 'provision', file, '--out', out], {env})
    expect(refused.code).toBe(2)
    expect(state('e1')).toEqual([])

    const r = await runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.result).toMatchObject({event: 'e1', done: 3, failed: 0})
    expect(state('e1').sort((a, b) => a.team.localeCompare(b.team))).toEqual([
      {team: 't1', clusters: 1, users: 1},
      {team: 't2', clusters: 1, users: 1},
      {team: 't3', clusters: 1, users: 1},
    ])
    const bundle = JSON.parse(fs.readFileSync(path.join(out, 't2.json'), 'utf8'))
    expect(fs.statSync(path.join(out, 't2.json')).mode & 0o777).toBe(0o600)
    expect(bundle.connectionString).toBe(`mongodb://t2-admin:${bundle.password}@127.0.0.1:27017`)
    // Passwords live in the bundles only: not in the output, the ledger or the audit log.
    const ledger = fs.readFileSync(path.join(env.XDG_DATA_HOME, 'atlasctl', 'events', 'e1', 'ledger.json'), 'utf8')
    const audit = fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')
    for (const text of [r.stdout, r.stderr, ledger, audit]) expect(text).not.toContain(bundle.password)
    expect(audit).toContain('"action":"POST createGroupCluster"')
    // The bundles are local writes of secrets: each is in the audit log, without the password.
    expect(audit).toContain(
      `"action":"write credentials bundle","target":"${path.join(out, 't2.json')}","result":"ok (user t2-admin)"`,
    )
    const group = Object.values(emu.state.groups).find((g) => g.name === 'mh-e1-t1')!
    expect(group.tags).toEqual(
      expect.arrayContaining([
        {key: 'event', value: 'e1'},
        {key: 'team', value: 't1'},
      ]),
    )
    expect(Object.values(emu.state.clusters[group.id])[0].doc.tags).toEqual([
      {key: 'event', value: 'e1'},
      {key: 'team', value: 't1'},
    ])
    expect(Object.keys(emu.state.access[group.id])).toEqual(['0.0.0.0/0'])

    const again = await runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})
    expect(again.json.result.teams.every((t: {reused: boolean}) => t.reused)).toBe(true)
    expect(JSON.parse(fs.readFileSync(path.join(out, 't2.json'), 'utf8')).password).toBe(bundle.password)
    expect(state('e1')).toHaveLength(3)

    const status = await runCli(['event', 'status', 'e1', '--json'], {env})
    expect(
      status.json.result.map((t: {team: string; users: number; clusters: Array<{state: string}>}) => [
        t.team,
        t.users,
        t.clusters[0].state,
      ]),
    ).toEqual([
      ['t1', 1, 'IDLE'],
      ['t2', 1, 'IDLE'],
      ['t3', 1, 'IDLE'],
    ])
  })

  it('a failing team is rolled back alone, reported, and the exit code says so', async () => {
    const file = path.join(dir, 'e2.yaml')
    fs.writeFileSync(file, eventYaml('e2', 3))
    // t2's project exists but belongs to someone else: provisioning must leave it alone.
    const c = emu.credentials
    const client = new AtlasClient({
      baseUrl: emu.url,
      credentials: {type: 'apiKey', publicKey: c.publicKey, privateKey: c.privateKey},
    })
    await client.ok(client.api.POST('/api/atlas/v2/groups', {body: {name: 'mh-e2-t2', orgId: c.orgId} as never}))
    const r = await runCli(['event', 'provision', file, '--out', path.join(dir, 'creds-e2'), '--yes', '--json'], {env})
    expect(r.code).toBe(7)
    expect(r.json.error.code).toBe('PARTIAL_FAILURE')
    const teams = r.json.error.details.report.teams
    // t2's run made nothing, so there was nothing to roll back: it is reported failed.
    expect(teams.map((t: {team: string; status: string}) => [t.team, t.status])).toEqual([
      ['t1', 'done'],
      ['t2', 'failed'],
      ['t3', 'done'],
    ])
    expect(teams[1].error).toContain('not tagged event=e2')
    expect(fs.existsSync(path.join(dir, 'creds-e2', 't2.json'))).toBe(false)
    expect(Object.values(emu.state.groups).filter((g) => g.name === 'mh-e2-t2')).toHaveLength(1)
  })

  it('SIGKILL mid-run, then a re-run: exactly one project, cluster and user per team; cleanup leaves nothing', async () => {
    const file = path.join(dir, 'e3.yaml')
    fs.writeFileSync(file, eventYaml('e3', 6))
    const out = path.join(dir, 'creds-e3')
    const crash = new AbortController()
    let clusters = 0
    emu.contract.onCheck = (x) => {
      if (x.operationId === 'createGroupCluster' && x.status === 201 && ++clusters === 3) crash.abort()
    }
    const killed = await runCli(['event', 'provision', file, '--out', out, '--yes', '--concurrency', '2'], {
      env,
      signal: crash.signal,
    })
    emu.contract.onCheck = undefined
    expect(killed.code).not.toBe(0)
    const partial = state('e3')
    expect(partial.length).toBeGreaterThan(0)
    expect(partial.length).toBeLessThan(6)

    const resumed = await runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(state('e3').sort((a, b) => a.team.localeCompare(b.team))).toEqual(
      ['t1', 't2', 't3', 't4', 't5', 't6'].map((team) => ({team, clusters: 1, users: 1})),
    )
    // Every bundle's password works against the user Atlas has (a resumed team never got a second password).
    for (const team of ['t1', 't2', 't3', 't4', 't5', 't6']) {
      const b = JSON.parse(fs.readFileSync(path.join(out, `${team}.json`), 'utf8'))
      const g = Object.values(emu.state.groups).find((x) => x.name === `mh-e3-${team}`)!
      expect(emu.state.users[g.id][`admin/${team}-admin`].password).toBe(b.password)
      expect(b.connectionString).toBe(`mongodb://${team}-admin:${b.password}@127.0.0.1:27017`)
    }

    const plan = await runCli(['event', 'cleanup', 'e3', '--json'], {env})
    expect(plan.json.result).toMatchObject({executed: false})
    expect(plan.json.result.teams).toHaveLength(6)
    expect(state('e3')).toHaveLength(6)
    const cleaned = await runCli(['event', 'cleanup', 'e3', '--yes', '--json'], {env})
    expect(cleaned.code, cleaned.stderr).toBe(0)
    expect(cleaned.json.result.results.every((x: {status: string}) => x.status === 'removed')).toBe(true)
    expect(state('e3')).toEqual([])
    expect((await runCli(['event', 'cleanup', 'e3', '--yes', '--json'], {env})).json.result.teams).toEqual([])
    expect(emu.contract.violations).toEqual([])
  })

  it("cleanup honours --team, --grace and the event file's auto policy, and turns termination protection off first", async () => {
    const file = path.join(dir, 'e4.yaml')
    fs.writeFileSync(
      file,
      eventYaml('e4', 2).replace('endsAt: 2026-01-01T00:00Z', 'endsAt: 2099-01-01T00:00Z') +
        'cleanup:\n  auto: false\n  grace: 1d\n',
    )
    expect((await runCli(['event', 'provision', file, '--out', path.join(dir, 'creds-e4'), '--yes'], {env})).code).toBe(
      0,
    )
    const g = Object.values(emu.state.groups).find((x) => x.name === 'mh-e4-t1')!
    Object.values(emu.state.clusters[g.id])[0].doc.terminationProtectionEnabled = true
    const grace = await runCli(['event', 'cleanup', file, '--yes', '--json'], {env})
    expect(grace.json.result.teams).toEqual([])
    expect(grace.json.result.skipped[0].reason).toContain('grace period runs until 2099-01-02')
    const auto = await runCli(['event', 'cleanup', file, '--auto', '--grace', '1s', '--json'], {env})
    expect(auto.json.result.executed).toBe(false)
    // The event ends in 2099: removing a team now needs --force.
    expect((await runCli(['event', 'cleanup', 'e4', '--team', 't1', '--yes', '--json'], {env})).code).toBe(6)
    const one = await runCli(['event', 'cleanup', 'e4', '--team', 't1', '--yes', '--force', '--json'], {env})
    expect(one.code, one.stderr).toBe(0)
    expect(state('e4').map((t) => t.team)).toEqual(['t2'])
    const audit = await runCli(['audit', 'list', '--since', '1h', '--json'], {env})
    expect(
      audit.json.result.some(
        (e: {action: string; command: string}) =>
          e.action === 'PATCH updateGroupCluster' && e.command === 'event cleanup',
      ),
    ).toBe(true)
  })
})
