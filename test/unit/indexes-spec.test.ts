import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {readSpecFile} from '../../src/lib/spec-file.js'
import {dbSpecSchema, partialFilterIssues} from '../../src/services/indexes/spec.js'

describe('partial index filters', () => {
  it('allows what createIndexes allows: equality, $eq, $exists: true, ranges, $type, $in, $and, $or', () => {
    expect(
      partialFilterIssues(
        {
          active: true,
          'a.b': {c: 1},
          n: {$gt: 1, $lte: 9},
          t: {$type: 'string'},
          e: {$exists: true},
          s: {$in: ['a', 'b']},
          $and: [{x: {$eq: 1}}, {$or: [{y: 1}, {z: {$gte: 0}}]}],
        },
        [],
      ),
    ).toEqual([])
  })

  it('refuses $where and other operators, with the path of each bad key', () => {
    expect(
      partialFilterIssues(
        {$where: 'this.a > 1', a: {$ne: 1}, b: {$exists: false}, $or: [{c: {$regex: 'x'}}], $and: []},
        [],
      ).map((i) => i.path.join('.')),
    ).toEqual(['$where', 'a.$ne', 'b.$exists', '$or.0.c.$regex', '$and'])
    expect(partialFilterIssues({$expr: {$gt: ['$a', 1]}}, ['p'])[0]).toMatchObject({
      path: ['p', '$expr'],
      message: expect.stringContaining('"$expr" is not allowed in a partial index filter'),
    })
  })

  it('names the spec file, line and key of a disallowed operator', async () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-spec-')), 'db.yaml')
    fs.writeFileSync(
      f,
      'database: app\ncollections:\n  - name: calls\n    indexes:\n      - keys: {a: 1}\n        partialFilterExpression:\n          a: {$gt: 1}\n          $where: "this.a > 1"\n',
    )
    await expect(readSpecFile(f, dbSpecSchema, 'index spec')).rejects.toThrow(
      `${f}:8:19: collections.0.indexes.0.partialFilterExpression.$where: "$where" is not allowed in a partial index filter`,
    )
  })
})
