import {createHash} from 'node:crypto'
import fs from 'node:fs'
import zlib from 'node:zlib'
import type {Document, MongoClient} from 'mongodb'
import {readArchive} from './archive.js'
import {mapNamespace, type NsMapping, rawBatches, readBsonFile, readDumpDir} from './source.js'

/** An order-independent content hash: per-document SHA-256, summed lane by lane (so duplicates count). */
export class ContentHash {
  private readonly lanes = new Uint32Array(4)
  count = 0

  add(doc: Uint8Array): void {
    const h = createHash('sha256').update(doc).digest()
    for (let i = 0; i < 4; i++) this.lanes[i] = (this.lanes[i] + h.readUInt32LE(i * 4)) >>> 0
    this.count++
  }

  get hex(): string {
    return Buffer.from(this.lanes.buffer).toString('hex')
  }
}

interface Side {
  hash: ContentHash
  bytes: number
  indexes: string
}

const INDEX_FIELDS = [
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'collation',
  'hidden',
]
function indexSignature(indexes: Document[]): string {
  return JSON.stringify(
    indexes
      .map((i) =>
        Object.fromEntries(
          INDEX_FIELDS.filter((f) => i[f] !== undefined && i[f] !== false).map((f) => [
            f,
            f === 'key' ? Object.entries(i.key).map(([k, v]) => [k, typeof v === 'object' ? Number(v) : v]) : i[f],
          ]),
        ),
      )
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
  )
}

export interface VerifyRow {
  source: string
  target: string
  sourceCount: number
  targetCount: number
  sourceHash: string
  targetHash: string
  indexesMatch: boolean
  ok: boolean
}

/** What verify reports while it reads: each collection of the source, then of the target. */
export type VerifyProgress = (p: {
  ns: string
  phase: 'source' | 'target'
  docs: number
  bytes: number
  total?: {docs?: number; bytes?: number}
  done: boolean
}) => void

async function serverSide(
  client: MongoClient,
  ns: string,
  phase: 'source' | 'target',
  onProgress: VerifyProgress,
  total?: {docs: number},
): Promise<Side> {
  const [db, ...rest] = ns.split('.')
  const coll = client.db(db).collection(rest.join('.'))
  const hash = new ContentHash()
  let bytes = 0
  for await (const docs of rawBatches(coll.find({}, {raw: true, batchSize: 1000}))) {
    for (const d of docs) {
      hash.add(d)
      bytes += d.byteLength
    }
    onProgress({ns, phase, docs: hash.count, bytes, total, done: false})
  }
  onProgress({ns, phase, docs: hash.count, bytes, total, done: true})
  const indexes = await coll
    .listIndexes()
    .toArray()
    .catch(() => [] as Document[])
  return {hash, bytes, indexes: indexSignature(indexes)}
}

/** Compares a source (a dump, or a server) with the target, per collection: count, content hash, index definitions. */
export async function verifyMigration(input: {
  target: MongoClient
  from?: string
  archive?: string
  gzip?: boolean
  sourceClient?: MongoClient
  mapping: NsMapping
  onProgress: VerifyProgress
}): Promise<VerifyRow[]> {
  const {BSON} = await import('mongodb')
  const sources = new Map<string, Side>()
  if (input.sourceClient) {
    const dbs = (await input.sourceClient.db('admin').admin().listDatabases({nameOnly: true})).databases
      .map((d) => d.name)
      .filter((n) => !['admin', 'local', 'config'].includes(n))
    for (const db of dbs) {
      for (const c of await input.sourceClient
        .db(db)
        .listCollections({type: 'collection'}, {nameOnly: true})
        .toArray()) {
        if (!c.name.startsWith('system.'))
          sources.set(
            `${db}.${c.name}`,
            await serverSide(input.sourceClient, `${db}.${c.name}`, 'source', input.onProgress),
          )
      }
    }
  } else if (input.archive) {
    const raw = fs.createReadStream(input.archive)
    for await (const ev of readArchive(
      BSON,
      (input.gzip ? raw.pipe(zlib.createGunzip()) : raw) as AsyncIterable<Buffer>,
      input.archive,
    )) {
      if (ev.kind === 'prelude') {
        for (const e of ev.entries) {
          if (e.type === 'view') continue
          const meta = e.metadata ? (BSON.EJSON.parse(e.metadata, {relaxed: false}) as Document) : {}
          sources.set(`${e.db}.${e.collection}`, {
            hash: new ContentHash(),
            bytes: 0,
            indexes: indexSignature((meta.indexes as Document[]) ?? []),
          })
        }
      } else if (ev.kind === 'docs') {
        const side = sources.get(`${ev.db}.${ev.collection}`)
        if (!side) continue
        for (const d of ev.docs) side.hash.add(d)
        side.bytes += ev.docs.reduce((a, d) => a + d.length, 0)
        input.onProgress({
          ns: `${ev.db}.${ev.collection}`,
          phase: 'source',
          docs: side.hash.count,
          bytes: side.bytes,
          done: false,
        })
      } else {
        const side = sources.get(`${ev.db}.${ev.collection}`)
        if (side)
          input.onProgress({
            ns: `${ev.db}.${ev.collection}`,
            phase: 'source',
            docs: side.hash.count,
            bytes: side.bytes,
            done: true,
          })
      }
    }
  } else {
    for (const ns of await readDumpDir(input.from!)) {
      if (ns.type === 'view') continue
      const hash = new ContentHash()
      const name = `${ns.db}.${ns.collection}`
      const total = ns.gzip ? undefined : {bytes: ns.size}
      let bytes = 0
      for await (const docs of readBsonFile(ns)) {
        for (const {doc} of docs) {
          hash.add(doc)
          bytes += doc.length
        }
        input.onProgress({ns: name, phase: 'source', docs: hash.count, bytes, total, done: false})
      }
      input.onProgress({ns: name, phase: 'source', docs: hash.count, bytes, total, done: true})
      sources.set(name, {hash, bytes, indexes: indexSignature((ns.metadata.indexes as Document[]) ?? [])})
    }
  }
  const rows: VerifyRow[] = []
  for (const [src, side] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const target = mapNamespace(src, input.mapping)
    if (!target) continue
    // The source's count drives the target's bar.
    const t = await serverSide(input.target, target, 'target', input.onProgress, {docs: side.hash.count})
    const indexesMatch = side.indexes === t.indexes
    rows.push({
      source: src,
      target,
      sourceCount: side.hash.count,
      targetCount: t.hash.count,
      sourceHash: side.hash.hex,
      targetHash: t.hash.hex,
      indexesMatch,
      ok: side.hash.count === t.hash.count && side.hash.hex === t.hash.hex && indexesMatch,
    })
  }
  return rows
}
