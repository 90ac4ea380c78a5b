import {execFile, execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {connect} from '../src/mongo/connect.js'
import {startTestMongo} from '../test/support/mongo.js'

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')
const run = promisify(execFile)

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
 * Export and import of 10k, 100k and 1M small documents (~200 B) and 10k large ones (~50 KB) against
 * the test server (FerretDB unless ATLASCTL_TEST_MONGODB_URI is set): docs/s, MB/s, peak RSS.
 */
export async function migrateBench(
  sizes: Array<{name: string; docs: number; bytes: number}> = [
    {name: 'small-10k', docs: 10_000, bytes: 200},
    {name: 'small-100k', docs: 100_000, bytes: 200},
    {name: 'small-1M', docs: 1_000_000, bytes: 200},
    {name: 'large-10k', docs: 10_000, bytes: 50_000},
  ],
) {
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
  const results: Record<string, unknown> = {server: mongo.kind}
  try {
    for (const s of sizes) {
      const db = `bench_${s.name.replace(/\W/g, '_')}`
      const coll = client.db(db).collection<{_id: number}>('docs')
      const filler = 'x'.repeat(Math.max(1, s.bytes - 60))
      for (let i = 0; i < s.docs; i += 10_000) {
        await coll.insertMany(
          Array.from({length: Math.min(10_000, s.docs - i)}, (_, j) => ({
            _id: i + j,
            n: i + j,
            at: new Date(1_700_000_000_000 + i + j),
            v: filler,
          })),
        )
      }
      await coll.createIndex({n: 1})
      const out = path.join(home, s.name)
      const exp = await measured(['migrate', 'export', '--uri', mongo.uri, '--db', db, '--out', out], env)
      const imp = await measured(
        ['migrate', 'import', '--from', out, '--uri', mongo.uri, '--ns-from', `${db}.$c$`, '--ns-to', `${db}_copy.$c$`],
        env,
      )
      const rate = (r: {docs: number; bytes: number; seconds: number}) => ({
        docsPerSecond: Math.round(r.docs / r.seconds),
        mbPerSecond: Number((r.bytes / 1048576 / r.seconds).toFixed(1)),
        seconds: Number(r.seconds.toFixed(1)),
      })
      const row: Record<string, unknown> = {
        docs: s.docs,
        dataMb: Number((exp.result.bytes / 1048576).toFixed(1)),
        export: {...rate(exp.result), peakRssMb: exp.peakRssMb},
        import: {...rate(imp.result), peakRssMb: imp.peakRssMb},
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
      fs.rmSync(out, {recursive: true, force: true})
      process.stderr.write(`bench migrate: ${s.name} done\n`)
    }
    const small = results['small-10k'] as {export: {peakRssMb: number}; import: {peakRssMb: number}} | undefined
    const million = results['small-1M'] as typeof small
    if (small && million) {
      results.memory = {
        exportRssRatio1Mto10k: Number((million.export.peakRssMb / small.export.peakRssMb).toFixed(2)),
        importRssRatio1Mto10k: Number((million.import.peakRssMb / small.import.peakRssMb).toFixed(2)),
        target: '≤ 1.3',
      }
    }
    results.mongodumpComparison = hasMongoTools()
      ? 'per size, under vsMongoTools'
      : 'not run: mongodump and mongorestore are not installed on this machine'
    return results
  } finally {
    await client.close()
    await mongo.stop()
  }
}
