import type {AtlasClient} from '../../atlas/client.js'
import {AtlasCtlError} from '../../lib/errors.js'
import {pool} from '../../lib/pool.js'
import {deleteOrgKey, listProjectKeys, removeProjectMember} from '../team-access.js'
import {exportTeam, type TeamExport} from './export-first.js'
import {type Ledger, type LedgerData, type TeamEntry, teamKeyPrefix} from './ledger.js'
import {eventStatus, type TeamStatus, type UnreadableTeam} from './status.js'
import {teardownProject} from './teardown.js'

export interface CleanupFilter {
  team?: string
  olderThanMs?: number
  graceMs?: number
  now?: number
}

export interface CleanupPlan {
  event: string
  teams: TeamStatus[]
  skipped: Array<{team: string; reason: string}>
  /** Teams whose project could not be read: not removed, and the run is not complete. */
  unreadable: UnreadableTeam[]
  /** Planned teams whose event (plus the grace period) has not ended: removed only with --force. */
  live: Array<{team: string; until?: string}>
  /**
   * Per planned team, the event's API keys in its project (the ledger's, and any described as the event describes its
   * keys) and the invitations the ledger records: these are removed. A person's key or invitation is never removed
   * (the project's deletion takes its roles away).
   */
  access: Array<{team: string; keys: number; invites: number}>
  /** Keys the ledger records for teams whose project is already gone: deleted from the organization. */
  orphanKeys: Array<{team: string; publicKey?: string}>
}

export interface CleanupReport extends CleanupPlan {
  executed: boolean
  results: Array<{
    team: string
    project: string
    status: 'removed' | 'failed'
    removed?: {clusters: number; users: number; entries: number; keys: number; invites: number}
    error?: string
    /** With --export-first: the team's export; a team whose export failed is kept (`stage: 'export'`). */
    export?: TeamExport
    /** Where a failed team stopped: its export (nothing was removed) or its teardown. */
    stage?: 'export' | 'teardown'
  }>
  failed: number
  /** Orphan keys deleted. */
  orphanKeysRemoved: number
}

/** The ledger's entry for a team, if it is about this project. */
function recorded(ledger: LedgerData | undefined, team: string, projectId: string) {
  const e = ledger?.teams[team]
  return e && (e.projectId === undefined || e.projectId === projectId) ? e : undefined
}

export async function planCleanup(
  client: AtlasClient,
  eventId: string,
  f: CleanupFilter,
  ledger?: LedgerData,
): Promise<CleanupPlan> {
  const now = f.now ?? Date.now()
  const {teams: all, unreadable} = await eventStatus(client, eventId, f.team, ledger)
  const teams: TeamStatus[] = []
  const skipped: CleanupPlan['skipped'] = []
  const live: CleanupPlan['live'] = []
  for (const t of all) {
    if (f.olderThanMs !== undefined && now - Date.parse(t.created) < f.olderThanMs) {
      skipped.push({team: t.team, reason: `created ${t.created}, not older than the --older-than limit`})
    } else if (f.graceMs !== undefined && (!t.endsAt || now < Date.parse(t.endsAt) + f.graceMs)) {
      skipped.push({
        team: t.team,
        reason: t.endsAt
          ? `grace period runs until ${new Date(Date.parse(t.endsAt) + f.graceMs).toISOString()}`
          : 'no end time tagged; --grace cannot apply',
      })
    } else {
      teams.push(t)
      const until = t.endsAt ? Date.parse(t.endsAt) + (f.graceMs ?? 0) : undefined
      if (until === undefined || now < until)
        live.push({team: t.team, until: until === undefined ? undefined : new Date(until).toISOString()})
    }
  }
  const counted = await pool(teams, 4, async (t) => {
    const e = recorded(ledger, t.team, t.projectId)
    return {team: t.team, keys: (await eventKeys(client, eventId, t, e)).length, invites: e?.invites?.length ?? 0}
  })
  const access = counted.map((r) => {
    if (r.status === 'rejected') throw r.reason
    return r.value
  })
  const found = new Set([...all, ...unreadable].map((t) => t.team))
  const orphanKeys = Object.entries(ledger?.teams ?? {})
    .filter(([team, e]) => e.apiKey?.id && !found.has(team) && (!f.team || f.team === team))
    .map(([team, e]) => ({team, publicKey: e.apiKey?.publicKey}))
  return {event: eventId, teams, skipped, unreadable, live, access, orphanKeys}
}

/**
 * The event's keys in this team's project: the one the ledger records, and any described as the event describes its
 * keys (from another machine, or one whose answer was lost, the ledger has no id for).
 */
async function eventKeys(
  client: AtlasClient,
  eventId: string,
  t: TeamStatus,
  e: TeamEntry | undefined,
): Promise<string[]> {
  const prefix = teamKeyPrefix(eventId, t.team)
  const found = (await listProjectKeys(client, t.projectId)).filter(
    (k) => k.desc?.startsWith(prefix) || (e?.apiKey && k.desc === e.apiKey.desc),
  )
  return [...new Set([...(e?.apiKey?.id ? [e.apiKey.id] : []), ...found.map((k) => k.id)])]
}

/** Removes the invitations the ledger records and the event's keys in this team's project, before the project goes. */
async function removeRecordedAccess(
  client: AtlasClient,
  ledger: Ledger | undefined,
  t: TeamStatus,
  eventId: string,
): Promise<{keys: number; invites: number}> {
  const e = recorded(ledger?.data, t.team, t.projectId)
  const invites = e?.invites ?? []
  for (const i of invites) await removeProjectMember(client, t.projectId, i.id)
  if (ledger && invites.length > 0) ledger.update(t.team, {invites: []})
  const ids = await eventKeys(client, eventId, t, e)
  for (const id of ids) await deleteOrgKey(client, t.orgId, id)
  if (ledger && e?.apiKey) ledger.update(t.team, {apiKey: undefined})
  return {keys: ids.length, invites: invites.length}
}

/** A team's export failed: the team is kept as it is. */
class ExportFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(messageOf(cause))
  }
}

/** An export's failure carries its own fix (resume the cluster, move a folder aside): keep it with the message. */
const messageOf = (e: unknown) => (e instanceof AtlasCtlError ? `${e.message}${e.hint ? ` ${e.hint}` : ''}` : String(e))

/** Tears every planned team down; continues past failures and reports each team. */
export async function executeCleanup(
  client: AtlasClient,
  plan: CleanupPlan,
  o: {
    timeoutMs?: number
    pollMs: number
    onProgress: (line: string) => void
    ledger?: Ledger
    /** Export each team first (into DIR/<team>); a team whose export fails is kept. */
    exportFirst?: {dir: string; toolVersion: string}
  },
): Promise<CleanupReport> {
  const exports: Array<TeamExport | undefined> = []
  const settled = await pool(plan.teams, 4, async (t, i) => {
    if (o.exportFirst) {
      if (!o.ledger) throw new Error('--export-first needs the event ledger')
      try {
        exports[i] = await exportTeam(client, t, {
          ...o.exportFirst,
          eventId: plan.event,
          ledger: o.ledger,
          wait: {timeoutMs: o.timeoutMs, intervalMs: o.pollMs},
          log: o.onProgress,
        })
      } catch (error) {
        throw new ExportFailed(error)
      }
    }
    o.onProgress(`${t.team}: tearing down ${t.project}`)
    // Keys first: a key is the organization's and would outlive the project.
    const access = await removeRecordedAccess(client, o.ledger, t, plan.event)
    const removed = await teardownProject(client, t.projectId, {
      timeoutMs: o.timeoutMs,
      pollMs: o.pollMs,
      deleteProject: true,
      log: o.onProgress,
    })
    o.onProgress(`${t.team}: removed`)
    return {...removed, ...access}
  })
  let orphanKeysRemoved = 0
  const orphanFailures: Array<{team: string; project: string; error: string}> = []
  for (const orphan of plan.orphanKeys) {
    const entry = o.ledger?.data.teams[orphan.team]
    const key = entry?.apiKey
    if (!o.ledger || !entry || !key?.id) continue
    try {
      await deleteOrgKey(client, key.orgId, key.id)
    } catch (error) {
      // One key that fails is reported with its team; the others, and the teams' reports, go on.
      orphanFailures.push({
        team: orphan.team,
        project: entry.projectName,
        error: `its API key ${key.publicKey ?? key.id} could not be deleted: ${error instanceof AtlasCtlError ? error.message : String(error)}`,
      })
      continue
    }
    o.ledger.update(orphan.team, {apiKey: undefined})
    orphanKeysRemoved++
  }
  const teamResults = plan.teams.map((t, i) => {
    const s = settled[i]
    const exported = exports[i] ? {export: exports[i]} : {}
    return s.status === 'fulfilled'
      ? {
          team: t.team,
          project: t.project,
          status: 'removed' as const,
          ...exported,
          removed: {
            clusters: s.value.clusters,
            users: s.value.users,
            entries: s.value.entries,
            keys: s.value.keys,
            invites: s.value.invites,
          },
        }
      : {
          team: t.team,
          project: t.project,
          status: 'failed' as const,
          ...exported,
          stage: s.reason instanceof ExportFailed ? ('export' as const) : ('teardown' as const),
          error:
            s.reason instanceof ExportFailed
              ? messageOf(s.reason.cause)
              : s.reason instanceof AtlasCtlError
                ? s.reason.message
                : String(s.reason),
        }
  })
  const results = [
    ...teamResults,
    ...orphanFailures.map((f) => ({...f, status: 'failed' as const, stage: 'teardown' as const})),
  ]
  return {
    ...plan,
    executed: true,
    results,
    failed: results.filter((r) => r.status === 'failed').length,
    orphanKeysRemoved,
  }
}
