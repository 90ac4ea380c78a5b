import fs from 'node:fs'
import path from 'node:path'
import {ConflictError} from './errors.js'
import {processAlive} from './process.js'

/** How long an unreadable lock file may be someone's write in progress before it counts as a crash's leftover. */
const UNREADABLE_LOCK_GRACE_MS = 5000

interface Holder {
  pid?: unknown
}

/**
 * A host-local lock file holding the pid, so two cron runs on one host never both write. It is written to a
 * temporary file and linked into place, so it never exists half-written. A lock whose process has died is
 * taken over, and so is an empty or garbled one (a crash of an older version between create and write) once
 * it is older than the grace period.
 */
export async function withLock<T>(dir: string, key: string, fn: () => Promise<T>, what = 'this cluster'): Promise<T> {
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = path.join(dir, `${key.replace(/[^\w.-]/g, '_')}.lock`)
  const mine = JSON.stringify({pid: process.pid, since: new Date().toISOString()})
  for (let attempt = 0; ; attempt++) {
    if (acquire(file, mine)) break
    if (attempt > 0) throw lockedError(file, what)
    takeOverIfStale(file, what)
  }
  const release = () => {
    if (read(file)?.text === mine) fs.rmSync(file, {force: true})
  }
  // process.exit (Ctrl-C during a wait) skips the finally below.
  process.once('exit', release)
  try {
    return await fn()
  } finally {
    process.off('exit', release)
    release()
  }
}

function acquire(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, content, {mode: 0o600})
  try {
    fs.linkSync(tmp, file)
    return true
  } catch (error) {
    if (errno(error) === 'EEXIST') return false
    throw error
  } finally {
    fs.rmSync(tmp, {force: true})
  }
}

function read(file: string): {text: string; holder?: Holder; mtimeMs: number} | undefined {
  try {
    const mtimeMs = fs.statSync(file).mtimeMs
    const text = fs.readFileSync(file, 'utf8')
    return {text, holder: parseHolder(text), mtimeMs}
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined
    throw error
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed && typeof parsed === 'object' ? parsed : undefined
  } catch {
    return undefined
  }
}

/** Removes the lock if its holder is gone; throws LOCKED if it may still be held. */
function takeOverIfStale(file: string, what: string): void {
  const seen = read(file)
  if (!seen) return
  const pid = typeof seen.holder?.pid === 'number' ? seen.holder.pid : undefined
  if (pid !== undefined) {
    if (processAlive(pid)) throw lockedError(file, what, pid)
  } else if (Date.now() - seen.mtimeMs < UNREADABLE_LOCK_GRACE_MS) {
    throw lockedError(file, what)
  }
  // Move it aside first and check it is still the file judged stale: a second run may have taken over meanwhile.
  const aside = `${file}.${process.pid}.stale`
  try {
    fs.renameSync(file, aside)
  } catch (error) {
    if (errno(error) === 'ENOENT') return
    throw error
  }
  const moved = fs.readFileSync(aside, 'utf8')
  if (moved !== seen.text) {
    // Another run's fresh lock: put it back, unless a third run holds the lock by now.
    try {
      fs.linkSync(aside, file)
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error
    } finally {
      fs.rmSync(aside, {force: true})
    }
    throw lockedError(file, what)
  }
  fs.rmSync(aside, {force: true})
}

function errno(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined
}

function lockedError(file: string, what: string, pid?: number): ConflictError {
  return new ConflictError(`Another atlasctl run${pid ? ` (pid ${pid})` : ''} is changing ${what}; nothing was done.`, {
    code: 'LOCKED',
    hint: pid
      ? `Wait for it to finish (the lock is ${file}).`
      : `Wait for it to finish. The lock ${file} names no process; if nothing else is running, it is taken over after ${UNREADABLE_LOCK_GRACE_MS / 1000}s.`,
    details: {lock: file, pid},
  })
}
