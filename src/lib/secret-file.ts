import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {UsageError} from './errors.js'

/**
 * The one writer of files that hold secrets (credential bundles, .env files): mode 0600 from the
 * first byte, written to a temporary file and renamed, so nobody ever reads a half-written or open file.
 * A failed write removes its temporary file: no copy of the secret is left behind.
 */
export function writeSecretFile(given: string, content: string): void {
  const {file, tmp} = secretTemp(given)
  const fd = fs.openSync(tmp, 'wx', 0o600)
  try {
    try {
      fs.writeSync(fd, content)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.chmodSync(tmp, 0o600)
    fs.renameSync(tmp, file)
  } catch (error) {
    fs.rmSync(tmp, {force: true})
    throw error
  }
}

/** writeSecretFile off the event loop, for a file rewritten often while other work runs (a checkpoint). */
export async function writeSecretFileAsync(given: string, content: string): Promise<void> {
  const {file, tmp} = secretTemp(given)
  try {
    const handle = await fs.promises.open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(content)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.promises.chmod(tmp, 0o600)
    await fs.promises.rename(tmp, file)
  } catch (error) {
    await fs.promises.rm(tmp, {force: true})
    throw error
  }
}

/** The real target and a fresh temporary name beside it, its folder created. */
function secretTemp(given: string): {file: string; tmp: string} {
  const file = realTarget(given)
  const dir = path.dirname(file)
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  // A fresh name opened exclusively: never an older file whose mode we did not choose.
  return {file, tmp: path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)}
}

/**
 * Checks, before anything changes in Atlas, that a secret can be written to `file`: its folder exists
 * and is writable, and the path is not a folder or a read-only file. Exit 2 naming the path otherwise.
 */
export function checkSecretDestination(given: string, flag: string): void {
  const file = realTarget(given)
  const dir = path.dirname(file)
  const refuse = (why: string) =>
    new UsageError(`Cannot write --${flag} ${given}: ${why}; nothing was changed.`, {
      code: 'UNWRITABLE_DESTINATION',
      details: {flag, file: given},
    })
  let stat: fs.Stats | undefined
  try {
    stat = fs.statSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse((error as Error).message)
  }
  if (stat?.isDirectory()) throw refuse('it is a folder')
  if (stat && !stat.isFile()) throw refuse('it is not a regular file')
  if (!fs.existsSync(dir)) throw refuse(`the folder ${dir} does not exist`)
  // The temporary file and the rename need the folder; a read-only file stays as its owner made it.
  if (!allowed(dir, fs.constants.W_OK | fs.constants.X_OK)) throw refuse(`the folder ${dir} is not writable`)
  if (stat && !allowed(file, fs.constants.R_OK | fs.constants.W_OK))
    throw refuse('the file is not readable and writable')
}

/** A symlinked file (a .env kept elsewhere) is written where it points, so the link survives. */
function realTarget(file: string): string {
  try {
    return fs.realpathSync(file)
  } catch {
    return path.resolve(file)
  }
}

function allowed(file: string, mode: number): boolean {
  try {
    fs.accessSync(file, mode)
    return true
  } catch {
    return false
  }
}

/** Told of each local write of secrets (never their content), so the command can audit it. */
export type WriteReport = (action: string, target: string, result: string) => void

/** Runs one local write of a secret and reports it: ok, or the error code. */
export function reportedWrite(
  report: WriteReport | undefined,
  action: string,
  file: string,
  user: string,
  write: () => void,
): void {
  const target = path.resolve(file)
  try {
    write()
  } catch (error) {
    report?.(action, target, `failed ${(error as NodeJS.ErrnoException).code ?? 'error'} (user ${user})`)
    throw error
  }
  report?.(action, target, `ok (user ${user})`)
}

const ENV_LINE = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)\s*=/

/**
 * Sets KEY=value lines in a .env file, keeping every other line as it was. Every line that sets a
 * key is replaced (keeping its `export` prefix), so no stale duplicate survives whichever one a loader reads.
 */
export function mergeEnvFile(file: string, values: Record<string, string>): void {
  let lines: string[] = []
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n')
    if (lines.at(-1) === '') lines.pop()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const seen = new Set<string>()
  const out = lines.map((line) => {
    const m = ENV_LINE.exec(line)
    if (!m || !(m[2] in values)) return line
    seen.add(m[2])
    return `${m[1]}${m[2]}=${quoteEnv(values[m[2]])}`
  })
  for (const [k, v] of Object.entries(values)) if (!seen.has(k)) out.push(`${k}=${quoteEnv(v)}`)
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
    if (m)
      out[m[1]] = m[2].replace(/^"(.*)"$/, (_, v: string) => v.replace(/\\(["\\$`])/g, '$1')).replace(/^'(.*)'$/, '$1')
  }
  return out
}

const quoteEnv = (v: string) => (/^[\w@%+=:,./-]*$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`)
