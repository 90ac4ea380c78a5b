import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

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
export interface Interrupt {
  signal: NodeJS.Signals
  when: Promise<unknown> | RegExp
}

/**
 * Runs the built CLI as a child process, asynchronously, so an in-process emulator keeps serving.
 * `signal` kills the child with SIGKILL when aborted: a crash at a chosen moment. `user` runs it as
 * another user (needs root): root writes through a read-only folder, anyone else does not.
 */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string>
    input?: string
    timeoutMs?: number
    signal?: AbortSignal
    cwd?: string
    user?: {uid: number; gid: number}
    interrupt?: Interrupt
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...CLEAN_ENV,
        CI: '1',
        NO_COLOR: '1',
        ATLASCTL_POLL_INTERVAL_MS: '50',
        ATLASCTL_RETRY_BASE_MS: '20',
        ...options.env,
      },
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
      let json
      try {
        json = JSON.parse(stdout)
      } catch {
        json = undefined
      }
      resolve({code: code ?? -1, stdout, stderr, json})
    })
    child.stdin.end(options.input ?? '')
  })
}
