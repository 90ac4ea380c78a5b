import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {BSON} from 'mongodb'
import {describe, expect, it} from 'vitest'
import {ArchiveWriter, readArchive} from '../../src/services/migrate/archive.js'
import {mapNamespace, nsMatcher, nsMapping, readDumpDir, redactUri} from '../../src/services/migrate/source.js'
import {ContentHash} from '../../src/services/migrate/verify.js'

async function* chunked(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size)
}

async function writeArchive(): Promise<{bytes: Buffer; docs: Buffer[]}> {
  const parts: Buffer[] = []
  const w = new ArchiveWriter(BSON, async (b) => void parts.push(b))
  // Types FerretDB cannot store travel byte-exact: Decimal128, nested arrays, MinKey.
  const docs = [
    {
      _id: 1,
      price: BSON.Decimal128.fromString('9.99'),
      grid: [
        [1, 2],
        [3, 4],
      ],
      min: new BSON.MinKey(),
    },
    {_id: 2, n: new BSON.Int32(7), l: BSON.Long.fromNumber(2 ** 40), d: new BSON.Double(1), s: 'é'},
    {_id: 3},
  ].map((d) => Buffer.from(BSON.serialize(d)))
  await w.prelude('8.0.4', 'atlasctl-test', [
    {db: 'a', collection: 'x', metadata: '{"indexes":[],"collectionName":"x","type":"collection"}', type: 'collection'},
    {db: 'b', collection: 'y', metadata: '', type: 'collection'},
  ])
  await w.block('a', 'x', [docs[0]])
  await w.block('b', 'y', [docs[2]])
  await w.block('a', 'x', [docs[1]])
  await w.eof('b', 'y')
  await w.eof('a', 'x')
  return {bytes: Buffer.concat(parts), docs}
}

describe('the mongodump archive', () => {
  it('starts with the magic number and round-trips interleaved blocks byte-exact, whatever the chunking', async () => {
    const {bytes, docs} = await writeArchive()
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x6d, 0xe2, 0x99, 0x81]))
    for (const size of [1, 7, 4096]) {
      const events = []
      for await (const e of readArchive(BSON, chunked(bytes, size), 'a.archive')) events.push(e)
      expect(events.map((e) => e.kind)).toEqual(['prelude', 'docs', 'docs', 'docs', 'eof', 'eof'])
      const x = events
        .filter((e) => e.kind === 'docs' && e.db === 'a')
        .flatMap((e) => (e.kind === 'docs' ? e.docs : []))
      expect(x).toEqual([docs[0], docs[1]])
    }
    const decoded = BSON.deserialize(docs[0], {promoteValues: false})
    expect(decoded.price.toString()).toBe('9.99')
  })

  it('detects a CRC mismatch, a truncated archive and an unfinished namespace', async () => {
    const {bytes, docs} = await writeArchive()
    const at = bytes.indexOf(docs[1])
    const flipped = Buffer.from(bytes)
    flipped[at + docs[1].length - 3] ^= 0xff
    const read = async (b: Buffer) => {
      for await (const _ of readArchive(BSON, chunked(b, 64), 'x.archive'));
    }
    await expect(read(flipped)).rejects.toThrow('CRC mismatch for namespace a.x')
    await expect(read(bytes.subarray(0, bytes.length - 10))).rejects.toThrow(/x\.archive is not a valid archive/)
    const noEof = bytes.subarray(
      0,
      bytes.lastIndexOf(
        Buffer.from(BSON.serialize({db: 'a', collection: 'x', EOF: true, CRC: BSON.Long.fromBigInt(0n)})).subarray(
          0,
          8,
        ),
      ),
    )
    await expect(read(noEof)).rejects.toThrow()
    await expect(read(Buffer.from('not an archive at all'))).rejects.toThrow('no archive magic number')
  })
})

describe('namespaces and hashes', () => {
  it('maps namespaces like mongorestore: include, exclude, and $var$ renames', () => {
    const m = nsMapping({
      'ns-include': ['shop.*', 'blog.posts'],
      'ns-exclude': ['shop.tmp*'],
      'ns-from': ['shop.$c$'],
      'ns-to': ['shop_v2.$c$'],
    })
    expect(mapNamespace('shop.orders', m)).toBe('shop_v2.orders')
    expect(mapNamespace('shop.tmp1', m)).toBeUndefined()
    expect(mapNamespace('blog.posts', m)).toBe('blog.posts')
    expect(mapNamespace('blog.drafts', m)).toBeUndefined()
    expect(nsMatcher('a.b+c').test('a.b+c')).toBe(true)
    expect(() => nsMapping({'ns-from': ['a.*'], 'ns-to': []})).toThrow('--ns-from and --ns-to come in pairs')
  })

  it('keeps the password of a connection string out of audit lines and checkpoints', () => {
    expect(redactUri('mongodb+srv://app:p%40ss:w@cluster0.abcd.mongodb.net/?retryWrites=true')).toBe(
      'mongodb+srv://app:****@cluster0.abcd.mongodb.net/?retryWrites=true',
    )
    expect(redactUri('mongodb://app:secret@h1:27017,h2/db')).toBe('mongodb://app:****@h1:27017,h2/db')
    expect(redactUri('mongodb://h1:27017/')).toBe('mongodb://h1:27017/')
    expect(redactUri('mongodb://user@h1/')).toBe('mongodb://user@h1/')
  })

  it('hashes content independently of order, and counts duplicates', () => {
    const docs = [1, 2, 3].map((i) => Buffer.from(BSON.serialize({_id: i})))
    const a = new ContentHash()
    const b = new ContentHash()
    docs.forEach((d) => a.add(d))
    ;[...docs].reverse().forEach((d) => b.add(d))
    expect(a.hex).toBe(b.hex)
    b.add(docs[0])
    expect(b.hex).not.toBe(a.hex)
    const c = new ContentHash()
    ;[docs[0], docs[1], Buffer.from(BSON.serialize({_id: 4}))].forEach((d) => c.add(d))
    expect(c.hex).not.toBe(a.hex)
  })

  it('tolerates unknown metadata fields and takes the real name from collectionName', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-dump-'))
    fs.mkdirSync(path.join(dir, 'db'))
    fs.writeFileSync(
      path.join(dir, 'db', 'x%24y.metadata.json'),
      '{"indexes":[],"collectionName":"x$y","type":"collection","futureField":{"a":1}}',
    )
    fs.writeFileSync(path.join(dir, 'db', 'x%24y.bson'), Buffer.alloc(0))
    const nss = await readDumpDir(dir)
    expect(nss).toMatchObject([{db: 'db', collection: 'x$y', type: 'collection'}])
    expect(Number(nss[0].metadata.futureField.a)).toBe(1)
  })
})

describe('credentials for --cluster targets', () => {
  it('reads a user add bundle and composes the connection string with the escaped password', async () => {
    const {readCredentialsFile} = await import('../../src/services/mongo-target.js')
    const {withCredentials} = await import('../../src/lib/password.js')
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-creds-')), 'app.json')
    fs.writeFileSync(f, JSON.stringify({username: 'app', password: 'p@ss:w/rd'}))
    const c = readCredentialsFile(f)
    expect(withCredentials('mongodb+srv://cluster0.abcd.mongodb.net/?retryWrites=true', c.username, c.password)).toBe(
      'mongodb+srv://app:p%40ss%3Aw%2Frd@cluster0.abcd.mongodb.net/?retryWrites=true',
    )
    expect(withCredentials('mongodb://old:x@h1,h2/', 'app', 'y')).toBe('mongodb://app:y@h1,h2/')
    fs.writeFileSync(f, '{"username": 1}')
    expect(() => readCredentialsFile(f)).toThrow('has no username and password')
  })
})
