import type {AtlasClient} from '../../atlas/client.js'
import {UsageError} from '../../lib/errors.js'
import type {ClusterSummary} from './clusters.js'
import {type ChangeInput, changeCluster, type ClusterPlan} from './scale.js'

/** Atlas pauses dedicated clusters only; M0 and flex clusters are refused before anything is sent. */
export function cannotPause(
  cluster: Pick<ClusterSummary, 'name' | 'tier' | 'kind'>,
  context: {why: string; details: Record<string, unknown>} = {why: '', details: {}},
): UsageError | undefined {
  if (cluster.kind === 'dedicated') return undefined
  return new UsageError(
    `Cannot pause cluster ${cluster.name}${context.why}: it is ${cluster.tier === 'M0' ? 'an M0' : 'a FLEX'} cluster, and Atlas pauses dedicated clusters only (M10 and up). Nothing was changed.`,
    {code: 'CANNOT_PAUSE', details: {cluster: cluster.name, tier: cluster.tier, ...context.details}},
  )
}

/** Pause or resume as a plan: nothing when the cluster is already so, else one PATCH of `paused` alone. */
export function planPause(cluster: ClusterSummary, paused: boolean): ClusterPlan {
  const refused = paused ? cannotPause(cluster) : undefined
  if (refused) throw refused
  const plan = {from: cluster.tier, to: cluster.tier, paused}
  if (cluster.paused === paused) return {...plan, steps: []}
  return {
    ...plan,
    steps: [
      {
        kind: paused ? 'pause' : 'resume',
        from: cluster.tier,
        to: cluster.tier,
        operation: 'updateGroupCluster',
        body: {paused},
      },
    ],
  }
}

export interface PauseResult {
  cluster: string
  project: string
  tier: string
  /** Whether the cluster is paused now (or, without waiting, once Atlas has carried out the request). */
  paused: boolean
  action: 'pause' | 'resume' | 'noop'
  changed: boolean
  state: string
  waited: boolean
}

/** Pauses or resumes a cluster: idempotent, locked, and waited for like a scale. */
export async function pauseCluster(
  client: AtlasClient,
  input: Omit<ChangeInput, 'dryRun'> & {paused: boolean},
): Promise<PauseResult> {
  const r = await changeCluster(client, {...input, dryRun: false}, (cluster) => planPause(cluster, input.paused))
  return {
    cluster: r.cluster,
    project: r.project,
    tier: r.to,
    paused: r.paused,
    action: r.action === 'pause' || r.action === 'resume' ? r.action : 'noop',
    changed: r.changed,
    state: r.state,
    waited: r.waited,
  }
}
