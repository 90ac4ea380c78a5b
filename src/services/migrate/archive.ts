import type {BSON as BsonNs} from 'mongodb'
import {UsageError} from '../../lib/errors.js'
import {Crc64, frameLength} from './format.js'

const ARCHIVE_MAGIC = 0x8199e26d
const TERMINATOR = Buffer.from([0xff, 0xff, 0xff, 0xff])
type BSON = typeof BsonNs

export interface PreludeEntry {
  db: string
  collection: string
  metadata: string
  type: string
}

/** Writes the mongodump archive: magic, prelude, then namespace blocks, each closed by an EOF block with its CRC. */
export class ArchiveWriter {
  private readonly crcs = new Map<string, Crc64>()

  constructor(
    private readonly bson: BSON,
    private readonly write: (b: Buffer) => Promise<void>,
  ) {}

  async prelude(serverVersion: string, toolVersion: string, entries: PreludeEntry[]): Promise<void> {
    const magic = Buffer.alloc(4)
    magic.writeUInt32LE(ARCHIVE_MAGIC, 0)
    const parts = [
      magic,
      this.doc({
        concurrent_collections: new this.bson.Int32(4),
        version: '0.1',
        server_version: serverVersion,
        tool_version: toolVersion,
      }),
    ]
    for (const e of entries)
      parts.push(
        this.doc({db: e.db, collection: e.collection, metadata: e.metadata, size: new this.bson.Long(0), type: e.type}),
      )
    parts.push(TERMINATOR)
    await this.write(Buffer.concat(parts))
  }

  /** One block of documents for a namespace; blocks of different namespaces may interleave. */
  async block(db: string, collection: string, docs: Uint8Array[]): Promise<void> {
    if (docs.length === 0) return
    const key = `${db}.${collection}`
    const crc = this.crcs.get(key) ?? new Crc64()
    this.crcs.set(key, crc)
    for (const d of docs) crc.update(d)
    await this.write(Buffer.concat([this.header(db, collection, false, 0n), ...docs, TERMINATOR]))
  }

  async eof(db: string, collection: string): Promise<void> {
    const crc = this.crcs.get(`${db}.${collection}`)?.digest() ?? 0n
    await this.write(Buffer.concat([this.header(db, collection, true, crc), TERMINATOR]))
  }

  private header(db: string, collection: string, eof: boolean, crc: bigint): Buffer {
    return this.doc({db, collection, EOF: eof, CRC: this.bson.Long.fromBigInt(crc)})
  }

  private doc(o: Record<string, unknown>): Buffer {
    return Buffer.from(this.bson.serialize(o))
  }
}

export type ArchiveEvent =
  | {kind: 'prelude'; serverVersion: string; entries: PreludeEntry[]}
  /** offset: where the block's first document starts in the (uncompressed) stream. */
  | {kind: 'docs'; db: string; collection: string; docs: Buffer[]; offset: number}
  | {kind: 'eof'; db: string; collection: string}

/** Reads an archive as a stream of events, checking structure and each namespace's CRC. */
export async function* readArchive(
  bson: BSON,
  chunks: AsyncIterable<Buffer>,
  file: string,
): AsyncGenerator<ArchiveEvent> {
  let buf: Buffer = Buffer.alloc(0)
  let stage = 'magic' as 'magic' | 'header' | 'prelude' | 'blockHeader' | 'body'
  let serverVersion = ''
  const entries: PreludeEntry[] = []
  const crcs = new Map<string, Crc64>()
  const open = new Set<string>()
  let current: {db: string; collection: string; eof: boolean; crc: bigint} | undefined
  let docs: Buffer[] = []
  let docsAt = 0
  let offset = 0
  const bad = (what: string) =>
    new UsageError(`${file} is not a valid archive: ${what} at byte offset ${offset}.`, {
      code: 'CORRUPT_DUMP',
      details: {file, offset},
    })
  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
    for (;;) {
      if (stage === 'magic') {
        if (buf.length < 4) break
        if (buf.readUInt32LE(0) !== ARCHIVE_MAGIC) throw bad('no archive magic number (is it gzipped? pass --gzip)')
        buf = buf.subarray(4)
        offset += 4
        stage = 'header'
        continue
      }
      if (buf.length < 4) break
      if (buf.readUInt32LE(0) === 0xffffffff) {
        buf = buf.subarray(4)
        offset += 4
        if (stage === 'prelude') {
          stage = 'blockHeader'
          yield {kind: 'prelude', serverVersion, entries}
          for (const e of entries) open.add(`${e.db}.${e.collection}`)
        } else if (stage === 'body' && current) {
          const key = `${current.db}.${current.collection}`
          if (current.eof) {
            const got = crcs.get(key)?.digest() ?? 0n
            if (got !== current.crc) throw bad(`CRC mismatch for namespace ${key}`)
            open.delete(key)
            yield {kind: 'eof', db: current.db, collection: current.collection}
          } else {
            yield {kind: 'docs', db: current.db, collection: current.collection, docs, offset: docsAt}
          }
          docs = []
          current = undefined
          stage = 'blockHeader'
        } else throw bad('consecutive terminators')
        continue
      }
      const len = frameLength(buf, 0, bad)
      if (len === undefined) break
      const doc = buf.subarray(0, len)
      buf = buf.subarray(len)
      offset += len
      if (stage === 'header') {
        serverVersion = String(bson.deserialize(doc).server_version ?? '')
        stage = 'prelude'
      } else if (stage === 'prelude') {
        const e = bson.deserialize(doc)
        entries.push({db: e.db, collection: e.collection, metadata: e.metadata ?? '', type: e.type ?? 'collection'})
      } else if (stage === 'blockHeader') {
        const h = bson.deserialize(doc, {useBigInt64: true})
        current = {db: h.db, collection: h.collection, eof: Boolean(h.EOF), crc: BigInt(h.CRC ?? 0)}
        stage = 'body'
      } else {
        const key = `${current!.db}.${current!.collection}`
        const crc = crcs.get(key) ?? new Crc64()
        crcs.set(key, crc.update(doc))
        if (docs.length === 0) docsAt = offset - len
        docs.push(Buffer.from(doc))
      }
    }
  }
  if (buf.length > 0 || (stage as string) === 'body') throw bad('the archive ends inside a block')
  if (open.size > 0) throw bad(`the archive finished before all collections were seen (${[...open].join(', ')})`)
}
