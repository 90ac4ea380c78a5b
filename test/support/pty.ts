import {spawn} from 'node:child_process'
import path from 'node:path'
import {BIN, ROOT} from './run-cli.js'

export interface PtyResult {
  code: number
  output: string
  failedStep: number | null
}

/** Runs the CLI in a pseudo-terminal (python's pty module) and answers its prompts in order. */
export function runInPty(
  args: string[],
  steps: Array<{expect: string; send: string}>,
  env: Record<string, string>,
  timeout = 40,
): Promise<PtyResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(CI|NODE_ENV|VITEST.*|MONGODB_ATLAS_.*|ATLAS_.*|ATLASCTL_.*)$/.test(k),
    ),
  )
  const spec = {
    argv: [process.execPath, BIN, ...args],
    env: {...base, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40', ...env},
    steps,
    timeout,
  }
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [path.join(ROOT, 'test', 'support', 'pty_driver.py')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as PtyResult)
      } catch (error) {
        reject(new Error(`pty driver gave no result: ${out} ${(error as Error).message}`))
      }
    })
    child.stdin.end(JSON.stringify(spec))
  })
}
