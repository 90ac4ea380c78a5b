import fs from 'node:fs'
import path from 'node:path'
import type {CommandStartedEvent} from 'mongodb'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {connect} from '../../src/mongo/connect.js'
import {applyActions, readServerState} from '../../src/services/indexes/apply.js'
import {planIndexes} from '../../src/services/indexes/plan.js'
import {dbSpecSchema} from '../../src/services/indexes/spec.js'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {redactedUri, requireMongo, startTestMongo, type TestMongo} from '../support/mongo.js'
import {ROOT, runCli, tempHome} from '../support/run-cli.js'

const EXAMPLE = path.join(ROOT, 'docs', 'examples', 'audio-pipeline.yaml')
let n = 0
const dbName = (p: string) => `${p}_${process.pid}_${++n}`

describe('db init-indexes against a real MongoDB-compatible server', () => {
  let testMongo: TestMongo | undefined
  let env: Record<string, string>
  let dir: string

  beforeAll(async () => {
    testMongo = await startTestMongo()
    const h = tempHome()
    dir = h.dir
    env = h.env
  })
  afterAll(() => testMongo?.stop())

  const specFor = (db: string) => {
    const f = path.join(dir, `${db}.yaml`)
    fs.writeFileSync(f, fs.readFileSync(EXAMPLE, 'utf8').replace('database: audio_pipeline', `database: ${db}`))
    return f
  }

  it('applies the audio-pipeline example; a second run makes zero writes; export-spec round-trips', async (ctx) => {
    const mongo = requireMongo(testMongo, ctx)
    const db = dbName('audio')
    const spec = specFor(db)
    const first = await runCli(['db', 'init-indexes', '--spec', spec, '--uri', mongo.uri, '--json'], {env})
    if (mongo.kind === 'ferretdb') {
      // FerretDB cannot store validators: reported, never dropped silently; nothing written.
      expect(first.code).toBe(6)
      expect(first.json.error.code).toBe('UNSUPPORTED_BY_SERVER')
      expect(first.json.error.details.plan.unsupported.map((u: {collection: string}) => u.collection)).toEqual([
        'calls',
        'contacts',
        'insights_aggregated',
        'processing_metrics',
      ])
      const client = await connect(mongo.uri)
      expect(await client.db(db).listCollections().toArray()).toEqual([])
      await client.close()
    }
    const args = [
      'db',
      'init-indexes',
      '--spec',
      spec,
      '--uri',
      mongo.uri,
      '--json',
      ...(mongo.kind === 'ferretdb' ? ['--skip-validators'] : []),
    ]
    const applied = await runCli(args, {env})
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.json.result.applied).toBe(11)
    const again = await runCli(args, {env})
    expect(again.json.result).toMatchObject({actions: [], conflicts: [], applied: 0})
    const human = await runCli(
      args.filter((a) => a !== '--json'),
      {env},
    )
    expect(human.stdout).toContain(`${db}: nothing to do.`)

    const client = await connect(mongo.uri)
    const calls = await client.db(db).collection('calls').listIndexes().toArray()
    expect(calls.map((i) => i.name).sort()).toEqual([
      '_id_',
      'call_id_1',
      'created_at_-1',
      'metadata.company_name_1',
      'status_1',
    ])
    expect(calls.find((i) => i.name === 'call_id_1')?.unique).toBe(true)
    await client.db(db).collection('calls').insertOne({call_id: 'c1', status: 'uploaded', created_at: new Date()})
    await expect(
      client.db(db).collection('calls').insertOne({call_id: 'c1', status: 'uploaded', created_at: new Date()}),
    ).rejects.toMatchObject({code: 11000})

    // export-spec of the result, applied to an empty database, gives the same indexes.
    const exported = path.join(dir, `${db}.export.yaml`)
    expect((await runCli(['db', 'export-spec', '--uri', mongo.uri, '--db', db, '--out', exported], {env})).code).toBe(0)
    const copy = dbName('copy')
    fs.writeFileSync(exported, fs.readFileSync(exported, 'utf8').replace(`database: ${db}`, `database: ${copy}`))
    expect((await runCli(['db', 'init-indexes', '--spec', exported, '--uri', mongo.uri], {env})).code).toBe(0)
    const indexes = async (d: string) => {
      const out: Record<string, unknown[]> = {}
      for (const c of ['calls', 'contacts', 'insights_aggregated', 'processing_metrics']) {
        out[c] = (await client.db(d).collection(c).listIndexes().toArray())
          .map(({v: _v, ns: _ns, ...i}) => i)
          .sort((a, b) => String(a.name).localeCompare(String(b.name)))
      }
      return out
    }
    expect(await indexes(copy)).toEqual(await indexes(db))
    await client.close()
  })

  it('a conflicting index is refused (exit 6) unless --replace; --prune drops extras after confirmation', async (ctx) => {
    const mongo = requireMongo(testMongo, ctx)
    const db = dbName('conflict')
    const client = await connect(mongo.uri)
    await client.db(db).collection('calls').createIndex({call_id: 1}, {name: 'call_id_1'})
    await client.db(db).collection('calls').createIndex({legacy: 1}, {name: 'legacy_1'})
    const f = path.join(dir, `${db}.yaml`)
    fs.writeFileSync(
      f,
      `database: ${db}\ncollections:\n  - name: calls\n    indexes:\n      - {keys: {call_id: 1}, unique: true}\n`,
    )
    const refused = await runCli(['db', 'init-indexes', '--spec', f, '--uri', mongo.uri], {env})
    expect(refused.code).toBe(6)
    expect(refused.stderr).toContain('calls.call_id_1')
    const replaced = await runCli(['db', 'init-indexes', '--spec', f, '--uri', mongo.uri, '--replace', '--json'], {env})
    expect(replaced.code, replaced.stderr).toBe(0)
    expect(replaced.json.result.actions.map((a: {type: string}) => a.type)).toEqual(['dropIndex', 'createIndex'])
    expect(
      (await client.db(db).collection('calls').listIndexes().toArray()).find((i) => i.name === 'call_id_1')?.unique,
    ).toBe(true)
    expect((await runCli(['db', 'init-indexes', '--spec', f, '--uri', mongo.uri, '--prune'], {env})).code).toBe(2)
    expect(
      (await runCli(['db', 'init-indexes', '--spec', f, '--uri', mongo.uri, '--prune', '--yes'], {env})).code,
    ).toBe(0)
    expect((await client.db(db).collection('calls').listIndexes().toArray()).map((i) => i.name).sort()).toEqual([
      '_id_',
      'call_id_1',
    ])
    await client.close()
  })

  it('a bad spec is exit 2 before any write', async (ctx) => {
    const mongo = requireMongo(testMongo, ctx)
    const db = dbName('bad')
    const f = path.join(dir, `${db}.yaml`)
    fs.writeFileSync(
      f,
      `database: ${db}\ncollections:\n  - name: calls\n    indexes:\n      - {keys: {a: 1}}\n      - {keys: {b: 1}, weights: {b: 2}}\n`,
    )
    const r = await runCli(['db', 'init-indexes', '--spec', f, '--uri', mongo.uri], {env})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${f}:6:9: collections.0.indexes.1: Unrecognized key: "weights"`)
    const client = await connect(mongo.uri)
    expect(await client.db(db).listCollections().toArray()).toEqual([])
    await client.close()
  })

  it('writes one audit line per action taken, after its outcome, naming the server and the index', async (ctx) => {
    const mongo = requireMongo(testMongo, ctx)
    const db = dbName('audited')
    const own = tempHome().env
    const f = path.join(dir, `${db}.yaml`)
    fs.writeFileSync(f, `database: ${db}\ncollections:\n  - name: calls\n    indexes:\n      - {keys: {a: 1}}\n`)
    const r = await runCli(['db', 'init-indexes', '--spec', f, '--uri', mongo.uri, '--json'], {env: own})
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.result.applied).toBe(2)
    const audit = await runCli(['audit', 'list', '--json'], {env: own})
    const host = redactedUri(mongo.uri).replace(/\/$/, '')
    if (mongo.checksPasswords) expect(JSON.stringify(audit.json)).not.toContain(new URL(mongo.uri).password)
    expect(
      audit.json.result.map((l: {action: string; target: string; result: string}) => [l.action, l.target, l.result]),
    ).toEqual([
      ['mongo createCollection', `${host}/ ${db}.calls`, 'ok'],
      ['mongo createIndex', `${host}/ ${db}.calls a_1`, 'ok'],
    ])
  })

  it('a partial index filter with $where (or another operator an index cannot hold) is exit 2 naming the file, line and key; nothing is written', async (ctx) => {
    const mongo = requireMongo(testMongo, ctx)
    const db = dbName('where')
    const f = path.join(dir, `${db}.yaml`)
    fs.writeFileSync(
      f,
      `database: ${db}\ncollections:\n  - name: calls\n    indexes:\n      - keys: {a: 1}\n        partialFilterExpression:\n          $where: "this.a > 1"\n`,
    )
    const r = await runCli(['db', 'init-indexes', '--spec', f, '--uri', mongo.uri, '--json'], {env})
    expect(r.code).toBe(2)
    expect(r.json.error.message).toContain(
      `${f}:7:19: collections.0.indexes.0.partialFilterExpression.$where: "$where" is not allowed in a partial index filter`,
    )
    const client = await connect(mongo.uri)
    expect(await client.db(db).listCollections().toArray()).toEqual([])
    await client.close()
  })

  it('sends the exact commands for validators, TTL and partial indexes (command monitoring)', async (ctx) => {
    const mongo = requireMongo(testMongo, ctx)
    const db = dbName('monitor')
    const spec = dbSpecSchema.parse({
      database: db,
      collections: [
        {
          name: 'events',
          validator: {$jsonSchema: {bsonType: 'object', required: ['at']}},
          validationAction: 'warn',
          indexes: [
            {keys: {at: 1}, expireAfterSeconds: 86400, name: 'ttl'},
            {keys: {user: 1}, partialFilterExpression: {active: true}, hidden: true},
          ],
        },
      ],
    })
    const started: CommandStartedEvent[] = []
    const client = await connect(mongo.uri, {monitorCommands: true})
    client.on('commandStarted', (e) => started.push(e))
    const d = client.db(db)
    const plan = planIndexes(
      spec,
      await readServerState(d),
      {validators: true, server: 'any'},
      {replace: false, prune: false, skipValidators: false},
    )
    const result = await applyActions(d, plan.actions, () => {})
    const sent = started
      .filter((e) => ['create', 'createIndexes'].includes(e.commandName))
      .map((e) => {
        const {lsid: _l, $db: _d, $clusterTime: _c, $readPreference: _r, ...cmd} = e.command
        return cmd
      })
    expect(sent[0]).toEqual({
      create: 'events',
      validator: {$jsonSchema: {bsonType: 'object', required: ['at']}},
      validationAction: 'warn',
    })
    if (mongo.kind === 'ferretdb') {
      console.warn(
        'SKIP server round-trip of validators, TTL and partial indexes: FerretDB v1 refuses them (NotImplemented 238); the commands sent are asserted instead.',
      )
      expect(result.failed[0]).toMatchObject({type: 'createCollection', code: 238})
      // The rest of that collection is not attempted, and says so.
      expect(result.failed.slice(1).every((f) => f.error.startsWith('not attempted'))).toBe(true)
      const codes: Array<number | undefined> = []
      for (const a of plan.actions.filter((x) => x.type === 'createIndex'))
        codes.push(...(await applyActions(d, [a], () => {})).failed.map((f) => f.code))
      const indexCmds = started.filter((e) => e.commandName === 'createIndexes').map((e) => e.command.indexes)
      expect(indexCmds).toEqual([
        [{key: {at: 1}, name: 'ttl', expireAfterSeconds: 86400}],
        [{key: {user: 1}, name: 'user_1', partialFilterExpression: {active: true}, hidden: true}],
      ])
      expect(codes).toEqual([238, 238])
    } else {
      expect(result.failed).toEqual([])
      const idx = await d.collection('events').listIndexes().toArray()
      expect(idx.find((i) => i.name === 'ttl')?.expireAfterSeconds).toBe(86400)
    }
    await client.close()
  })

  describe('--cluster through the Atlas API', () => {
    let emu: TestEmulator

    beforeAll(async () => {
      // With DNS on: the cluster's standardSrv name is what atlasctl connects to, resolved by the emulator.
      if (testMongo) emu = await startTestEmulator({backingUri: testMongo.uri.replace(/\/$/, ''), dnsPort: 0})
    })
    afterAll(() => emu?.close())

    it('resolves the connection string of a cluster and applies the spec there', async (ctx) => {
      requireMongo(testMongo, ctx)
      const e = {...env, ...emu.env}
      await runCli(['project', 'create', 'idx'], {env: e})
      await runCli(['cluster', 'create', 'db1', '--project', 'idx', '--tier', 'M10', '--wait'], {env: e})
      const db = dbName('viacluster')
      const f = path.join(dir, `${db}.yaml`)
      fs.writeFileSync(f, `database: ${db}\ncollections:\n  - name: c\n    indexes:\n      - {keys: {k: 1}}\n`)
      const creds = path.join(dir, 'idx-creds.json')
      expect(
        (await runCli(['user', 'add', 'deployer', '--project', 'idx', '--credentials-file', creds], {env: e})).code,
      ).toBe(0)
      const r = await runCli(
        [
          'db',
          'init-indexes',
          '--spec',
          f,
          '--cluster',
          'db1',
          '--project',
          'idx',
          '--credentials-file',
          creds,
          '--json',
        ],
        {env: e},
      )
      expect(r.code, r.stderr).toBe(0)
      expect(r.json.result.applied).toBe(2)
      const missing = await runCli(
        ['db', 'init-indexes', '--spec', f, '--cluster', 'nope', '--project', 'idx', '--credentials-file', creds],
        {env: e},
      )
      expect(missing.code).toBe(4)
    })
  })
})
