import {BSON} from 'mongodb'
import {describe, expect, it} from 'vitest'
import {Batcher} from '../../src/services/migrate/format.js'

/** n bytes framed as a document is: its length first. */
const doc = (n: number) => {
  const d = Buffer.alloc(n, 1)
  d.writeInt32LE(n, 0)
  return d
}

/** Feeds sizes through a batcher and returns each batch's document sizes, the open batch last. */
function run(sizes: number[], maxDocs: number, maxBytes: number): number[][] {
  const b = new Batcher(maxDocs, maxBytes)
  const out: number[][] = []
  for (const n of sizes) {
    const full = b.add(doc(n))
    if (full) out.push(full.docs().map((d) => d.length))
  }
  const last = b.take()
  if (last) out.push(last.docs().map((d) => d.length))
  return out
}

describe('insert batches, by count and by bytes', () => {
  it('closes a batch at the document count when documents are small', () => {
    const got = run(Array(2500).fill(200), 1000, 2 * 1024 * 1024)
    expect(got.map((b) => b.length)).toEqual([1000, 1000, 500])
  })

  it('closes a batch before the byte limit when documents are large: 50 KB documents, 2 MB batches', () => {
    const got = run(Array(100).fill(50_000), 1000, 2 * 1024 * 1024)
    // 41 × 50,000 = 2,050,000 ≤ 2,097,152 < 42 × 50,000
    expect(got.map((b) => b.length)).toEqual([41, 41, 18])
    for (const b of got) expect(b.reduce((a, n) => a + n, 0)).toBeLessThanOrEqual(2 * 1024 * 1024)
  })

  it('sends a document larger than the byte limit alone, and mixes both limits in one stream', () => {
    expect(run([10, 300, 10, 10], 1000, 100)).toEqual([[10], [300], [10, 10]])
    expect(run([40, 40, 40, 5, 5, 5, 5], 3, 100)).toEqual([
      [40, 40],
      [40, 5, 5],
      [5, 5],
    ])
  })

  it("keeps the stream offset after each batch's last document, for the checkpoint", () => {
    const b = new Batcher(2, 1000)
    expect(b.add(doc(5), 5)).toBeUndefined()
    expect(b.add(doc(7), 12)).toBeUndefined()
    expect(b.add(doc(9), 21)).toMatchObject({bytes: 12, end: 12})
    expect(b.take()).toMatchObject({bytes: 9, end: 21})
    expect(b.take()).toBeUndefined()
  })

  it("the driver's document sequence, which import uses to send raw documents, puts their bytes on the wire unchanged", async () => {
    // import.ts falls back to insertMany if this internal class goes; this test says so first.
    const {DocumentSequence} = await import('mongodb/lib/cmap/commands.js')
    const docs = [BSON.serialize({_id: 1, v: 'a'}), BSON.serialize({_id: 2, n: new BSON.Int32(3)})]
    const seq = new DocumentSequence('documents')
    for (const d of docs) seq.push({}, d)
    const bin = Buffer.from(seq.toBin())
    const body = Buffer.concat(docs)
    expect(bin[0]).toBe(1)
    expect(bin.readInt32LE(1)).toBe(4 + 'documents'.length + 1 + body.length)
    expect(bin.subarray(5, 15).toString('latin1')).toBe('documents\u0000')
    expect(bin.subarray(15).equals(body)).toBe(true)
  })

  it("lays a batch out as the driver's document sequence would, byte for byte", async () => {
    const {DocumentSequence} = await import('mongodb/lib/cmap/commands.js')
    const docs = [BSON.serialize({_id: 1, v: 'a'}), BSON.serialize({_id: 2, big: 'x'.repeat(300)})]
    const b = new Batcher(10, 1000)
    for (const d of docs) b.add(d)
    const batch = b.take()!
    const seq = new DocumentSequence('documents')
    for (const d of docs) seq.push({}, d)
    expect(batch.section.equals(Buffer.from(seq.toBin()))).toBe(true)
    expect(batch.docs().map((d) => Buffer.from(d))).toEqual(docs)
  })

  it('copies each document, so the buffer it came in may be reused at once', () => {
    const b = new Batcher(10, 1000)
    const input = doc(8)
    b.add(input)
    const copy = Buffer.from(input)
    input.fill(0)
    expect(b.take()!.docs()).toEqual([copy])
  })

  it('fills a released batch again, and never one still in flight', () => {
    const b = new Batcher(1, 100)
    const first = b.add(doc(10))
    expect(first).toBeUndefined()
    const a = b.add(doc(20))! // closes the 10-byte batch
    const c = b.add(doc(30))! // closes the 20-byte batch; a is still in flight
    expect(c.section.buffer).not.toBe(a.section.buffer)
    a.release()
    a.release() // twice is once
    const d = b.add(doc(40))! // closes the 30-byte batch: the open one took a's slab
    const e = b.take()!
    expect(e.section.buffer).toBe(a.section.buffer)
    expect(d.section.buffer).not.toBe(a.section.buffer)
    expect(e.docs().map((x) => x.length)).toEqual([40])
  })

  it('gives a document larger than the byte limit a buffer of its own, never pooled', () => {
    const b = new Batcher(10, 100)
    b.add(doc(300))
    const big = b.take()!
    expect(big.section.length).toBe(15 + 300)
    big.release()
    b.add(doc(10))
    expect(b.take()!.section.buffer).not.toBe(big.section.buffer)
  })
})
