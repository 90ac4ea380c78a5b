import {describe, expect, it} from 'vitest'
import {BsonSplitter, Crc64, dumpFileStem, escapeCollection, unescapeCollection} from '../../src/services/migrate/format.js'

describe('dump formats', () => {
  it('escapes collection names as Go\'s url.QueryEscape does', () => {
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
    expect(BigInt.asUintN(64, new Crc64().update(Buffer.from('123456789')).digest()).toString(16)).toBe('995dc9bbdf1939fa')
    expect(new Crc64().update(Buffer.from('1234')).update(Buffer.from('56789')).digest()).toBe(new Crc64().update(Buffer.from('123456789')).digest())
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
    expect(got.map((g) => [g.doc.length, g.end])).toEqual([[5, 5], [12, 17], [7, 24]])
    const truncated = new BsonSplitter('t.bson')
    expect(() => {
      for (const _ of truncated.push(Buffer.concat([doc(5), doc(12).subarray(0, 6)])));
      truncated.end()
    }).toThrow('t.bson is corrupt: a truncated document (6 bytes left over) at byte offset 5')
    const bad = Buffer.concat([doc(5), doc(9)])
    bad[13] = 1
    expect(() => [...new BsonSplitter('b.bson').push(bad)]).toThrow('b.bson is corrupt: a document that does not end in 0x00 at byte offset 5')
    expect(() => [...new BsonSplitter('z.bson').push(Buffer.from([1, 0, 0, 0, 0]))]).toThrow('a document length of 1 at byte offset 0')
  })
})
