import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {BSON} from 'mongodb'
import {describe, expect, it} from 'vitest'
import {
  bsonProblem,
  BsonSplitter,
  Crc64,
  dumpFileStem,
  escapeCollection,
  unescapeCollection,
} from '../../src/services/migrate/format.js'
import {readBsonFile} from '../../src/services/migrate/source.js'

describe('dump formats', () => {
  it('reads a dump file a chunk at a time, from any offset, plain or gzipped, framing documents only as they are taken', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-bson-'))
    try {
      // 3 MB of documents of uneven sizes: several 1 MB reads, each cutting a document.
      const docs = Array.from({length: 12_000}, (_, i) => BSON.serialize({_id: i, v: 'x'.repeat(i % 400)}))
      const ends = docs.map(
        (
          (sum) => (d: Uint8Array) =>
            (sum += d.length)
        )(0),
      )
      const plain = path.join(dir, 'c.bson')
      fs.writeFileSync(plain, Buffer.concat(docs))
      fs.writeFileSync(`${plain}.gz`, zlib.gzipSync(Buffer.concat(docs)))
      const ns = {db: 'd', collection: 'c', type: 'collection', metadata: {}, size: 0}
      for (const [file, gzip] of [
        [plain, false],
        [`${plain}.gz`, true],
      ] as const) {
        for (const from of [0, 5000]) {
          const got: Array<{id: unknown; end: number}> = []
          let chunks = 0
          for await (const chunk of readBsonFile({...ns, file, gzip}, from === 0 ? 0 : ends[from - 1])) {
            // An iterable, not an array: an import awaits its inserts mid-chunk, holding what the chunk holds.
            expect(Array.isArray(chunk)).toBe(false)
            chunks++
            for (const {doc, end} of chunk) got.push({id: BSON.deserialize(doc)._id, end})
          }
          expect(chunks).toBeGreaterThan(1)
          expect(got).toEqual(docs.slice(from).map((_, i) => ({id: from + i, end: ends[from + i]})))
        }
      }
      // A chunk left unread would lose its documents: asking for the next one instead is refused.
      const chunks = readBsonFile({...ns, file: plain, gzip: false})
      await chunks.next()
      await expect(chunks.next()).rejects.toThrow('a chunk was not read to its end')
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })

  it("escapes collection names as Go's url.QueryEscape does", () => {
    expect(escapeCollection('my coll/x$y')).toBe('my+coll%2Fx%24y')
    expect(escapeCollection('a.b-c_d~e')).toBe('a.b-c_d~e')
    expect(escapeCollection('é')).toBe('%C3%A9')
    expect(unescapeCollection('my+coll%2Fx%24y')).toBe('my coll/x$y')
  })

  it('shortens a collection file name past 238 bytes as mongodump does: 208 bytes, %24, base64url SHA-1 of the name', () => {
    // Expected values from Python's hashlib and urllib.parse.quote_plus, independent of this code.
    expect(dumpFileStem('a'.repeat(238))).toBe('a'.repeat(238))
    expect(dumpFileStem('a'.repeat(300))).toBe(`${'a'.repeat(208)}%24AD7xup6p8vTas6IATlBcqKTn5aM`)
    const cut = dumpFileStem(`${'é'.repeat(50)}/x`)
    expect(cut).toHaveLength(238)
    expect(cut.endsWith('%C3%A9%C3%%24LAcHlkczfypYpKZj5dRNKKnucFY')).toBe(true)
    expect(Buffer.byteLength(`${cut}.metadata.json.gz`)).toBeLessThanOrEqual(255)
    // A shortened stem (here cut inside an escape) is not an error when read back without metadata.
    expect(unescapeCollection(cut)).toBe(cut)
  })

  it('computes CRC-64/ECMA like Go\'s hash/crc64 (check value of "123456789")', () => {
    // crc64.Checksum([]byte("123456789"), crc64.MakeTable(crc64.ECMA)) == 0x995dc9bbdf1939fa
    expect(BigInt.asUintN(64, new Crc64().update(Buffer.from('123456789')).digest()).toString(16)).toBe(
      '995dc9bbdf1939fa',
    )
    expect(new Crc64().update(Buffer.from('1234')).update(Buffer.from('56789')).digest()).toBe(
      new Crc64().update(Buffer.from('123456789')).digest(),
    )
  })

  it('splits concatenated BSON across chunk boundaries and names the offset of a corrupt document', () => {
    const doc = (n: number) => {
      const b = Buffer.alloc(n, 0)
      b.writeInt32LE(n, 0)
      return b
    }
    const all = Buffer.concat([doc(5), doc(12), doc(7)])
    const s = new BsonSplitter('x.bson')
    const got = [...s.push(all.subarray(0, 8)), ...s.push(all.subarray(8, 20)), ...s.push(all.subarray(20))]
    s.end()
    expect(got.map((g) => [g.doc.length, g.end])).toEqual([
      [5, 5],
      [12, 17],
      [7, 24],
    ])
    const truncated = new BsonSplitter('t.bson')
    expect(() => {
      for (const _ of truncated.push(Buffer.concat([doc(5), doc(12).subarray(0, 6)])));
      truncated.end()
    }).toThrow('t.bson is corrupt: a truncated document (6 bytes left over) at byte offset 5')
    const bad = Buffer.concat([doc(5), doc(9)])
    bad[13] = 1
    expect(() => [...new BsonSplitter('b.bson').push(bad)]).toThrow(
      'b.bson is corrupt: a document that does not end in 0x00 at byte offset 5',
    )
    expect(() => [...new BsonSplitter('z.bson').push(Buffer.from([1, 0, 0, 0, 0]))]).toThrow(
      'a document length of 1 at byte offset 0',
    )
  })

  it('checks each document element by element: the full type matrix passes, each kind of damage is named with its offset', () => {
    const full = Buffer.from(
      BSON.serialize(
        {
          d: 1.5,
          s: 'é',
          o: {a: [1, {b: null}]},
          bin: new BSON.Binary(Buffer.from([1, 2, 3]), 4),
          u: undefined,
          oid: new BSON.ObjectId(),
          t: true,
          date: new Date(0),
          nil: null,
          re: new BSON.BSONRegExp('a.*', 'i'),
          js: new BSON.Code('x'),
          jss: new BSON.Code('x', {y: 1}),
          sym: new BSON.BSONSymbol('s'),
          i: new BSON.Int32(1),
          ts: new BSON.Timestamp({t: 1, i: 2}),
          l: BSON.Long.fromNumber(5),
          dec: BSON.Decimal128.fromString('1.1'),
          min: new BSON.MinKey(),
          max: new BSON.MaxKey(),
        },
        {ignoreUndefined: false},
      ),
    )
    expect(bsonProblem(full)).toBeUndefined()
    expect(bsonProblem(Buffer.from(BSON.serialize({})))).toBeUndefined()

    const doc = Buffer.from(BSON.serialize({a: 1, name: 'n5', flag: true}))
    const at = (needle: string) => doc.indexOf(Buffer.from(needle))
    const damaged = (pos: number, byte: number) => {
      const b = Buffer.from(doc)
      b[pos] = byte
      return bsonProblem(b)
    }
    expect(damaged(4, 0x42)).toEqual({at: 4, what: 'element "a" has an unknown type 0x42'})
    expect(damaged(at('n5'), 0xff)).toEqual({at: at('n5') - 4, what: 'element "name" has a string that is not UTF-8'})
    expect(damaged(at('n5') - 4, 60)).toMatchObject({what: 'element "name" has a string length of 60'})
    expect(damaged(at('flag') + 5, 7)).toEqual({at: at('flag') + 5, what: 'element "flag" has a boolean byte of 7'})
    expect(damaged(doc.length - 1, 1)).toMatchObject({what: 'a document that does not end in 0x00'})
    const nested = Buffer.from(BSON.serialize({o: {x: 'y'}}))
    nested[4 + 3] = 200
    expect(bsonProblem(nested)).toEqual({at: 7, what: 'a document length of 200'})
  })
})
