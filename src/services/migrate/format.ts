import {createHash} from 'node:crypto'
import {UsageError} from '../../lib/errors.js'

export const MAX_BSON = 16 * 1024 * 1024

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
 * Splits concatenated BSON documents, checking each length prefix and terminator. A truncated or
 * corrupt file is exit 2 naming the file and the byte offset. Feed chunks, then call end().
 */
export class BsonSplitter {
  private pending: Buffer = Buffer.alloc(0)
  /** Offset (in the whole file) of the first byte not yet returned as a document. */
  offset: number

  constructor(
    private readonly file: string,
    startOffset = 0,
  ) {
    this.offset = startOffset
  }

  *push(chunk: Buffer): Generator<{doc: Buffer; end: number}> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    let pos = 0
    while (this.pending.length - pos >= 4) {
      const len = this.pending.readInt32LE(pos)
      if (len < 5 || len > MAX_BSON) throw this.corrupt(`a document length of ${len}`, this.offset)
      if (this.pending.length - pos < len) break
      const doc = this.pending.subarray(pos, pos + len)
      if (doc[len - 1] !== 0) throw this.corrupt('a document that does not end in 0x00', this.offset)
      pos += len
      this.offset += len
      yield {doc, end: this.offset}
    }
    this.pending = this.pending.subarray(pos)
  }

  end(): void {
    if (this.pending.length > 0) throw this.corrupt(`a truncated document (${this.pending.length} bytes left over)`, this.offset)
  }

  private corrupt(what: string, at: number): UsageError {
    return new UsageError(`${this.file} is corrupt: ${what} at byte offset ${at}.`, {code: 'CORRUPT_DUMP', details: {file: this.file, offset: at}})
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
    const u = (BigInt((~this.hi) >>> 0) << 32n) | BigInt((~this.lo) >>> 0)
    return BigInt.asIntN(64, u)
  }
}
