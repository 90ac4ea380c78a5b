#!/usr/bin/env node
// npm test's checks before vitest, run side by side (each is mostly single-threaded, and the machine has two
// cores): each one's output is printed when it ends, and any failure fails the run after all have ended.
import {spawn} from 'node:child_process'

const checks = ['typecheck', 'lint', 'format:check', 'unused']
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const results = await Promise.all(
  checks.map(
    (name) =>
      new Promise((resolve) => {
        const started = Date.now()
        const child = spawn(npm, ['run', '-s', name], {stdio: ['ignore', 'pipe', 'pipe']})
        let output = ''
        child.stdout.on('data', (d) => (output += d))
        child.stderr.on('data', (d) => (output += d))
        child.on('close', (code) => {
          const seconds = ((Date.now() - started) / 1000).toFixed(1)
          process.stderr.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${name} (${seconds} s)\n${output}`)
          resolve(code === 0)
        })
      }),
  ),
)
if (results.includes(false)) {
  process.stderr.write(`check: ${checks.filter((_, i) => !results[i]).join(', ')} failed\n`)
  process.exit(1)
}
