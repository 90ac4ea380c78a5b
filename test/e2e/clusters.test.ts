import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {runCli, tempHome} from '../support/run-cli.js'

describe('project and cluster commands against the emulator', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  const calls: string[] = []

  beforeAll(async () => {
    emu = await startTestEmulator({onExchange: (x) => calls.push(`${x.method} ${x.operationId} ${x.status}`)})
    env = {...tempHome().env, ...emu.env}
  })
  afterAll(() => emu.close())

  it('creates, waits, lists, describes and deletes a cluster', async () => {
    expect((await runCli(['project', 'create', 'demo'], {env})).code).toBe(0)
    const created = await runCli(['cluster', 'create', 'c1', '--project', 'demo', '--tier', 'M0', '--provider', 'AWS', '--region', 'US_EAST_1', '--tag', 'team=a', '--wait', '--json'], {env})
    expect(created.code).toBe(0)
    expect(created.json.result).toMatchObject({created: true, waited: true, cluster: {name: 'c1', state: 'IDLE', tier: 'M0', kind: 'M0', provider: 'AWS', connectionString: 'mongodb://127.0.0.1:27017'}})
    // --json: exactly one document on stdout; progress went to stderr or nowhere.
    expect(created.json.status).toBe(0)
    expect(created.stderr).not.toContain('"status"')

    const list = await runCli(['cluster', 'list', '--project', 'demo', '--json'], {env})
    expect(list.json.result.map((c: {name: string; state: string}) => [c.name, c.state])).toEqual([['c1', 'IDLE']])
    const table = await runCli(['cluster', 'list', '--project', 'demo'], {env})
    expect(table.stdout).toMatch(/c1\s+│ IDLE/)

    const described = await runCli(['cluster', 'describe', '--project', 'demo'], {env: {...env, ATLAS_CLUSTER_NAME: 'c1'}})
    expect(described.code).toBe(0)
    expect(described.stdout).toContain('standard:   mongodb://127.0.0.1:27017')
    expect(described.stdout).toContain('team=a')

    const refused = await runCli(['cluster', 'delete', 'c1', '--project', 'demo'], {env})
    expect(refused.code).toBe(2)
    const deleted = await runCli(['cluster', 'delete', 'c1', '--project', 'demo', '--yes', '--wait', '--json'], {env})
    expect(deleted.code).toBe(0)
    expect(deleted.json.result).toMatchObject({deleted: true, waited: true})
    expect((await runCli(['cluster', 'describe', 'c1', '--project', 'demo'], {env})).code).toBe(4)
    expect((await runCli(['project', 'delete', 'demo', '--yes'], {env})).code).toBe(0)
    expect(emu.contract.violations).toEqual([])
  })

  it('--debug traces HTTP on stderr without the private key', async () => {
    const r = await runCli(['project', 'list', '--debug', '--json'], {env})
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('→ GET /api/atlas/v2/groups')
    expect(r.stderr).toContain('← 200 listGroups')
    expect(r.stdout + r.stderr).not.toContain(emu.credentials.privateKey)
    const failing = await runCli(['project', 'list', '--debug'], {env: {...env, MONGODB_ATLAS_PRIVATE_API_KEY: 'wrong-but-secret-key'}})
    expect(failing.code).toBe(3)
    expect(failing.stdout + failing.stderr).not.toContain('wrong-but-secret-key')
  })

  it('without a TTY a missing value is exit 2 naming the flag', async () => {
    await runCli(['project', 'create', 'flags'], {env})
    const noTier = await runCli(['cluster', 'create', 'c2', '--project', 'flags'], {env})
    expect(noTier.code).toBe(2)
    expect(noTier.stderr).toContain('--tier')
    const noName = await runCli(['cluster', 'create', '--project', 'flags', '--tier', 'M10'], {env})
    expect(noName.code).toBe(2)
    expect(noName.stderr).toContain('NAME')
    const noProject = await runCli(['cluster', 'create', 'c2', '--tier', 'M10', '--json'], {env})
    expect(noProject.code).toBe(2)
    expect(noProject.json.error.message).toContain('--project')
  })

  it('bad flags are exit 2 naming the value, before any write', async () => {
    await runCli(['project', 'create', 'bad'], {env})
    const before = calls.filter((c) => c.startsWith('POST')).length
    for (const [args, needle] of [
      [['--tier', 'M7'], 'M7'],
      [['--tier', 'M10', '--region', 'MARS_1'], 'MARS_1'],
      [['--tier', 'M10', '--tag', 'novalue'], 'novalue'],
      [['--tier', 'M10', '--timeout', '5 parsecs'], '5 parsecs'],
    ] as const) {
      const r = await runCli(['cluster', 'create', 'c3', '--project', 'bad', ...args], {env})
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(needle)
    }
    const badName = await runCli(['cluster', 'create', 'bad_name', '--project', 'bad', '--tier', 'M10'], {env})
    expect(badName.code).toBe(2)
    expect(calls.filter((c) => c.startsWith('POST')).length).toBe(before)
  })

  it('an unknown project is exit 4 with close matches', async () => {
    await runCli(['project', 'create', 'analytics'], {env})
    const r = await runCli(['cluster', 'list', '--project', 'analytcs', '--json'], {env})
    expect(r.code).toBe(4)
    expect(r.json.error.details.closeMatches).toContain('analytics')
  })

  it('--if-not-exists accepts the same spec and refuses a different one with exit 6', async () => {
    await runCli(['project', 'create', 'idem'], {env})
    const args = ['cluster', 'create', 'same', '--project', 'idem', '--tier', 'M10', '--region', 'US_EAST_1', '--no-wait']
    expect((await runCli(args, {env})).code).toBe(0)
    const again = await runCli([...args, '--if-not-exists', '--json'], {env})
    expect(again.code).toBe(0)
    expect(again.json.result.created).toBe(false)
    const dup = await runCli(args, {env})
    expect(dup.code).toBe(6)
    const different = await runCli(['cluster', 'create', 'same', '--project', 'idem', '--tier', 'M20', '--if-not-exists', '--no-wait'], {env})
    expect(different.code).toBe(6)
    expect(different.stderr).toContain('tier M10 (wanted M20)')
  })

  it('rolls back a project it created when the cluster fails', async () => {
    // AWS US_WEST_1 is a valid AWS region, but offers no M0: Atlas (the emulator) refuses the cluster.
    const r = await runCli(['cluster', 'create', 'c4', '--project', 'rollback-me', '--create-project', '--tier', 'M0', '--region', 'US_WEST_1', '--no-wait'], {env})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Rolled back: deleted project rollback-me')
    const projects = await runCli(['project', 'list', '--json'], {env})
    expect(projects.json.result.map((p: {name: string}) => p.name)).not.toContain('rollback-me')
  })

  it('termination protection is reported clearly and nothing is deleted', async () => {
    await runCli(['project', 'create', 'protected'], {env})
    await runCli(['cluster', 'create', 'keep', '--project', 'protected', '--tier', 'M10', '--termination-protection', '--wait'], {env})
    const r = await runCli(['cluster', 'delete', 'keep', '--project', 'protected', '--yes'], {env})
    expect(r.code).toBe(6)
    expect(r.stderr).toContain('termination protection')
    expect((await runCli(['cluster', 'describe', 'keep', '--project', 'protected', '--json'], {env})).json.result.state).toBe('IDLE')
  })

  it('--wait --timeout gives exit 5 when the cluster is not ready in time', async () => {
    const slow = await startTestEmulator({delays: {clusterCreateMs: 60_000}})
    try {
      const e = {...tempHome().env, ...slow.env}
      await runCli(['project', 'create', 'slow'], {env: e})
      const r = await runCli(['cluster', 'create', 'c5', '--project', 'slow', '--tier', 'M10', '--wait', '--timeout', '1s'], {env: e})
      expect(r.code).toBe(5)
      expect(r.stderr).toContain('Timed out')
    } finally {
      await slow.close()
    }
  })
})
