// The driver's OP_MSG document sequence (mongodb/lib/cmap/commands.js, marked internal): the one way to hand it
// documents already in BSON. import.ts loads it defensively and test/unit/migrate-batch.test.ts pins its shape.
declare module 'mongodb/lib/cmap/commands.js' {
  import type {Document} from 'mongodb'

  export class DocumentSequence {
    constructor(field: string)
    push(document: Document, buffer: Uint8Array): number
    /** The section as it goes on the wire: kind 1, its length, the field name, the documents. */
    toBin(): Uint8Array
  }
}
