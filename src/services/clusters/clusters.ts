import type {
  AtlasClient,
  Cluster,
  ClusterBody,
  FlexCluster,
  FlexClusterBody,
  RegionConfigBody,
} from '../../atlas/client.js'
import {ALREADY_DELETING, AtlasApiError, FLEX_IN_CLUSTER_API} from '../../atlas/errors.js'
import {INSTANCE_SIZES, type Provider, PROVIDERS, REGIONS} from '../../atlas/catalog.js'
import {NotFoundError, UsageError} from '../../lib/errors.js'
import {closeMatches, commandLine} from '../../lib/text.js'
import {type Expected, waitFor, type WaitOptions} from '../../lib/wait.js'

type Tag = {key: string; value: string}

export interface ClusterSummary {
  name: string
  id?: string
  projectId: string
  state: string
  tier: string
  kind: 'M0' | 'FLEX' | 'dedicated'
  provider: string
  region: string
  mongoDBVersion?: string
  mongoDBMajorVersion?: string
  createDate?: string
  paused: boolean
  terminationProtection: boolean
  tags: Tag[]
  connectionString?: string
  connectionStrings: Record<string, unknown>
  autoScaling?: {enabled: boolean; minInstanceSize?: string; maxInstanceSize?: string}
}

export interface ClusterSpec {
  name: string
  provider: Provider
  region: string
  tier: string
  mongoDBMajorVersion?: string
  tags?: Tag[]
  terminationProtection?: boolean
}

export const CLUSTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,63}$/

function validateClusterName(name: string, flag = 'name'): string {
  if (!CLUSTER_NAME.test(name))
    throw new UsageError(
      `Invalid cluster name "${name}" (--${flag}): 1-64 letters, digits and hyphens, starting with a letter or digit.`,
      {details: {flag, value: name}},
    )
  return name
}

/** Every tier a provider offers: M0 and FLEX, then its dedicated sizes. */
export function tiersFor(provider: Provider): string[] {
  return ['M0', 'FLEX', ...INSTANCE_SIZES[provider]]
}

/** Checks the provider/region/tier combination before anything is sent. */
export function validateSpec(spec: ClusterSpec): ClusterSpec {
  validateClusterName(spec.name)
  if (!PROVIDERS.includes(spec.provider))
    throw new UsageError(`Invalid --provider "${spec.provider}": use ${PROVIDERS.join(', ')}.`, {
      details: {flag: 'provider', value: spec.provider},
    })
  if (!REGIONS[spec.provider].includes(spec.region)) {
    const close = closeMatches(spec.region, [...REGIONS[spec.provider]])
    throw new UsageError(
      `Invalid --region "${spec.region}" for ${spec.provider}.${close.length ? ` Did you mean: ${close.join(', ')}?` : ''}`,
      {details: {flag: 'region', value: spec.region}},
    )
  }
  if (!tiersFor(spec.provider).includes(spec.tier))
    throw new UsageError(
      `Invalid --tier "${spec.tier}" for ${spec.provider}: use M0, FLEX or one of ${INSTANCE_SIZES[spec.provider].slice(0, 8).join(', ')}, ….`,
      {details: {flag: 'tier', value: spec.tier}},
    )
  return spec
}

export function summarizeCluster(c: Cluster): ClusterSummary {
  const rc = (c.replicationSpecs?.[0]?.regionConfigs?.[0] ?? {}) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
  const tenant = rc.providerName === 'TENANT'
  const cs = (c.connectionStrings ?? {}) as Record<string, unknown>
  const compute = rc.autoScaling?.compute
  return {
    name: c.name!,
    id: c.id,
    projectId: c.groupId!,
    state: c.stateName ?? 'UNKNOWN',
    tier: rc.electableSpecs?.instanceSize ?? 'UNKNOWN',
    kind: tenant ? 'M0' : 'dedicated',
    provider: tenant ? rc.backingProviderName : rc.providerName,
    region: rc.regionName,
    mongoDBVersion: c.mongoDBVersion,
    mongoDBMajorVersion: c.mongoDBMajorVersion,
    createDate: c.createDate,
    paused: Boolean(c.paused),
    terminationProtection: Boolean(c.terminationProtectionEnabled),
    tags: c.tags ?? [],
    connectionString: (cs.standardSrv ?? cs.standard) as string | undefined,
    connectionStrings: cs,
    autoScaling: compute
      ? {
          enabled: Boolean(compute.enabled),
          minInstanceSize: compute.minInstanceSize,
          maxInstanceSize: compute.maxInstanceSize,
        }
      : undefined,
  }
}

function summarizeFlex(f: FlexCluster): ClusterSummary {
  const cs = (f.connectionStrings ?? {}) as Record<string, unknown>
  return {
    name: f.name!,
    id: f.id,
    projectId: f.groupId!,
    state: f.stateName ?? 'UNKNOWN',
    tier: 'FLEX',
    kind: 'FLEX',
    provider: f.providerSettings?.backingProviderName ?? 'UNKNOWN',
    region: f.providerSettings?.regionName ?? 'UNKNOWN',
    mongoDBVersion: f.mongoDBVersion,
    createDate: f.createDate,
    paused: false,
    terminationProtection: Boolean(f.terminationProtectionEnabled),
    tags: f.tags ?? [],
    connectionString: (cs.standardSrv ?? cs.standard) as string | undefined,
    connectionStrings: cs,
  }
}

export async function listClusters(client: AtlasClient, projectId: string): Promise<ClusterSummary[]> {
  const path = {groupId: projectId}
  const [clusters, flex] = await Promise.all([
    client.paginate((query) =>
      client.ok(client.api.GET('/api/atlas/v2/groups/{groupId}/clusters', {params: {path, query}})),
    ),
    client.paginate((query) =>
      client.ok(client.api.GET('/api/atlas/v2/groups/{groupId}/flexClusters', {params: {path, query}})),
    ),
  ])
  return [...clusters.map(summarizeCluster), ...flex.map(summarizeFlex)].sort((a, b) => a.name.localeCompare(b.name))
}

/** A cluster of any kind by name, or undefined when Atlas says 404. */
export async function getCluster(
  client: AtlasClient,
  projectId: string,
  name: string,
): Promise<ClusterSummary | undefined> {
  try {
    const c = await client.found(
      client.api.GET('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
        params: {path: {groupId: projectId, clusterName: name}},
      }),
    )
    return c && summarizeCluster(c)
  } catch (error) {
    if (!(error instanceof AtlasApiError && error.errorCode === FLEX_IN_CLUSTER_API)) throw error
  }
  const f = await client.found(
    client.api.GET('/api/atlas/v2/groups/{groupId}/flexClusters/{name}', {params: {path: {groupId: projectId, name}}}),
  )
  return f && summarizeFlex(f)
}

/** The one cluster lookup; not found is exit 4 with the close matches. The project is named as the user named it. */
export async function resolveCluster(
  client: AtlasClient,
  project: {id: string; name?: string},
  name: string | undefined,
): Promise<ClusterSummary> {
  if (!name)
    throw new UsageError('Missing cluster name: pass it as the argument, --cluster, or set ATLAS_CLUSTER_NAME.', {
      code: 'MISSING_FLAG',
      details: {flag: 'cluster'},
    })
  const found = await getCluster(client, project.id, name)
  if (found) return found
  const close = closeMatches(
    name,
    (await listClusters(client, project.id)).map((c) => c.name),
  )
  const named = project.name ?? project.id
  throw new NotFoundError(
    `Cluster "${name}" not found in project "${named}".${close.length ? ` Did you mean: ${close.join(', ')}?` : ''}`,
    {
      code: 'CLUSTER_NOT_FOUND',
      hint: `"atlasctl cluster list --project ${named}" shows its clusters.`,
      details: {cluster: name, project: named, closeMatches: close},
    },
  )
}

/** The request for a spec: TENANT for M0, the flex API for FLEX, a dedicated replica set otherwise. */
export function createRequest(
  spec: ClusterSpec,
): {api: 'cluster'; body: ClusterBody} | {api: 'flex'; body: FlexClusterBody} {
  if (spec.tier === 'FLEX') {
    return {
      api: 'flex',
      body: {
        name: spec.name,
        providerSettings: {backingProviderName: spec.provider, regionName: spec.region},
        tags: spec.tags ?? [],
        terminationProtectionEnabled: Boolean(spec.terminationProtection),
      },
    }
  }
  const regionConfig: RegionConfigBody =
    spec.tier === 'M0'
      ? {
          providerName: 'TENANT',
          backingProviderName: spec.provider,
          regionName: spec.region,
          priority: 7,
          electableSpecs: {instanceSize: 'M0'},
        }
      : {
          providerName: spec.provider,
          regionName: spec.region,
          priority: 7,
          electableSpecs: {instanceSize: spec.tier, nodeCount: 3},
        }
  const body: ClusterBody = {
    name: spec.name,
    clusterType: 'REPLICASET',
    replicationSpecs: [{regionConfigs: [regionConfig]}],
    terminationProtectionEnabled: Boolean(spec.terminationProtection),
    tags: spec.tags ?? [],
    ...(spec.mongoDBMajorVersion && spec.tier !== 'M0' ? {mongoDBMajorVersion: spec.mongoDBMajorVersion} : {}),
  }
  return {api: 'cluster', body}
}

export async function createCluster(
  client: AtlasClient,
  projectId: string,
  spec: ClusterSpec,
): Promise<ClusterSummary> {
  const req = createRequest(spec)
  const path = {groupId: projectId}
  if (req.api === 'flex')
    return summarizeFlex(
      await client.ok(client.api.POST('/api/atlas/v2/groups/{groupId}/flexClusters', {params: {path}, body: req.body})),
    )
  return summarizeCluster(
    await client.ok(client.api.POST('/api/atlas/v2/groups/{groupId}/clusters', {params: {path}, body: req.body})),
  )
}

/** Whether an existing cluster matches a spec, for --if-not-exists. */
export function sameSpec(c: ClusterSummary, spec: ClusterSpec): {same: boolean; differences: string[]} {
  const differences: string[] = []
  if (c.tier !== spec.tier) differences.push(`tier ${c.tier} (wanted ${spec.tier})`)
  if (c.provider !== spec.provider) differences.push(`provider ${c.provider} (wanted ${spec.provider})`)
  if (c.region !== spec.region) differences.push(`region ${c.region} (wanted ${spec.region})`)
  if (spec.mongoDBMajorVersion && c.mongoDBMajorVersion && c.mongoDBMajorVersion !== spec.mongoDBMajorVersion)
    differences.push(`version ${c.mongoDBMajorVersion} (wanted ${spec.mongoDBMajorVersion})`)
  return {same: differences.length === 0, differences}
}

/** The one delete of a cluster; one already gone, or already being deleted, is done. */
export async function deleteCluster(
  client: AtlasClient,
  c: Pick<ClusterSummary, 'projectId' | 'name' | 'kind'>,
): Promise<void> {
  if (c.kind === 'FLEX') {
    await client.found(
      client.api.DELETE('/api/atlas/v2/groups/{groupId}/flexClusters/{name}', {
        params: {path: {groupId: c.projectId, name: c.name}},
      }),
      [ALREADY_DELETING],
    )
  } else {
    await client.found(
      client.api.DELETE('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
        params: {path: {groupId: c.projectId, clusterName: c.name}},
      }),
      [ALREADY_DELETING],
    )
  }
}

/** The one update of a cluster (PATCH): scaling, pause and resume, termination protection. */
export async function updateCluster(
  client: AtlasClient,
  c: Pick<ClusterSummary, 'projectId' | 'name'>,
  body: ClusterBody,
): Promise<Cluster> {
  return client.ok(
    client.api.PATCH('/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', {
      params: {path: {groupId: c.projectId, clusterName: c.name}},
      body,
    }),
  )
}

/** Termination protection on or off; a flex cluster has none to change. */
export async function setTerminationProtection(
  client: AtlasClient,
  c: Pick<ClusterSummary, 'projectId' | 'name' | 'kind'>,
  enabled: boolean,
): Promise<void> {
  if (c.kind === 'FLEX') return
  await updateCluster(client, c, {terminationProtectionEnabled: enabled})
}

export type ClusterWaitOptions = Pick<WaitOptions<ClusterSummary>, 'timeoutMs' | 'intervalMs' | 'onProgress' | 'resume'>

/** What Atlas takes, as recorded (docs/emulator.md, "Behaviour over time"); a dedicated change is an estimate. */
export const ATLAS_TAKES = {
  m0Create: {ms: 10_000, what: "an M0's creation"},
  flexCreate: {ms: 8000, what: "a flex cluster's creation"},
  dedicatedCreate: {ms: 13 * 60_000, what: "an M10's creation (a sharded cluster takes up to 24 minutes)"},
  userSync: {ms: 20_000, what: 'an M0 to take a database user change'},
  tenantUpgrade: {ms: 25 * 60_000, what: 'an upgrade from M0'},
  dedicatedChange: {ms: 10 * 60_000, what: "a dedicated cluster's change"},
  sharedDelete: {ms: 30_000, what: 'deleting an M0 or flex cluster'},
  dedicatedDelete: {ms: 4 * 60_000, what: 'deleting a dedicated cluster'},
  pauseOrResume: {ms: 40_000, what: 'a pause or a resume'},
} satisfies Record<string, Expected>

/** IDLE, optionally at a tier or paused (or not); or gone. */
export type ClusterTarget = {state: 'IDLE'; tier?: string; paused?: boolean} | {state: 'GONE'}

function expectedFor(c: ClusterSummary | undefined, target: ClusterTarget): Expected | undefined {
  if (!c) return undefined
  const shared = c.kind !== 'dedicated'
  if (target.state === 'GONE') return shared ? ATLAS_TAKES.sharedDelete : ATLAS_TAKES.dedicatedDelete
  if (target.paused !== undefined && c.state === 'UPDATING') return ATLAS_TAKES.pauseOrResume
  if (target.tier && target.tier !== c.tier && c.kind === 'M0') return ATLAS_TAKES.tenantUpgrade
  if (c.state === 'CREATING')
    return c.kind === 'M0'
      ? ATLAS_TAKES.m0Create
      : c.kind === 'FLEX'
        ? ATLAS_TAKES.flexCreate
        : ATLAS_TAKES.dedicatedCreate
  if (c.state === 'UPDATING') return c.kind === 'M0' ? ATLAS_TAKES.userSync : ATLAS_TAKES.dedicatedChange
  return undefined
}

/** Waits until the cluster is IDLE (optionally at a tier), or gone. Without `resume`, the hint is `cluster describe` by project id. */
export async function waitForCluster(
  client: AtlasClient,
  projectId: string,
  name: string,
  target: ClusterTarget,
  o: ClusterWaitOptions,
) {
  const paused =
    target.state === 'IDLE' && target.paused !== undefined ? (target.paused ? ', paused' : ', running') : ''
  return waitFor<ClusterSummary>({
    ...o,
    resume: o.resume ?? commandLine(['atlasctl', 'cluster', 'describe', name, '--project', projectId]),
    subject: `cluster ${name}`,
    what:
      target.state === 'GONE'
        ? `cluster ${name} to be deleted`
        : `cluster ${name} to be IDLE${target.tier ? ` at ${target.tier}` : ''}${paused}`,
    poll: async () => {
      const c = await getCluster(client, projectId, name)
      if (!c && target.state === 'IDLE')
        throw new NotFoundError(`Cluster ${name} disappeared while waiting for it to be IDLE.`, {
          code: 'CLUSTER_NOT_FOUND',
        })
      return c
    },
    expected: (c) => expectedFor(c, target),
    describe: (c) => (c ? `${c.state}${c.tier ? ` (${c.tier}${c.paused ? ', paused' : ''})` : ''}` : 'deleted'),
    done: (c) =>
      target.state === 'GONE'
        ? c === undefined
        : c?.state === 'IDLE' &&
          (!target.tier || c.tier === target.tier) &&
          (target.paused === undefined || c.paused === target.paused),
  })
}
