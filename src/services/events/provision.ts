import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import type {AtlasClient, Group} from '../../atlas/client.js'
import {AtlasApiError} from '../../atlas/errors.js'
import {NetworkError} from '../../atlas/transport.js'
import {AtlasCtlError, ConflictError, TimeoutError} from '../../lib/errors.js'
import {generatePassword, withCredentials} from '../../lib/password.js'
import {redactor} from '../../lib/secrets.js'
import {writeSecretFile} from '../../lib/secret-file.js'
import {addEntries, parseEntry} from '../access-list.js'
import {type ClusterSummary, createCluster, getCluster, waitForCluster} from '../clusters.js'
import {summarizeProject, type ProjectSummary} from '../projects.js'
import {type AdaptiveLimit, pool} from '../pool.js'
import {clusterNameFor, endsAtTag, type EventFile, projectNameFor, type Team, userNameFor} from './event-file.js'
import type {Ledger, TeamEntry} from './ledger.js'
import {teardownProject} from './teardown.js'

export interface ProvisionInput {
  event: EventFile
  outDir: string
  ledger: Ledger
  limit: AdaptiveLimit
  orgId: string
  waitTimeoutMs: number
  pollMs: number
  onProgress: (p: {done: number; failed: number; total: number; message: string}) => void
}

export interface TeamReport {
  team: string
  project: string
  cluster: string
  username: string
  status: 'done' | 'failed' | 'rolled-back'
  reused: boolean
  bundle?: string
  error?: string
}

export interface ProvisionReport {
  event: string
  teams: TeamReport[]
  done: number
  failed: number
  rateLimited: number
  maxConcurrency: number
}

interface Bundle {
  event: string
  team: string
  project: string
  cluster: string
  username: string
  password: string
  connectionString?: string
}

const transient = (e: unknown) =>
  e instanceof NetworkError || e instanceof TimeoutError || (e instanceof AtlasApiError && (e.status >= 500 || e.status === 429))

/** Retries a find-or-create step after transient failures; each retry looks again before it creates. */
async function step<T>(what: string, fn: () => Promise<T>, tries = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (error) {
      if (!transient(error) || i >= tries) throw error
      await sleep(Math.min(2000, 100 * 2 ** i))
    }
  }
}

async function findProject(client: AtlasClient, name: string): Promise<Group | undefined> {
  try {
    return await client.ok(client.api.GET('/api/atlas/v2/groups/byName/{groupName}', {params: {path: {groupName: name}}}), 'getGroupByName')
  } catch (error) {
    if (error instanceof AtlasApiError && error.status === 404) return undefined
    throw error
  }
}

const tagOf = (g: {tags?: Array<{key: string; value: string}>}, key: string) => g.tags?.find((t) => t.key === key)?.value

function readBundle(file: string): Bundle | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle
  } catch {
    return undefined
  }
}

/** One team as a small transaction: project → cluster → user → access, each step find-or-create. */
async function provisionTeam(client: AtlasClient, input: ProvisionInput, team: Team): Promise<{entry: TeamEntry; project: ProjectSummary; reused: boolean}> {
  const {event, ledger} = input
  const entry = ledger.team(team.id, {projectName: projectNameFor(event.id, team.id), clusterName: clusterNameFor(team.id), username: userNameFor(team.id)})
  const tags = [{key: 'event', value: event.id}, {key: 'team', value: team.id}]
  let reused = true

  const group = await step('project', async () => {
    const found = await findProject(client, entry.projectName)
    if (found) {
      if (tagOf(found, 'event') !== event.id || tagOf(found, 'team') !== team.id) {
        throw new ConflictError(`Project ${entry.projectName} exists but is not tagged event=${event.id}, team=${team.id}; it was left alone.`, {code: 'PROJECT_NOT_OURS'})
      }
      return found
    }
    reused = false
    try {
      const g = await client.ok(client.api.POST('/api/atlas/v2/groups', {body: {name: entry.projectName, orgId: input.orgId, tags: [...tags, {key: 'event-ends', value: endsAtTag(event.endsAt)}]} as Group}), 'createGroup')
      ledger.update(team.id, {projectId: g.id, created: {project: true}})
      return g
    } catch (error) {
      if (error instanceof AtlasApiError && error.errorCode === 'GROUP_ALREADY_EXISTS') return (await findProject(client, entry.projectName))!
      throw error
    }
  })
  const project = summarizeProject(group)
  if (entry.projectId !== project.id) ledger.update(team.id, {projectId: project.id})

  await step('cluster', async () => {
    if (await getCluster(client, project.id, entry.clusterName)) return
    reused = false
    try {
      await createCluster(client, project.id, {name: entry.clusterName, provider: event.defaults.provider, region: event.defaults.region, tier: event.defaults.tier, tags})
      ledger.update(team.id, {created: {cluster: true}})
    } catch (error) {
      if (!(error instanceof AtlasApiError && error.errorCode === 'DUPLICATE_CLUSTER_NAME')) throw error
    }
  })

  // The password goes to the bundle before the user exists, so a crash can never lose it.
  const bundleFile = path.join(input.outDir, `${team.id}.json`)
  const bundle: Bundle = readBundle(bundleFile) ?? {event: event.id, team: team.id, project: project.name, cluster: entry.clusterName, username: entry.username, password: generatePassword()}
  redactor.add(bundle.password)
  writeSecretFile(bundleFile, `${JSON.stringify(bundle, null, 2)}\n`)
  ledger.update(team.id, {bundle: bundleFile})
  await step('user', async () => {
    const path_ = {groupId: project.id, databaseName: 'admin', username: entry.username}
    const body = {databaseName: 'admin', groupId: project.id, username: entry.username, password: bundle.password, roles: [{roleName: 'readWriteAnyDatabase', databaseName: 'admin'}], scopes: [{name: entry.clusterName, type: 'CLUSTER'}]}
    const exists = await client.ok(client.api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {params: {path: path_}}), 'getDatabaseUser').then(() => true, (e: unknown) => {
      if (e instanceof AtlasApiError && e.status === 404) return false
      throw e
    })
    if (exists) {
      // Make sure the password is the bundle's: an earlier attempt may have died before or after its write.
      if (!entry.created.user) await client.ok(client.api.PATCH('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {params: {path: path_}, body: body as never}), 'updateDatabaseUser')
      return
    }
    reused = false
    try {
      await client.ok(client.api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path: {groupId: project.id}}, body: body as never}), 'createDatabaseUser')
    } catch (error) {
      if (!(error instanceof AtlasApiError && error.errorCode === 'USER_ALREADY_EXISTS')) throw error
      await client.ok(client.api.PATCH('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {params: {path: path_}, body: body as never}), 'updateDatabaseUser')
    }
    ledger.update(team.id, {created: {user: true}})
  })

  const entries = [...(event.defaults.openNetworkAccess ? ['0.0.0.0/0'] : []), ...event.defaults.accessList].map(parseEntry)
  if (entries.length > 0) await step('access list', () => addEntries(client, {project, entries, comment: `event ${event.id}`, maxEntries: event.defaults.maxAccessEntries}))
  return {entry, project, reused}
}

async function rollback(client: AtlasClient, input: ProvisionInput, team: Team, entry: TeamEntry): Promise<void> {
  if (!entry.projectId) return
  if (entry.created.project) {
    await teardownProject(client, entry.projectId, {timeoutMs: input.waitTimeoutMs, pollMs: input.pollMs, deleteProject: true, log: () => {}})
  } else {
    if (entry.created.user) await client.ok(client.api.DELETE('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {params: {path: {groupId: entry.projectId, databaseName: 'admin', username: entry.username}}}), 'deleteDatabaseUser').catch(() => {})
    if (entry.created.cluster) await client.ok(client.api.DELETE('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {params: {path: {groupId: entry.projectId, clusterName: entry.clusterName}}}), 'deleteCluster').catch(() => {})
  }
  if (entry.bundle) fs.rmSync(entry.bundle, {force: true})
  input.ledger.update(team.id, {status: 'rolled-back', created: {project: false, cluster: false, user: false}, projectId: undefined, bundle: undefined})
}

/**
 * Provisions every team: a bounded, rate-limit-adaptive pool runs the teams' transactions; then the
 * clusters are awaited together and each bundle gets its connection string. A failed team is rolled
 * back alone; the others go on.
 */
export async function provisionEvent(client: AtlasClient, input: ProvisionInput): Promise<ProvisionReport> {
  const {event, ledger} = input
  const total = event.teams.length
  let done = 0
  let failed = 0
  let maxConcurrency = input.limit.current
  const reports = new Map<string, TeamReport>()
  const report = (team: Team, r: Partial<TeamReport>) => {
    const entry = ledger.data.teams[team.id]
    reports.set(team.id, {team: team.id, project: entry?.projectName ?? projectNameFor(event.id, team.id), cluster: entry?.clusterName ?? clusterNameFor(team.id), username: entry?.username ?? userNameFor(team.id), status: 'done', reused: false, ...reports.get(team.id), ...r})
  }
  const fail = async (team: Team, error: unknown) => {
    failed++
    const message = error instanceof AtlasCtlError ? error.message : String((error as Error)?.message ?? error)
    ledger.update(team.id, {status: 'failed', error: message})
    input.onProgress({done, failed, total, message: `${team.id}: failed (${message}); rolling back this team`})
    try {
      await rollback(client, input, team, ledger.data.teams[team.id])
      report(team, {status: 'rolled-back', error: message})
    } catch (rollbackError) {
      report(team, {status: 'failed', error: `${message}; rollback failed: ${(rollbackError as Error).message}`})
    }
  }

  const created: Array<{team: Team; project: ProjectSummary}> = []
  await pool(event.teams, () => input.limit.current, async (team) => {
    maxConcurrency = Math.max(maxConcurrency, input.limit.current)
    try {
      const r = await provisionTeam(client, input, team)
      input.limit.succeeded()
      created.push({team, project: r.project})
      report(team, {reused: r.reused})
      input.onProgress({done, failed, total, message: `${team.id}: resources ${r.reused ? 'already there' : 'created'}`})
    } catch (error) {
      await fail(team, error)
    }
  })

  // All clusters were requested; wait for them together, then finish each bundle.
  await pool(created, 8, async ({team, project}) => {
    const entry = ledger.data.teams[team.id]
    try {
      let cluster: ClusterSummary | undefined = await step('cluster state', () => getCluster(client, project.id, entry.clusterName))
      if (cluster?.state !== 'IDLE' || !cluster.connectionString) {
        cluster = (await step('wait', () => waitForCluster(client, project.id, entry.clusterName, {state: 'IDLE'}, {timeoutMs: input.waitTimeoutMs, intervalMs: input.pollMs}))).state
      }
      const bundle = readBundle(entry.bundle!)!
      bundle.connectionString = cluster?.connectionString ? withCredentials(cluster.connectionString, bundle.username, bundle.password) : undefined
      writeSecretFile(entry.bundle!, `${JSON.stringify(bundle, null, 2)}\n`)
      ledger.update(team.id, {status: 'done', error: undefined})
      done++
      report(team, {status: 'done', bundle: entry.bundle})
      input.onProgress({done, failed, total, message: `${team.id}: ready`})
    } catch (error) {
      await fail(team, error)
    }
  })

  const teams = event.teams.map((t) => reports.get(t.id)!).filter(Boolean)
  return {event: event.id, teams, done, failed, rateLimited: client.stats.rateLimited, maxConcurrency}
}
