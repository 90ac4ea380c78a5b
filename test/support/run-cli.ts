import {spawn} from 'node:child_process'
import dns from 'node:dns'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {run, settings} from '@oclif/core'
import {Exit, handle} from '@oclif/core/handle'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON, when it is JSON. */
  json?: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A fresh, isolated home for one test: config and data dirs that nothing else shares. */
export function tempHome(): {dir: string; env: Record<string, string>} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-test-'))
  return {
    dir,
    env: {
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      XDG_DATA_HOME: path.join(dir, 'data'),
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      HOME: dir,
    },
  }
}

const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(MONGODB_ATLAS_|ATLAS_|ATLASCTL_|NODE_ENV$|VITEST)/.test(k)),
) as Record<string, string>

/** Sends `signal` to the child once `when` resolves, or once stderr matches it: Ctrl-C or a service manager's stop. */
interface Interrupt {
  signal: NodeJS.Signals
  when: Promise<unknown> | RegExp
}

export interface RunOptions {
  env?: Record<string, string>
  input?: string
  timeoutMs?: number
  signal?: AbortSignal
  cwd?: string
  user?: {uid: number; gid: number}
  interrupt?: Interrupt
  /** Through the real binary in a child process, even where the test's own process would do. */
  binary?: boolean
}

/** The environment the CLI runs with: the caller's, without anything that would point it elsewhere, and fast polls. */
function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    ...CLEAN_ENV,
    CI: '1',
    NO_COLOR: '1',
    ATLASCTL_POLL_INTERVAL_MS: '50',
    ATLASCTL_RETRY_BASE_MS: '20',
    ...env,
  }
}

const withJson = (code: number, stdout: string, stderr: string): CliResult => {
  let json
  try {
    json = JSON.parse(stdout)
  } catch {
    json = undefined
  }
  return {code, stdout, stderr, json}
}

/**
 * Runs the built CLI. What needs a process of its own (a signal, stdin, another cwd or user, `binary`) runs
 * bin/run.js as a child; anything else runs in the test's process (ATLASCTL_TEST_BINARY=1 sends all to the binary).
 */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const own =
    options.binary ||
    process.env.ATLASCTL_TEST_BINARY === '1' ||
    options.input !== undefined ||
    options.signal !== undefined ||
    options.cwd !== undefined ||
    options.user !== undefined ||
    options.interrupt !== undefined
  return own ? runBinary(args, options) : runInProcess(args, options.env)
}

/**
 * Runs the built CLI as a child process, asynchronously, so an in-process emulator keeps serving.
 * `signal` kills the child with SIGKILL when aborted: a crash at a chosen moment. `user` runs it as
 * another user (needs root): root writes through a read-only folder, anyone else does not.
 */
function runBinary(args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: options.cwd,
      signal: options.signal,
      killSignal: 'SIGKILL',
      ...options.user,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const interrupt = options.interrupt
    if (interrupt) {
      const {signal, when} = interrupt
      if (when instanceof RegExp) {
        const watch = () => {
          if (!when.test(stderr)) return
          child.stderr.off('data', watch)
          child.kill(signal)
        }
        child.stderr.on('data', watch)
      } else {
        void when.then(() => child.kill(signal))
      }
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', (error) => {
      if (error.name !== 'AbortError') reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve(withJson(code ?? -1, stdout, stderr))
    })
    child.stdin.end(options.input ?? '')
  })
}

// The built commands (dist/), as package.json names them; compiled already, so oclif must not look for TypeScript.
settings.enableAutoTranspile = false

/** What a child's terminal would show: pipes, no TTY, no width. */
const PIPE_PROPERTIES = ['isTTY', 'columns', 'rows'] as const

let busy = false

/**
 * One CLI run in this process, as bin/run.js would run it: the environment replaced for the run, stdout and stderr
 * captured, the exit code from the run's error (oclif's handler, its process.exit stubbed) or process.exitCode.
 * The environment and the streams are the process's, so only one run at a time is in process: a run that starts
 * while another is going (two at once, on purpose) goes through the binary, so that the two really overlap.
 */
function runInProcess(args: string[], env?: Record<string, string>): Promise<CliResult> {
  if (busy) return runBinary(args, {env})
  busy = true
  return inProcess(args, cliEnv(env)).finally(() => {
    busy = false
  })
}

/** In place, so that what reads the C environment (os.homedir) sees it too. */
function replaceEnv(env: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k]
  Object.assign(process.env, env)
}

async function inProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  const savedEnv = {...process.env}
  const savedServers = dns.getServers()
  const savedExit = Exit.exit
  const streams = [process.stdout, process.stderr, process.stdin]
  const savedProps = streams.map((s) => PIPE_PROPERTIES.map((p) => Object.getOwnPropertyDescriptor(s, p)))
  const writes = [process.stdout.write, process.stderr.write]
  let stdout = ''
  let stderr = ''
  let exited: number | undefined
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), cb?: () => void) => {
      append(
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8'),
      )
      const done = typeof encoding === 'function' ? encoding : cb
      done?.()
      return true
    }
  replaceEnv(env)
  for (const s of streams)
    for (const p of PIPE_PROPERTIES) Object.defineProperty(s, p, {value: undefined, configurable: true, writable: true})
  process.stdout.write = capture((t) => (stdout += t)) as typeof process.stdout.write
  process.stderr.write = capture((t) => (stderr += t)) as typeof process.stderr.write
  Exit.exit = ((code = 0) => {
    exited = code
  }) as typeof Exit.exit
  try {
    await run(args, {root: ROOT})
  } catch (error) {
    await handle(error as Error)
  } finally {
    process.stdout.write = writes[0]
    process.stderr.write = writes[1]
    Exit.exit = savedExit
    streams.forEach((s, i) =>
      PIPE_PROPERTIES.forEach((p, j) => {
        const d = savedProps[i][j]
        if (d) Object.defineProperty(s, p, d)
        else delete (s as unknown as Record<string, unknown>)[p]
      }),
    )
    replaceEnv(savedEnv)
    dns.setServers(savedServers)
  }
  const code = exited ?? Number(process.exitCode ?? 0)
  process.exitCode = undefined
  return withJson(code, stdout, stderr)
}
