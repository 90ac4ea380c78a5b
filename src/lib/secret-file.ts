import fs from 'node:fs'
import path from 'node:path'

/**
 * The one writer of files that hold secrets (credential bundles, .env files): mode 0600 from the
 * first byte, written to a temporary file and renamed, so nobody ever reads a half-written or open file.
 */
export function writeSecretFile(file: string, content: string): void {
  const dir = path.dirname(path.resolve(file))
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`)
  const fd = fs.openSync(tmp, 'w', 0o600)
  try {
    fs.writeSync(fd, content)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, file)
}

/** Sets KEY=value lines in a .env file, keeping every other line as it was. */
export function mergeEnvFile(file: string, values: Record<string, string>): void {
  let lines: string[] = []
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n')
    if (lines.at(-1) === '') lines.pop()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const pending = new Map(Object.entries(values))
  const out = lines.map((line) => {
    const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1]
    if (key && pending.has(key)) {
      const v = pending.get(key)!
      pending.delete(key)
      return `${key}=${quoteEnv(v)}`
    }
    return line
  })
  for (const [k, v] of pending) out.push(`${k}=${quoteEnv(v)}`)
  writeSecretFile(file, `${out.join('\n')}\n`)
}

export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {}
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return out
  }
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1')
  }
  return out
}

const quoteEnv = (v: string) => (/^[\w@%+=:,./-]*$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`)
