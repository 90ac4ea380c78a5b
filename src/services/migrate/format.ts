import {createHash} from 'node:crypto'
import {isUtf8} from 'node:buffer'
import {UsageError} from '../../lib/errors.js'

const MAX_BSON = 16 * 1024 * 1024
const EMPTY = Buffer.alloc(0)

/** Go's url.QueryEscape, as mongodump names collection files (space → +, all but A-Za-z0-9-_.~ escaped). */
export function escapeCollection(name: string): string {
  let out = ''
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/**
 * mongodump's file name for a collection (prepare.go: outputPath): the escaped name, or, past 238 bytes (so that
 * `.metadata.json.gz` still fits 255), its first 208 bytes, `%24` and the base64url SHA-1 of the name. Readers
 * take the real name from the metadata's collectionName.
 */
export function dumpFileStem(name: string): string {
  const escaped = escapeCollection(name)
  if (escaped.length <= 238) return escaped
  return `${escaped.slice(0, 208)}%24${createHash('sha1').update(name, 'utf8').digest('base64url')}`
}

/** The collection name of a file stem without metadata; a shortened stem cannot be undone, so it is kept as is. */
export function unescapeCollection(file: string): string {
  try {
    return decodeURIComponent(file.replace(/\+/g, ' '))
  } catch {
    return file
  }
}

/**
 * The one BSON framer: the length of the document that starts at `pos`, or undefined until enough bytes are
 * there. A length out of range or a missing 0x00 terminator is thrown as `corrupt(what)`.
 */
export function frameLength(buf: Buffer, pos: number, corrupt: (what: string) => Error): number | undefined {
  if (buf.length - pos < 4) return undefined
  const len = buf.readInt32LE(pos)
  if (len < 5 || len > MAX_BSON) throw corrupt(`a document length of ${len}`)
  if (buf.length - pos < len) return undefined
  if (buf[pos + len - 1] !== 0) throw corrupt('a document that does not end in 0x00')
  return len
}

/**
 * Splits concatenated BSON documents, checking each length prefix and terminator. A truncated or
 * corrupt file is exit 2 naming the file and the byte offset. Feed chunks, then call end().
 */
export class BsonSplitter {
  private pending: Buffer = EMPTY
  /** Offset (in the whole file) of the first byte not yet returned as a document. */
  offset: number

  constructor(
    private readonly file: string,
    startOffset = 0,
  ) {
    this.offset = startOffset
  }

  *push(chunk: Buffer): Generator<{doc: Buffer; end: number}> {
    let rest = chunk
    if (this.pending.length > 0) {
      // Only the document cut at the last chunk's end is copied, completed from this chunk's head; the rest is
      // framed in place. A bad length takes the whole chunk, so the framer below names it.
      const p = this.pending
      const head = p.length >= 4 ? p : Buffer.concat([p, chunk.subarray(0, 4 - p.length)])
      const need = head.length >= 4 ? head.readInt32LE(0) : 0
      const take = need >= 5 && need <= MAX_BSON ? need - p.length : chunk.length
      rest = chunk.subarray(Math.min(take, chunk.length))
      yield* this.frames(Buffer.concat([p, chunk.subarray(0, take)]))
      if (this.pending.length > 0) return
    }
    yield* this.frames(rest)
  }

  private *frames(buf: Buffer): Generator<{doc: Buffer; end: number}> {
    let pos = 0
    for (;;) {
      const len = frameLength(buf, pos, (what) => this.corrupt(what, this.offset))
      if (len === undefined) break
      const doc = buf.subarray(pos, pos + len)
      pos += len
      this.offset += len
      yield {doc, end: this.offset}
    }
    // A copy: the cut document must not keep its whole chunk alive.
    this.pending = pos < buf.length ? Buffer.from(buf.subarray(pos)) : EMPTY
  }

  end(): void {
    if (this.pending.length > 0)
      throw this.corrupt(`a truncated document (${this.pending.length} bytes left over)`, this.offset)
  }

  private corrupt(what: string, at: number): UsageError {
    return new UsageError(`${this.file} is corrupt: ${what} at byte offset ${at}.`, {
      code: 'CORRUPT_DUMP',
      details: {file: this.file, offset: at},
    })
  }
}

/** One insert's worth of documents; end is the stream offset after its last document (dump files). */
export interface Batch {
  count: number
  /**
   * Each document, a view of `section` made when asked for (a write error, or the driver without document
   * sequences): an array of views per batch, alive while its insert is in flight, outlives the young generation.
   */
  docs(): Buffer[]
  bytes: number
  end: number
  /** The insert's OP_MSG document sequence (kind 1, its length, the field name, the documents), ready to send. */
  section: Buffer
  /** Hands the batch's memory to a later batch: call once the insert is acknowledged, and read nothing of it after. */
  release(): void
}

/** The field an insert's documents go in, as an OP_MSG kind-1 section names it. */
const FIELD = Buffer.from('documents\0', 'latin1')
const SECTION_HEADER = 1 + 4 + FIELD.length

/**
 * Groups a stream of documents into batches of at most maxDocs documents and maxBytes bytes, so large documents
 * come in small batches and memory stays flat whatever their size. A document larger than maxBytes goes alone.
 * Each document is copied into its batch's slab, laid out as the wire takes it: the caller may reuse the buffer a
 * document came in, and a released slab is filled again, so a long import makes next to no garbage.
 */
export class Batcher {
  private readonly free: Buffer[] = []
  private slab: Buffer | undefined
  private count = 0
  private bytes = 0
  private end = 0

  constructor(
    private readonly maxDocs: number,
    private readonly maxBytes: number,
  ) {}

  /** Adds a framed document (its length prefix is read back by docs()); returns the batch it closed, if any. */
  add(doc: Uint8Array, end = 0): Batch | undefined {
    const full =
      this.count > 0 && (this.count >= this.maxDocs || this.bytes + doc.length > this.maxBytes)
        ? this.take()
        : undefined
    // A document larger than a slab gets a buffer of its own, never pooled.
    this.slab ??=
      doc.length > this.maxBytes
        ? Buffer.allocUnsafeSlow(SECTION_HEADER + doc.length)
        : (this.free.pop() ?? Buffer.allocUnsafeSlow(SECTION_HEADER + this.maxBytes))
    const at = SECTION_HEADER + this.bytes
    this.slab.set(doc, at)
    this.count++
    this.bytes += doc.length
    this.end = end
    return full
  }

  /** The open batch (undefined when empty), which is then closed. */
  take(): Batch | undefined {
    if (this.count === 0 || !this.slab) return undefined
    const slab = this.slab
    slab[0] = 1
    slab.writeInt32LE(4 + FIELD.length + this.bytes, 1)
    FIELD.copy(slab, 5)
    let released = false
    const section = slab.subarray(0, SECTION_HEADER + this.bytes)
    const batch: Batch = {
      count: this.count,
      docs: () => {
        const docs: Buffer[] = []
        for (let at = SECTION_HEADER; at < section.length; at += section.readInt32LE(at))
          docs.push(section.subarray(at, at + section.readInt32LE(at)))
        return docs
      },
      bytes: this.bytes,
      end: this.end,
      section,
      release: () => {
        if (released) return
        released = true
        if (slab.length === SECTION_HEADER + this.maxBytes) this.free.push(slab)
      },
    }
    this.slab = undefined
    this.count = 0
    this.bytes = 0
    return batch
  }
}

// CRC-64/ECMA as Go's hash/crc64 computes it (reflected polynomial, inverted in and out), on two 32-bit halves.
const TABLE_HI = new Uint32Array(256)
const TABLE_LO = new Uint32Array(256)
for (let i = 0; i < 256; i++) {
  let hi = 0
  let lo = i
  for (let j = 0; j < 8; j++) {
    const carry = lo & 1
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
    hi = hi >>> 1
    if (carry) {
      hi = (hi ^ 0xc96c5795) >>> 0
      lo = (lo ^ 0xd7870f42) >>> 0
    }
  }
  TABLE_HI[i] = hi
  TABLE_LO[i] = lo
}

export class Crc64 {
  private hi = 0xffffffff
  private lo = 0xffffffff

  update(buf: Uint8Array): this {
    let {hi, lo} = this
    for (let i = 0; i < buf.length; i++) {
      const idx = (lo ^ buf[i]) & 0xff
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0
      hi = hi >>> 8
      hi = (hi ^ TABLE_HI[idx]) >>> 0
      lo = (lo ^ TABLE_LO[idx]) >>> 0
    }
    this.hi = hi
    this.lo = lo
    return this
  }

  /** The CRC as Go's int64 bits (what the archive's namespace header stores). */
  digest(): bigint {
    const u = (BigInt(~this.hi >>> 0) << 32n) | BigInt(~this.lo >>> 0)
    return BigInt.asIntN(64, u)
  }
}

/** A document that is framed right but not valid BSON: exit 2 naming the file, the element's offset and the document's. */
export function corruptDocument(file: string, docOffset: number, problem: BsonProblem): UsageError {
  const offset = docOffset + problem.at
  return new UsageError(
    `${file} is corrupt: ${problem.what} at byte offset ${offset} (in the document at byte offset ${docOffset}).`,
    {code: 'CORRUPT_DUMP', details: {file, offset, document: docOffset}},
  )
}

export interface BsonProblem {
  /** Offset of the bad element (or length) from the start of the document. */
  at: number
  what: string
}

// The server's nesting limit (BSONDepth::kDefaultMaxAllowableDepth); it also bounds this walker's recursion.
const MAX_DEPTH = 200
const FIXED: Record<number, number> = {
  0x01: 8,
  0x06: 0,
  0x07: 12,
  0x09: 8,
  0x0a: 0,
  0x10: 4,
  0x11: 8,
  0x12: 8,
  0x13: 16,
  0x7f: 0,
  0xff: 0,
}

/** True when bytes [from, to) are valid UTF-8: short ASCII, the common case, without a native call; long runs natively. */
function utf8(buf: Uint8Array, from: number, to: number): boolean {
  if (to - from > 64) return isUtf8(buf.subarray(from, to))
  for (let i = from; i < to; i++) if (buf[i] >= 0x80) return isUtf8(buf.subarray(from, to))
  return true
}

const int32At = (b: Uint8Array, p: number) =>
  p + 4 <= b.length ? b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24) : -1

/** The index of the 0x00 that ends a C string starting at p, or -1 when there is none before stop. */
function cstringEnd(b: Uint8Array, p: number, stop: number): number {
  for (let i = p; i < stop; i++) if (b[i] === 0) return i
  return -1
}

/**
 * Checks that one BSON document is well formed, element by element (types, lengths, terminators, UTF-8), without
 * decoding it: what the server would refuse, found before anything is written. Undefined when it is valid.
 */
export function bsonProblem(doc: Uint8Array): BsonProblem | undefined {
  const r = walkDocument(doc, 0, doc.length, 0)
  if (typeof r !== 'number') return r
  return r === doc.length ? undefined : {at: r, what: 'bytes after the end of the document'}
}

function walkDocument(doc: Uint8Array, start: number, limit: number, depth: number): number | BsonProblem {
  const len = int32At(doc, start)
  if (len < 5 || start + len > limit) return {at: start, what: `a document length of ${len}`}
  if (depth > MAX_DEPTH) return {at: start, what: `documents nested deeper than ${MAX_DEPTH}`}
  const stop = start + len - 1
  if (doc[stop] !== 0) return {at: stop, what: 'a document that does not end in 0x00'}
  let p = start + 4
  while (p < stop) {
    const at = p
    const type = doc[p]
    const nameEnd = cstringEnd(doc, p + 1, stop)
    if (nameEnd < 0) return {at, what: 'an element name without its terminator'}
    if (!utf8(doc, p + 1, nameEnd)) return {at, what: 'an element name that is not UTF-8'}
    p = nameEnd + 1
    const next = elementEnd(doc, type, p, stop, depth)
    if (typeof next !== 'number' || next > stop) {
      // Only a bad element pays for decoding its name.
      const name = Buffer.from(doc.buffer, doc.byteOffset + at + 1, nameEnd - at - 1).toString('utf8')
      if (typeof next !== 'number')
        return 'element' in next ? {at: next.at < 0 ? at : next.at, what: `element "${name}" ${next.what}`} : next
      return {at, what: `element "${name}" runs past the end of its document`}
    }
    p = next
  }
  return start + len
}

/** A problem of the element itself, named by the caller; at -1 is the element's own offset. */
type ElementProblem = BsonProblem & {element: true}

/** Where an element's value ends; a problem inside a nested document comes back as it is. */
function elementEnd(
  doc: Uint8Array,
  type: number,
  p: number,
  stop: number,
  depth: number,
): number | BsonProblem | ElementProblem {
  const fixed = FIXED[type]
  if (fixed !== undefined) return p + fixed
  switch (type) {
    case 0x02:
    case 0x0d:
    case 0x0e:
      return stringEnd(doc, p, stop)
    case 0x03:
    case 0x04:
      return walkDocument(doc, p, stop, depth + 1)
    case 0x05: {
      const n = int32At(doc, p)
      return n < 0 ? {at: p, what: `has a binary length of ${n}`, element: true} : p + 5 + n
    }
    case 0x08:
      return doc[p] <= 1 ? p + 1 : {at: p, what: `has a boolean byte of ${doc[p]}`, element: true}
    case 0x0b: {
      const pattern = cstringEnd(doc, p, stop)
      const flags = pattern < 0 ? -1 : cstringEnd(doc, pattern + 1, stop)
      return flags < 0 ? {at: p, what: 'has an unterminated regular expression', element: true} : flags + 1
    }
    case 0x0c: {
      const s = stringEnd(doc, p, stop)
      return typeof s === 'number' ? s + 12 : s
    }
    case 0x0f: {
      const total = int32At(doc, p)
      const s = stringEnd(doc, p + 4, stop)
      const scope = typeof s === 'number' ? walkDocument(doc, s, stop, depth + 1) : s
      return typeof scope === 'number' && scope !== p + total
        ? {at: p, what: `has a code-with-scope length of ${total}`, element: true}
        : scope
    }
    default:
      return {at: -1, what: `has an unknown type 0x${type.toString(16).padStart(2, '0')}`, element: true}
  }
}

function stringEnd(doc: Uint8Array, p: number, stop: number): number | ElementProblem {
  const n = int32At(doc, p)
  if (n < 1 || p + 4 + n > stop) return {at: p, what: `has a string length of ${n}`, element: true}
  if (doc[p + 4 + n - 1] !== 0) return {at: p, what: 'has a string that does not end in 0x00', element: true}
  if (!utf8(doc, p + 4, p + 3 + n)) return {at: p, what: 'has a string that is not UTF-8', element: true}
  return p + 4 + n
}
