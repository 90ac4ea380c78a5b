import fs from 'node:fs'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {PassThrough} from 'node:stream'
import zlib from 'node:zlib'
import type {Collection, Document, MongoClient} from 'mongodb'
import {NotFoundError, UsageError} from '../../lib/errors.js'
import {pool} from '../../lib/pool.js'
import {ArchiveWriter, type PreludeEntry} from './archive.js'
import {dumpFileStem} from './format.js'
import {rawBatches} from './source.js'

interface Sink {
  /** Writes the parts in order, as one piece; they may be reused once this resolves. */
  write(parts: Uint8Array[]): Promise<void>
  close(): Promise<void>
}

/** A file (gzipped or not) written with backpressure. */
function openSink(file: string, gzip: boolean): Sink {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  if (!gzip) {
    // A server reply's documents go to the file as they are, one writev: no 2 MB copy per reply to collect.
    const handle = fs.promises.open(file, 'w')
    handle.catch(() => undefined)
    return {
      write: async (parts) => {
        await (await handle).writev(parts)
      },
      close: async () => (await handle).close(),
    }
  }
  const input = new PassThrough({highWaterMark: 1 << 20})
  const done = pipeline(input, zlib.createGzip({level: 1}), fs.createWriteStream(file))
  return {
    write: (parts) =>
      input.write(Buffer.concat(parts)) ? Promise.resolve() : new Promise((resolve) => input.once('drain', resolve)),
    close: async () => {
      input.end()
      await done
    },
  }
}

export interface ExportInput {
  client: MongoClient
  out?: string
  archive?: string
  gzip: boolean
  db?: string
  collection?: string
  query?: Document
  parallel: number
  toolVersion: string
  /**
   * Count each collection for the progress bar's total, alongside the export. Only for a bar someone sees: some
   * servers (FerretDB) count by scanning, which would take the export's time.
   */
  totals: boolean
  onProgress: (p: {ns: string; docs: number; bytes: number; total?: {docs?: number}; done: boolean}) => void
}

export interface ExportReport {
  target: string
  collections: Array<{ns: string; docs: number; bytes: number; type: string}>
  docs: number
  bytes: number
  seconds: number
}

interface Namespace {
  db: string
  collection: string
  type: string
  metadata: string
}

const SYSTEM_DBS = new Set(['admin', 'local', 'config'])
/** Bytes per server reply: a batch of 1,000 documents of 50 KB would hold 50 MB at once. */
const REPLY_BYTES = 2 * 1024 * 1024
const REPLY_DOCS = 1000

/** Documents per reply, sized by the largest of the first few documents so a reply stays near REPLY_BYTES. */
async function replySize(coll: Collection, query: Document): Promise<number> {
  let largest = 1
  for await (const docs of rawBatches(coll.find(query, {raw: true, limit: 16, batchSize: 16})))
    for (const d of docs) largest = Math.max(largest, d.byteLength)
  return Math.max(1, Math.min(REPLY_DOCS, Math.floor(REPLY_BYTES / largest)))
}

/** mongodump's metadata: listCollections options, listIndexes verbatim, uuid as hex; canonical Extended JSON. */
async function namespaces(input: ExportInput): Promise<Namespace[]> {
  const {BSON} = await import('mongodb')
  const all = (await input.client.db('admin').admin().listDatabases({nameOnly: true})).databases.map((d) => d.name)
  // A filter that matches nothing is a mistake to name, not an empty dump.
  if (input.db && !all.includes(input.db))
    throw new NotFoundError(
      `No database ${input.db} on the source (--db). It has: ${listing(all.filter((n) => !SYSTEM_DBS.has(n)))}. Nothing was written.`,
      {code: 'DB_NOT_FOUND', details: {flag: 'db', databases: all}},
    )
  const dbs = input.db ? [input.db] : all.filter((n) => !SYSTEM_DBS.has(n))
  const out: Namespace[] = []
  for (const dbName of dbs.sort()) {
    const db = input.client.db(dbName)
    const infos = (await db.listCollections({}, {nameOnly: false}).toArray()).sort((a, b) =>
      a.name.localeCompare(b.name),
    )
    if (input.collection && !infos.some((c) => c.name === input.collection)) {
      const names = infos.map((c) => c.name).filter((n) => !n.startsWith('system.'))
      throw new NotFoundError(
        `No collection ${input.collection} in ${dbName} (--collection). It has: ${listing(names)}. Nothing was written.`,
        {code: 'COLLECTION_NOT_FOUND', details: {flag: 'collection', collections: names}},
      )
    }
    for (const c of infos) {
      if (c.name.startsWith('system.') || (input.collection && c.name !== input.collection)) continue
      const type = c.type ?? 'collection'
      const indexes = type === 'view' ? [] : await db.collection(c.name).listIndexes().toArray()
      const uuid = (c as {info?: {uuid?: {toString(encoding: 'hex'): string}}}).info?.uuid
      const meta: Document = {
        ...(c.options && Object.keys(c.options).length > 0 ? {options: c.options} : {}),
        indexes,
        ...(uuid ? {uuid: uuid.toString('hex')} : {}),
        collectionName: c.name,
        type,
      }
      out.push({db: dbName, collection: c.name, type, metadata: BSON.EJSON.stringify(meta, {relaxed: false})})
    }
  }
  return out
}

function listing(names: string[]): string {
  if (names.length === 0) return 'nothing'
  return names.length > 20 ? `${names.slice(0, 20).join(', ')} and ${names.length - 20} more` : names.join(', ')
}

/** The output path, checked and created before the first byte: a bad --out/--archive is exit 2 with nothing written. */
function prepareOutput(input: ExportInput): void {
  const target = input.archive ?? input.out!
  const flag = input.archive ? 'archive' : 'out'
  const stat = fs.statSync(target, {throwIfNoEntry: false})
  if (input.archive && stat?.isDirectory())
    throw new UsageError(`--archive ${target} is a directory; give a file name.`, {code: 'BAD_OUTPUT', details: {flag}})
  if (!input.archive && stat && !stat.isDirectory())
    throw new UsageError(`--out ${target} is a file, not a directory.`, {code: 'BAD_OUTPUT', details: {flag}})
  try {
    fs.mkdirSync(input.archive ? path.dirname(target) : target, {recursive: true})
    if (input.archive) fs.closeSync(fs.openSync(target, 'w'))
    else fs.accessSync(target, fs.constants.W_OK)
  } catch (error) {
    throw new UsageError(
      `Cannot write to --${flag} ${target}: ${error instanceof Error ? error.message : String(error)}.`,
      {code: 'BAD_OUTPUT', details: {flag}},
    )
  }
}

/** Streams every collection (constant memory), several at once, to a mongodump directory or archive. */
export async function exportDump(input: ExportInput): Promise<ExportReport> {
  const started = Date.now()
  const {BSON} = await import('mongodb')
  const nss = await namespaces(input)
  prepareOutput(input)
  const info = await input.client
    .db('admin')
    .command({buildInfo: 1})
    .catch(() => ({version: '0.0.0'}))
  const serverVersion = String(info.version ?? '0.0.0').replace(/^(\d+\.\d+\.\d+).*/, '$1')
  const stats = new Map<string, {docs: number; bytes: number}>()
  let archive: {writer: ArchiveWriter; sink: Sink} | undefined
  if (input.archive) {
    const sink = openSink(input.archive, input.gzip)
    archive = {sink, writer: new ArchiveWriter(BSON, (b) => sink.write([b]))}
    const entries: PreludeEntry[] = nss.map((n) => ({
      db: n.db,
      collection: n.collection,
      metadata: n.metadata,
      type: n.type,
    }))
    await archive.writer.prelude(serverVersion, input.toolVersion, entries)
  } else {
    const gz = input.gzip ? '.gz' : ''
    const prelude = JSON.stringify({ServerVersion: serverVersion, ToolVersion: input.toolVersion})
    const sink = openSink(path.join(input.out!, `prelude.json${gz}`), input.gzip)
    await sink.write([Buffer.from(prelude)])
    await sink.close()
  }

  const settled = await pool(nss, input.parallel, async (n) => {
    const ns = `${n.db}.${n.collection}`
    const s = {docs: 0, bytes: 0}
    stats.set(ns, s)
    const gz = input.gzip ? '.gz' : ''
    const base = path.join(input.out ?? '', n.db, dumpFileStem(n.collection))
    if (!archive) {
      const meta = openSink(`${base}.metadata.json${gz}`, input.gzip)
      await meta.write([Buffer.from(n.metadata)])
      await meta.close()
    }
    if (n.type === 'view') return
    const sink = archive ? undefined : openSink(`${base}.bson${gz}`, input.gzip)
    const coll = input.client.db(n.db).collection(n.collection)
    const total: {docs?: number} = {}
    if (input.totals && !input.query)
      void coll
        .estimatedDocumentCount()
        .then((docs) => (total.docs = docs))
        .catch(() => undefined)
    const query = input.query ?? {}
    const cursor = coll.find(query, {raw: true, batchSize: await replySize(coll, query)})
    // One write per server reply: the file stream and the archive see batches, never single documents.
    for await (const docs of rawBatches(cursor)) {
      let size = 0
      for (const d of docs) size += d.byteLength
      s.docs += docs.length
      s.bytes += size
      if (sink) await sink.write(docs)
      else if (archive) await archive.writer.block(n.db, n.collection, docs)
      input.onProgress({ns, ...s, total, done: false})
    }
    if (archive) await archive.writer.eof(n.db, n.collection)
    await sink?.close()
    input.onProgress({ns, ...s, total, done: true})
  })
  if (archive) await archive.sink.close()
  const failed = settled.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
  const collections = nss.map((n) => ({
    ns: `${n.db}.${n.collection}`,
    type: n.type,
    ...(stats.get(`${n.db}.${n.collection}`) ?? {docs: 0, bytes: 0}),
  }))
  return {
    target: input.archive ?? input.out!,
    collections,
    docs: collections.reduce((a, c) => a + c.docs, 0),
    bytes: collections.reduce((a, c) => a + c.bytes, 0),
    seconds: (Date.now() - started) / 1000,
  }
}
