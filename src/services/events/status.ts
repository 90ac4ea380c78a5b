import type {AtlasClient} from '../../atlas/client.js'
import {listEntries} from '../access-list.js'
import {listClusters} from '../clusters/clusters.js'
import {pool} from '../../lib/pool.js'
import {listProjects, type ProjectSummary} from '../projects.js'
import {listUsers} from '../users.js'
import {parseEndsAtTag} from './event-file.js'

export interface TeamStatus {
  team: string
  project: string
  projectId: string
  created: string
  endsAt?: string
  clusters: Array<{name: string; state: string; tier: string; terminationProtection: boolean}>
  users: number
  accessEntries: number
}

/** A project's tag value; event projects are found and checked by their tags. */
export const tagOf = (p: {tags?: Array<{key: string; value: string}>}, key: string) =>
  p.tags?.find((t) => t.key === key)?.value

/** The event's projects, found by their `event` tag, so any machine can see them. */
async function eventProjects(client: AtlasClient, eventId: string): Promise<ProjectSummary[]> {
  return (await listProjects(client)).filter((p) => tagOf(p, 'event') === eventId)
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
): Promise<{teams: TeamStatus[]; unreadable: UnreadableTeam[]}> {
  const projects = (await eventProjects(client, eventId)).filter((p) => !team || tagOf(p, 'team') === team)
  const settled = await pool(projects, 4, async (p) => {
    const [clusters, users, entries] = await Promise.all([
      listClusters(client, p.id),
      listUsers(client, p.id),
      listEntries(client, p.id),
    ])
    const ends = tagOf(p, 'event-ends')
    return {
      team: tagOf(p, 'team') ?? '?',
      project: p.name,
      projectId: p.id,
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
  const unreadable: UnreadableTeam[] = []
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') teams.push(s.value)
    else
      unreadable.push({
        team: tagOf(projects[i], 'team') ?? '?',
        project: projects[i].name,
        projectId: projects[i].id,
        error: (s.reason as Error)?.message ?? String(s.reason),
      })
  })
  const byTeam = (a: {team: string}, b: {team: string}) => a.team.localeCompare(b.team)
  return {teams: teams.sort(byTeam), unreadable: unreadable.sort(byTeam)}
}
