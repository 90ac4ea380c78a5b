import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import type {Document, FindCursor} from 'mongodb'
import {UsageError} from '../../lib/errors.js'
import {BsonSplitter, unescapeCollection} from './format.js'

export interface DumpNamespace {
  db: string
  collection: string
  type: string
  metadata: Document
  metadataFile?: string
  /** The .bson[.gz] file, when the namespace has data. */
  file?: string
  gzip: boolean
  /** Bytes on disk (compressed when gzipped). */
  size: number
}

/** Reads a dump directory's namespaces; metadata fields this tool does not know are kept and ignored. */
export async function readDumpDir(dir: string): Promise<DumpNamespace[]> {
  const {BSON} = await import('mongodb')
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new UsageError(`No dump directory at ${dir}.`, {details: {flag: 'from'}})
  const out: DumpNamespace[] = []
  for (const db of fs.readdirSync(dir).sort()) {
    const dbDir = path.join(dir, db)
    if (!fs.statSync(dbDir).isDirectory()) continue
    const files = fs.readdirSync(dbDir)
    const stems = new Set(
      files
        .map((f) => f.replace(/\.(bson|metadata\.json)(\.gz)?$/, ''))
        .filter((s) => !s.endsWith('.gz') && s !== 'prelude.json'),
    )
    for (const stem of [...stems].sort()) {
      const metaFile = files.find((f) => f === `${stem}.metadata.json` || f === `${stem}.metadata.json.gz`)
      const dataFile = files.find((f) => f === `${stem}.bson` || f === `${stem}.bson.gz`)
      if (!metaFile && !dataFile) continue
      let metadata: Document = {}
      if (metaFile) {
        const p = path.join(dbDir, metaFile)
        try {
          const raw = fs.readFileSync(p)
          metadata = BSON.EJSON.parse((metaFile.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8'), {
            relaxed: false,
          }) as Document
        } catch (error) {
          throw new UsageError(`${p} is not valid Extended JSON: ${(error as Error).message}`, {
            code: 'CORRUPT_DUMP',
            details: {file: p},
          })
        }
      }
      const file = dataFile ? path.join(dbDir, dataFile) : undefined
      out.push({
        db,
        collection: typeof metadata.collectionName === 'string' ? metadata.collectionName : unescapeCollection(stem),
        type: typeof metadata.type === 'string' ? metadata.type : 'collection',
        metadata,
        metadataFile: metaFile ? path.join(dbDir, metaFile) : undefined,
        file,
        gzip: Boolean(dataFile?.endsWith('.gz')),
        size: file ? fs.statSync(file).size : 0,
      })
    }
  }
  return out
}

const READ_CHUNK = 1 << 20

/** One chunk's documents, handed out lazily; a caller that asks for the next chunk before the end of this one is a bug. */
function* framed(frames: Generator<{doc: Buffer; end: number}>): Generator<Iterable<{doc: Buffer; end: number}>> {
  yield frames
  if (!frames.next().done) throw new Error('readBsonFile: a chunk was not read to its end before the next')
}

/**
 * The documents of a .bson[.gz] file from a byte offset (of the uncompressed stream), each with its end offset,
 * a read chunk at a time (no promise per document). A plain file is read into one buffer, reused: each chunk's
 * documents are valid until the caller asks for the next (a long read makes no garbage). Iterate each chunk to its
 * end before the next: its documents are framed as they are taken, never gathered into an array, since an import
 * awaits its inserts mid-chunk and thousands of views held that long outlive the young generation (bench: migrate,
 * importing 1M documents peaked at 147 MB, now 103).
 */
export async function* readBsonFile(
  ns: DumpNamespace,
  startOffset = 0,
): AsyncGenerator<Iterable<{doc: Buffer; end: number}>> {
  if (!ns.file) return
  const splitter = new BsonSplitter(ns.file, startOffset)
  if (!ns.gzip) {
    const file = await fs.promises.open(ns.file, 'r')
    try {
      const buf = Buffer.allocUnsafeSlow(READ_CHUNK)
      for (let at = startOffset; ;) {
        const {bytesRead} = await file.read(buf, 0, buf.length, at)
        if (bytesRead === 0) break
        at += bytesRead
        yield* framed(splitter.push(buf.subarray(0, bytesRead)))
      }
    } finally {
      await file.close()
    }
    splitter.end()
    return
  }
  const stream = fs.createReadStream(ns.file, {highWaterMark: READ_CHUNK}).pipe(zlib.createGunzip())
  let skip = startOffset
  try {
    for await (let chunk of stream as AsyncIterable<Buffer>) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length)
        chunk = chunk.subarray(n)
        skip -= n
        if (chunk.length === 0) continue
      }
      yield* framed(splitter.push(chunk))
    }
  } catch (error) {
    if ((error as {code?: string}).code === 'Z_BUF_ERROR' || (error as {code?: string}).code === 'Z_DATA_ERROR') {
      throw new UsageError(
        `${ns.file} is corrupt: ${(error as Error).message} (gzip) after byte offset ${splitter.offset}.`,
        {code: 'CORRUPT_DUMP', details: {file: ns.file, offset: splitter.offset}},
      )
    }
    throw error
  }
  splitter.end()
}

/**
 * A raw cursor's documents, a server batch at a time (no promise per document), one batch read ahead; the cursor
 * is closed after.
 */
export async function* rawBatches(cursor: FindCursor): AsyncGenerator<Uint8Array[]> {
  try {
    let more = await cursor.hasNext()
    while (more) {
      // With raw: true the driver hands out each document's bytes, not the Document its types promise.
      const docs: Uint8Array[] = cursor.readBufferedDocuments()
      // The next reply is fetched while the caller handles this one.
      const next = cursor.hasNext()
      next.catch(() => undefined)
      yield docs
      more = await next
    }
  } finally {
    await cursor.close()
  }
}

/** A connection string fit for logs and checkpoints: the password, if any, is replaced by ****. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^:@/]*):[^@/]*@/, '$1:****@')
}

/** mongorestore's namespace patterns: `*` matches anything; `$name$` captures for --ns-to. */
export function nsMatcher(pattern: string): RegExp {
  const src = pattern
    .split(/(\$[A-Za-z0-9_]+\$|\*)/)
    .map((p) =>
      p === '*' ? '.*' : /^\$\w+\$$/.test(p) ? `(?<${p.slice(1, -1)}>.*?)` : p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('')
  return new RegExp(`^${src}$`)
}

export interface NsMapping {
  include: string[]
  exclude: string[]
  from: string[]
  to: string[]
}

export function mapNamespace(ns: string, m: NsMapping): string | undefined {
  if (m.include.length > 0 && !m.include.some((p) => nsMatcher(p).test(ns))) return undefined
  if (m.exclude.some((p) => nsMatcher(p).test(ns))) return undefined
  for (let i = 0; i < m.from.length; i++) {
    const match = nsMatcher(m.from[i]).exec(ns)
    if (match) return m.to[i].replace(/\$(\w+)\$/g, (_, name: string) => match.groups?.[name] ?? '')
  }
  return ns
}

/** The --ns-* flags, checked: --ns-from and --ns-to come in pairs. */
export function nsMapping(flags: {
  'ns-include'?: string[]
  'ns-exclude'?: string[]
  'ns-from'?: string[]
  'ns-to'?: string[]
}): NsMapping {
  const from = flags['ns-from'] ?? []
  const to = flags['ns-to'] ?? []
  if (from.length !== to.length)
    throw new UsageError(`--ns-from and --ns-to come in pairs (${from.length} and ${to.length} given).`, {
      details: {flag: 'ns-to'},
    })
  return {include: flags['ns-include'] ?? [], exclude: flags['ns-exclude'] ?? [], from, to}
}
