import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {ROOT} from './run-cli.js'

export interface TestMongo {
  /** A connection string without a database; on FerretDB it carries the administrator's credentials. */
  uri: string
  kind: 'ferretdb' | 'external'
  /** Whether the server refuses a wrong password (FerretDB runs with its SCRAM authentication on). */
  checksPasswords: boolean
  stop(): Promise<void>
}

const BINARY = path.join(ROOT, '.cache', 'ferretdb-test')
const NO_SERVER =
  'no MongoDB-compatible test server: the FerretDB build failed (is Go installed?) and ATLASCTL_TEST_MONGODB_URI is not set'

/** The test's server, or a skip of this test that says why. */
export function requireMongo(
  mongo: TestMongo | undefined,
  ctx: {skip: (note?: string) => never; task: {name: string}},
): TestMongo {
  if (mongo) return mongo
  console.warn(`SKIP "${ctx.task.name}": ${NO_SERVER}.`)
  return ctx.skip(NO_SERVER)
}

/** The test server, when it checks passwords; else the test is skipped and says why. */
export function requirePasswordChecks(
  mongo: TestMongo | undefined,
  ctx: {skip: (note?: string) => never; task: {name: string}},
): TestMongo {
  const server = requireMongo(mongo, ctx)
  if (server.checksPasswords) return server
  const reason = 'ATLASCTL_TEST_MONGODB_URI has no administrator credentials, so its server takes any password'
  console.warn(`SKIP "${ctx.task.name}": ${reason}.`)
  return ctx.skip(reason)
}

/** The URI as atlasctl shows it: the password masked (written here, not imported, so the test is independent of the code it checks). */
export function redactedUri(uri: string): string {
  const u = new URL(uri)
  return u.password ? uri.replace(`:${u.password}@`, ':****@') : uri
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
async function listening(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  let exited: number | null | undefined
  child.once('exit', (code) => (exited = code))
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`FerretDB exited with ${exited}`)
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.end(() => resolve(true)))
      s.once('error', () => resolve(false))
    })
    if (up) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`FerretDB did not listen within ${ms / 1000} s`)
}

/**
 * The real MongoDB-compatible server of the tests: ATLASCTL_TEST_MONGODB_URI when set (a real mongod),
 * else FerretDB v1 (SQLite) built once by scripts/build-testdb.sh and started on a free port in a
 * temporary directory, with SCRAM authentication and an administrator. Undefined (with the reason
 * printed) when neither can be had.
 */
export async function startTestMongo(): Promise<TestMongo | undefined> {
  const external = process.env.ATLASCTL_TEST_MONGODB_URI
  if (external)
    return {
      uri: external,
      kind: 'external',
      checksPasswords: /^mongodb(\+srv)?:\/\/[^/@]+@/.test(external),
      stop: async () => {},
    }
  try {
    execFileSync(path.join(ROOT, 'scripts', 'build-testdb.sh'), {stdio: ['ignore', 'ignore', 'inherit']})
  } catch {
    return undefined
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-ferretdb-'))
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const child: ChildProcess = spawn(
    BINARY,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=error',
      '--test-enable-new-auth',
      '--setup-database=admin',
      '--setup-username=root',
      `--setup-password=${password}`,
    ],
    {stdio: ['ignore', 'ignore', 'inherit']},
  )
  await listening(port, child, 20_000)
  return {
    uri: `mongodb://root:${password}@127.0.0.1:${port}/`,
    kind: 'ferretdb',
    checksPasswords: true,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
      fs.rmSync(dir, {recursive: true, force: true})
    },
  }
}
