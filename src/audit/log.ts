import fs from 'node:fs'
import path from 'node:path'
import {redactor} from '../lib/secrets.js'

export interface AuditEntry {
  time: string
  profile?: string
  command: string
  action: string
  target: string
  result: string
  requestId?: string
}

const AUDIT_FILE = 'audit.log'

/**
 * Append-only JSON lines in the config dir (mode 0600): one per mutating action, no secrets
 * (every line passes the redactor). A line is written with a single append, so runs never interleave.
 */
export class AuditLog {
  readonly file: string

  constructor(dir: string) {
    this.file = path.join(dir, AUDIT_FILE)
  }

  append(entry: Omit<AuditEntry, 'time'>): void {
    try {
      fs.mkdirSync(path.dirname(this.file), {recursive: true, mode: 0o700})
      fs.appendFileSync(this.file, `${redactor.redact(JSON.stringify({time: new Date().toISOString(), ...entry}))}\n`, {
        mode: 0o600,
      })
    } catch (error) {
      // The audit log must never make a successful action look failed.
      process.stderr.write(`Warning: could not write the audit log ${this.file}: ${(error as Error).message}\n`)
    }
  }

  read(since?: Date): AuditEntry[] {
    let text: string
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch {
      return []
    }
    return text
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as AuditEntry]
        } catch {
          return []
        }
      })
      .filter((e) => !since || Date.parse(e.time) >= since.getTime())
  }
}
