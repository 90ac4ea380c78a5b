import type {AtlasClient} from '../../atlas/client.js'
import {ConflictError} from '../../lib/errors.js'
import {
  type ClusterSpec,
  type ClusterSummary,
  type ClusterWaitOptions,
  createCluster,
  getCluster,
  sameSpec,
  validateSpec,
  waitForCluster,
} from './clusters.js'
import {createProject, deleteProject, type ProjectSummary} from '../projects.js'

export type ProjectTarget = {existing: ProjectSummary} | {create: {name: string; orgId: string}}

export interface CreateInput {
  project: ProjectTarget
  spec: ClusterSpec
  ifNotExists: boolean
  wait: false | ClusterWaitOptions
  log: (line: string) => void
}

export interface CreateResult {
  cluster: ClusterSummary
  project: ProjectSummary
  created: boolean
  projectCreated: boolean
  waited: boolean
  polls?: number
}

/** Creates (or, with ifNotExists, reuses) a cluster; a project this call created is deleted again if the cluster fails. */
export async function createClusterFlow(client: AtlasClient, input: CreateInput): Promise<CreateResult> {
  const spec = validateSpec(input.spec)
  let project: ProjectSummary
  let projectCreated = false
  if ('existing' in input.project) {
    project = input.project.existing
  } else {
    project = await createProject(client, input.project.create)
    projectCreated = true
    input.log(`Created project ${project.name} (${project.id}).`)
  }

  let cluster: ClusterSummary
  let created = false
  try {
    // Only --if-not-exists reads first: otherwise Atlas's own answer to a taken name is the conflict (exit 6).
    const existing = projectCreated || !input.ifNotExists ? undefined : await getCluster(client, project.id, spec.name)
    if (existing) {
      const cmp = sameSpec(existing, spec)
      if (!cmp.same) {
        throw new ConflictError(`Cluster "${spec.name}" exists with a different spec: ${cmp.differences.join(', ')}.`, {
          code: 'CLUSTER_SPEC_MISMATCH',
          details: {differences: cmp.differences},
        })
      }
      cluster = existing
      input.log(`Cluster ${spec.name} already exists with this spec (${existing.state}).`)
    } else {
      cluster = await createCluster(client, project.id, spec)
      created = true
    }
  } catch (error) {
    if (projectCreated) {
      try {
        await deleteProject(client, project.id)
        input.log(`Rolled back: deleted project ${project.name}, which this command had created.`)
      } catch (rollbackError) {
        input.log(
          `Rollback failed: project ${project.name} (${project.id}) is left behind: ${(rollbackError as Error).message}`,
        )
      }
    }
    throw error
  }

  if (!input.wait || cluster.state === 'IDLE') return {cluster, project, created, projectCreated, waited: false}
  const waited = await waitForCluster(client, project.id, spec.name, {state: 'IDLE'}, input.wait)
  return {cluster: waited.state!, project, created, projectCreated, waited: true, polls: waited.polls}
}
