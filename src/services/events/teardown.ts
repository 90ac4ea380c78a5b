import {setTimeout as sleep} from 'node:timers/promises'
import type {AtlasClient} from '../../atlas/client.js'
import {AtlasApiError} from '../../atlas/errors.js'
import {TimeoutError} from '../../lib/errors.js'
import {listEntries} from '../access-list.js'
import {ATLAS_TAKES, type ClusterSummary, deleteCluster, listClusters, waitForCluster} from '../clusters.js'
import {listUsers} from '../users.js'
import {defaultTimeoutMs} from '../wait.js'

export interface TeardownOptions {
  /** Default: wait.ts's default for a dedicated cluster's deletion. */
  timeoutMs?: number
  pollMs: number
  deleteProject: boolean
  log: (line: string) => void
}

async function protectionOff(client: AtlasClient, c: ClusterSummary): Promise<void> {
  if (!c.terminationProtection || c.kind === 'FLEX') return
  await client.ok(client.api.PATCH('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {params: {path: {groupId: c.projectId, clusterName: c.name}}, body: {terminationProtectionEnabled: false}}))
}

/**
 * Removes everything in a project, in the order Atlas needs: termination protection off, clusters
 * deleted and waited for, users and access entries, then the project, retried while clusters drain.
 */
export async function teardownProject(client: AtlasClient, projectId: string, o: TeardownOptions): Promise<{clusters: number; users: number; entries: number; project: boolean}> {
  const clusters = await listClusters(client, projectId)
  for (const c of clusters) await protectionOff(client, c)
  for (const c of clusters) {
    if (c.state !== 'DELETING') {
      try {
        await deleteCluster(client, c)
      } catch (error) {
        if (!(error instanceof AtlasApiError && (error.status === 404 || error.errorCode === 'CLUSTER_ALREADY_REQUESTED_DELETION'))) throw error
      }
    }
  }
  for (const c of clusters) await waitForCluster(client, projectId, c.name, {state: 'GONE'}, {timeoutMs: o.timeoutMs, intervalMs: o.pollMs})
  const users = await listUsers(client, projectId)
  for (const u of users) {
    await client.ok(client.api.DELETE('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {params: {path: {groupId: projectId, databaseName: u.databaseName, username: u.username}}})).catch(ignore404)
  }
  const entries = await listEntries(client, projectId)
  for (const e of entries) {
    await client.ok(client.api.DELETE('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}', {params: {path: {groupId: projectId, entryValue: e.entry}}})).catch(ignore404)
  }
  if (!o.deleteProject) return {clusters: clusters.length, users: users.length, entries: entries.length, project: false}
  const deadline = Date.now() + (o.timeoutMs ?? defaultTimeoutMs(ATLAS_TAKES.dedicatedDelete))
  for (;;) {
    try {
      await client.ok(client.api.DELETE('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId: projectId}}}))
      break
    } catch (error) {
      if (error instanceof AtlasApiError && error.status === 404) break
      if (!(error instanceof AtlasApiError && error.errorCode === 'CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS') || Date.now() > deadline) {
        if (Date.now() > deadline) throw new TimeoutError(`Project ${projectId} still refuses to close (clusters draining).`)
        throw error
      }
      o.log(`Project ${projectId}: clusters still draining; retrying.`)
      await sleep(o.pollMs)
    }
  }
  return {clusters: clusters.length, users: users.length, entries: entries.length, project: true}
}

function ignore404(error: unknown): void {
  if (!(error instanceof AtlasApiError && error.status === 404)) throw error
}
