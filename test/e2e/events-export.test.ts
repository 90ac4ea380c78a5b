import {promises as dnsp} from 'node:dns'
import fs from 'node:fs'
import path from 'node:path'
import {MongoClient} from 'mongodb'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type DnsRecord, type DnsServer, startDnsServer} from '../../src/emulator/dns.js'
import {connect} from '../../src/mongo/connect.js'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {eventYaml} from '../support/events.js'
import {requirePasswordChecks, startTestMongo, type TestMongo} from '../support/mongo.js'
import {type CliResult, runCli, tempHome} from '../support/run-cli.js'

type Bundle = {username: string; password: string; connectionString: string}

describe('event cleanup --export-first against the emulator and a server that checks passwords', () => {
  let testMongo: TestMongo | undefined
  let emu: TestEmulator
  let env: Record<string, string>
  let home: string
  /** Every temporary user the CLI asked for, with the body it sent (roles, scopes, expiry, password). */
  const exportUsers: Array<Record<string, unknown>> = []
  const dnsServers: DnsServer[] = []

  beforeAll(async () => {
    testMongo = await startTestMongo()
    if (!testMongo?.checksPasswords) return
    emu = await startTestEmulator({
      backingUri: testMongo.uri,
      dnsPort: 0,
      onExchange: (x) => {
        const body = x.requestBody as Record<string, unknown> | undefined
        if (x.operationId === 'createGroupDatabaseUser' && String(body?.username).startsWith('atlasctl-export-'))
          exportUsers.push(body!)
      },
    })
    process.env.ATLASCTL_DNS_SERVER = emu.dnsServer
    const h = tempHome()
    home = h.dir
    env = {...h.env, ...emu.env}
  })
  afterAll(async () => {
    delete process.env.ATLASCTL_DNS_SERVER
    for (const d of dnsServers) await d.close()
    await emu?.close()
    await testMongo?.stop()
  })

  const groups = (event: string) =>
    Object.values(emu.state.groups).filter((g) => g.tags.some((t) => t.key === 'event' && t.value === event))
  const teamsLeft = (event: string) =>
    groups(event)
      .map((g) => g.tags.find((t) => t.key === 'team')!.value)
      .sort()
  /** Users named atlasctl-export-… in the emulator and on the backing server. */
  async function temporaryUsers(): Promise<{atlas: string[]; server: string[]}> {
    const atlas = Object.values(emu.state.users)
      .flatMap((g) => Object.values(g).map((u) => u.username))
      .filter((u) => u.startsWith('atlasctl-export-'))
    const admin = new MongoClient(testMongo!.uri)
    try {
      const info = (await admin.db('admin').command({usersInfo: 1})) as {users: Array<{user: string}>}
      return {atlas, server: info.users.map((u) => u.user).filter((u) => u.startsWith('atlasctl-export-'))}
    } finally {
      await admin.close()
    }
  }
  const ledgerOf = (event: string) =>
    JSON.parse(fs.readFileSync(path.join(env.XDG_DATA_HOME, 'atlasctl', 'events', event, 'ledger.json'), 'utf8')) as {
      exportUsers: Record<string, {username: string}>
    }

  /** Provisions the event and writes `docs` documents per team into its cluster, through the team's own bundle. */
  async function provision(event: string, teams: string[], docs = 50): Promise<Record<string, Bundle>> {
    const file = path.join(home, `${event}.yaml`)
    fs.writeFileSync(file, eventYaml(event, teams.length, {teams}))
    const out = path.join(home, `creds-${event}`)
    const r = await runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})
    expect(r.code, r.stderr).toBe(0)
    const bundles: Record<string, Bundle> = {}
    for (const t of teams) {
      bundles[t] = JSON.parse(fs.readFileSync(path.join(out, `${t}.json`), 'utf8')) as Bundle
      const c = await connect(bundles[t].connectionString)
      try {
        await c
          .db(`${event}_${t}`)
          .collection<{_id: number | string; team: string}>('items')
          .insertMany(Array.from({length: docs}, (_, i) => ({_id: i, team: t, n: i * 3, tags: ['a', `t${i}`]})))
        await c.db(`${event}_${t}`).collection('items').createIndex({n: 1})
      } finally {
        await c.close()
      }
    }
    return bundles
  }

  /** No password of a temporary user anywhere: output, the ledger, the audit log. */
  function noSecrets(runs: CliResult[], event: string): void {
    const audit = fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')
    const ledger = JSON.stringify(ledgerOf(event))
    for (const u of exportUsers)
      for (const text of [...runs.flatMap((r) => [r.stdout, r.stderr]), audit, ledger])
        expect(text).not.toContain(String(u.password))
  }

  const files = (dir: string): string[] =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, {recursive: true, withFileTypes: true})
          .filter((e) => e.isFile())
          .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
          .sort()
      : []

  it('exports both teams (mongodump layout, gzip, verified), deletes their clusters, and leaves no temporary user', async (ctx) => {
    const mongo = requirePasswordChecks(testMongo, ctx)
    // The users this test's cleanup makes, whichever tests ran before it.
    const earlier = exportUsers.length
    await provision('x1', ['t1', 't2'])
    const dir = path.join(home, 'exports', 'x1')
    const plan = await runCli(['event', 'cleanup', 'x1', '--export-first', dir, '--json'], {env})
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.json.result.exportFirst).toEqual({
      dir,
      teams: [
        {team: 't1', exported: false},
        {team: 't2', exported: false},
      ],
    })
    // The dry run writes nothing, the folder included.
    expect(fs.existsSync(dir)).toBe(false)

    const r = await runCli(['event', 'cleanup', 'x1', '--export-first', dir, '--yes', '--json'], {env})
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
    const results = r.json.result.results as Array<{team: string; status: string; export: {status: string}}>
    expect(results.map((x) => [x.team, x.status, x.export.status])).toEqual([
      ['t1', 'removed', 'exported'],
      ['t2', 'removed', 'exported'],
    ])
    expect(teamsLeft('x1')).toEqual([])
    for (const t of ['t1', 't2']) {
      const cluster = results.find((x) => x.team === t)!.export as unknown as {
        clusters: Array<{cluster: string; docs: number; collections: Array<{ns: string; docs: number}>}>
      }
      const name = cluster.clusters[0].cluster
      expect(cluster.clusters[0].collections).toContainEqual(expect.objectContaining({ns: `x1_${t}.items`, docs: 50}))
      // mongodump's layout, gzipped: what mongorestore --gzip DIR/<team>/<cluster> reads.
      expect(files(path.join(dir, t))).toEqual(
        expect.arrayContaining([
          'export.json',
          `${name}/prelude.json.gz`,
          `${name}/x1_${t}/items.bson.gz`,
          `${name}/x1_${t}/items.metadata.json.gz`,
        ]),
      )
      // Checked again from outside, with migrate verify against the (shared) backing server, which keeps the data.
      const v = await runCli(
        [
          'migrate',
          'verify',
          '--from',
          path.join(dir, t, name),
          '--uri',
          mongo.uri,
          '--ns-include',
          `x1_${t}.*`,
          '--json',
        ],
        {env},
      )
      expect(v.code, v.stdout).toBe(0)
      expect(v.json.result).toEqual([expect.objectContaining({source: `x1_${t}.items`, sourceCount: 50, ok: true})])
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([])

    // The temporary users: read-only, scoped to the team's cluster, expiring soon, and gone now.
    const mine = exportUsers.slice(earlier)
    expect(mine).toHaveLength(2)
    for (const u of mine) {
      expect(u.roles).toEqual([{roleName: 'readAnyDatabase', databaseName: 'admin'}])
      expect(u.scopes).toEqual([{name: expect.any(String), type: 'CLUSTER'}])
      const ttl = Date.parse(String(u.deleteAfterDate)) - Date.now()
      expect(ttl).toBeGreaterThan(60 * 60 * 1000)
      expect(ttl).toBeLessThanOrEqual(2 * 60 * 60 * 1000)
    }
    expect(await temporaryUsers()).toEqual({atlas: [], server: []})
    expect(ledgerOf('x1').exportUsers).toEqual({})
    noSecrets([plan, r], 'x1')
    const audit = fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')
    expect(audit).toMatch(
      new RegExp(`"action":"event export","target":"${path.join(dir, 't1')}","result":"ok: \\d+ documents, verified"`),
    )
  })

  it('a team whose cluster cannot be reached is kept and reported (exit 7); a crash after its user is made, then a re-run, finishes', async (ctx) => {
    requirePasswordChecks(testMongo, ctx)
    const bundles = await provision('x2', ['t1', 't2'])
    const dir = path.join(home, 'x2-export')
    // A DNS server that answers for t1's cluster as the emulator's does, and NXDOMAIN for t2's: t2 is unreachable.
    const host = (t: string) => new URL(bundles[t].connectionString.replace('mongodb+srv', 'http')).hostname
    const resolver = new dnsp.Resolver()
    resolver.setServers([emu.dnsServer!])
    const [srv] = await resolver.resolveSrv(`_mongodb._tcp.${host('t1')}`)
    const [a] = await resolver.resolve4(srv.name)
    const records: Record<string, DnsRecord[]> = {
      [`_mongodb._tcp.${host('t1')}`]: [{type: 'SRV', port: srv.port, target: srv.name}],
      [host('t1')]: [{type: 'TXT', text: 'authSource=admin'}],
      [srv.name]: [{type: 'A', address: a}],
    }
    const blocking = await startDnsServer((name, type) => records[name]?.filter((x) => x.type === type))
    dnsServers.push(blocking)

    const failed = await runCli(['event', 'cleanup', 'x2', '--export-first', dir, '--yes', '--json'], {
      env: {...env, ATLASCTL_DNS_SERVER: blocking.address},
    })
    expect(failed.code, failed.stdout).toBe(7)
    expect(failed.json.error.code).toBe('PARTIAL_FAILURE')
    expect(failed.json.error.message).toContain('1 of 2 teams were kept because their export failed (t2)')
    expect(failed.json.error.hint).toBe(
      `Re-run to finish the job: atlasctl event cleanup x2 --export-first ${dir} --yes`,
    )
    const results = failed.json.error.details.report.results as Array<{team: string; status: string; stage?: string}>
    expect(results.map((x) => [x.team, x.status, x.stage])).toEqual([
      ['t1', 'removed', undefined],
      ['t2', 'failed', 'export'],
    ])
    // t2 is intact: project, cluster, its own user; no export folder that looks complete, no temporary user.
    expect(teamsLeft('x2')).toEqual(['t2'])
    const g = groups('x2')[0]
    expect(Object.keys(emu.state.clusters[g.id])).toHaveLength(1)
    expect(Object.keys(emu.state.users[g.id])).toEqual(['admin/t2-admin'])
    expect(fs.readdirSync(dir).sort()).toEqual(['.atlasctl-export.json', 't1'])
    expect(await temporaryUsers()).toEqual({atlas: [], server: []})
    expect(ledgerOf('x2').exportUsers).toEqual({})
    expect(fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')).toContain(
      `"action":"event export","target":"${path.join(dir, 't2')}","result":"failed: Cannot connect to MongoDB`,
    )

    // SIGKILL right after Atlas made t2's temporary user: the ledger recorded it first.
    const crash = new AbortController()
    emu.contract.onCheck = (x) => {
      if (x.operationId === 'createGroupDatabaseUser' && x.status === 201) crash.abort()
    }
    const killed = await runCli(['event', 'cleanup', 'x2', '--export-first', dir, '--yes', '--json'], {
      env,
      signal: crash.signal,
    })
    emu.contract.onCheck = undefined
    expect(killed.code).not.toBe(0)
    const left = ledgerOf('x2').exportUsers.t2?.username
    expect(left).toMatch(/^atlasctl-export-/)
    expect((await temporaryUsers()).atlas).toEqual([left])
    expect(fs.existsSync(path.join(dir, 't2'))).toBe(false)

    const again = await runCli(['event', 'cleanup', 'x2', '--export-first', dir, '--yes', '--json'], {env})
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(again.json.result.results).toEqual([
      expect.objectContaining({
        team: 't2',
        status: 'removed',
        export: expect.objectContaining({status: 'exported', leftoverUserRemoved: left}),
      }),
    ])
    expect(teamsLeft('x2')).toEqual([])
    expect(fs.readdirSync(dir).sort()).toEqual(['.atlasctl-export.json', 't1', 't2'])
    expect(await temporaryUsers()).toEqual({atlas: [], server: []})
    expect(ledgerOf('x2').exportUsers).toEqual({})
    noSecrets([failed, killed, again], 'x2')
  })

  it('an export that exists and is verified is never overwritten: kept when the cluster changed, reused when it did not', async (ctx) => {
    requirePasswordChecks(testMongo, ctx)
    const bundles = await provision('x3', ['t1'])
    const dir = path.join(home, 'x3-export')
    // SIGKILL once the verified export has its name, before the cluster is deleted: its temporary user goes first.
    const crash = new AbortController()
    emu.contract.onCheck = (x) => {
      if (x.operationId === 'deleteGroupDatabaseUser' && x.path.includes('atlasctl-export-')) crash.abort()
    }
    await runCli(['event', 'cleanup', 'x3', '--export-first', dir, '--yes'], {env, signal: crash.signal})
    emu.contract.onCheck = undefined
    const manifest = fs.readFileSync(path.join(dir, 't1', 'export.json'), 'utf8')
    expect(teamsLeft('x3')).toEqual(['t1'])

    const plan = await runCli(['event', 'cleanup', 'x3', '--export-first', dir, '--json'], {env})
    expect(plan.json.result.exportFirst.teams).toEqual([{team: 't1', exported: true}])

    const c = await connect(bundles.t1.connectionString)
    try {
      await c.db('x3_t1').collection<{_id: number | string; team: string}>('items').insertOne({_id: 'late', team: 't1'})
      const changed = await runCli(['event', 'cleanup', 'x3', '--export-first', dir, '--yes', '--json'], {env})
      expect(changed.code, changed.stdout).toBe(7)
      const [t1] = changed.json.error.details.report.results
      expect(t1).toMatchObject({team: 't1', status: 'failed', stage: 'export'})
      expect(t1.error).toContain('no longer matches')
      expect(t1.error).toContain(`Move ${path.join(dir, 't1')} aside`)
      expect(fs.readFileSync(path.join(dir, 't1', 'export.json'), 'utf8')).toBe(manifest)
      expect(teamsLeft('x3')).toEqual(['t1'])
      await c.db('x3_t1').collection<{_id: number | string; team: string}>('items').deleteOne({_id: 'late'})
    } finally {
      await c.close()
    }

    const reused = await runCli(['event', 'cleanup', 'x3', '--export-first', dir, '--yes', '--json'], {env})
    expect(reused.code, reused.stdout).toBe(0)
    expect(reused.json.result.results[0]).toMatchObject({team: 't1', status: 'removed', export: {status: 'existing'}})
    expect(fs.readFileSync(path.join(dir, 't1', 'export.json'), 'utf8')).toBe(manifest)
    expect(teamsLeft('x3')).toEqual([])
    expect(await temporaryUsers()).toEqual({atlas: [], server: []})
  })

  it('DIR is a file, holds other files, is another event’s, or is not writable: exit 2 before any change', async (ctx) => {
    requirePasswordChecks(testMongo, ctx)
    await provision('x4', ['t1'], 1)
    const writes: string[] = []
    emu.contract.onCheck = (x) => x.method !== 'GET' && writes.push(`${x.operationId}`)
    const file = path.join(home, 'x4-file')
    fs.writeFileSync(file, 'not a folder')
    const other = path.join(home, 'x4-other')
    fs.mkdirSync(other)
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine')
    const foreign = path.join(home, 'x4-foreign')
    fs.mkdirSync(foreign)
    fs.writeFileSync(path.join(foreign, '.atlasctl-export.json'), '{"event": "x1"}\n')
    for (const [dir, needle] of [
      [file, 'it is a file, not a folder'],
      [other, 'it holds other files (notes.txt) and is not an atlasctl export folder'],
      [foreign, 'it is the export folder of event x1'],
    ] as const) {
      const r = await runCli(['event', 'cleanup', 'x4', '--export-first', dir, '--yes', '--json'], {env})
      expect(r.code, r.stdout).toBe(2)
      expect(r.json.error).toMatchObject({code: 'BAD_EXPORT_DIR', details: {flag: 'export-first', dir}})
      expect(r.json.error.message).toContain(needle)
    }
    expect(fs.readdirSync(other)).toEqual(['notes.txt'])

    // Root writes through any mode bits: as root the CLI runs as nobody, with a home it may use.
    const root = process.getuid?.() === 0
    const nobodyHome = fs.mkdtempSync(path.join(home, 'ro-'))
    fs.chmodSync(home, 0o755)
    fs.chmodSync(nobodyHome, 0o777)
    const locked = path.join(nobodyHome, 'locked')
    fs.mkdirSync(locked, {mode: 0o555})
    fs.chmodSync(locked, 0o555)
    const asNobody = {
      ...env,
      HOME: nobodyHome,
      XDG_CONFIG_HOME: path.join(nobodyHome, 'config'),
      XDG_DATA_HOME: path.join(nobodyHome, 'data'),
      XDG_CACHE_HOME: path.join(nobodyHome, 'cache'),
    }
    const user = root ? {uid: 65534, gid: 65534} : undefined
    for (const [dir, needle] of [
      [locked, 'the folder is not writable'],
      [path.join(locked, 'new'), `the folder ${locked} is not writable`],
    ] as const) {
      const r = await runCli(['event', 'cleanup', 'x4', '--export-first', dir, '--yes', '--json'], {
        env: asNobody,
        user,
      })
      expect(r.code, r.stdout + r.stderr).toBe(2)
      expect(r.json.error.message).toContain(needle)
    }
    emu.contract.onCheck = undefined
    expect(writes).toEqual([])
    expect(teamsLeft('x4')).toEqual(['t1'])
  })
})
