import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import zlib from 'node:zlib'
import type {Collection, Document, MongoClient} from 'mongodb'
import {UsageError} from '../../lib/errors.js'
import {HeapKeeper} from '../../lib/memory.js'
import {writeSecretFile} from '../../lib/secret-file.js'
import {pool} from '../pool.js'
import {readArchive} from './archive.js'
import {type DumpNamespace, mapNamespace, type NsMapping, readBsonFile, readDumpDir} from './source.js'

export const M0_LIMITS = {bytes: 512 * 1024 * 1024, collections: 500, databases: 100}
const BATCH_DOCS = 1000
const BATCH_BYTES = 8 * 1024 * 1024

export interface ImportInput {
  client: MongoClient
  from?: string
  archive?: string
  gzip: boolean
  mapping: NsMapping
  drop: boolean
  dryRun: boolean
  parallel: number
  checkpointFile: string
  /** Pre-flight against the Atlas M0 limits (the target is an M0 cluster). */
  m0: boolean
  onProgress: (p: {ns: string; docs: number; bytes: number; total?: {bytes?: number}; done: boolean}) => void
  warn: (line: string) => void
}

export interface NsReport {
  source: string
  target: string
  docs: number
  inserted: number
  alreadyThere: number
  failed: number
  indexes: {created: string[]; refused: Array<{name: string; reason: string}>}
}

export interface ImportReport {
  namespaces: NsReport[]
  docs: number
  inserted: number
  alreadyThere: number
  failed: number
  indexesRefused: number
  resumed: boolean
  dryRun: boolean
  seconds: number
  bytes: number
}

interface Checkpoint {
  source: string
  namespaces: Record<string, {offset: number; docs: number; inserted: number; alreadyThere: number; failed: number; dataDone: boolean; indexesDone: boolean}>
}

function loadCheckpoint(file: string, source: string): Checkpoint {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Checkpoint
    if (c.source === source) return c
  } catch {
    // no checkpoint: a fresh import
  }
  return {source, namespaces: {}}
}

const TRANSIENT = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 16500])
const transient = (e: unknown) => {
  const err = e as {code?: number; errorLabels?: string[]; name?: string; hasErrorLabel?: (l: string) => boolean}
  return Boolean(err?.hasErrorLabel?.('RetryableWriteError') || (err?.code !== undefined && TRANSIENT.has(err.code)) || /MongoNetwork|MongoServerSelection|PoolClearedError/.test(err?.name ?? ''))
}

/** Unordered insert of one batch; a duplicate _id (a replayed batch) counts as already there, never as loss. */
async function insertBatch(coll: Collection, docs: Document[]): Promise<{inserted: number; alreadyThere: number; failed: number; errors: string[]}> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await coll.insertMany(docs, {ordered: false, bypassDocumentValidation: true})
      return {inserted: r.insertedCount, alreadyThere: 0, failed: 0, errors: []}
    } catch (error) {
      const e = error as {writeErrors?: Array<{code: number; index: number; errmsg?: string}> | {code: number; index: number; errmsg?: string}}
      if (e.writeErrors !== undefined) {
        const list = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors]
        // A duplicate key is "already there" only if a document with that _id exists (a replayed batch);
        // a clash on another unique index is a real refusal. Servers differ in what errmsg names.
        const {BSON} = await import('mongodb')
        const key = (id: unknown) => BSON.EJSON.stringify({id}, {relaxed: false})
        const dupIds = list.filter((w) => w.code === 11000).map((w) => docs[w.index]?._id)
        const found = dupIds.length > 0 ? await coll.find({_id: {$in: dupIds}}, {projection: {_id: 1}, promoteValues: false}).toArray() : []
        const present = new Set(found.map((d) => key(d._id)))
        const already = list.filter((w) => w.code === 11000 && present.has(key(docs[w.index]?._id)))
        const others = list.filter((w) => !already.includes(w))
        return {inserted: docs.length - list.length, alreadyThere: already.length, failed: others.length, errors: others.slice(0, 3).map((w) => `${w.code}: ${w.errmsg}`)}
      }
      if (!transient(error) || attempt >= 6) throw error
      await sleep(Math.min(5000, 200 * 2 ** attempt))
    }
  }
}

function indexSpecs(metadata: Document): Document[] {
  return ((metadata.indexes as Document[] | undefined) ?? [])
    .filter((i) => i.name !== '_id_')
    .map(({v: _v, ns: _ns, ...rest}) => rest)
}

/**
 * Imports a dump directory or archive: data first (batched, unordered, collections in parallel, a
 * checkpoint after every acknowledged batch), then indexes. A re-run resumes from the checkpoint.
 */
export async function importDump(input: ImportInput): Promise<ImportReport> {
  const started = Date.now()
  const source = path.resolve(input.archive ?? input.from!)
  const checkpoint = loadCheckpoint(input.checkpointFile, source)
  const resumed = Object.keys(checkpoint.namespaces).length > 0
  const save = () => writeSecretFile(input.checkpointFile, JSON.stringify(checkpoint))
  const {BSON} = await import('mongodb')
  const reports = new Map<string, NsReport>()
  const report = (src: string, target: string) => {
    let r = reports.get(src)
    if (!r) reports.set(src, (r = {source: src, target, docs: 0, inserted: 0, alreadyThere: 0, failed: 0, indexes: {created: [], refused: []}}))
    return r
  }
  const state = (src: string) => (checkpoint.namespaces[src] ??= {offset: 0, docs: 0, inserted: 0, alreadyThere: 0, failed: 0, dataDone: false, indexesDone: false})
  let bytes = 0
  const heap = new HeapKeeper()

  const prepare = async (ns: {db: string; collection: string; type: string; metadata: Document}) => {
    const src = `${ns.db}.${ns.collection}`
    const target = mapNamespace(src, input.mapping)
    if (!target || ns.type === 'view') return undefined
    const [db, ...rest] = target.split('.')
    const coll = input.client.db(db).collection(rest.join('.'))
    const st = state(src)
    const r = report(src, target)
    Object.assign(r, {docs: st.docs, inserted: st.inserted, alreadyThere: st.alreadyThere, failed: st.failed})
    if (input.dryRun) return {src, target, coll, st, r, total: undefined as {bytes?: number} | undefined, seen: 0}
    const fresh = st.docs === 0 && !st.dataDone
    // A resumed import never drops what it already wrote.
    if (input.drop && fresh) await coll.drop().catch(() => false)
    if (fresh) {
      const options = (ns.metadata.options as Document | undefined) ?? {}
      const exists = (await input.client.db(db).listCollections({name: coll.collectionName}, {nameOnly: true}).toArray()).length > 0
      if (!exists) {
        try {
          await input.client.db(db).createCollection(coll.collectionName, options)
        } catch (error) {
          input.warn(`${target}: the server refused the collection options ${JSON.stringify(Object.keys(options))} (${(error as Error).message}); created without them.`)
          await input.client.db(db).createCollection(coll.collectionName).catch(() => undefined)
        }
      }
    }
    return {src, target, coll, st, r, total: undefined as {bytes?: number} | undefined, seen: 0}
  }

  const flush = async (ctx: NonNullable<Awaited<ReturnType<typeof prepare>>>, docs: Buffer[], endOffset: number) => {
    if (docs.length === 0) return
    heap.moved(docs.reduce((a, d) => a + d.length, 0))
    const res = await insertBatch(ctx.coll, docs.map((d) => BSON.deserialize(d, {promoteValues: false, promoteBuffers: false, promoteLongs: false, bsonRegExp: true})))
    for (const e of res.errors) input.warn(`${ctx.target}: a document was refused: ${e}`)
    ctx.st.docs += docs.length
    ctx.st.inserted += res.inserted
    ctx.st.alreadyThere += res.alreadyThere
    ctx.st.failed += res.failed
    ctx.st.offset = endOffset
    Object.assign(ctx.r, {docs: ctx.st.docs, inserted: ctx.st.inserted, alreadyThere: ctx.st.alreadyThere, failed: ctx.st.failed})
    save()
    input.onProgress({ns: ctx.target, docs: ctx.st.docs, bytes: ctx.st.offset, total: ctx.total, done: false})
  }

  const buildIndexes = async (ctx: NonNullable<Awaited<ReturnType<typeof prepare>>>, metadata: Document) => {
    if (ctx.st.indexesDone || input.dryRun) return
    for (const spec of indexSpecs(metadata)) {
      try {
        await ctx.coll.createIndexes([spec as never])
        ctx.r.indexes.created.push(String(spec.name))
      } catch (error) {
        ctx.r.indexes.refused.push({name: String(spec.name), reason: (error as Error).message})
      }
    }
    ctx.st.indexesDone = true
    save()
  }

  if (input.archive) {
    const raw = fs.createReadStream(input.archive, {highWaterMark: 1 << 20})
    const stream = input.gzip ? raw.pipe(zlib.createGunzip()) : raw
    const ctxs = new Map<string, NonNullable<Awaited<ReturnType<typeof prepare>>>>()
    const metas = new Map<string, Document>()
    for await (const ev of readArchive(BSON, stream as AsyncIterable<Buffer>, input.archive)) {
      if (ev.kind === 'prelude') {
        preflight(input, ev.entries.map((e) => ({db: e.db, size: 0})))
        for (const e of ev.entries) {
          const metadata = e.metadata ? (BSON.EJSON.parse(e.metadata, {relaxed: false}) as Document) : {}
          metas.set(`${e.db}.${e.collection}`, metadata)
          const ctx = await prepare({db: e.db, collection: e.collection, type: e.type, metadata})
          if (ctx) ctxs.set(ctx.src, ctx)
        }
      } else if (ev.kind === 'docs') {
        const ctx = ctxs.get(`${ev.db}.${ev.collection}`)
        if (!ctx || input.dryRun) {
          if (ctx) ctx.r.docs += ev.docs.length
          continue
        }
        // Archive positions count documents: skip what the checkpoint proves done.
        const skip = Math.max(0, Math.min(ev.docs.length, ctx.st.docs - ctx.seen))
        ctx.seen += ev.docs.length
        const todo = ev.docs.slice(skip)
        for (let i = 0; i < todo.length; i += BATCH_DOCS) {
          const batch = todo.slice(i, i + BATCH_DOCS)
          bytes += batch.reduce((a, d) => a + d.length, 0)
          await flush(ctx, batch, 0)
        }
      } else {
        const ctx = ctxs.get(`${ev.db}.${ev.collection}`)
        if (ctx && !input.dryRun) {
          ctx.st.dataDone = true
          save()
        }
      }
    }
    for (const [src, ctx] of ctxs) await buildIndexes(ctx, metas.get(src) ?? {})
  } else {
    const nss = await readDumpDir(input.from!)
    preflight(input, nss.map((n) => ({db: n.db, size: n.gzip ? n.size * 4 : n.size})))
    const ctxs: Array<{ns: DumpNamespace; ctx: NonNullable<Awaited<ReturnType<typeof prepare>>>}> = []
    for (const ns of nss) {
      const ctx = await prepare(ns)
      if (ctx) ctxs.push({ns, ctx})
    }
    const settled = await pool(ctxs, input.parallel, async ({ns, ctx}) => {
      if (ctx.st.dataDone) return
      if (!ns.gzip) ctx.total = {bytes: ns.size}
      if (input.dryRun) {
        let n = 0
        for await (const _ of readBsonFile(ns)) n++
        ctx.r.docs = n
        return
      }
      let batch: Buffer[] = []
      let batchBytes = 0
      let end = ctx.st.offset
      for await (const {doc, end: e} of readBsonFile(ns, ctx.st.offset)) {
        batch.push(doc)
        batchBytes += doc.length
        bytes += doc.length
        end = e
        if (batch.length >= BATCH_DOCS || batchBytes >= BATCH_BYTES) {
          await flush(ctx, batch, end)
          batch = []
          batchBytes = 0
        }
      }
      await flush(ctx, batch, end)
      ctx.st.dataDone = true
      save()
      input.onProgress({ns: ctx.target, docs: ctx.st.docs, bytes: ctx.st.offset, total: ctx.total, done: true})
    })
    const failed = settled.find((s) => s.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    // Indexes after all the data, as mongorestore does.
    for (const {ns, ctx} of ctxs) await buildIndexes(ctx, ns.metadata)
  }

  const namespaces = [...reports.values()]
  if (!input.dryRun) fs.rmSync(input.checkpointFile, {force: true})
  return {
    namespaces,
    docs: namespaces.reduce((a, n) => a + n.docs, 0),
    inserted: namespaces.reduce((a, n) => a + n.inserted, 0),
    alreadyThere: namespaces.reduce((a, n) => a + n.alreadyThere, 0),
    failed: namespaces.reduce((a, n) => a + n.failed, 0),
    indexesRefused: namespaces.reduce((a, n) => a + n.indexes.refused.length, 0),
    resumed,
    dryRun: input.dryRun,
    seconds: (Date.now() - started) / 1000,
    bytes,
  }
}

/** The M0 limits, checked before any write: data size, collections, databases. */
function preflight(input: ImportInput, nss: Array<{db: string; size: number}>): void {
  if (!input.m0) return
  const problems: string[] = []
  const size = nss.reduce((a, n) => a + n.size, 0)
  const dbs = new Set(nss.map((n) => n.db)).size
  if (size > M0_LIMITS.bytes) problems.push(`about ${Math.round(size / 1048576)} MB of data (M0 holds 512 MB of data and indexes)`)
  if (nss.length > M0_LIMITS.collections) problems.push(`${nss.length} collections (M0 allows 500)`)
  if (dbs > M0_LIMITS.databases) problems.push(`${dbs} databases (M0 allows 100)`)
  if (problems.length > 0) throw new UsageError(`The dump does not fit an M0 cluster: ${problems.join('; ')}. Nothing was written.`, {code: 'M0_LIMITS', hint: 'Scale the cluster first (atlasctl scale --tier M10), or import a subset with --ns-include.'})
}
