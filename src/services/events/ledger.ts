import fs from 'node:fs'
import path from 'node:path'
import {writeSecretFile} from '../../lib/secret-file.js'

export type TeamStatus = 'pending' | 'done' | 'failed' | 'rolled-back'

export interface TeamEntry {
  projectName: string
  projectId?: string
  clusterName: string
  username: string
  /** What this machine created, so a rollback removes only that. */
  created: {project?: boolean; cluster?: boolean; user?: boolean}
  bundle?: string
  status: TeamStatus
  error?: string
  updatedAt: string
}

export interface LedgerData {
  eventId: string
  teams: Record<string, TeamEntry>
}

/**
 * The local record of a provisioning run, rewritten atomically after every step, so a re-run after a
 * crash, SIGKILL or Ctrl-C knows what it made. Atlas's tags remain the truth for what exists.
 */
export class Ledger {
  readonly file: string
  readonly data: LedgerData

  constructor(dir: string, eventId: string) {
    this.file = path.join(dir, 'events', eventId, 'ledger.json')
    let data: LedgerData = {eventId, teams: {}}
    try {
      data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as LedgerData
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`The ledger ${this.file} is unreadable: ${(error as Error).message}`, {cause: error})
    }
    this.data = data
  }

  team(id: string, init: Omit<TeamEntry, 'status' | 'created' | 'updatedAt'>): TeamEntry {
    this.data.teams[id] ??= {...init, created: {}, status: 'pending', updatedAt: new Date().toISOString()}
    return this.data.teams[id]
  }

  update(id: string, patch: Partial<TeamEntry>): void {
    const t = this.data.teams[id]
    const created = {...t.created, ...patch.created}
    Object.assign(t, patch, {created, updatedAt: new Date().toISOString()})
    // Synchronous and atomic: concurrent teams never interleave a write.
    writeSecretFile(this.file, `${JSON.stringify(this.data, null, 1)}\n`)
  }
}
