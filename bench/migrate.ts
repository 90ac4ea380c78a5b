import {execFile, execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {promisify} from 'node:util'
import type {MongoClient} from 'mongodb'
import {connect} from '../src/mongo/connect.js'
import {startTestMongo} from '../test/support/mongo.js'

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')
const run = promisify(execFile)

const SHAPES = [
  {name: 'small-100k', docs: 100_000, bytes: 200},
  {name: 'small-1M', docs: 1_000_000, bytes: 200},
  {name: 'large-5k', docs: 5_000, bytes: 50_000},
]
const TARGETS = {importOfCeiling: '≥ 95%', exportOfCeiling: '≥ 90%', peakRssMb: '≤ 130'}

function hasMongoTools(): boolean {
  try {
    execFileSync('mongodump', ['--version'], {stdio: 'ignore'})
    execFileSync('mongorestore', ['--version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** Runs the CLI under /usr/bin/time, returning its JSON result and its peak RSS in MB. */
async function measured(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{result: {docs: number; bytes: number; seconds: number}; peakRssMb: number}> {
  const {stdout, stderr} = await run(
    '/usr/bin/time',
    ['-f', 'PEAK_RSS_KB=%M', process.execPath, BIN, ...args, '--json'],
    {env, maxBuffer: 1 << 26},
  )
  const rss = Number(/PEAK_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0)
  return {result: JSON.parse(stdout).result, peakRssMb: Math.round(rss / 1024)}
}

/**
 * The server's insert ceiling: a plain driver loop, insertMany of 1,000 documents unordered, one batch after
 * the other. Only the insertMany calls are timed (building the documents is not the server's cost).
 */
async function insertCeiling(client: MongoClient, db: string, shape: (typeof SHAPES)[number]): Promise<number> {
  const coll = client.db(db).collection<{_id: number}>('docs')
  const filler = 'x'.repeat(Math.max(1, shape.bytes - 60))
  let ms = 0
  for (let i = 0; i < shape.docs; i += 1000) {
    const batch = Array.from({length: Math.min(1000, shape.docs - i)}, (_, j) => ({
      _id: i + j,
      n: i + j,
      at: new Date(1_700_000_000_000 + i + j),
      v: filler,
    }))
    const t = performance.now()
    await coll.insertMany(batch, {ordered: false})
    ms += performance.now() - t
  }
  return ms / 1000
}

/** The server's read ceiling: a plain find of the whole collection, iterated to the end. */
async function readCeiling(client: MongoClient, db: string): Promise<number> {
  const t = performance.now()
  let n = 0
  for await (const _ of client.db(db).collection('docs').find()) n++
  if (n === 0) throw new Error(`bench: ${db}.docs is empty`)
  return (performance.now() - t) / 1000
}

/** Flushes the page cache's dirty pages: one phase's writes are not left for the next phase to pay for. */
const flushDisk = () => execFileSync('sync')

const pct = (ceiling: number, tool: number) => Math.round((ceiling / tool) * 100)

/**
 * Export and import against the test server (FerretDB unless ATLASCTL_TEST_MONGODB_URI is set) on three shapes,
 * each next to the server's own ceilings measured in the same run: the source is written by the insert ceiling
 * loop and read back by the read ceiling loop, then the tool exports it and imports it into a fresh database,
 * then both loops run again on another fresh database; each ceiling is the mean of its two runs.
 * BENCH_MIGRATE_SHAPES=small-100k,large-5k selects shapes.
 */
export async function migrateBench() {
  const wanted = process.env.BENCH_MIGRATE_SHAPES?.split(',').map((s) => s.trim())
  const shapes = wanted ? SHAPES.filter((s) => wanted.includes(s.name)) : SHAPES
  const mongo = await startTestMongo()
  if (!mongo) return {skipped: 'no test server (Go missing and ATLASCTL_TEST_MONGODB_URI unset)'}
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-bench-migrate-'))
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'data'),
    NODE_ENV: 'production',
    CI: '1',
  }
  const client = await connect(mongo.uri)
  const results: Record<string, unknown> = {server: mongo.kind, load: os.loadavg().map((l) => Number(l.toFixed(2)))}
  try {
    for (const s of shapes) {
      const db = `bench_${s.name.replace(/\W/g, '_')}`
      flushDisk()
      const insertBefore = await insertCeiling(client, db, s)
      flushDisk()
      const readBefore = await readCeiling(client, db)
      const out = path.join(home, s.name)
      flushDisk()
      const exp = await measured(['migrate', 'export', '--uri', mongo.uri, '--db', db, '--out', out], env)
      flushDisk()
      const imp = await measured(
        ['migrate', 'import', '--from', out, '--uri', mongo.uri, '--ns-from', `${db}.$c$`, '--ns-to', `${db}_copy.$c$`],
        env,
      )
      const copied = await client.db(`${db}_copy`).collection('docs').countDocuments()
      if (copied !== s.docs) throw new Error(`bench: ${db}_copy.docs has ${copied} documents, not ${s.docs}`)
      // The ceilings again after the tool, averaged with the first: a shared machine's load drifts within a run.
      flushDisk()
      const insertAfter = await insertCeiling(client, `${db}_ceiling`, s)
      flushDisk()
      const readAfter = await readCeiling(client, `${db}_ceiling`)
      const insertSeconds = (insertBefore + insertAfter) / 2
      const readSeconds = (readBefore + readAfter) / 2
      const two = (n: number) => Number(n.toFixed(2))
      const row: Record<string, unknown> = {
        docs: s.docs,
        dataMb: Number((exp.result.bytes / 1048576).toFixed(1)),
        ceiling: {
          insertSeconds: two(insertSeconds),
          readSeconds: two(readSeconds),
          measured: {insert: [two(insertBefore), two(insertAfter)], read: [two(readBefore), two(readAfter)]},
        },
        export: {seconds: Number(exp.result.seconds.toFixed(2)), peakRssMb: exp.peakRssMb},
        import: {seconds: Number(imp.result.seconds.toFixed(2)), peakRssMb: imp.peakRssMb},
        importOfCeilingPct: pct(insertSeconds, imp.result.seconds),
        exportOfCeilingPct: pct(readSeconds, exp.result.seconds),
        peakRssMb: Math.max(exp.peakRssMb, imp.peakRssMb),
        targets: TARGETS,
      }
      if (hasMongoTools()) {
        // The same data through mongodump and mongorestore; ratios above 1 mean atlasctl is faster.
        const t0 = Date.now()
        execFileSync('mongodump', ['--uri', mongo.uri, '--db', db, '--out', `${out}-mongodump`], {stdio: 'ignore'})
        const dumpSeconds = (Date.now() - t0) / 1000
        const t1 = Date.now()
        execFileSync(
          'mongorestore',
          ['--uri', mongo.uri, '--nsFrom', `${db}.*`, '--nsTo', `${db}_mr.*`, `${out}-mongodump`],
          {stdio: 'ignore'},
        )
        const restoreSeconds = (Date.now() - t1) / 1000
        row.vsMongoTools = {
          exportRatio: Number((dumpSeconds / exp.result.seconds).toFixed(2)),
          importRatio: Number((restoreSeconds / imp.result.seconds).toFixed(2)),
          target: '≥ 1.0',
        }
        await client.db(`${db}_mr`).dropDatabase()
        fs.rmSync(`${out}-mongodump`, {recursive: true, force: true})
      }
      results[s.name] = row
      await client.db(db).dropDatabase()
      await client.db(`${db}_copy`).dropDatabase()
      await client.db(`${db}_ceiling`).dropDatabase()
      fs.rmSync(out, {recursive: true, force: true})
      process.stderr.write(
        `bench migrate: ${s.name}: import ${row.importOfCeilingPct}% of the insert ceiling (${TARGETS.importOfCeiling}), export ${row.exportOfCeilingPct}% of the read ceiling (${TARGETS.exportOfCeiling}), peak RSS ${row.peakRssMb} MB (${TARGETS.peakRssMb})\n`,
      )
    }
    results.mongodumpComparison = hasMongoTools()
      ? 'per shape, under vsMongoTools'
      : 'not run: mongodump and mongorestore are not installed on this machine'
    return results
  } finally {
    await client.close()
    await mongo.stop()
    fs.rmSync(home, {recursive: true, force: true})
  }
}
