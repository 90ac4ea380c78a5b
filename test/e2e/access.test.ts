import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {emulatorWithCluster, type TestEmulator} from '../support/emulator.js'
import {runCli, tempHome} from '../support/run-cli.js'

describe('users, the IP access list and setup against the emulator', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let home: string
  let writes: string[]

  beforeAll(async () => {
    ;({emu, env, home, writes} = await emulatorWithCluster('team', 'main'))
  })
  afterAll(() => emu.close())

  it('bad CIDR, role, duration and cluster scope are exit 2 naming the value, before any write', async () => {
    const before = writes.length
    for (const [args, needle] of [
      [['ip', 'add', '203.0.113.0/33'], '203.0.113.0/33'],
      [['ip', 'add', '10.0.0.1', '300.1.2.3'], '300.1.2.3'],
      [['user', 'add', 'x', '--role', 'readWrit@app', '--show-password'], 'readWrit@app'],
      [['user', 'add', 'x', '--role', 'readWriteAnyDatabase@app', '--show-password'], 'readWriteAnyDatabase@app'],
      [['user', 'add', 'x', '--expires', '48 hours', '--show-password'], '48 hours'],
      [['user', 'add', 'x', '--expires', '30d', '--show-password'], '30d'],
      [['user', 'add', 'x', '--cluster', 'mian', '--show-password'], 'mian'],
      [['ip', 'add', '10.0.0.1', '--expires', 'soon'], 'soon'],
    ] as const) {
      const r = await runCli([...args, '--json'], {env})
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(2)
      expect(r.json.error.message).toContain(needle)
    }
    expect(writes.length).toBe(before)
  })

  it('ip add is idempotent: a re-run reports existing entries and adds none', async () => {
    // A project of its own: the list below is exactly what this test added.
    const ipEnv = {...env, ATLAS_PROJECT_ID: 'iplist'}
    await runCli(['project', 'create', 'iplist'], {env: ipEnv})
    const first = await runCli(
      ['ip', 'add', '203.0.113.7', '198.51.100.0/24', '--comment', 'office', '--wait', '--json'],
      {env: ipEnv},
    )
    expect(first.code, first.stderr).toBe(0)
    expect(first.json.result).toMatchObject({added: ['203.0.113.7', '198.51.100.0/24'], existing: [], active: true})
    const posts = writes.filter((w) => w.startsWith('createGroupAccessListEntry')).length
    const again = await runCli(['ip', 'add', '203.0.113.7', '198.51.100.0/24', '--json'], {env: ipEnv})
    expect(again.json.result).toMatchObject({added: [], existing: ['203.0.113.7', '198.51.100.0/24']})
    expect(writes.filter((w) => w.startsWith('createGroupAccessListEntry')).length).toBe(posts)
    const list = await runCli(['ip', 'list', '--json'], {env: ipEnv})
    expect(list.json.result.map((e: {entry: string}) => e.entry)).toEqual(['203.0.113.7', '198.51.100.0/24'])
    const anywhere = await runCli(['ip', 'add', '0.0.0.0/0'], {env: ipEnv})
    expect(anywhere.code).toBe(2)
    const allowed = await runCli(['ip', 'add', '0.0.0.0/0', '--allow-anywhere', '--expires', '8h', '--json'], {
      env: ipEnv,
    })
    expect(allowed.code).toBe(0)
    expect(allowed.stderr).toContain('Warning: 0.0.0.0/0 lets any address reach')
    expect(allowed.json.warnings).toHaveLength(1)
    expect((await runCli(['ip', 'delete', '0.0.0.0/0', '10.9.9.9', '--yes'], {env: ipEnv})).code).toBe(4)
    expect((await runCli(['ip', 'delete', '0.0.0.0/0', '--yes'], {env: ipEnv})).code).toBe(0)
  })

  it('user add writes a 0600 credentials file; the password appears nowhere else, not even under --debug', async () => {
    const file = path.join(home, 'alice.json')
    const r = await runCli(
      [
        'user',
        'add',
        'alice',
        '--role',
        'readWrite@app',
        '--role',
        'read@app.events',
        '--cluster',
        'main',
        '--expires',
        '48h',
        '--credentials-file',
        file,
        '--debug',
        '--json',
      ],
      {env},
    )
    expect(r.code, r.stderr).toBe(0)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    const creds = JSON.parse(fs.readFileSync(file, 'utf8'))
    expect(creds.password).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(creds.connectionString).toBe(`mongodb://alice:${creds.password}@127.0.0.1:27017`)
    expect(r.stderr).toContain('→ POST /api/atlas/v2/groups/')
    for (const secret of [creds.password, emu.credentials.privateKey]) {
      expect(r.stdout).not.toContain(secret)
      expect(r.stderr).not.toContain(secret)
    }
    expect(r.json.result).toMatchObject({
      user: {username: 'alice', roles: ['readWrite@app', 'read@app.events'], clusters: ['main']},
      credentialsFile: file,
    })
    expect(r.json.result.connectionString).toBe('mongodb://alice:****@127.0.0.1:27017')
    const list = await runCli(['user', 'list', '--json', '--debug'], {env})
    expect(list.stdout + list.stderr).not.toContain(creds.password)

    const rotated = await runCli(['user', 'rotate-password', 'alice', '--credentials-file', file, '--debug'], {env})
    expect(rotated.code).toBe(0)
    const fresh = JSON.parse(fs.readFileSync(file, 'utf8')).password
    expect(fresh).not.toBe(creds.password)
    expect(rotated.stdout + rotated.stderr).not.toContain(fresh)
    // --show-password is the one place the user asked for it.
    const shown = await runCli(['user', 'add', 'bob', '--show-password', '--json'], {env})
    expect(shown.json.result.password).toMatch(/^[A-Za-z0-9]{32}$/)
    // Without a terminal or a destination the generated password would be lost: refused before writing.
    const lost = await runCli(['user', 'add', 'carol'], {env})
    expect(lost.code).toBe(2)
    expect(
      (await runCli(['user', 'list', '--json'], {env})).json.result.map((u: {username: string}) => u.username),
    ).toEqual(['alice', 'bob'])
  })

  it('--password-stdin, delete with confirmation, and the per-project caps', async () => {
    // Its own project and home: two users and two entries, so both caps are reached, and a cap no other test sees.
    const env = {...tempHome().env, ...emu.env, ATLAS_PROJECT_ID: 'capped'}
    await runCli(['project', 'create', 'capped'], {env})
    for (const user of ['u1', 'u2'])
      expect((await runCli(['user', 'add', user, '--show-password'], {env})).code).toBe(0)
    expect((await runCli(['ip', 'add', '192.0.2.1', '192.0.2.2'], {env})).code).toBe(0)
    const r = await runCli(['user', 'add', 'svc', '--password-stdin', '--json'], {
      env,
      input: 'a-long-enough-password\n',
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toContain('a-long-enough-password')
    expect((await runCli(['user', 'delete', 'svc'], {env})).code).toBe(2)
    expect((await runCli(['user', 'delete', 'svc', '--yes'], {env})).code).toBe(0)
    const before = writes.length
    const capped = await runCli(['user', 'add', 'dave', '--show-password', '--max-users', '2'], {env})
    expect(capped.code).toBe(6)
    expect(capped.stderr).toContain('already has 2 database users')
    await runCli(['config', 'set', 'maxAccessEntries', '2', '--profile', 'default'], {env})
    const ipCapped = await runCli(['ip', 'add', '192.0.2.10'], {env})
    expect(ipCapped.code).toBe(6)
    expect(ipCapped.stderr).toContain('limit of 2')
    expect(writes.length).toBe(before)
  })

  it('setup, killed right after the cluster step, completes on a re-run with one cluster and one user', async () => {
    const h = tempHome()
    const e = {...h.env, ...emu.env}
    const envFile = path.join(h.dir, '.env')
    fs.writeFileSync(envFile, 'EXISTING=kept\n')
    const crash = new AbortController()
    const stop = (x: {operationId?: string; status: number}) =>
      x.operationId === 'createGroupCluster' && x.status === 201 && crash.abort()
    emu.contract.onCheck = stop
    const args = ['setup', '--project', 'quick', '--ip', '203.0.113.9', '--dotenv', envFile, '--json']
    const first = await runCli(args, {env: e, signal: crash.signal})
    emu.contract.onCheck = undefined
    expect(first.code).not.toBe(0)
    const groupId = Object.values(emu.state.groups).find((g) => g.name === 'quick')!.id
    expect(Object.keys(emu.state.clusters[groupId])).toEqual(['Cluster0'])
    expect(Object.keys(emu.state.users[groupId] ?? {})).toEqual([])

    const second = await runCli(args, {env: e})
    expect(second.code, second.stderr).toBe(0)
    expect(second.json.result.steps).toEqual({
      project: 'reused',
      cluster: 'reused',
      user: 'created',
      accessList: 'updated',
    })
    expect(Object.keys(emu.state.clusters[groupId])).toEqual(['Cluster0'])
    expect(Object.keys(emu.state.users[groupId])).toEqual(['admin/app'])
    const dotenv = fs.readFileSync(envFile, 'utf8')
    expect(dotenv).toMatch(/^EXISTING=kept\n/)
    expect(dotenv).toMatch(/MONGODB_URI=mongodb:\/\/app:[A-Za-z0-9]{32}@127\.0\.0\.1:27017/)
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600)
    expect(second.stdout).not.toContain(/MONGODB_PASSWORD=(.*)/.exec(dotenv)![1])

    // A third run reuses everything, including the password kept in the env file.
    const third = await runCli(args, {env: e})
    expect(third.json.result.steps).toEqual({
      project: 'reused',
      cluster: 'reused',
      user: 'reused',
      accessList: 'reused',
    })
    expect(fs.readFileSync(envFile, 'utf8')).toBe(dotenv)
  })
})
