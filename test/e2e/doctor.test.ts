import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {MongoClient} from 'mongodb'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AtlasClient} from '../../src/atlas/client.js'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {redactedUri, requireMongo, requirePasswordChecks, startTestMongo, type TestMongo} from '../support/mongo.js'
import {type CliResult, runCli, tempHome} from '../support/run-cli.js'

type Check = {id: string; status: 'pass' | 'fail' | 'skip'; summary: string; fix?: string; command?: string}

/** The checks of a --json run, success or failure (the failure's details carry the report). */
const checksOf = (r: CliResult): Record<string, Check> => {
  const result = r.json.status === 0 ? r.json.result : r.json.error.details.result
  return Object.fromEntries((result.checks as Check[]).map((c) => [c.id, c]))
}
const statuses = (r: CliResult) => Object.fromEntries(Object.values(checksOf(r)).map((c) => [c.id, c.status]))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const {port} = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

describe('atlasctl doctor against the emulator and a server that checks passwords', () => {
  let testMongo: TestMongo | undefined
  let emu: TestEmulator
  let home: string
  let base: Record<string, string>
  let api: AtlasClient

  /** A project with an IDLE cluster, a user written to a file, and (unless told) this machine on the access list. */
  async function project(name: string, o: {tier?: string; ip?: boolean} = {}) {
    const env = {...base, ATLAS_PROJECT_ID: name}
    const file = path.join(home, `${name}.json`)
    const ok = async (args: string[]) => {
      const r = await runCli(args, {env})
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
      return r
    }
    await ok(['project', 'create', name])
    await ok(['cluster', 'create', 'main', '--tier', o.tier ?? 'M10', '--wait'])
    await ok(['user', 'add', `${name}-app`, '--credentials-file', file, '--wait'])
    if (o.ip !== false) await ok(['ip', 'add', '--current-ip', '--wait'])
    const creds = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      username: string
      password: string
      connectionString: string
    }
    const projectId = (await ok(['project', 'list', '--json'])).json.result.find((p: {name: string}) => p.name === name)
      .id as string
    const doctor = (args: string[] = ['--credentials-file', file]) =>
      runCli(['doctor', '--cluster', 'main', ...args, '--json'], {env})
    return {env, file, creds, projectId, ok, doctor}
  }

  /** The password shows nowhere: not in the JSON, not on stderr, not in the human report. */
  const noSecret = (r: CliResult, password: string) => {
    expect(r.stdout).not.toContain(password)
    expect(r.stderr).not.toContain(password)
  }

  beforeAll(async () => {
    testMongo = await startTestMongo()
    if (!testMongo?.checksPasswords) return
    emu = await startTestEmulator({backingUri: testMongo.uri, dnsPort: 0})
    const h = tempHome()
    home = h.dir
    base = {...h.env, ...emu.env}
    api = new AtlasClient({
      baseUrl: emu.url,
      credentials: {type: 'apiKey', publicKey: emu.credentials.publicKey, privateKey: emu.credentials.privateKey},
    })
  })
  afterAll(async () => {
    await emu?.close()
    await testMongo?.stop()
  })

  const needsPasswords = (ctx: Parameters<typeof requireMongo>[1]) => requirePasswordChecks(testMongo, ctx)

  it('a healthy cluster: every check passes through the SRV name, exit 0; the human report is one line per check', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('healthy')
    const r = await p.doctor()
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.json.status).toBe(0)
    expect(statuses(r)).toEqual({
      cluster: 'pass',
      'access-list': 'pass',
      user: 'pass',
      'user-scope': 'pass',
      'user-roles': 'pass',
      dns: 'pass',
      tcp: 'pass',
      // The emulator's strings say tls=false: the backing server has no TLS.
      tls: 'skip',
      auth: 'pass',
      ping: 'pass',
      'm0-limits': 'skip',
    })
    expect(checksOf(r).dns.summary).toMatch(
      /_mongodb\._tcp\.main\.[a-f0-9]{7}\.atlas\.test → main-shard-00-00\..*TXT authSource=admin/,
    )
    expect(r.json.result.connectionString).toBe(redactedUri(p.creds.connectionString))
    noSecret(r, p.creds.password)

    const human = await runCli(['doctor', '--cluster', 'main', '--credentials-file', p.file], {env: p.env})
    expect(human.code).toBe(0)
    const lines = human.stdout.trim().split('\n')
    expect(lines.filter((l) => /^(PASS|FAIL|SKIP)\s/.test(l))).toHaveLength(11)
    expect(lines.at(-1)).toBe('11 checks: 9 pass, 0 fail, 2 skipped.')
    noSecret(human, p.creds.password)
  })

  it('this machine not on the access list: that check fails (exit 8) with the command that fixes it, and after it all pass', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('noaccess', {ip: false})
    const r = await p.doctor()
    expect(r.code).toBe(8)
    expect(r.json.error.code).toBe('CHECK_FAILED')
    const access = checksOf(r)['access-list']
    expect(access.status).toBe('fail')
    expect(access.summary).toContain('127.0.0.1')
    expect(access.command).toBe('atlasctl ip add --current-ip --project noaccess')
    expect(Object.values(checksOf(r)).filter((c) => c.status === 'fail')).toHaveLength(1)
    // The fix, run as printed, is the fix.
    await p.ok([...access.command!.split(' ').slice(1), '--wait'])
    expect((await p.doctor()).code).toBe(0)
  })

  it('an access-list entry that expired: the check passes while it lasts (naming its expiry), and fails once Atlas removed it', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('expiring', {ip: false})
    await p.ok(['ip', 'add', '--current-ip', '--expires', '3s', '--wait'])
    const before = await p.doctor()
    expect(before.code, before.stdout).toBe(0)
    expect(checksOf(before)['access-list'].summary).toMatch(/expires in \ds/)
    await sleep(3500)
    const after = await p.doctor()
    expect(after.code).toBe(8)
    expect(checksOf(after)['access-list']).toMatchObject({
      status: 'fail',
      command: 'atlasctl ip add --current-ip --project expiring',
    })
    expect(checksOf(after)['access-list'].summary).toContain('Atlas removes an entry when it expires')
  })

  it('an expired database user: the user check says so and the server refuses the password', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('tempuser')
    const file = path.join(home, 'temp.json')
    // Long enough for the first check on a loaded machine; then polled, not slept for a fixed time.
    await p.ok(['user', 'add', 'temp', '--expires', '8s', '--credentials-file', file])
    const before = await p.doctor(['--credentials-file', file])
    expect(before.code, before.stdout).toBe(0)
    expect(checksOf(before).user.summary).toMatch(/expires in \ds/)
    // Atlas deletes the user at its expiry, and its automation drops it from the server within a second.
    let after = before
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(500)) {
      after = await p.doctor(['--credentials-file', file])
      if (after.code !== 0 && checksOf(after).auth.status === 'fail') break
    }
    expect(after.code).toBe(8)
    const c = checksOf(after)
    expect(c.user.status).toBe('fail')
    expect(c.user.summary).toContain('does not exist')
    expect(c.user.command).toBe(`atlasctl user add temp --project tempuser --credentials-file ${file}`)
    expect(c['user-scope']).toMatchObject({status: 'skip', summary: 'needs user, which failed'})
    expect(c.auth.status).toBe('fail')
    expect(c.ping.status).toBe('skip')
    noSecret(after, JSON.parse(fs.readFileSync(file, 'utf8')).password)
  })

  it('a wrong password: auth fails with the command that gives a new one; neither password shows', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('wrongpw')
    const wrong = p.creds.connectionString.replace(`:${p.creds.password}@`, `:${p.creds.password}x@`)
    const r = await p.doctor(['--uri', wrong])
    expect(r.code).toBe(8)
    const c = checksOf(r)
    expect(c.auth).toMatchObject({
      status: 'fail',
      command: 'atlasctl user rotate-password wrongpw-app --project wrongpw --credentials-file FILE',
    })
    expect(c.ping).toMatchObject({status: 'skip', summary: 'needs auth, which failed'})
    expect(['cluster', 'access-list', 'user', 'dns', 'tcp'].map((id) => c[id].status)).toEqual(Array(5).fill('pass'))
    noSecret(r, p.creds.password)
  })

  it('an SRV name that does not exist (NXDOMAIN from the DNS server), a closed port, and TLS to a server without it', async (ctx) => {
    const mongo = needsPasswords(ctx)
    const p = await project('network')
    const srvHost = new URL(p.creds.connectionString.replace('mongodb+srv', 'http')).hostname
    const auth = `${p.creds.username}:${p.creds.password}`

    const nx = await p.doctor([
      '--uri',
      `mongodb+srv://${auth}@nope.${srvHost.split('.').slice(1).join('.')}/?tls=false`,
    ])
    expect(nx.code).toBe(8)
    expect(checksOf(nx).dns.summary).toContain('does not exist (NXDOMAIN)')
    expect(checksOf(nx).dns.command).toBe('atlasctl cluster describe main --project network')
    expect(statuses(nx)).toMatchObject({tcp: 'skip', auth: 'skip', ping: 'skip'})

    const port = await closedPort()
    const closed = await p.doctor(['--uri', `mongodb://${auth}@127.0.0.1:${port}/app`])
    expect(closed.code).toBe(8)
    expect(checksOf(closed).tcp).toMatchObject({status: 'fail'})
    expect(checksOf(closed).tcp.summary).toContain(`127.0.0.1:${port}: connection refused`)
    expect(statuses(closed)).toMatchObject({dns: 'pass', auth: 'skip', ping: 'skip'})

    const backingPort = new URL(mongo.uri).port
    const tls = await p.doctor(['--uri', `mongodb://${auth}@127.0.0.1:${backingPort}/app?tls=true`, '--timeout', '2s'])
    expect(tls.code).toBe(8)
    expect(statuses(tls)).toMatchObject({tcp: 'pass', tls: 'fail', auth: 'skip'})
    for (const r of [nx, closed, tls]) noSecret(r, p.creds.password)
  })

  it('a paused cluster: the cluster check fails with the resume command, and what needs a running cluster is skipped', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('paused')
    await api.ok(
      api.api.PATCH('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
        params: {path: {groupId: p.projectId, clusterName: 'main'}},
        body: {paused: true},
      }),
    )
    const r = await p.doctor()
    expect(r.code).toBe(8)
    const c = checksOf(r)
    expect(c.cluster.status).toBe('fail')
    expect(c.cluster.summary).toContain('paused')
    expect(c.cluster.command).toBe('atlasctl cluster resume main --project paused --wait')
    expect(c.tcp).toMatchObject({status: 'skip', summary: 'needs cluster, which failed'})
    expect(statuses(r)).toMatchObject({'access-list': 'pass', user: 'pass', dns: 'pass', auth: 'skip', ping: 'skip'})
  })

  it('a user scoped to another cluster, and roles that do not reach the database the URI names', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('scopes')
    await p.ok(['cluster', 'create', 'other', '--tier', 'M10', '--wait'])
    const file = path.join(home, 'scoped.json')
    await p.ok(['user', 'add', 'scoped', '--cluster', 'other', '--role', 'read@reports', '--credentials-file', file])
    const creds = JSON.parse(fs.readFileSync(file, 'utf8')) as {password: string}
    const own = p.creds.connectionString.replace(/\/\/[^@]*@/, '//').replace('/?', '/shop?')
    const r = await p.doctor(['--uri', own.replace('//', `//scoped:${creds.password}@`)])
    expect(r.code).toBe(8)
    const c = checksOf(r)
    expect(c['user-scope'].status).toBe('fail')
    expect(c['user-scope'].summary).toContain('scoped to other, not to main')
    expect(c['user-roles'].status).toBe('fail')
    expect(c['user-roles'].summary).toContain('read@reports')
    expect(c['user-roles'].command).toContain('--role readWrite@shop')
    noSecret(r, creds.password)
  })

  it('on M0: storage against 512 MB, after a write', async (ctx) => {
    needsPasswords(ctx)
    const p = await project('free', {tier: 'M0'})
    const {connect} = await import('../../src/mongo/connect.js')
    process.env.ATLASCTL_DNS_SERVER = emu.dnsServer
    let client: MongoClient | undefined
    try {
      client = await connect(p.creds.connectionString)
      await client
        .db('m0data')
        .collection('docs')
        .insertMany(Array.from({length: 200}, (_, i) => ({i, pad: 'x'.repeat(1000)})))
    } finally {
      await client?.close()
      delete process.env.ATLASCTL_DNS_SERVER
    }
    const r = await p.doctor()
    expect(r.code, r.stdout).toBe(0)
    expect(checksOf(r)['m0-limits'].status).toBe('pass')
    expect(checksOf(r)['m0-limits'].summary).toMatch(/^0\.[1-9]\d* MB of 512 MB/)
  })

  it('bad input is exit 2 naming the flag', async (ctx) => {
    needsPasswords(ctx)
    const env = {...base, ATLAS_PROJECT_ID: 'healthy'}
    const bad = await runCli(['doctor', '--cluster', 'main', '--uri', 'http://example.com', '--json'], {env})
    expect(bad.code).toBe(2)
    expect(bad.json.error.message).toContain('--uri')
    const both = await runCli(
      ['doctor', '--cluster', 'main', '--uri', 'mongodb://h', '--credentials-file', 'f', '--json'],
      {env},
    )
    expect(both.code).toBe(2)
    const none = await runCli(['doctor', '--json'], {env})
    expect(none.code).toBe(2)
    expect(none.json.error.message).toContain('--cluster')
  })
})
