import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {ROOT} from './run-cli.js'

export interface TestMongo {
  /** A connection string without a database. */
  uri: string
  kind: 'ferretdb' | 'external'
  stop(): Promise<void>
}

const BINARY = path.join(ROOT, '.cache', 'ferretdb-test')
const NO_SERVER = 'no MongoDB-compatible test server: the FerretDB build failed (is Go installed?) and ATLASCTL_TEST_MONGODB_URI is not set'

/** The test's server, or a skip of this test that says why. */
export function requireMongo(mongo: TestMongo | undefined, ctx: {skip: (note?: string) => never; task: {name: string}}): TestMongo {
  if (mongo) return mongo
  console.warn(`SKIP "${ctx.task.name}": ${NO_SERVER}.`)
  return ctx.skip(NO_SERVER)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

/**
 * The real MongoDB-compatible server of the tests: ATLASCTL_TEST_MONGODB_URI when set (a real mongod),
 * else FerretDB v1 (SQLite) built once by scripts/build-testdb.sh and started on a free port in a
 * temporary directory. Undefined (with the reason printed) when neither can be had.
 */
export async function startTestMongo(): Promise<TestMongo | undefined> {
  const external = process.env.ATLASCTL_TEST_MONGODB_URI
  if (external) return {uri: external, kind: 'external', stop: async () => {}}
  try {
    execFileSync(path.join(ROOT, 'scripts', 'build-testdb.sh'), {stdio: ['ignore', 'ignore', 'inherit']})
  } catch {
    return undefined
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-ferretdb-'))
  const port = await freePort()
  const child: ChildProcess = spawn(BINARY, ['-listen', `127.0.0.1:${port}`, '-dir', dir], {stdio: ['ignore', 'pipe', 'pipe']})
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('FerretDB did not start within 20 s')), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`FerretDB exited with ${code}`)))
  })
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    kind: 'ferretdb',
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      fs.rmSync(dir, {recursive: true, force: true})
    },
  }
}
