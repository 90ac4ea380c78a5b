import type {AtlasClient} from '../../atlas/client.js'
import {listEntries} from '../access-list.js'
import {listClusters} from '../clusters/clusters.js'
import {pool} from '../../lib/pool.js'
import {listProjects, type ProjectSummary} from '../projects.js'
import {listUsers} from '../users.js'
import {parseEndsAtTag} from './event-file.js'
import type {LedgerData} from './ledger.js'

export interface TeamStatus {
  team: string
  project: string
  projectId: string
  orgId: string
  created: string
  endsAt?: string
  clusters: Array<{name: string; state: string; tier: string; terminationProtection: boolean}>
  users: number
  accessEntries: number
}

/** A project's tag value; event projects are found and checked by their tags. */
export const tagOf = (p: {tags?: Array<{key: string; value: string}>}, key: string) =>
  p.tags?.find((t) => t.key === key)?.value

/**
 * The event's projects, found by their `event` tag, so any machine can see them. With the ledger, also a team's
 * project whose tags were removed (a team's key is Project Owner, so it may): the ledger records its id as ours. One
 * the ledger names but has no id for, or that another event's tag claims, is not proven ours: `unproven`.
 */
async function eventProjects(
  client: AtlasClient,
  eventId: string,
  ledger?: LedgerData,
): Promise<{found: Array<{team: string; p: ProjectSummary}>; unproven: UnreadableTeam[]}> {
  const all = await listProjects(client)
  const found = all.filter((p) => tagOf(p, 'event') === eventId).map((p) => ({team: tagOf(p, 'team') ?? '?', p}))
  const unproven: UnreadableTeam[] = []
  for (const [team, e] of Object.entries(ledger?.teams ?? {})) {
    if (found.some((x) => x.team === team || x.p.id === e.projectId)) continue
    const p = e.projectId ? all.find((x) => x.id === e.projectId) : all.find((x) => x.name === e.projectName)
    if (!p) continue
    const other = tagOf(p, 'event')
    if (e.projectId && (other === undefined || other === eventId)) found.push({team, p})
    else
      unproven.push({
        team,
        project: p.name,
        projectId: p.id,
        error: other
          ? `tagged as event ${other}'s, not this one's: left as it is`
          : "not tagged as this event's, and the ledger has no project id to prove it ours: left as it is",
      })
  }
  return {found, unproven}
}

/** A team whose project was found but could not be read: never silently dropped. */
export interface UnreadableTeam {
  team: string
  project: string
  projectId: string
  error: string
}

/** Every team's project, clusters, users and access entries, read from Atlas (not from the local ledger). */
export async function eventStatus(
  client: AtlasClient,
  eventId: string,
  team?: string,
  ledger?: LedgerData,
): Promise<{teams: TeamStatus[]; unreadable: UnreadableTeam[]}> {
  const {found, unproven} = await eventProjects(client, eventId, ledger)
  const projects = found.filter((x) => !team || x.team === team)
  const settled = await pool(projects, 4, async ({team, p}) => {
    const [clusters, users, entries] = await Promise.all([
      listClusters(client, p.id),
      listUsers(client, p.id),
      listEntries(client, p.id),
    ])
    const ends = tagOf(p, 'event-ends')
    return {
      team,
      project: p.name,
      projectId: p.id,
      orgId: p.orgId,
      created: p.created,
      endsAt: ends ? parseEndsAtTag(ends).toISOString() : undefined,
      clusters: clusters.map((c) => ({
        name: c.name,
        state: c.state,
        tier: c.tier,
        terminationProtection: c.terminationProtection,
      })),
      users: users.length,
      accessEntries: entries.length,
    }
  })
  const teams: TeamStatus[] = []
  const unreadable = unproven.filter((u) => !team || u.team === team)
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') teams.push(s.value)
    else
      unreadable.push({
        team: projects[i].team,
        project: projects[i].p.name,
        projectId: projects[i].p.id,
        error: (s.reason as Error)?.message ?? String(s.reason),
      })
  })
  const byTeam = (a: {team: string}, b: {team: string}) => a.team.localeCompare(b.team)
  return {teams: teams.sort(byTeam), unreadable: unreadable.sort(byTeam)}
}
