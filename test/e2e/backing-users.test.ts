import fs from 'node:fs'
import path from 'node:path'
import {MongoClient} from 'mongodb'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BackingUsers} from '../../src/emulator/backing.js'
import {AuthError} from '../../src/lib/errors.js'
import {connect} from '../../src/mongo/connect.js'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {requireMongo, requirePasswordChecks, startTestMongo, type TestMongo} from '../support/mongo.js'
import {runCli, tempHome} from '../support/run-cli.js'

/** Whether a connection string authenticates: a ping and a write, as an application would (SRV names through the emulator's DNS). */
async function authenticates(uri: string): Promise<true | string> {
  let client: MongoClient | undefined
  try {
    client = await connect(uri, {serverSelectionTimeoutMS: 5000})
    await client.db('backing_users').collection('probe').insertOne({at: new Date()})
    return true
  } catch (error) {
    return error instanceof AuthError ? 'AuthenticationFailed' : (error as Error).message
  } finally {
    await client?.close()
  }
}

const bundle = (file: string) =>
  JSON.parse(fs.readFileSync(file, 'utf8')) as {username: string; password: string; connectionString: string}
const withPassword = (uri: string, password: string) => {
  const u = new URL(uri)
  u.password = password
  return u.toString()
}

describe('database users are real on the backing server', () => {
  let testMongo: TestMongo | undefined
  let emu: TestEmulator
  let env: Record<string, string>
  let dir: string

  beforeAll(async () => {
    testMongo = await startTestMongo()
    if (!testMongo?.checksPasswords) return
    emu = await startTestEmulator({backingUri: testMongo.uri, dnsPort: 0})
    process.env.ATLASCTL_DNS_SERVER = emu.dnsServer
    const h = tempHome()
    dir = h.dir
    env = {...h.env, ...emu.env, ATLAS_PROJECT_ID: 'real'}
    expect((await runCli(['project', 'create', 'real'], {env})).code).toBe(0)
    expect((await runCli(['cluster', 'create', 'main', '--tier', 'M10', '--wait'], {env})).code).toBe(0)
  })
  afterAll(async () => {
    delete process.env.ATLASCTL_DNS_SERVER
    await emu?.close()
    await testMongo?.stop()
  })

  const needsPasswords = (ctx: Parameters<typeof requireMongo>[1]) => requirePasswordChecks(testMongo, ctx)

  it('the connection string atlasctl hands out authenticates; a wrong password, a rotated-away one and a deleted user are refused', async (ctx) => {
    const mongo = needsPasswords(ctx)
    const file = path.join(dir, 'app.json')
    const added = await runCli(['user', 'add', 'app', '--credentials-file', file, '--json'], {env})
    expect(added.code, added.stderr).toBe(0)
    const first = bundle(file)
    // Atlas's connection strings carry no credentials: the administrator of the backing server never shows. The
    // SRV name resolves through the emulator's DNS, as Atlas's do through public DNS.
    expect(first.connectionString).toMatch(/^mongodb\+srv:\/\/app:[^@]+@main\.[a-f0-9]{7}\.atlas\.test\/\?tls=false$/)
    expect(first.connectionString).not.toContain(new URL(mongo.uri).password)
    expect(await authenticates(first.connectionString)).toBe(true)
    expect(await authenticates(withPassword(first.connectionString, `${first.password}x`))).toBe('AuthenticationFailed')

    const rotated = await runCli(['user', 'rotate-password', 'app', '--credentials-file', file, '--json'], {env})
    expect(rotated.code, rotated.stderr).toBe(0)
    const second = bundle(file)
    expect(second.password).not.toBe(first.password)
    expect(await authenticates(second.connectionString)).toBe(true)
    expect(await authenticates(first.connectionString)).toBe('AuthenticationFailed')

    expect((await runCli(['user', 'delete', 'app', '--yes'], {env})).code).toBe(0)
    expect(await authenticates(second.connectionString)).toBe('AuthenticationFailed')
  })

  it('an emulator restarted on its state file puts back a user dropped by hand; a deleted project takes its users with it', async (ctx) => {
    const mongo = needsPasswords(ctx)
    const data = fs.mkdtempSync(path.join(dir, 'state-'))
    const admin = new MongoClient(mongo.uri)
    const users = async () =>
      ((await admin.db('admin').command({usersInfo: 1})) as {users: Array<{user: string}>}).users
        .map((u) => u.user)
        .sort()
    try {
      let own = await startTestEmulator({backingUri: mongo.uri, dataDir: data})
      // One emulator owns the server's users: the other emulator's are gone, the administrator stays.
      expect(await users()).toEqual([new URL(mongo.uri).username])
      const e = {...env, ...own.env, ATLAS_PROJECT_ID: 'kept'}
      expect((await runCli(['project', 'create', 'kept'], {env: e})).code).toBe(0)
      expect((await runCli(['cluster', 'create', 'c1', '--tier', 'M10', '--wait'], {env: e})).code).toBe(0)
      const file = path.join(dir, 'kept.json')
      expect((await runCli(['user', 'add', 'kept', '--credentials-file', file], {env: e})).code).toBe(0)
      const kept = bundle(file)
      await admin.db('admin').command({dropUser: 'kept'})
      expect(await authenticates(kept.connectionString)).toBe('AuthenticationFailed')
      await own.close()
      own = await startTestEmulator({backingUri: mongo.uri, dataDir: data})
      expect(await authenticates(kept.connectionString)).toBe(true)

      const t = {...env, ...own.env, ATLAS_PROJECT_ID: 'short'}
      expect((await runCli(['project', 'create', 'short'], {env: t})).code).toBe(0)
      const temp = await runCli(['user', 'add', 'temp', '--credentials-file', path.join(dir, 'temp.json')], {env: t})
      expect(temp.code, temp.stderr).toBe(0)
      expect(await users()).toContain('temp')
      const gone = await runCli(['project', 'delete', 'short', '--yes'], {env: t})
      expect(gone.code, gone.stderr).toBe(0)
      expect(await users()).not.toContain('temp')
      expect(await users()).toContain('kept')
      await own.close()
    } finally {
      await admin.close()
    }
  })

  it('reconciles to exactly the desired users, and leaves the administrator alone', async (ctx) => {
    const mongo = needsPasswords(ctx)
    const sync = BackingUsers.from(mongo.uri)!
    try {
      const base = sync.publicUri
      const at = (u: string, p: string) => base.replace('mongodb://', `mongodb://${u}:${p}@`)
      await sync.reconcile([
        {username: 'r1', password: 'password-one', roles: [{roleName: 'readWriteAnyDatabase', databaseName: 'admin'}]},
      ])
      expect(await authenticates(at('r1', 'password-one'))).toBe(true)
      await sync.reconcile([
        {username: 'r1', password: 'password-two', roles: [{roleName: 'readWriteAnyDatabase', databaseName: 'admin'}]},
      ])
      expect(await authenticates(at('r1', 'password-one'))).toBe('AuthenticationFailed')
      expect(await authenticates(at('r1', 'password-two'))).toBe(true)
      await sync.reconcile([])
      expect(await authenticates(at('r1', 'password-two'))).toBe('AuthenticationFailed')
      expect(await authenticates(mongo.uri)).toBe(true)
    } finally {
      await sync.close()
    }
  })

  it("the emulator's DNS answers a cluster's SRV and TXT records, and NXDOMAIN for a name of no cluster", async (ctx) => {
    needsPasswords(ctx)
    const {promises: dns} = await import('node:dns')
    const resolver = new dns.Resolver()
    resolver.setServers([emu.dnsServer!])
    const described = await runCli(['cluster', 'describe', 'main', '--json'], {env})
    const host = new URL(
      (described.json.result.connectionStrings as {standardSrv: string}).standardSrv.replace('mongodb+srv', 'http'),
    ).hostname
    const [srv] = await resolver.resolveSrv(`_mongodb._tcp.${host}`)
    expect(srv).toMatchObject({
      port: Number(new URL(testMongo!.uri).port),
      name: host.replace(/^main\./, 'main-shard-00-00.'),
    })
    expect(await resolver.resolve4(srv.name)).toEqual(['127.0.0.1'])
    expect(await resolver.resolveTxt(host)).toEqual([['authSource=admin']])
    await expect(resolver.resolveSrv(`_mongodb._tcp.nope.${host.split('.').slice(1).join('.')}`)).rejects.toMatchObject(
      {code: 'ENOTFOUND'},
    )
  })
})
