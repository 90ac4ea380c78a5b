import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import type {Collection, Db, Document, MongoClient} from 'mongodb'
import {z} from 'zod'
import {PartialFailureError, UsageError} from '../../lib/errors.js'
import {retrying} from '../../lib/retry.js'
import {writeSecretFileAsync} from '../../lib/secret-file.js'
import {pool} from '../../lib/pool.js'
import {type PreludeEntry, readArchive} from './archive.js'
import {type Batch, Batcher, bsonProblem, corruptDocument} from './format.js'
import {type DumpNamespace, mapNamespace, type NsMapping, readBsonFile, readDumpDir, redactUri} from './source.js'

const M0_LIMITS = {bytes: 512 * 1024 * 1024, collections: 500, databases: 100}
const BATCH_DOCS = 1000
/** Bytes per insert: large documents come in small batches, so memory stays flat (bench: migrate, 50 KB documents). */
const BATCH_BYTES = 2 * 1024 * 1024
/** Batches sent per collection before the oldest is acknowledged: the server is never left waiting on this side. */
const IN_FLIGHT = 2

export interface ImportInput {
  client: MongoClient
  /** The target's connection string: part of the checkpoint's identity (its password never is). */
  target: string
  from?: string
  archive?: string
  gzip: boolean
  mapping: NsMapping
  drop: boolean
  dryRun: boolean
  parallel: number
  /** Discard the checkpoint of an earlier run and start over. */
  restart: boolean
  checkpointDir: string
  /** Pre-flight against the Atlas M0 limits (the target is an M0 cluster). */
  m0: boolean
  /** phase 'check' is the read of the whole dump before the first write; then each collection's data. */
  onProgress: (p: {
    ns: string
    phase: 'check' | 'import'
    docs: number
    bytes: number
    total?: {bytes?: number}
    done: boolean
  }) => void
  warn: (line: string) => void
}

interface NsReport {
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
  /** When resumed: what the checkpoint of the interrupted run had done. */
  resumedFrom?: {docs: number; savedAt: string}
  dryRun: boolean
  seconds: number
  bytes: number
}

const nsStateSchema = z.object({
  offset: z.number(),
  docs: z.number(),
  inserted: z.number(),
  alreadyThere: z.number(),
  failed: z.number(),
  dataDone: z.boolean(),
  indexesDone: z.boolean(),
})
const checkpointSchema = z.object({
  identity: z.record(z.string(), z.unknown()),
  fingerprint: z.string(),
  savedAt: z.string(),
  namespaces: z.record(z.string(), nsStateSchema),
})
type Checkpoint = z.infer<typeof checkpointSchema>

/** One target collection while its data is written. */
interface Ctx {
  src: string
  target: string
  db: Db
  coll: Collection
  st: z.infer<typeof nsStateSchema>
  r: NsReport
  total?: {bytes?: number}
  /** Archive documents seen so far (archive positions count documents). */
  seen: number
  batcher: Batcher
  /** Sent batches, oldest first; their results are applied in this order only. */
  inflight: Array<{batch: Batch; result: ReturnType<typeof insertBatch>}>
}

/**
 * Everything that changes what an import writes: the source, the target, the namespace mapping, --drop and
 * --gzip. Another import (another target or mapping) never picks up this one's checkpoint.
 */
function checkpointIdentity(input: ImportInput): Record<string, unknown> {
  const {include, exclude, from, to} = input.mapping
  return {
    source: path.resolve(input.archive ?? input.from!),
    archive: Boolean(input.archive),
    target: redactUri(input.target),
    include,
    exclude,
    from,
    to,
    drop: input.drop,
    gzip: input.gzip,
  }
}

/**
 * What the dump holds, cheaply: each file's name, size, mtime and first and last 64 KiB (metadata files whole).
 * A dump re-exported to the same path differs, so an old checkpoint's offsets are never applied to it.
 */
function dumpFingerprint(files: string[]): string {
  const h = createHash('sha256')
  for (const file of [...files].sort()) {
    const st = fs.statSync(file)
    h.update(`${file}\0${st.size}\0${Math.trunc(st.mtimeMs)}\0`)
    const fd = fs.openSync(file, 'r')
    try {
      const n = Math.min(st.size, 1 << 16)
      const buf = Buffer.alloc(n)
      fs.readSync(fd, buf, 0, n, 0)
      h.update(buf)
      fs.readSync(fd, buf, 0, n, st.size - n)
      h.update(buf)
    } finally {
      fs.closeSync(fd)
    }
  }
  return h.digest('hex')
}

/**
 * Writes the checkpoint off the event loop (a synchronous write and fsync per batch stalled the inserts), in
 * order: each write is the state when it was asked for; a newer state replaces one still waiting its turn.
 */
class CheckpointWriter {
  private running: Promise<void> | undefined
  private waiting: string | undefined
  private error: unknown

  constructor(private readonly file: string) {}

  save(content: string): void {
    if (this.error) throw this.error
    this.waiting = content
    this.running ??= this.run()
  }

  /** Waits for the last asked-for state to be on disk; a failed write is thrown. */
  async flush(): Promise<void> {
    await this.running
    if (this.error) throw this.error
  }

  private async run(): Promise<void> {
    while (this.waiting !== undefined && !this.error) {
      const content = this.waiting
      this.waiting = undefined
      await writeSecretFileAsync(this.file, content).catch((error: unknown) => (this.error = error))
    }
    this.running = undefined
  }
}

function readCheckpoint(file: string, warn: (line: string) => void): Checkpoint | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    return checkpointSchema.parse(JSON.parse(text))
  } catch {
    warn(
      `The checkpoint ${file} is unreadable; starting over (documents already in the target are counted as already there).`,
    )
    return undefined
  }
}

const doneDocs = (c: Checkpoint) => Object.values(c.namespaces).reduce((a, n) => a + n.docs, 0)

/** A batch is sent again after a transient server error: a replayed batch's documents count as already there. */
const INSERT_RETRY = {maxRetries: 5, baseDelayMs: 400, maxDelayMs: 5000}
const TRANSIENT = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 16500])
const transient = (e: unknown) => {
  const err = e as {code?: number; errorLabels?: string[]; name?: string; hasErrorLabel?: (l: string) => boolean}
  return Boolean(
    err?.hasErrorLabel?.('RetryableWriteError') ||
    (err?.code !== undefined && TRANSIENT.has(err.code)) ||
    /MongoNetwork|MongoServerSelection|PoolClearedError/.test(err?.name ?? ''),
  )
}

interface WriteError {
  code: number
  index: number
  errmsg?: string
}
const DECODE = {promoteValues: false, promoteBuffers: false, promoteLongs: false, bsonRegExp: true} as const
type Sequence = new (
  section: Uint8Array,
) => InstanceType<typeof import('mongodb/lib/cmap/commands.js').DocumentSequence>
let sequence: Promise<Sequence | undefined> | undefined

/**
 * The driver's OP_MSG document sequence, loaded defensively (it is internal to the driver): with it a batch goes
 * on the wire as the dump's own bytes, never decoded and encoded again, which saves most of the CPU and memory of
 * an import. The batch is already laid out as the section, so it is handed over as it is, not copied again.
 * Without it (another driver version), insertMany of the decoded documents.
 */
function documentSequence(): Promise<Sequence | undefined> {
  sequence ??= import('mongodb/lib/cmap/commands.js').then(
    ({DocumentSequence}) =>
      typeof DocumentSequence === 'function'
        ? class extends DocumentSequence {
            constructor(private readonly section: Uint8Array) {
              super('documents')
            }
            override toBin(): Uint8Array {
              return this.section
            }
          }
        : undefined,
    () => undefined,
  )
  return sequence
}

/** One unordered insert of raw documents: its write errors (duplicates, refusals); anything else is thrown. */
async function insertRaw(db: Db, coll: Collection, batch: Batch): Promise<WriteError[]> {
  const {BSON, MongoServerError} = await import('mongodb')
  const Sequence = await documentSequence()
  if (!Sequence) {
    try {
      await coll.insertMany(
        batch.docs().map((d) => BSON.deserialize(d, DECODE)),
        {ordered: false, bypassDocumentValidation: true},
      )
      return []
    } catch (error) {
      const e = error as {writeErrors?: WriteError[] | WriteError}
      if (e.writeErrors === undefined) throw error
      return Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors]
    }
  }
  const wc = coll.writeConcern
  const writeConcern = wc
    ? Object.fromEntries(
        Object.entries({w: wc.w, j: wc.journal, wtimeout: wc.wtimeoutMS}).filter(([, v]) => v !== undefined),
      )
    : undefined
  const reply = await db.command({
    insert: coll.collectionName,
    documents: new Sequence(batch.section),
    ordered: false,
    bypassDocumentValidation: true,
    ...(writeConcern ? {writeConcern} : {}),
  })
  if (reply.writeConcernError) throw new MongoServerError(reply.writeConcernError)
  return Array.isArray(reply.writeErrors) ? reply.writeErrors : []
}

/** Unordered insert of one batch; a duplicate _id (a replayed batch) counts as already there, never as loss. */
async function insertBatch(
  db: Db,
  coll: Collection,
  batch: Batch,
): Promise<{inserted: number; alreadyThere: number; failed: number; errors: string[]}> {
  return retrying(
    async () => {
      const list = await insertRaw(db, coll, batch)
      if (list.length === 0) return {inserted: batch.count, alreadyThere: 0, failed: 0, errors: []}
      const docs = batch.docs()
      // A duplicate key is "already there" only if a document with that _id exists (a replayed batch);
      // a clash on another unique index is a real refusal. Servers differ in what errmsg names.
      const {BSON} = await import('mongodb')
      const key = (id: unknown) => BSON.EJSON.stringify({id}, {relaxed: false})
      const idOf = (i: number) => (docs[i] ? BSON.deserialize(docs[i], DECODE)._id : undefined)
      const dupIds = list.filter((w) => w.code === 11000).map((w) => idOf(w.index))
      const found =
        dupIds.length > 0
          ? await coll.find({_id: {$in: dupIds}}, {projection: {_id: 1}, promoteValues: false}).toArray()
          : []
      const present = new Set(found.map((d) => key(d._id)))
      const already = list.filter((w) => w.code === 11000 && present.has(key(idOf(w.index))))
      const others = list.filter((w) => !already.includes(w))
      return {
        inserted: batch.count - list.length,
        alreadyThere: already.length,
        failed: others.length,
        errors: others.slice(0, 3).map((w) => `${w.code}: ${w.errmsg}`),
      }
    },
    {policy: INSERT_RETRY, retryable: transient},
  )
}

function indexSpecs(metadata: Document): Document[] {
  return ((metadata.indexes as Document[] | undefined) ?? [])
    .filter((i) => i.name !== '_id_')
    .map(({v: _v, ns: _ns, ...rest}) => rest)
}

/**
 * Imports a dump directory or archive. The whole input is checked first (framing, every document's BSON, the
 * archive's CRCs), so a corrupt dump is exit 2 with nothing written. Then data (batched, unordered, collections in
 * parallel, a checkpoint after every acknowledged batch), then indexes. A re-run of the same import resumes.
 */
export async function importDump(input: ImportInput): Promise<ImportReport> {
  const started = Date.now()
  const {BSON} = await import('mongodb')
  const selected = (ns: {db: string; collection: string; type: string}) =>
    ns.type !== 'view' && mapNamespace(`${ns.db}.${ns.collection}`, input.mapping) !== undefined

  // 1. Check everything before the first write.
  const checked = new Map<string, {docs: number; bytes: number}>()
  let nss: DumpNamespace[] = []
  let entries: PreludeEntry[] = []
  try {
    if (input.archive) {
      for await (const ev of readArchive(BSON, openArchive(input), input.archive)) {
        if (ev.kind === 'prelude') entries = ev.entries
        else if (ev.kind === 'docs' && selected({db: ev.db, collection: ev.collection, type: 'collection'})) {
          const c = checked.get(`${ev.db}.${ev.collection}`) ?? {docs: 0, bytes: 0}
          checked.set(`${ev.db}.${ev.collection}`, c)
          let at = ev.offset
          for (const doc of ev.docs) {
            const bad = bsonProblem(doc)
            if (bad) throw corruptDocument(input.archive, at, bad)
            at += doc.length
            c.docs++
            c.bytes += doc.length
          }
          input.onProgress({ns: `${ev.db}.${ev.collection}`, phase: 'check', ...c, done: false})
        } else if (ev.kind === 'eof' && checked.has(`${ev.db}.${ev.collection}`))
          input.onProgress({
            ns: `${ev.db}.${ev.collection}`,
            phase: 'check',
            ...checked.get(`${ev.db}.${ev.collection}`)!,
            done: true,
          })
      }
      for (const e of entries.filter(selected))
        if (e.metadata) parseMetadata(BSON, e.metadata, `${input.archive} (metadata of ${e.db}.${e.collection})`)
    } else {
      nss = (await readDumpDir(input.from!)).filter(selected)
      const settled = await pool(nss, input.parallel, async (ns) => {
        const c = {docs: 0, bytes: 0}
        const name = `${ns.db}.${ns.collection}`
        checked.set(name, c)
        const total = ns.gzip ? undefined : {bytes: ns.size}
        for await (const docs of readBsonFile(ns)) {
          for (const {doc, end} of docs) {
            const bad = bsonProblem(doc)
            if (bad) throw corruptDocument(ns.file!, end - doc.length, bad)
            c.docs++
            c.bytes += doc.length
          }
          input.onProgress({ns: name, phase: 'check', ...c, total, done: false})
        }
        input.onProgress({ns: name, phase: 'check', ...c, total, done: true})
      })
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
    }
  } catch (error) {
    if (error instanceof UsageError)
      throw new UsageError(`${error.message} This run wrote nothing.`, {
        code: error.code,
        hint: error.hint,
        details: error.details,
      })
    throw error
  }
  const namespaceList = input.archive ? entries.filter(selected) : nss
  preflight(
    input,
    namespaceList.map((n) => ({db: n.db, size: checked.get(`${n.db}.${n.collection}`)?.bytes ?? 0})),
  )

  // 2. The checkpoint of this same import of this same dump, if any.
  const identity = checkpointIdentity(input)
  const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32)
  const checkpointFile = path.join(input.checkpointDir, `${key}.json`)
  const fingerprint = dumpFingerprint(
    input.archive
      ? [input.archive]
      : nss.flatMap((n) => [n.metadataFile, n.file].filter((f): f is string => f !== undefined)),
  )
  const previous = readCheckpoint(checkpointFile, input.warn)
  let checkpoint: Checkpoint = {identity, fingerprint, savedAt: new Date().toISOString(), namespaces: {}}
  let resumedFrom: ImportReport['resumedFrom']
  if (previous && input.restart) {
    if (!input.dryRun) fs.rmSync(checkpointFile, {force: true})
    input.warn(
      `--restart: ${input.dryRun ? 'would discard' : 'discarded'} the checkpoint of the import interrupted at ${previous.savedAt} (${doneDocs(previous)} documents done); starting over (documents already in the target are counted as already there).`,
    )
  } else if (previous && previous.fingerprint !== fingerprint) {
    input.warn(
      `The dump at ${identity.source} changed since the import interrupted at ${previous.savedAt}; its checkpoint does not apply. Starting over (documents already in the target are counted as already there).`,
    )
  } else if (previous) {
    checkpoint = previous
    resumedFrom = {docs: doneDocs(previous), savedAt: previous.savedAt}
    input.warn(
      `Resuming the import interrupted at ${previous.savedAt}: ${resumedFrom.docs} documents were done (--restart starts over).`,
    )
  }
  const writer = new CheckpointWriter(checkpointFile)
  const save = () => {
    checkpoint.savedAt = new Date().toISOString()
    writer.save(JSON.stringify(checkpoint))
  }

  const reports = new Map<string, NsReport>()
  const report = (src: string, target: string) => {
    let r = reports.get(src)
    if (!r)
      reports.set(
        src,
        (r = {
          source: src,
          target,
          docs: 0,
          inserted: 0,
          alreadyThere: 0,
          failed: 0,
          indexes: {created: [], refused: []},
        }),
      )
    return r
  }
  const state = (src: string) =>
    (checkpoint.namespaces[src] ??= {
      offset: 0,
      docs: 0,
      inserted: 0,
      alreadyThere: 0,
      failed: 0,
      dataDone: false,
      indexesDone: false,
    })
  let bytes = 0
  const summary = (namespaces: NsReport[]) => ({
    namespaces,
    docs: namespaces.reduce((a, n) => a + n.docs, 0),
    inserted: namespaces.reduce((a, n) => a + n.inserted, 0),
    alreadyThere: namespaces.reduce((a, n) => a + n.alreadyThere, 0),
    failed: namespaces.reduce((a, n) => a + n.failed, 0),
    indexesRefused: namespaces.reduce((a, n) => a + n.indexes.refused.length, 0),
    resumed: resumedFrom !== undefined,
    resumedFrom,
    dryRun: input.dryRun,
    seconds: (Date.now() - started) / 1000,
  })

  if (input.dryRun) {
    for (const n of namespaceList)
      report(`${n.db}.${n.collection}`, mapNamespace(`${n.db}.${n.collection}`, input.mapping)!).docs =
        checked.get(`${n.db}.${n.collection}`)?.docs ?? 0
    return {...summary([...reports.values()]), bytes: [...checked.values()].reduce((a, c) => a + c.bytes, 0)}
  }

  const contexts: Ctx[] = []
  const prepare = async (
    ns: {db: string; collection: string; type: string; metadata: Document},
    total?: {bytes?: number},
  ) => {
    const src = `${ns.db}.${ns.collection}`
    const target = mapNamespace(src, input.mapping)
    if (!target || ns.type === 'view') return undefined
    const [db, ...rest] = target.split('.')
    const coll = input.client.db(db).collection(rest.join('.'))
    const st = state(src)
    const r = report(src, target)
    Object.assign(r, {docs: st.docs, inserted: st.inserted, alreadyThere: st.alreadyThere, failed: st.failed})
    const fresh = st.docs === 0 && !st.dataDone
    // A resumed import never drops what it already wrote.
    if (input.drop && fresh) await coll.drop().catch(() => false)
    if (fresh) {
      const options = (ns.metadata.options as Document | undefined) ?? {}
      const exists =
        (await input.client.db(db).listCollections({name: coll.collectionName}, {nameOnly: true}).toArray()).length > 0
      if (!exists) {
        try {
          await input.client.db(db).createCollection(coll.collectionName, options)
        } catch (error) {
          input.warn(
            `${target}: the server refused the collection options ${JSON.stringify(Object.keys(options))} (${(error as Error).message}); created without them.`,
          )
          await input.client
            .db(db)
            .createCollection(coll.collectionName)
            .catch(() => undefined)
        }
      }
    }
    // A resumed collection shows where it stands at once, before its first new batch.
    if (st.docs > 0 || st.dataDone)
      input.onProgress({ns: target, phase: 'import', docs: st.docs, bytes: st.offset, total, done: st.dataDone})
    const ctx: Ctx = {
      src,
      target,
      db: input.client.db(db),
      coll,
      st,
      r,
      total,
      seen: 0,
      batcher: new Batcher(BATCH_DOCS, BATCH_BYTES),
      inflight: [],
    }
    contexts.push(ctx)
    return ctx
  }

  /**
   * Applies the oldest sent batch once acknowledged: counts, offset, checkpoint. Applying in send order keeps the
   * checkpoint a prefix of the dump; a later batch acknowledged before a crash is replayed and counted as already there.
   */
  const settle = async (ctx: Ctx) => {
    const {batch, result} = ctx.inflight.shift()!
    const res = await result
    batch.release()
    for (const e of res.errors) input.warn(`${ctx.target}: a document was refused: ${e}`)
    ctx.st.docs += batch.count
    ctx.st.inserted += res.inserted
    ctx.st.alreadyThere += res.alreadyThere
    ctx.st.failed += res.failed
    ctx.st.offset = batch.end
    Object.assign(ctx.r, {
      docs: ctx.st.docs,
      inserted: ctx.st.inserted,
      alreadyThere: ctx.st.alreadyThere,
      failed: ctx.st.failed,
    })
    save()
    input.onProgress({
      ns: ctx.target,
      phase: 'import',
      docs: ctx.st.docs,
      bytes: ctx.st.offset,
      total: ctx.total,
      done: false,
    })
  }
  /** Sends a batch once fewer than IN_FLIGHT are unacknowledged; the next one is read while the server works. */
  const send = async (ctx: Ctx, batch: Batch | undefined) => {
    if (!batch) return
    bytes += batch.bytes
    while (ctx.inflight.length >= IN_FLIGHT) await settle(ctx)
    const result = insertBatch(ctx.db, ctx.coll, batch)
    // Awaited in order by settle; this only keeps a failure that comes before its turn from being unhandled.
    result.catch(() => undefined)
    ctx.inflight.push({batch, result})
  }
  /** The open batch sent, and every sent batch applied. */
  const drain = async (ctx: Ctx) => {
    await send(ctx, ctx.batcher.take())
    while (ctx.inflight.length > 0) await settle(ctx)
  }

  const buildIndexes = async (ctx: Ctx, metadata: Document) => {
    if (ctx.st.indexesDone) return
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

  // 3. Write. The input was checked; bad bytes now mean it changed under us, after writes began.
  try {
    if (input.archive) {
      const ctxs = new Map<string, Ctx>()
      const metas = new Map<string, Document>()
      for await (const ev of readArchive(BSON, openArchive(input), input.archive)) {
        if (ev.kind === 'prelude') {
          for (const e of ev.entries) {
            const metadata = e.metadata ? parseMetadata(BSON, e.metadata, input.archive) : {}
            metas.set(`${e.db}.${e.collection}`, metadata)
            const ctx = await prepare({db: e.db, collection: e.collection, type: e.type, metadata})
            if (ctx) ctxs.set(ctx.src, ctx)
          }
        } else if (ev.kind === 'docs') {
          const ctx = ctxs.get(`${ev.db}.${ev.collection}`)
          if (!ctx) continue
          // Archive positions count documents: skip what the checkpoint proves done.
          const skip = Math.max(0, Math.min(ev.docs.length, ctx.st.docs - ctx.seen))
          ctx.seen += ev.docs.length
          for (let i = skip; i < ev.docs.length; i++) await send(ctx, ctx.batcher.add(ev.docs[i]))
        } else {
          const ctx = ctxs.get(`${ev.db}.${ev.collection}`)
          if (ctx) {
            await drain(ctx)
            ctx.st.dataDone = true
            save()
            input.onProgress({ns: ctx.target, phase: 'import', docs: ctx.st.docs, bytes: ctx.st.offset, done: true})
          }
        }
      }
      for (const [src, ctx] of ctxs) await buildIndexes(ctx, metas.get(src) ?? {})
    } else {
      const ctxs: Array<{ns: DumpNamespace; ctx: Ctx}> = []
      for (const ns of nss) {
        const ctx = await prepare(ns, ns.gzip ? undefined : {bytes: ns.size})
        if (ctx) ctxs.push({ns, ctx})
      }
      const settled = await pool(ctxs, input.parallel, async ({ns, ctx}) => {
        if (ctx.st.dataDone) return
        for await (const docs of readBsonFile(ns, ctx.st.offset))
          for (const {doc, end} of docs) await send(ctx, ctx.batcher.add(doc, end))
        await drain(ctx)
        ctx.st.dataDone = true
        save()
        input.onProgress({
          ns: ctx.target,
          phase: 'import',
          docs: ctx.st.docs,
          bytes: ctx.st.offset,
          total: ctx.total,
          done: true,
        })
      })
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
      // Indexes after all the data, as mongorestore does.
      for (const {ns, ctx} of ctxs) await buildIndexes(ctx, ns.metadata)
    }
  } catch (error) {
    // Batches already sent are counted (the report says what the target holds) and checkpointed before the
    // command ends; a collection whose insert failed keeps the rest for the next run to send again.
    for (const ctx of contexts) {
      try {
        while (ctx.inflight.length > 0) await settle(ctx)
      } catch {
        ctx.inflight = []
      }
    }
    await writer.flush().catch(() => undefined)
    if (!(error instanceof UsageError && error.code === 'CORRUPT_DUMP')) throw error
    const written = [...reports.values()].map((r) => ({
      target: r.target,
      inserted: r.inserted,
      alreadyThere: r.alreadyThere,
    }))
    throw new PartialFailureError(
      `${error.message} The dump changed after it was checked and while it was being imported. Written so far: ${written.map((w) => `${w.target} ${w.inserted} inserted`).join(', ')}. The checkpoint is kept: the same command continues (documents already there are counted as such).`,
      {
        hint: 'Restore the dump (or export it again), then re-run the same command.',
        details: {file: error.details?.file, offset: error.details?.offset, written},
      },
    )
  }

  await writer.flush()
  fs.rmSync(checkpointFile, {force: true})
  return {...summary([...reports.values()]), bytes}
}

function openArchive(input: ImportInput): AsyncIterable<Buffer> {
  const raw = fs.createReadStream(input.archive!, {highWaterMark: 1 << 20})
  return (input.gzip ? raw.pipe(zlib.createGunzip()) : raw) as AsyncIterable<Buffer>
}

function parseMetadata(bson: Pick<typeof import('mongodb').BSON, 'EJSON'>, text: string, where: string): Document {
  try {
    return bson.EJSON.parse(text, {relaxed: false}) as Document
  } catch (error) {
    throw new UsageError(
      `${where} holds metadata that is not valid Extended JSON: ${error instanceof Error ? error.message : String(error)}.`,
      {code: 'CORRUPT_DUMP', details: {file: where}},
    )
  }
}

/** The M0 limits, checked before any write: data size, collections, databases. */
function preflight(input: ImportInput, nss: Array<{db: string; size: number}>): void {
  if (!input.m0) return
  const problems: string[] = []
  const size = nss.reduce((a, n) => a + n.size, 0)
  const dbs = new Set(nss.map((n) => n.db)).size
  if (size > M0_LIMITS.bytes)
    problems.push(`about ${Math.round(size / 1048576)} MB of data (M0 holds 512 MB of data and indexes)`)
  if (nss.length > M0_LIMITS.collections) problems.push(`${nss.length} collections (M0 allows 500)`)
  if (dbs > M0_LIMITS.databases) problems.push(`${dbs} databases (M0 allows 100)`)
  if (problems.length > 0)
    throw new UsageError(`The dump does not fit an M0 cluster: ${problems.join('; ')}. Nothing was written.`, {
      code: 'M0_LIMITS',
      hint: 'Scale the cluster first (atlasctl scale --tier M10), or import a subset with --ns-include.',
    })
}
