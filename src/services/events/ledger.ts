import fs from 'node:fs'
import path from 'node:path'
import {z} from 'zod'
import {UsageError} from '../../lib/errors.js'
import {describeIssues} from '../../lib/issues.js'
import {writeSecretFile} from '../../lib/secret-file.js'

const teamEntrySchema = z.object({
  projectName: z.string(),
  projectId: z.string().optional(),
  clusterName: z.string(),
  username: z.string(),
  bundle: z.string().optional(),
  /** A fingerprint of the password Atlas holds for the team's user (never the password): which bundle works. */
  passwordFingerprint: z.string().optional(),
  /**
   * The team's project API key (--team-keys). `desc`, unique to this key, is recorded before the key is made, so a key
   * whose answer was lost is still known as ours; a key in the project that is not recorded here is a person's.
   */
  apiKey: z
    .object({desc: z.string(), orgId: z.string(), id: z.string().optional(), publicKey: z.string().optional()})
    .optional(),
  /** The invitations this event made (--invite); a person someone else added to the project is not here. */
  invites: z.array(z.object({id: z.string(), username: z.string(), roles: z.array(z.string())})).optional(),
  status: z.enum(['pending', 'done', 'failed', 'rolled-back']),
  error: z.string().optional(),
  updatedAt: z.string(),
})
/**
 * A temporary read-only user of `cleanup --export-first`, recorded before it is created, so a re-run after a crash
 * finds and deletes it: the record, not its name, says it is ours.
 */
const exportUserSchema = z.object({projectId: z.string(), username: z.string(), createdAt: z.string()})
/** `outDirs`: every bundle folder a run used, the latest last. `exportUsers`: per team. */
const ledgerSchema = z.object({
  eventId: z.string(),
  outDirs: z.array(z.string()).default([]),
  teams: z.record(z.string(), teamEntrySchema),
  exportUsers: z.record(z.string(), exportUserSchema).default({}),
})

/** How every key the event makes for a team is described, a random suffix after it: found by it from any machine. */
export const teamKeyPrefix = (eventId: string, team: string) => `atlasctl event ${eventId} team ${team} `

export type TeamEntry = z.infer<typeof teamEntrySchema>
export type ExportUser = z.infer<typeof exportUserSchema>
export type LedgerData = z.infer<typeof ledgerSchema>

/**
 * The local record of a provisioning run, rewritten atomically after every step, so a re-run after a
 * crash, SIGKILL or Ctrl-C knows where the bundles are and whether Atlas holds their passwords.
 * Atlas's tags remain the truth for what exists; the ledger never decides what a rollback deletes.
 */
export class Ledger {
  readonly file: string
  readonly data: LedgerData

  constructor(dir: string, eventId: string) {
    this.file = Ledger.path(dir, eventId)
    let data: LedgerData = {eventId, outDirs: [], teams: {}, exportUsers: {}}
    let text: string | undefined
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw badLedger(this.file, (error as Error).message)
    }
    if (text !== undefined) {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (error) {
        throw badLedger(this.file, (error as Error).message)
      }
      const parsed = ledgerSchema.safeParse(json)
      if (!parsed.success) throw badLedger(this.file, describeIssues(parsed.error.issues, {limit: 3}).join('; '))
      if (parsed.data.eventId !== eventId) throw badLedger(this.file, `it belongs to event "${parsed.data.eventId}"`)
      data = parsed.data
    }
    this.data = data
  }

  /** The bundle folder the last run used, read without taking the ledger (it is re-read under the event lock). */
  static peekOutDir(dir: string, eventId: string): string | undefined {
    return new Ledger(dir, eventId).data.outDirs.at(-1)
  }

  /** Where bundles go when no run has chosen a folder: beside the ledger, not wherever the command was started. */
  static defaultOutDir(dir: string, eventId: string): string {
    return path.join(dir, 'events', eventId, 'credentials')
  }

  static path(dir: string, eventId: string): string {
    return path.join(dir, 'events', eventId, 'ledger.json')
  }

  team(id: string, init: Pick<TeamEntry, 'projectName' | 'clusterName' | 'username'>): TeamEntry {
    this.data.teams[id] ??= {...init, status: 'pending', updatedAt: new Date().toISOString()}
    return this.data.teams[id]
  }

  update(id: string, patch: Partial<TeamEntry>): void {
    Object.assign(this.data.teams[id], patch, {updatedAt: new Date().toISOString()})
    this.save()
  }

  outDirs(): string[] {
    return this.data.outDirs
  }

  useOutDir(dir: string): void {
    if (this.data.outDirs.at(-1) === dir) return
    this.data.outDirs = [...this.data.outDirs.filter((d) => d !== dir), dir]
    this.save()
  }

  /** Written before the user is created in Atlas. */
  recordExportUser(team: string, user: ExportUser): void {
    this.data.exportUsers[team] = user
    this.save()
  }

  /** Once Atlas no longer has the user. */
  clearExportUser(team: string): void {
    if (!(team in this.data.exportUsers)) return
    delete this.data.exportUsers[team]
    this.save()
  }

  private save(): void {
    // Synchronous and atomic: concurrent teams never interleave a write.
    writeSecretFile(this.file, `${JSON.stringify(this.data, null, 1)}\n`)
  }
}

function badLedger(file: string, why: string): UsageError {
  return new UsageError(`The event ledger ${file} is damaged (${why}); it was left as it is.`, {
    code: 'BAD_LEDGER',
    hint: `Move it aside (mv ${file} ${file}.bak) and re-run: provisioning finds the existing teams by their Atlas tags, and re-reads the bundles in --out.`,
    details: {file},
  })
}
