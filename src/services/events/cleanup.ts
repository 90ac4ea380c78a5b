import type {AtlasClient} from '../../atlas/client.js'
import {AtlasCtlError} from '../../lib/errors.js'
import {pool} from '../../lib/pool.js'
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
}

export interface CleanupReport extends CleanupPlan {
  executed: boolean
  results: Array<{
    team: string
    project: string
    status: 'removed' | 'failed'
    removed?: {clusters: number; users: number; entries: number}
    error?: string
  }>
  failed: number
}

export async function planCleanup(client: AtlasClient, eventId: string, f: CleanupFilter): Promise<CleanupPlan> {
  const now = f.now ?? Date.now()
  const {teams: all, unreadable} = await eventStatus(client, eventId, f.team)
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
  return {event: eventId, teams, skipped, unreadable, live}
}

/** Tears every planned team down; continues past failures and reports each team. */
export async function executeCleanup(
  client: AtlasClient,
  plan: CleanupPlan,
  o: {timeoutMs?: number; pollMs: number; onProgress: (line: string) => void},
): Promise<CleanupReport> {
  const settled = await pool(plan.teams, 4, async (t) => {
    o.onProgress(`${t.team}: tearing down ${t.project}`)
    const removed = await teardownProject(client, t.projectId, {
      timeoutMs: o.timeoutMs,
      pollMs: o.pollMs,
      deleteProject: true,
      log: o.onProgress,
    })
    o.onProgress(`${t.team}: removed`)
    return removed
  })
  const results = plan.teams.map((t, i) => {
    const s = settled[i]
    return s.status === 'fulfilled'
      ? {
          team: t.team,
          project: t.project,
          status: 'removed' as const,
          removed: {clusters: s.value.clusters, users: s.value.users, entries: s.value.entries},
        }
      : {
          team: t.team,
          project: t.project,
          status: 'failed' as const,
          error: s.reason instanceof AtlasCtlError ? s.reason.message : String(s.reason),
        }
  })
  return {...plan, executed: true, results, failed: results.filter((r) => r.status === 'failed').length}
}
