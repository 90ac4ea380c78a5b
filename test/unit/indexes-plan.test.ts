import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {readSpecFile} from '../../src/lib/spec-file.js'
import {type Capabilities, planIndexes, type ServerState} from '../../src/services/indexes/plan.js'
import {type DbSpec, dbSpecSchema} from '../../src/services/indexes/spec.js'
import {exportSpec} from '../../src/services/indexes/apply.js'

const mongo: Capabilities = {validators: true, server: 'MongoDB 8.0'}
const ferret: Capabilities = {validators: false, server: 'FerretDB'}
const opts = {replace: false, prune: false, skipValidators: false}
const spec = (s: unknown): DbSpec => dbSpecSchema.parse(s)
const schema = {$jsonSchema: {bsonType: 'object', required: ['a']}}
const base = spec({
  database: 'app',
  collections: [
    {
      name: 'calls',
      validator: schema,
      validationLevel: 'moderate',
      indexes: [
        {keys: {call_id: 1}, unique: true},
        {keys: {status: 1, created_at: -1}},
        {keys: {ts: 1}, expireAfterSeconds: 3600, name: 'ttl'},
      ],
    },
    {name: 'logs', options: {capped: {size: 1048576}}, indexes: [{keys: {'$**': 1}}]},
  ],
})
const empty: ServerState = {collections: {}}
const applied: ServerState = {
  collections: {
    calls: {
      options: {validator: schema, validationLevel: 'moderate'},
      indexes: [
        {name: '_id_', key: {_id: 1}},
        {name: 'call_id_1', key: {call_id: 1}, unique: true},
        {name: 'status_1_created_at_-1', key: {status: 1, created_at: -1}},
        {name: 'ttl', key: {ts: 1}, expireAfterSeconds: 3600},
      ],
    },
    logs: {
      options: {capped: true, size: 1048576},
      indexes: [
        {name: '_id_', key: {_id: 1}},
        {name: '$**_1', key: {'$**': 1}},
      ],
    },
  },
}

describe('the index planner', () => {
  it('plans collections (with validator and options) before their indexes, on an empty database', () => {
    const p = planIndexes(base, empty, mongo, opts)
    expect(p.actions).toEqual([
      {type: 'createCollection', collection: 'calls', options: {validator: schema, validationLevel: 'moderate'}},
      {type: 'createIndex', collection: 'calls', name: 'call_id_1', keys: {call_id: 1}, options: {unique: true}},
      {
        type: 'createIndex',
        collection: 'calls',
        name: 'status_1_created_at_-1',
        keys: {status: 1, created_at: -1},
        options: {},
      },
      {type: 'createIndex', collection: 'calls', name: 'ttl', keys: {ts: 1}, options: {expireAfterSeconds: 3600}},
      {type: 'createCollection', collection: 'logs', options: {capped: true, size: 1048576}},
      {type: 'createIndex', collection: 'logs', name: '$**_1', keys: {'$**': 1}, options: {}},
    ])
    expect(p.conflicts).toEqual([])
  })

  it('is idempotent: the applied state plans nothing', () => {
    expect(planIndexes(base, applied, mongo, opts)).toMatchObject({actions: [], conflicts: [], unsupported: []})
    // A server may send key values as 1.0 and expand collation: still the same index.
    const expanded = structuredClone(applied)
    expanded.collections.calls.indexes[1].key = {call_id: 1.0}
    expect(planIndexes(base, expanded, mongo, opts).actions).toEqual([])
  })

  it('changes a validator or its level with collMod', () => {
    const changed = spec({
      database: 'app',
      collections: [
        {name: 'calls', validator: {$jsonSchema: {bsonType: 'object', required: ['b']}}, validationAction: 'warn'},
      ],
    })
    expect(planIndexes(changed, applied, mongo, opts).actions).toEqual([
      {
        type: 'collMod',
        collection: 'calls',
        validator: {$jsonSchema: {bsonType: 'object', required: ['b']}},
        validationAction: 'warn',
      },
    ])
  })

  it('reports validators a server cannot store, and leaves them out with --skip-validators', () => {
    const p = planIndexes(base, empty, ferret, opts)
    expect(p.unsupported).toEqual([
      {
        collection: 'calls',
        what: 'validator',
        reason: 'not supported by this server (FerretDB); --skip-validators applies the rest',
      },
    ])
    expect(p.actions[0]).toEqual({type: 'createCollection', collection: 'calls', options: {}})
    expect(planIndexes(base, empty, mongo, {...opts, skipValidators: true}).unsupported[0].reason).toBe(
      'skipped (--skip-validators)',
    )
  })

  it('a name with other keys or options is a conflict; --replace drops and recreates it', () => {
    const other = structuredClone(applied)
    other.collections.calls.indexes[1] = {name: 'call_id_1', key: {call_id: 1}}
    const p = planIndexes(base, other, mongo, opts)
    expect(p.actions).toEqual([])
    expect(p.conflicts).toEqual([
      {
        collection: 'calls',
        name: 'call_id_1',
        wanted: {keys: {call_id: 1}, unique: true},
        existing: {name: 'call_id_1', key: {call_id: 1}},
      },
    ])
    expect(planIndexes(base, other, mongo, {...opts, replace: true}).actions).toEqual([
      {type: 'dropIndex', collection: 'calls', name: 'call_id_1', reason: 'conflict'},
      {type: 'createIndex', collection: 'calls', name: 'call_id_1', keys: {call_id: 1}, options: {unique: true}},
    ])
    // The same keys under another name clash too (the server would refuse a second index on them).
    const renamed = structuredClone(applied)
    renamed.collections.calls.indexes[1].name = 'by_call'
    expect(planIndexes(base, renamed, mongo, opts).conflicts.map((c) => c.existing.name)).toEqual(['by_call'])
  })

  it('--prune drops indexes the spec does not list, never _id_', () => {
    const extra = structuredClone(applied)
    extra.collections.calls.indexes.push({name: 'legacy_1', key: {legacy: 1}})
    expect(planIndexes(base, extra, mongo, opts).actions).toEqual([])
    expect(planIndexes(base, extra, mongo, {...opts, prune: true}).actions).toEqual([
      {type: 'dropIndex', collection: 'calls', name: 'legacy_1', reason: 'prune'},
    ])
  })

  it('export-spec of a state plans nothing against that state', () => {
    const exported = spec(exportSpec('app', applied))
    expect(planIndexes(exported, applied, mongo, opts).actions).toEqual([])
    expect(exported.collections[0].indexes.map((i) => i.name)).toEqual([undefined, undefined, 'ttl'])
  })
})

describe('index spec files', () => {
  const write = (text: string) => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-ix-')), 'db.yaml')
    fs.writeFileSync(f, text)
    return f
  }

  it('ships the audio-pipeline example', async () => {
    const s = await readSpecFile(
      path.join(import.meta.dirname, '..', '..', 'docs', 'examples', 'audio-pipeline.yaml'),
      dbSpecSchema,
      'index spec',
    )
    expect(s.collections.map((c) => c.name)).toEqual(['calls', 'contacts', 'insights_aggregated', 'processing_metrics'])
    expect(s.collections[0].indexes.map((i) => Object.keys(i.keys)[0])).toEqual([
      'call_id',
      'status',
      'metadata.company_name',
      'created_at',
    ])
  })

  it('rejects an unknown option, an invalid key and a bad $jsonSchema with line and path', async () => {
    const f = write(
      [
        'database: app',
        'collections:',
        '  - name: calls',
        '    validator:',
        '      $jsonSchema:',
        '        bsonType: objekt',
        '        required: status',
        '        properties: {a: {format: email}}',
        '    indexes:',
        '      - {keys: {a: 2}}',
        '      - {keys: {b: 1}, background: true}',
        '      - {keys: {c: 1, d: 1}, expireAfterSeconds: 10}',
        '',
      ].join('\n'),
    )
    const e = (await readSpecFile(f, dbSpecSchema, 'index spec').catch((x: unknown) => x)) as Error
    for (const needle of [
      `${f}:6:19: collections.0.validator.$jsonSchema.bsonType`,
      `${f}:7:19: collections.0.validator.$jsonSchema.required`,
      `${f}:8:34: collections.0.validator.$jsonSchema.properties.a.format: "format" is not a $jsonSchema keyword`,
      `${f}:10:20: collections.0.indexes.0.keys.a`,
      `${f}:11:9: collections.0.indexes.1: Unrecognized key: "background"`,
      `${f}:12:50: collections.0.indexes.2.expireAfterSeconds`,
    ])
      expect(e.message).toContain(needle)
  })
})
