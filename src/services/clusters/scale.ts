import type {AtlasClient, Cluster, ClusterBody, FlexUpgradeBody, ProviderSettingsBody} from '../../atlas/client.js'
import {FLEX_IN_CLUSTER_API} from '../../atlas/errors.js'
import {dedicatedSettings, INSTANCE_SIZES, type Provider} from '../../atlas/catalog.js'
import {ConflictError, UsageError} from '../../lib/errors.js'
import {priceOf} from '../../lib/prices.js'
import {
  type ClusterSummary,
  type ClusterTarget,
  type ClusterWaitOptions,
  resolveCluster,
  summarizeCluster,
  updateCluster,
  waitForCluster,
} from './clusters.js'
import {withLock} from '../../lib/lock.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

export type ScalePlan =
  | {kind: 'noop'; from: string; to: string}
  | {
      kind: 'patch'
      from: string
      to: string
      operation: 'updateGroupCluster'
      body: Pick<ClusterBody, 'replicationSpecs'>
      autoscalingChanged: boolean
    }
  | {
      kind: 'tenantUpgrade'
      from: string
      to: string
      operation: 'upgradeGroupClusterTenantUpgrade'
      body: {name: string; providerSettings: ProviderSettingsBody}
    }
  | {kind: 'flexUpgrade'; from: string; to: string; operation: 'tenantGroupFlexClusterUpgrade'; body: FlexUpgradeBody}

export interface ScaleOptions {
  /** Widen compute auto-scaling bounds to include the new tier instead of refusing. */
  adjustAutoscaling: boolean
}

const dedicated = (t: string) => t !== 'M0' && t !== 'FLEX'

/** The transition table: pure, so every case is unit-tested. */
export function planScale(cluster: ClusterSummary, raw: Json | undefined, to: string, o: ScaleOptions): ScalePlan {
  const from = cluster.tier
  if (from === to) return {kind: 'noop', from, to}
  const provider = cluster.provider as Provider
  if (dedicated(to) && !INSTANCE_SIZES[provider]?.includes(to)) {
    throw new UsageError(
      `Invalid --tier "${to}" for ${provider}: use one of ${(INSTANCE_SIZES[provider] ?? []).slice(0, 10).join(', ')}, ….`,
      {details: {flag: 'tier', value: to}},
    )
  }
  if (dedicated(from) && !dedicated(to)) {
    throw new UsageError(
      `Cannot scale ${cluster.name} from ${from} down to ${to}: Atlas cannot move a dedicated cluster to a shared tier. Migrate the data to a new ${to} cluster instead.`,
      {code: 'IMPOSSIBLE_TRANSITION', details: {from, to}},
    )
  }
  if (from === 'FLEX' && to === 'M0')
    throw new UsageError(`Cannot scale ${cluster.name} from FLEX down to M0.`, {
      code: 'IMPOSSIBLE_TRANSITION',
      details: {from, to},
    })
  // Only a change that is possible is refused for the pause: bad input stays exit 2, whatever the state.
  if (cluster.paused)
    throw new ConflictError(`Cluster ${cluster.name} is paused; resume it before scaling. Nothing was changed.`, {
      code: 'CLUSTER_PAUSED',
      hint: `"atlasctl cluster resume ${cluster.name}" resumes it.`,
    })
  if (from === 'M0') {
    const providerSettings: ProviderSettingsBody | undefined =
      to === 'FLEX'
        ? {providerName: 'FLEX', backingProviderName: provider, instanceSizeName: 'FLEX', regionName: cluster.region}
        : dedicatedSettings(provider, to, cluster.region)
    if (!providerSettings) {
      throw new UsageError(
        `Cannot upgrade ${cluster.name} to ${to} in ${provider} ${cluster.region}: the Atlas API lists no such tier in that region for an upgrade from M0.`,
        {code: 'IMPOSSIBLE_TRANSITION', details: {from, to, region: cluster.region}},
      )
    }
    return {
      kind: 'tenantUpgrade',
      from,
      to,
      operation: 'upgradeGroupClusterTenantUpgrade',
      body: {name: cluster.name, providerSettings},
    }
  }
  if (from === 'FLEX') {
    return {
      kind: 'flexUpgrade',
      from,
      to,
      operation: 'tenantGroupFlexClusterUpgrade',
      body: {
        name: cluster.name,
        clusterType: 'REPLICASET',
        replicationSpecs: [
          {
            regionConfigs: [
              {
                providerName: provider,
                regionName: cluster.region,
                priority: 7,
                electableSpecs: {instanceSize: to, nodeCount: 3},
              },
            ],
          },
        ],
      },
    }
  }
  // Dedicated ↔ dedicated: every region config's instanceSize, auto-scaling bounds respected.
  let autoscalingChanged = false
  const replicationSpecs = (raw?.replicationSpecs ?? []).map((rs: Json) => ({
    ...(rs.id ? {id: rs.id} : {}),
    ...(rs.zoneName ? {zoneName: rs.zoneName} : {}),
    regionConfigs: rs.regionConfigs.map((rc: Json) => {
      const {effectiveElectableSpecs: _e, effectiveReadOnlySpecs: _r, effectiveAnalyticsSpecs: _a, ...rest} = rc
      const next: Json = {...rest, electableSpecs: {...rc.electableSpecs, instanceSize: to}}
      // Atlas requires one instance size across a region config's specs, unused ones (node count 0) included.
      if (rc.readOnlySpecs) next.readOnlySpecs = {...rc.readOnlySpecs, instanceSize: to}
      if (rc.analyticsSpecs) next.analyticsSpecs = {...rc.analyticsSpecs, instanceSize: to}
      const compute = rc.autoScaling?.compute
      if (compute?.enabled && (compute.minInstanceSize || compute.maxInstanceSize)) {
        const sizes = INSTANCE_SIZES[provider]
        const idx = (t?: string) => (t ? sizes.indexOf(t) : -1)
        const below = compute.minInstanceSize && idx(to) < idx(compute.minInstanceSize)
        const above = compute.maxInstanceSize && idx(to) > idx(compute.maxInstanceSize)
        if (below || above) {
          if (!o.adjustAutoscaling) {
            throw new UsageError(
              `${to} is outside ${cluster.name}'s compute auto-scaling bounds (${compute.minInstanceSize ?? '…'} to ${compute.maxInstanceSize ?? '…'}); nothing was changed.`,
              {
                code: 'AUTOSCALING_BOUNDS',
                hint: 'Pass --adjust-autoscaling to move the bounds to include the new tier.',
                details: {flag: 'adjust-autoscaling'},
              },
            )
          }
          next.autoScaling = {
            ...rc.autoScaling,
            compute: {...compute, ...(below ? {minInstanceSize: to} : {}), ...(above ? {maxInstanceSize: to} : {})},
          }
          autoscalingChanged = true
        }
      }
      return next
    }),
  }))
  return {kind: 'patch', from, to, operation: 'updateGroupCluster', body: {replicationSpecs}, autoscalingChanged}
}

export function costDelta(
  from: string,
  to: string,
): {fromMonthlyUsd?: number; toMonthlyUsd?: number; deltaMonthlyUsd?: number} {
  const a = priceOf(from).monthly
  const b = priceOf(to).monthly
  return {
    fromMonthlyUsd: a,
    toMonthlyUsd: b,
    deltaMonthlyUsd: a !== undefined && b !== undefined ? Math.round((b - a) * 100) / 100 : undefined,
  }
}

/** One write of a cluster change: a scale (ScalePlan's writes), or a pause or resume (a PATCH of `paused` alone). */
type ClusterStep =
  | Exclude<ScalePlan, {kind: 'noop'}>
  | {kind: 'pause' | 'resume'; from: string; to: string; operation: 'updateGroupCluster'; body: {paused: boolean}}

/** What a run should do to a cluster: its writes in order (none: nothing to do), and the tier and pause they leave. */
export interface ClusterPlan {
  from: string
  to: string
  paused: boolean
  steps: ClusterStep[]
}

/** Plans from the cluster as read now; pure, and run again after every wait. */
export type Planner = (cluster: ClusterSummary, raw: Cluster | undefined) => ClusterPlan

export function scaleStepsOf(plan: ScalePlan, paused: boolean): ClusterPlan {
  return {from: plan.from, to: plan.to, paused, steps: plan.kind === 'noop' ? [] : [plan]}
}

/** Where the cluster has got to when a step is done. */
function targetOf(step: ClusterStep): ClusterTarget {
  if (step.kind === 'pause' || step.kind === 'resume') return {state: 'IDLE', paused: step.kind === 'pause'}
  return {state: 'IDLE', tier: step.to}
}

function describeStep(step: ClusterStep): string {
  return step.kind === 'pause' || step.kind === 'resume' ? step.kind : `${step.from} → ${step.to}`
}

export interface ChangeInput {
  project: {id: string; name: string}
  cluster: string
  dryRun: boolean
  waitIdle: false | ClusterWaitOptions
  wait: false | ClusterWaitOptions
  lockDir: string
  log: (line: string) => void
}

export interface ScaleInput extends ChangeInput {
  tier: string
  options: ScaleOptions
}

export interface ScaleResult {
  cluster: string
  project: string
  /** The tier before the run, and the tier the plan leads to. */
  from: string
  to: string
  /** Whether the cluster is paused once the plan is carried out. */
  paused: boolean
  /** The first write, or noop. */
  action: ClusterStep['kind'] | 'noop'
  changed: boolean
  dryRun: boolean
  state: string
  /** The first write's request. */
  request?: {operation: string; body: Json}
  /** Every write this run made, in order (on a dry run: those it would make). */
  steps: Array<{action: ClusterStep['kind']; operation: string; body: Json}>
  /** Without waiting, the writes left for the next run once the cluster is IDLE, e.g. "M10 → M50". */
  pending?: string[]
  cost: ReturnType<typeof costDelta>
  autoscalingChanged?: boolean
  waited: boolean
}

async function rawCluster(client: AtlasClient, projectId: string, name: string): Promise<Cluster | undefined> {
  return client.found(
    client.api.GET('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
      params: {path: {groupId: projectId, clusterName: name}},
    }),
    [FLEX_IN_CLUSTER_API],
  )
}

async function write(client: AtlasClient, cluster: ClusterSummary, step: ClusterStep): Promise<void> {
  const path = {groupId: cluster.projectId}
  if (step.kind === 'tenantUpgrade')
    await client.ok(
      client.api.POST('/api/atlas/v2/groups/{groupId}/clusters/tenantUpgrade', {params: {path}, body: step.body}),
    )
  else if (step.kind === 'flexUpgrade')
    await client.ok(
      client.api.POST('/api/atlas/v2/groups/{groupId}/flexClusters:tenantUpgrade', {params: {path}, body: step.body}),
    )
  else await updateCluster(client, cluster, step.body)
}

/** A plan has at most two writes (resume, then scale); more rounds than this means Atlas is not taking them. */
const MAX_ROUNDS = 4

/**
 * The cron-safe change of a cluster, for scale, pause, resume and schedules: idempotent (an empty plan writes
 * nothing), pre-flight checked, locked against a second run on this host, planned again after every wait.
 */
export async function changeCluster(client: AtlasClient, input: ChangeInput, planner: Planner): Promise<ScaleResult> {
  const {project} = input
  const read = async () => {
    const raw = await rawCluster(client, project.id, input.cluster)
    return {raw, summary: raw ? summarizeCluster(raw) : await resolveCluster(client, project, input.cluster)}
  }
  let {raw, summary} = await read()
  const first = planner(summary, raw)
  const done: ClusterStep[] = []
  const result = (
    plan: ClusterPlan,
    state: string,
    waited: boolean,
    steps = done,
    pending?: string[],
  ): ScaleResult => ({
    cluster: summary.name,
    project: project.name,
    from: first.from,
    to: plan.to,
    paused: plan.paused,
    action: steps[0]?.kind ?? 'noop',
    changed: !input.dryRun && steps.length > 0,
    dryRun: input.dryRun,
    state,
    waited,
    request: steps[0] && {operation: steps[0].operation, body: steps[0].body},
    steps: steps.map((s) => ({action: s.kind, operation: s.operation, body: s.body})),
    pending,
    cost: costDelta(first.from, plan.to),
    autoscalingChanged: steps.some((s) => s.kind === 'patch')
      ? steps.some((s) => s.kind === 'patch' && s.autoscalingChanged)
      : undefined,
  })
  if (first.steps.length === 0 || input.dryRun) return result(first, summary.state, false, first.steps)

  return withLock(input.lockDir, `scale-${project.id}-${summary.name}`, async () => {
    let waited = false
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // Read again under the lock and after every wait: another run, or a person, may have changed it meanwhile.
      ;({raw, summary} = await read())
      const plan = planner(summary, raw)
      if (plan.steps.length === 0) return result(plan, summary.state, waited)
      if (summary.state !== 'IDLE') {
        if (!input.waitIdle) {
          throw new ConflictError(`Cluster ${summary.name} is ${summary.state}, not IDLE; nothing was changed.`, {
            code: 'CLUSTER_BUSY',
            hint: 'Pass --wait-idle to wait until it is IDLE, or run again later.',
          })
        }
        input.log(`Cluster ${summary.name} is ${summary.state}; waiting until it is IDLE.`)
        await waitForCluster(client, project.id, summary.name, {state: 'IDLE'}, input.waitIdle)
        continue
      }
      const [step, ...rest] = plan.steps
      await write(client, summary, step)
      done.push(step)
      input.log(`Requested ${summary.name}: ${describeStep(step)}.`)
      if (!input.wait) {
        const pending = rest.length > 0 ? rest.map(describeStep) : undefined
        if (pending) input.log(`Then ${pending.join(', ')}: the next run does it once ${summary.name} is IDLE.`)
        return result(plan, 'UPDATING', false, done, pending)
      }
      const reached = await waitForCluster(client, project.id, summary.name, targetOf(step), input.wait)
      waited = true
      if (rest.length === 0) return result(plan, reached.state!.state, true)
    }
    throw new ConflictError(`Cluster ${summary.name} did not reach the planned state after ${done.length} changes.`, {
      code: 'CLUSTER_BUSY',
      hint: 'Run again later; "atlasctl cluster describe" shows where it is.',
    })
  })
}

/** Cron-safe scaling: idempotent, pre-flight checked, locked against a second run on this host. */
export async function scaleCluster(client: AtlasClient, input: ScaleInput): Promise<ScaleResult> {
  return changeCluster(client, input, (cluster, raw) =>
    scaleStepsOf(planScale(cluster, raw, input.tier, input.options), cluster.paused),
  )
}
