import type {AtlasClient} from '../../atlas/client.js'
import {AtlasApiError} from '../../atlas/errors.js'
import {TimeoutError} from '../../lib/errors.js'
import {retrying} from '../../lib/retry.js'
import {deleteEntry, listEntries} from '../access-list.js'
import {
  ATLAS_TAKES,
  deleteCluster,
  listClusters,
  setTerminationProtection,
  updateCluster,
  waitForCluster,
} from '../clusters/clusters.js'
import {planPause} from '../clusters/pause.js'
import {deleteProject} from '../projects.js'
import {deleteDatabaseUser, listUsers} from '../users.js'
import {defaultTimeoutMs} from '../../lib/wait.js'

export interface TeardownOptions {
  /** Default: wait.ts's default for a dedicated cluster's deletion. */
  timeoutMs?: number
  pollMs: number
  deleteProject: boolean
  log: (line: string) => void
}

/**
 * Removes everything in a project, in the order Atlas needs: a protected paused cluster resumed, termination protection off, clusters
 * deleted and waited for, users and access entries, then the project, retried while clusters drain.
 */
export async function teardownProject(
  client: AtlasClient,
  projectId: string,
  o: TeardownOptions,
): Promise<{clusters: number; users: number; entries: number; project: boolean}> {
  const clusters = await listClusters(client, projectId)
  const wait = {timeoutMs: o.timeoutMs, intervalMs: o.pollMs}
  // A paused cluster refuses every change but a resume alone (409 CANNOT_UPDATE_PAUSED_CLUSTER): resumed first.
  const paused = clusters.filter((c) => c.terminationProtection && c.paused)
  for (const c of paused) for (const step of planPause(c, false).steps) await updateCluster(client, c, step.body)
  for (const c of paused) {
    o.log(`Cluster ${c.name}: resuming it, to turn its termination protection off.`)
    await waitForCluster(client, projectId, c.name, {state: 'IDLE', paused: false}, wait)
  }
  for (const c of clusters) if (c.terminationProtection) await setTerminationProtection(client, c, false)
  for (const c of clusters) if (c.state !== 'DELETING') await deleteCluster(client, c)
  for (const c of clusters) await waitForCluster(client, projectId, c.name, {state: 'GONE'}, wait)
  const users = await listUsers(client, projectId)
  for (const u of users) await deleteDatabaseUser(client, projectId, u.databaseName, u.username)
  const entries = await listEntries(client, projectId)
  for (const e of entries) await deleteEntry(client, projectId, e.entry)
  if (!o.deleteProject) return {clusters: clusters.length, users: users.length, entries: entries.length, project: false}
  // Atlas refuses to close a project while its deleted clusters drain: ask again every poll until the deadline.
  const deadline = Date.now() + (o.timeoutMs ?? defaultTimeoutMs(ATLAS_TAKES.dedicatedDelete))
  const draining = (e: unknown) =>
    e instanceof AtlasApiError && e.errorCode === 'CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS'
  try {
    await retrying(() => deleteProject(client, projectId), {
      policy: {maxRetries: Number.POSITIVE_INFINITY, baseDelayMs: o.pollMs, maxDelayMs: o.pollMs},
      retryable: (e, _attempt, waitMs) => draining(e) && Date.now() + waitMs <= deadline,
      onRetry: () => o.log(`Project ${projectId}: clusters still draining; retrying.`),
    })
  } catch (error) {
    if (draining(error)) throw new TimeoutError(`Project ${projectId} still refuses to close (clusters draining).`)
    throw error
  }
  return {clusters: clusters.length, users: users.length, entries: entries.length, project: true}
}
