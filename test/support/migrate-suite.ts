import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it as test, type TestFunction} from 'vitest'
import {connect, type MongoClient} from '../../src/mongo/connect.js'
import {startTestEmulator, type TestEmulator} from './emulator.js'
import {redactedUri, requireMongo, startTestMongo, type TestMongo} from './mongo.js'
import {runInPty} from './pty.js'
import {type CliResult, runCli, tempHome} from './run-cli.js'

let n = 0
const unique = (p: string) => `${p}${process.pid}x${++n}`

/** Runs an import and SIGKILLs it once its checkpoint shows `docs` documents done: a crash at a chosen moment. */
async function importKilledAfter(
  args: string[],
  env: Record<string, string>,
  docs: number,
  onKill?: () => void,
): Promise<CliResult> {
  const crash = new AbortController()
  const checkpoints = path.join(env.XDG_DATA_HOME, 'atlasctl', 'migrate')
  const before = new Set(fs.existsSync(checkpoints) ? fs.readdirSync(checkpoints) : [])
  const watcher = (async () => {
    for (let i = 0; i < 1500 && !crash.signal.aborted; i++) {
      const f = fs.existsSync(checkpoints)
        ? fs.readdirSync(checkpoints).find((x) => x.endsWith('.json') && !before.has(x))
        : undefined
      let done = 0
      try {
        done = f
          ? Object.values(JSON.parse(fs.readFileSync(path.join(checkpoints, f), 'utf8')).namespaces ?? {}).reduce(
              (a: number, st) => a + (st as {docs: number}).docs,
              0,
            )
          : 0
      } catch {
        // caught mid-rename: look again
      }
      if (done >= docs) {
        onKill?.()
        crash.abort()
      }
      await sleep(20)
    }
  })()
  const killed = await runCli(args, {env, signal: crash.signal})
  await watcher
  expect(crash.signal.aborted, killed.stderr).toBe(true)
  return killed
}

/**
 * The migrate end-to-end tests share one server, data set and dump, and are split in parts, one test file each, so
 * that the slowest (a crash and resume, a terminal) run beside the rest instead of after them.
 */
export type MigratePart = 'data' | 'resume' | 'terminal'
const PARTS: Array<[RegExp, MigratePart]> = [
  [/killed with SIGKILL|a checkpoint is resumed only/, 'resume'],
  [/^on a terminal|changes under a running import/, 'terminal'],
]
const partOf = (title: string): MigratePart => PARTS.find(([re]) => re.test(title))?.[1] ?? 'data'

export function migrateSuite(part: MigratePart): void {
  const it = (title: string, fn: TestFunction, timeout?: number) =>
    partOf(title) === part ? test(title, fn, timeout) : undefined

  describe(`migrate export → import → verify on a real MongoDB-compatible server (${part})`, () => {
    let testMongo: TestMongo | undefined
    let client: MongoClient
    let env: Record<string, string>
    let dir: string
    const dbs = {shop: unique('shop'), blog: unique('blog')}

    beforeAll(async () => {
      testMongo = await startTestMongo()
      const mongo = testMongo
      const h = tempHome()
      dir = h.dir
      env = h.env
      if (!mongo) return
      client = await connect(mongo.uri)
      // FerretDB-safe types only (no Decimal128, no nested arrays): see the archive unit tests for those.
      for (const db of Object.values(dbs)) {
        for (const [coll, count] of [
          ['orders', 3000],
          ['customers', 1200],
          ['a b+c', 10],
        ] as const) {
          await client
            .db(db)
            .collection<{_id: number}>(coll)
            .insertMany(
              Array.from({length: count}, (_, i) => ({
                _id: i,
                name: `n${i}`,
                total: i * 1.25,
                qty: i % 13,
                tags: ['x', `t${i % 5}`],
                addr: {city: `c${i % 17}`, zip: String(10000 + i)},
                at: new Date(1_700_000_000_000 + i * 1000),
                ok: i % 2 === 0,
              })),
            )
        }
        await client.db(db).collection('orders').createIndex({name: 1}, {unique: true})
        await client.db(db).collection('orders').createIndex({'addr.city': 1, at: -1}, {name: 'city_at'})
      }
      // The dump the import tests read, made here so that each of them runs alone, in any order.
      for (const db of Object.values(dbs)) {
        const e = await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', db, '--out', path.join(dir, 'dump')], {
          env,
        })
        if (e.code !== 0) throw new Error(`the shared dump: ${e.stderr}`)
      }
    })
    afterAll(async () => {
      await client?.close()
      await testMongo?.stop()
    })

    const rename = (from: string, to: string) => ['--ns-from', `${from}.$c$`, '--ns-to', `${to}.$c$`]

    it('round-trips two databases with their indexes, through a directory and through a gzipped archive', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const out = path.join(dir, 'rtdump')
      for (const db of Object.values(dbs)) {
        const e = await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', db, '--out', out, '--json'], {env})
        expect(e.code, e.stderr).toBe(0)
      }
      expect(fs.readFileSync(path.join(out, dbs.shop, 'a+b%2Bc.metadata.json'), 'utf8')).toContain(
        '"collectionName":"a b+c"',
      )
      const copies = {shop: unique('shopcopy'), blog: unique('blogcopy')}
      const imp = await runCli(
        [
          'migrate',
          'import',
          '--from',
          out,
          '--uri',
          mongo.uri,
          ...rename(dbs.shop, copies.shop),
          ...rename(dbs.blog, copies.blog),
          '--json',
        ],
        {env},
      )
      expect(imp.code, imp.stderr).toBe(0)
      expect(imp.json.result).toMatchObject({docs: 8420, inserted: 8420, alreadyThere: 0, failed: 0, indexesRefused: 0})
      const verify = await runCli(
        [
          'migrate',
          'verify',
          '--from',
          out,
          '--uri',
          mongo.uri,
          ...rename(dbs.shop, copies.shop),
          ...rename(dbs.blog, copies.blog),
          '--json',
        ],
        {env},
      )
      expect(verify.code, verify.stdout).toBe(0)
      expect(verify.json.result).toHaveLength(6)
      expect(
        (await client.db(copies.shop).collection('orders').listIndexes().toArray()).map((i) => i.name).sort(),
      ).toEqual(['_id_', 'city_at', 'name_1'])

      // A difference is found and is exit 1.
      await client
        .db(copies.blog)
        .collection<{_id: number}>('customers')
        .updateOne({_id: 5}, {$set: {name: 'changed'}})
      const diff = await runCli(
        [
          'migrate',
          'verify',
          '--from',
          out,
          '--uri',
          mongo.uri,
          ...rename(dbs.shop, copies.shop),
          ...rename(dbs.blog, copies.blog),
          '--json',
        ],
        {env},
      )
      expect(diff.code).toBe(1)
      expect(
        diff.json.error.details.rows.filter((r: {ok: boolean}) => !r.ok).map((r: {target: string}) => r.target),
      ).toEqual([`${copies.blog}.customers`])

      const archive = path.join(dir, 'shop.archive.gz')
      expect(
        (
          await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', dbs.shop, '--archive', archive, '--gzip'], {
            env,
          })
        ).code,
      ).toBe(0)
      const viaArchive = unique('fromarchive')
      expect(
        (
          await runCli(
            ['migrate', 'import', '--archive', archive, '--gzip', '--uri', mongo.uri, ...rename(dbs.shop, viaArchive)],
            {env},
          )
        ).code,
      ).toBe(0)
      const server = await runCli(
        [
          'migrate',
          'verify',
          '--source-uri',
          `${mongo.uri}`,
          '--uri',
          mongo.uri,
          '--ns-include',
          `${dbs.shop}.*`,
          ...rename(dbs.shop, viaArchive),
          '--json',
        ],
        {env},
      )
      expect(server.code, server.stdout).toBe(0)
    })

    it('an import killed with SIGKILL halfway resumes from its checkpoint to an identical target', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const big = unique('big')
      await client
        .db(big)
        .collection<{_id: number}>('events')
        .insertMany(Array.from({length: 20_000}, (_, i) => ({_id: i, payload: 'x'.repeat(200), i})))
      const out = path.join(dir, 'bigdump')
      expect((await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', big, '--out', out], {env})).code).toBe(0)
      const target = unique('bigcopy')
      const args = ['migrate', 'import', '--from', out, '--uri', mongo.uri, ...rename(big, target), '--json']
      const killed = await importKilledAfter(args, env, 5_000)
      expect(killed.code).not.toBe(0)
      const partial = await client.db(target).collection('events').countDocuments()
      expect(partial).toBeGreaterThan(0)
      expect(partial).toBeLessThan(20_000)

      const resumed = await runCli(args, {env})
      expect(resumed.code, resumed.stderr).toBe(0)
      expect(resumed.json.result.resumed).toBe(true)
      expect(resumed.json.result.failed).toBe(0)
      expect(await client.db(target).collection('events').countDocuments()).toBe(20_000)
      const verify = await runCli(['migrate', 'verify', '--from', out, '--uri', mongo.uri, ...rename(big, target)], {
        env,
      })
      expect(verify.code, verify.stdout).toBe(0)
    })

    it('on a terminal: import shows its check first, a resumed import its checkpoint at once, verify each side; a pipe shows no progress', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const src = unique('tty')
      await client
        .db(src)
        .collection<{_id: number}>('docs')
        .insertMany(Array.from({length: 20_000}, (_, i) => ({_id: i, payload: 'x'.repeat(200)})))
      const out = path.join(dir, 'ttydump')
      expect((await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', src, '--out', out], {env})).code).toBe(0)
      const target = unique('ttycopy')
      const args = ['migrate', 'import', '--from', out, '--uri', mongo.uri, ...rename(src, target)]
      await importKilledAfter([...args, '--json'], env, 5_000)

      const resumed = await runInPty(args, [], env)
      expect(resumed.code, resumed.output).toBe(0)
      const screen = resumed.output
      // The dump is checked (and shown) before anything else; the resumed collection starts where the checkpoint was.
      expect(screen.indexOf(`check ${src}.docs`)).toBeGreaterThanOrEqual(0)
      expect(screen.indexOf(`check ${src}.docs`)).toBeLessThan(screen.indexOf('Resuming the import'))
      const first = new RegExp(`import ${target}\\.docs  (\\d+) docs`).exec(screen)
      expect(Number(first?.[1])).toBeGreaterThanOrEqual(5_000)

      const verify = await runInPty(
        ['migrate', 'verify', '--from', out, '--uri', mongo.uri, ...rename(src, target)],
        [],
        env,
      )
      expect(verify.code, verify.output).toBe(0)
      expect(verify.output).toMatch(new RegExp(`source ${src}\\.docs  20000 docs .*done`))
      expect(verify.output).toMatch(new RegExp(`target ${target}\\.docs  20000 docs .*done`))

      const piped = await runCli(['migrate', 'verify', '--from', out, '--uri', mongo.uri, ...rename(src, target)], {
        env,
      })
      expect(piped.code, piped.stderr).toBe(0)
      expect(piped.stderr).not.toContain('docs  ')
    })

    it('a checkpoint is resumed only by the same import of the same dump; --restart discards it; import and export are audited', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const own = tempHome().env
      const src = unique('ck')
      const events = client.db(src).collection<{_id: number}>('events')
      await events.insertMany(Array.from({length: 10_000}, (_, i) => ({_id: i, payload: 'x'.repeat(200), i})))
      const out = path.join(dir, 'ckdump')
      expect(
        (await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', src, '--out', out], {env: own})).code,
      ).toBe(0)
      const into = (db: string, ...more: string[]) => [
        'migrate',
        'import',
        '--from',
        out,
        '--uri',
        mongo.uri,
        ...rename(src, db),
        '--json',
        ...more,
      ]
      const count = (db: string) => client.db(db).collection('events').countDocuments()

      // Killed on its way into k5; the same dump into k6 is another import and starts from nothing.
      const [k5, k6, k7] = [unique('k5'), unique('k6'), unique('k7')]
      await importKilledAfter(into(k5), own, 2000)
      const other = await runCli(into(k6), {env: own})
      expect(other.code, other.stderr).toBe(0)
      expect(other.json.result).toMatchObject({resumed: false, docs: 10_000, inserted: 10_000})
      expect(other.stderr).not.toContain('Resuming')
      expect(await count(k6)).toBe(10_000)

      // --restart throws k5's checkpoint away: everything is read again, what is there is counted as such.
      const restarted = await runCli(into(k5, '--restart'), {env: own})
      expect(restarted.code, restarted.stderr).toBe(0)
      expect(restarted.stderr).toContain('--restart: discarded the checkpoint')
      expect(restarted.json.result.resumed).toBe(false)
      expect(restarted.json.result.alreadyThere).toBeGreaterThanOrEqual(2000)
      expect(restarted.json.result.inserted + restarted.json.result.alreadyThere).toBe(10_000)
      expect(await count(k5)).toBe(10_000)

      // Killed into k7, then the dump is exported again to the same path with other content: the old offsets do not apply.
      await importKilledAfter(into(k7), own, 2000)
      await events.insertMany(Array.from({length: 500}, (_, i) => ({_id: 100_000 + i, payload: 'y', i})))
      await events.deleteMany({_id: {$lt: 100}})
      expect(
        (await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', src, '--out', out], {env: own})).code,
      ).toBe(0)
      const changed = await runCli(into(k7), {env: own})
      expect(changed.code, changed.stderr).toBe(0)
      expect(changed.stderr).toContain('changed since the import interrupted at')
      expect(changed.json.result).toMatchObject({resumed: false, docs: 10_400})
      expect(
        await client
          .db(k7)
          .collection<{_id: number}>('events')
          .countDocuments({_id: {$gte: 100_000}}),
      ).toBe(500)

      // The same import again, killed and re-run, resumes, and says so on stderr and in the result.
      const k8 = unique('k8')
      await importKilledAfter(into(k8), own, 2000)
      const resumed = await runCli(into(k8), {env: own})
      expect(resumed.code, resumed.stderr).toBe(0)
      expect(resumed.stderr).toContain('Resuming the import interrupted at')
      expect(resumed.json.result.resumed).toBe(true)
      expect(resumed.json.result.resumedFrom.docs).toBeGreaterThanOrEqual(2000)
      expect(await count(k8)).toBe(10_400)

      const audit = await runCli(['audit', 'list', '--json'], {env: own})
      const lines = audit.json.result as Array<{command: string; action: string; target: string; result: string}>
      const imports = lines.filter((l) => l.action === 'migrate import')
      expect(imports.find((l) => l.target.includes(`${src}.events→${k6}.events`))?.result).toBe(
        'ok: 10000 inserted, 0 already there, 0 refused, 0 index(es) refused',
      )
      expect(imports.filter((l) => l.result.endsWith('(resumed)'))).toHaveLength(1)
      expect(lines.filter((l) => l.action === 'migrate export').map((l) => l.result)).toEqual([
        'ok: 10000 documents from 1 collections',
        'ok: 10400 documents from 1 collections',
      ])
      // The target names the server, never its password.
      expect(imports[0].target).toContain(redactedUri(mongo.uri).replace(/\/$/, ''))
      if (mongo.checksPasswords) expect(JSON.stringify(lines)).not.toContain(new URL(mongo.uri).password)
    }, 180_000)

    it('a corrupt document in a .bson, or a CRC mismatch in an archive, is exit 2 and nothing is written', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const out = path.join(dir, 'baddoc')
      expect(
        (
          await runCli(
            ['migrate', 'export', '--uri', mongo.uri, '--db', dbs.blog, '--collection', 'customers', '--out', out],
            {env},
          )
        ).code,
      ).toBe(0)
      const file = path.join(out, dbs.blog, 'customers.bson')
      const bytes = fs.readFileSync(file)
      // The 1,101st document (in the second batch): its first element's type byte becomes 0x42.
      let at = 0
      for (let i = 0; i < 1100; i++) at += bytes.readInt32LE(at)
      bytes[at + 4] = 0x42
      fs.writeFileSync(file, bytes)
      const target = unique('baddoccopy')
      const r = await runCli(
        ['migrate', 'import', '--from', out, '--uri', mongo.uri, ...rename(dbs.blog, target), '--json'],
        {env},
      )
      expect(r.code, r.stdout).toBe(2)
      expect(r.json.error.message).toBe(
        `${file} is corrupt: element "_id" has an unknown type 0x42 at byte offset ${at + 4} (in the document at byte offset ${at}). This run wrote nothing.`,
      )
      expect(await client.db(target).listCollections().toArray()).toEqual([])

      const archive = path.join(dir, 'badcrc.archive')
      expect(
        (
          await runCli(
            [
              'migrate',
              'export',
              '--uri',
              mongo.uri,
              '--db',
              dbs.blog,
              '--collection',
              'customers',
              '--archive',
              archive,
            ],
            {env},
          )
        ).code,
      ).toBe(0)
      const a = fs.readFileSync(archive)
      // A string value changed in place: every length and terminator still right, only the CRC can tell.
      const pos = a.indexOf(Buffer.from('n777\0'))
      a[pos] = 'm'.charCodeAt(0)
      fs.writeFileSync(archive, a)
      const fromArchive = unique('badcrccopy')
      for (let run = 0; run < 2; run++) {
        const bad = await runCli(
          ['migrate', 'import', '--archive', archive, '--uri', mongo.uri, ...rename(dbs.blog, fromArchive)],
          {env},
        )
        expect(bad.code).toBe(2)
        expect(bad.stderr).toContain(`CRC mismatch for namespace ${dbs.blog}.customers`)
        expect(bad.stderr).toContain('This run wrote nothing.')
        expect(await client.db(fromArchive).listCollections().toArray()).toEqual([])
      }
    })

    it('a dump that changes under a running import is exit 7, reporting what was written; a re-run finishes it', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const own = tempHome().env
      const src = unique('moving')
      await client
        .db(src)
        .collection<{_id: number}>('events')
        .insertMany(Array.from({length: 20_000}, (_, i) => ({_id: i, payload: 'x'.repeat(200), i})))
      const out = path.join(dir, 'movingdump')
      expect(
        (await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', src, '--out', out], {env: own})).code,
      ).toBe(0)
      const file = path.join(out, src, 'events.bson')
      const good = fs.readFileSync(file)
      const stat = fs.statSync(file)
      const target = unique('movingcopy')
      const args = ['migrate', 'import', '--from', out, '--uri', mongo.uri, ...rename(src, target), '--json']
      // Once writes began, the last 100 bytes of the file are overwritten (the reader is far from there).
      const checkpoints = path.join(own.XDG_DATA_HOME, 'atlasctl', 'migrate')
      const watcher = (async () => {
        for (let i = 0; i < 1500; i++) {
          const f = fs.existsSync(checkpoints)
            ? fs.readdirSync(checkpoints).find((x) => x.endsWith('.json'))
            : undefined
          if (f) {
            const fd = fs.openSync(file, 'r+')
            fs.writeSync(fd, Buffer.alloc(100, 0xff), 0, 100, good.length - 100)
            fs.closeSync(fd)
            return
          }
          await sleep(5)
        }
      })()
      const r = await runCli(args, {env: own})
      await watcher
      expect(r.code, r.stdout).toBe(7)
      expect(r.json.error.code).toBe('PARTIAL_FAILURE')
      expect(r.json.error.message).toContain('The dump changed after it was checked')
      expect(r.json.error.message).not.toMatch(/nothing was|wrote nothing/i)
      const written = await client.db(target).collection('events').countDocuments()
      expect(written).toBeGreaterThan(0)
      expect(r.json.error.details.written).toEqual([{target: `${target}.events`, inserted: written, alreadyThere: 0}])
      expect(r.json.error.message).toContain(`${target}.events ${written} inserted`)

      // The dump put back as it was (content and mtime): the re-run resumes where the checkpoint says.
      fs.writeFileSync(file, good)
      fs.utimesSync(file, stat.atimeMs / 1000, stat.mtimeMs / 1000)
      const again = await runCli(args, {env: own})
      expect(again.code, again.stderr).toBe(0)
      expect(again.json.result.resumed).toBe(true)
      expect(again.json.result).toMatchObject({docs: 20_000, inserted: 20_000, failed: 0})
      expect(await client.db(target).collection('events').countDocuments()).toBe(20_000)
    }, 120_000)

    it('documents already there count as such; a clash on another unique index is a refusal, reported', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const out = path.join(dir, 'dump')
      const target = unique('partial')
      // As after a crash mid-batch: part of the data is in, with no checkpoint to say so.
      const orders = client.db(target).collection<{_id: number; name: string}>('orders')
      await orders.insertMany(
        Array.from({length: 700}, (_, i) => ({
          _id: i,
          name: `n${i}`,
          total: i * 1.25,
          qty: i % 13,
          tags: ['x', `t${i % 5}`],
          addr: {city: `c${i % 17}`, zip: String(10000 + i)},
          at: new Date(1_700_000_000_000 + i * 1000),
          ok: i % 2 === 0,
        })),
      )
      await orders.createIndex({name: 1}, {unique: true})
      await orders.insertOne({_id: 99_999, name: 'n2999'})
      const r = await runCli(
        [
          'migrate',
          'import',
          '--from',
          out,
          '--uri',
          mongo.uri,
          '--ns-include',
          `${dbs.shop}.orders`,
          ...rename(dbs.shop, target),
          '--json',
        ],
        {env},
      )
      expect(r.code, r.stderr).toBe(0)
      expect(r.json.result).toMatchObject({docs: 3000, inserted: 2299, alreadyThere: 700, failed: 1})
      expect(r.stderr).toContain('a document was refused: 11000')
      expect(await orders.countDocuments()).toBe(3000)
    })

    it('a truncated .bson is exit 2 naming the file and byte offset', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const out = path.join(dir, 'corrupt')
      await runCli(
        ['migrate', 'export', '--uri', mongo.uri, '--db', dbs.blog, '--collection', 'customers', '--out', out],
        {env},
      )
      const file = path.join(out, dbs.blog, 'customers.bson')
      const size = fs.statSync(file).size
      fs.truncateSync(file, size - 10)
      const target = unique('corruptcopy')
      const r = await runCli(['migrate', 'import', '--from', out, '--uri', mongo.uri, ...rename(dbs.blog, target)], {
        env,
      })
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(
        new RegExp(
          `${file.replace(/[.$]/g, '\\$&')} is corrupt: a truncated document \\(\\d+ bytes left over\\) at byte offset \\d+`,
        ),
      )
      // The dump is checked before the first write: nothing at all is in.
      const count = await client.db(target).collection('customers').countDocuments()
      expect(count).toBe(0)
      expect(r.stderr).toContain('This run wrote nothing.')
    })

    it('export: a --db or --collection that matches nothing is exit 4 naming the filter and what exists; a bad --out is exit 2; nothing is written', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const out = path.join(dir, 'nothing')
      const noDb = await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', 'nosuchdb', '--out', out, '--json'], {
        env,
      })
      expect(noDb.code).toBe(4)
      expect(noDb.json.error.message).toContain('No database nosuchdb on the source (--db)')
      expect(noDb.json.error.message).toContain(dbs.shop)
      const noColl = await runCli(
        ['migrate', 'export', '--uri', mongo.uri, '--db', dbs.shop, '--collection', 'nosuch', '--out', out],
        {env},
      )
      expect(noColl.code).toBe(4)
      expect(noColl.stderr).toContain(
        `No collection nosuch in ${dbs.shop} (--collection). It has: a b+c, customers, orders.`,
      )
      const noArchive = await runCli(
        ['migrate', 'export', '--uri', mongo.uri, '--db', 'nosuchdb', '--archive', path.join(out, 'a.archive')],
        {env},
      )
      expect(noArchive.code).toBe(4)
      expect(fs.existsSync(out)).toBe(false)

      const file = path.join(dir, 'a-file')
      fs.writeFileSync(file, 'keep me')
      const isFile = await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', dbs.blog, '--out', file], {env})
      expect(isFile.code).toBe(2)
      expect(isFile.stderr).toContain(`--out ${file} is a file, not a directory`)
      expect(fs.readFileSync(file, 'utf8')).toBe('keep me')
      const isDir = await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', dbs.blog, '--archive', dir], {env})
      expect(isDir.code).toBe(2)
      expect(isDir.stderr).toContain('is a directory; give a file name')
      const unwritable = await runCli(
        ['migrate', 'export', '--uri', mongo.uri, '--db', dbs.blog, '--out', '/sys/atlasctl-dump'],
        {env},
      )
      expect(unwritable.code, unwritable.stderr).toBe(2)
      expect(unwritable.stderr).toContain('Cannot write to --out /sys/atlasctl-dump')

      // An --out that holds other files: they stay, the dump is written beside them and reads back.
      const busy = path.join(dir, 'busy')
      fs.mkdirSync(busy)
      fs.writeFileSync(path.join(busy, 'notes.txt'), 'mine')
      const e = await runCli(
        ['migrate', 'export', '--uri', mongo.uri, '--db', dbs.blog, '--collection', 'a b+c', '--out', busy],
        {env},
      )
      expect(e.code, e.stderr).toBe(0)
      expect(fs.readFileSync(path.join(busy, 'notes.txt'), 'utf8')).toBe('mine')
      const back = unique('busycopy')
      const imp = await runCli(
        ['migrate', 'import', '--from', busy, '--uri', mongo.uri, ...rename(dbs.blog, back), '--json'],
        {env},
      )
      expect(imp.code, imp.stderr).toBe(0)
      expect(imp.json.result.inserted).toBe(10)
      // Twice in a row: the finished import left no checkpoint; everything is already there, nothing is refused.
      const twice = await runCli(
        ['migrate', 'import', '--from', busy, '--uri', mongo.uri, ...rename(dbs.blog, back), '--json'],
        {env},
      )
      expect(twice.code, twice.stderr).toBe(0)
      expect(twice.json.result).toMatchObject({resumed: false, docs: 10, inserted: 0, alreadyThere: 10, failed: 0})
    })

    it('a collection name too long for a file name is shortened as mongodump does, and imports under its real name', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const db = unique('long')
      // 96 bytes, 277 once escaped: past mongodump's 238 while within FerretDB's name limit.
      const name = `long/${'é'.repeat(45)}`
      try {
        await client
          .db(db)
          .collection<{_id: number}>(name)
          .insertMany([{_id: 1}, {_id: 2}])
      } catch (error) {
        const reason = `the server refuses a ${Buffer.byteLength(name)}-byte collection name (${(error as Error).message}); the file naming is unit-tested (migrate-format.test.ts)`
        console.warn(`SKIP "${ctx.task.name}": ${reason}.`)
        return ctx.skip(reason)
      }
      const out = path.join(dir, 'longdump')
      const e = await runCli(['migrate', 'export', '--uri', mongo.uri, '--db', db, '--out', out], {env})
      expect(e.code, e.stderr).toBe(0)
      const files = fs.readdirSync(path.join(out, db)).sort()
      expect(files).toHaveLength(2)
      const prefix = `long%2F${'%C3%A9'.repeat(45)}`.slice(0, 208)
      for (const f of files)
        expect(f.startsWith(`${prefix}%24`) && /^[^.]+%24[A-Za-z0-9_-]{27}\.(bson|metadata\.json)$/.test(f), f).toBe(
          true,
        )
      const target = unique('longcopy')
      const imp = await runCli(
        ['migrate', 'import', '--from', out, '--uri', mongo.uri, ...rename(db, target), '--json'],
        {env},
      )
      expect(imp.code, imp.stderr).toBe(0)
      expect(imp.json.result.namespaces[0].target).toBe(`${target}.${name}`)
      expect(await client.db(target).collection(name).countDocuments()).toBe(2)
    })

    it('--drop needs a confirmation; --dry-run writes nothing; the M0 pre-flight refuses before any write', async (ctx) => {
      const mongo = requireMongo(testMongo, ctx)
      const out = path.join(dir, 'dump')
      const dropRefused = await runCli(['migrate', 'import', '--from', out, '--uri', mongo.uri, '--drop'], {env})
      expect(dropRefused.code).toBe(2)
      const dry = unique('dry')
      const dryRun = await runCli(
        [
          'migrate',
          'import',
          '--from',
          out,
          '--uri',
          mongo.uri,
          ...rename(dbs.shop, dry),
          '--ns-include',
          `${dbs.shop}.*`,
          '--dry-run',
          '--json',
        ],
        {env},
      )
      expect(dryRun.json.result).toMatchObject({dryRun: true, docs: 4210, inserted: 0})
      expect((await client.db(dry).listCollections().toArray()).length).toBe(0)
      // 501 collections do not fit an M0.
      const many = path.join(dir, 'many')
      fs.mkdirSync(path.join(many, 'm'), {recursive: true})
      for (let i = 0; i < 501; i++) fs.writeFileSync(path.join(many, 'm', `c${i}.bson`), Buffer.alloc(0))
      const m0db = unique('m0')
      const r = await runCli(
        ['migrate', 'import', '--from', many, '--uri', mongo.uri, '--m0-limits', ...rename('m', m0db)],
        {env},
      )
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('501 collections (M0 allows 500)')
      expect((await client.db(m0db).listCollections().toArray()).length).toBe(0)
    })

    if (part === 'data')
      describe('--cluster through the Atlas API', () => {
        let emu: TestEmulator
        beforeAll(async () => {
          // With DNS on: the cluster's standardSrv name is what atlasctl connects to, resolved by the emulator.
          if (testMongo) emu = await startTestEmulator({backingUri: testMongo.uri.replace(/\/$/, ''), dnsPort: 0})
        })
        afterAll(() => emu?.close())

        it('imports into an M0 cluster resolved through the Atlas API', async (ctx) => {
          const mongo = requireMongo(testMongo, ctx)
          const e = {...env, ...emu.env, ATLAS_PROJECT_ID: 'mig'}
          await runCli(['project', 'create', 'mig'], {env: e})
          await runCli(['cluster', 'create', 'free', '--tier', 'M0', '--wait'], {env: e})
          const creds = path.join(dir, 'app.json')
          const added = await runCli(['user', 'add', 'app', '--credentials-file', creds], {env: e})
          expect(added.code, added.stderr).toBe(0)
          const target = unique('viacluster')
          const credArgs = ['--credentials-file', creds]
          if (mongo.checksPasswords) {
            // The server checks passwords: a wrong one is refused (exit 3) before anything is written.
            const wrong = path.join(dir, 'wrong.json')
            fs.writeFileSync(
              wrong,
              JSON.stringify({...JSON.parse(fs.readFileSync(creds, 'utf8')), password: 'not-the-password'}),
              {mode: 0o600},
            )
            const refused = await runCli(
              [
                'migrate',
                'import',
                '--from',
                path.join(dir, 'dump'),
                '--cluster',
                'free',
                '--credentials-file',
                wrong,
                '--ns-include',
                `${dbs.blog}.*`,
                ...rename(dbs.blog, target),
              ],
              {env: e},
            )
            expect(refused.code, refused.stderr).toBe(3)
            expect(refused.stderr).toContain('refused the credentials')
            expect(await client.db(target).listCollections().toArray()).toEqual([])
          }
          const r = await runCli(
            [
              'migrate',
              'import',
              '--from',
              path.join(dir, 'dump'),
              '--cluster',
              'free',
              ...credArgs,
              '--ns-include',
              `${dbs.blog}.*`,
              ...rename(dbs.blog, target),
              '--json',
            ],
            {env: e},
          )
          expect(r.code, r.stderr).toBe(0)
          expect(r.json.result.inserted).toBe(4210)
          expect(r.stdout + r.stderr).not.toContain(JSON.parse(fs.readFileSync(creds, 'utf8')).password)
        })
      })
  })
}
