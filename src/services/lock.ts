import fs from 'node:fs'
import path from 'node:path'
import {ConflictError} from '../lib/errors.js'
import {processAlive} from '../lib/process.js'

const alive = processAlive

/**
 * A host-local lock (O_EXCL file holding the pid), so two cron runs on one host never both write.
 * A lock whose process has died is taken over.
 */
export async function withLock<T>(dir: string, key: string, fn: () => Promise<T>, what = 'this cluster'): Promise<T> {
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = path.join(dir, `${key.replace(/[^\w.-]/g, '_')}.lock`)
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({pid: process.pid, since: new Date().toISOString()}), {flag: 'wx', mode: 0o600})
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockedError(file, what)
      let holder: {pid?: number}
      try {
        holder = JSON.parse(fs.readFileSync(file, 'utf8'))
      } catch {
        // A lock file caught half-written belongs to a live writer.
        throw lockedError(file, what)
      }
      if (holder.pid && alive(holder.pid)) throw lockedError(file, what, holder.pid)
      fs.rmSync(file, {force: true})
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(file, {force: true})
  }
}

function lockedError(file: string, what: string, pid?: number): ConflictError {
  return new ConflictError(`Another atlasctl run${pid ? ` (pid ${pid})` : ''} is changing ${what}; nothing was done.`, {
    code: 'LOCKED',
    hint: `Wait for it to finish. A stale lock is ${file}.`,
    details: {lock: file, pid},
  })
}
