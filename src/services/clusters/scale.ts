import type {AtlasClient, Cluster, ClusterBody, FlexUpgradeBody, ProviderSettingsBody} from '../../atlas/client.js'
import {FLEX_IN_CLUSTER_API} from '../../atlas/errors.js'
import {dedicatedSettings, INSTANCE_SIZES, type Provider} from '../../atlas/catalog.js'
import {ConflictError, UsageError} from '../../lib/errors.js'
import {priceOf} from '../../lib/prices.js'
import {
  type ClusterSummary,
  type ClusterWaitOptions,
  resolveCluster,
  summarizeCluster,
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

export interface ScaleInput {
  project: {id: string; name: string}
  cluster: string
  tier: string
  dryRun: boolean
  waitIdle: false | ClusterWaitOptions
  wait: false | ClusterWaitOptions
  lockDir: string
  options: ScaleOptions
  log: (line: string) => void
}

export interface ScaleResult {
  cluster: string
  project: string
  from: string
  to: string
  action: ScalePlan['kind']
  changed: boolean
  dryRun: boolean
  state: string
  request?: {operation: string; body: Json}
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

/** Cron-safe scaling: idempotent, pre-flight checked, locked against a second run on this host. */
export async function scaleCluster(client: AtlasClient, input: ScaleInput): Promise<ScaleResult> {
  const {project} = input
  const read = async () => {
    const raw = await rawCluster(client, project.id, input.cluster)
    return {raw, summary: raw ? summarizeCluster(raw) : await resolveCluster(client, project, input.cluster)}
  }
  let {raw, summary} = await read()
  const result = (plan: ScalePlan, changed: boolean, state: string, waited = false): ScaleResult => ({
    cluster: summary.name,
    project: project.name,
    from: plan.from,
    to: plan.to,
    action: plan.kind,
    changed,
    dryRun: input.dryRun,
    state,
    waited,
    request: plan.kind === 'noop' ? undefined : {operation: plan.operation, body: plan.body},
    cost: costDelta(plan.from, plan.to),
    autoscalingChanged: plan.kind === 'patch' ? plan.autoscalingChanged : undefined,
  })

  let plan = planScale(summary, raw, input.tier, input.options)
  if (plan.kind === 'noop' || input.dryRun) return result(plan, false, summary.state)

  return withLock(input.lockDir, `scale-${project.id}-${summary.name}`, async () => {
    // Re-read under the lock: another run may have finished the job meanwhile.
    ;({raw, summary} = await read())
    plan = planScale(summary, raw, input.tier, input.options)
    if (plan.kind === 'noop') return result(plan, false, summary.state)
    if (summary.paused)
      throw new ConflictError(`Cluster ${summary.name} is paused; resume it before scaling. Nothing was changed.`, {
        code: 'CLUSTER_PAUSED',
      })
    if (summary.state !== 'IDLE') {
      if (!input.waitIdle) {
        throw new ConflictError(`Cluster ${summary.name} is ${summary.state}, not IDLE; nothing was changed.`, {
          code: 'CLUSTER_BUSY',
          hint: 'Pass --wait-idle to wait until it is IDLE, or run again later.',
        })
      }
      input.log(`Cluster ${summary.name} is ${summary.state}; waiting until it is IDLE.`)
      await waitForCluster(client, project.id, summary.name, {state: 'IDLE'}, input.waitIdle)
      ;({raw, summary} = await read())
      plan = planScale(summary, raw, input.tier, input.options)
      if (plan.kind === 'noop') return result(plan, false, summary.state)
    }
    const path = {groupId: project.id}
    if (plan.kind === 'patch') {
      await client.ok(
        client.api.PATCH('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
          params: {path: {groupId: project.id, clusterName: summary.name}},
          body: plan.body,
        }),
      )
    } else if (plan.kind === 'tenantUpgrade') {
      await client.ok(
        client.api.POST('/api/atlas/v2/groups/{groupId}/clusters/tenantUpgrade', {
          params: {path},
          body: plan.body,
        }),
      )
    } else {
      await client.ok(
        client.api.POST('/api/atlas/v2/groups/{groupId}/flexClusters:tenantUpgrade', {params: {path}, body: plan.body}),
      )
    }
    input.log(`Requested ${summary.name}: ${plan.from} → ${plan.to}.`)
    if (!input.wait) return result(plan, true, 'UPDATING')
    const done = await waitForCluster(client, project.id, summary.name, {state: 'IDLE', tier: plan.to}, input.wait)
    return result(plan, true, done.state!.state, true)
  })
}
