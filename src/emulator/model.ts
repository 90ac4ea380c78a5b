import {randomBytes, randomUUID} from 'node:crypto'
import net from 'node:net'
import type {ApiKey, Principal} from './auth.js'
import {type InstanceSize, isInstanceSize, type Provider, PROVIDERS, REGIONS, ROLE_NAMES} from '../atlas/catalog.js'
import type {components} from '../atlas/openapi.js'
import type {OperationId} from '../atlas/operations.js'
import {DEFAULT_MAJOR_VERSION, M0_REGIONS, MONGODB_VERSIONS} from './regions.js'
import type {BackingUser} from './backing.js'
import type {DnsRecord} from './dns.js'
import type {Delays} from './delays.js'
import {ApiProblem} from './http.js'
import {type RequestBodies, requestBody} from './requests.js'
import {allowedInProject, forbidden, isProjectRole} from './roles.js'
import {
  type AccessDoc,
  type AccessRecord,
  type ClusterDoc,
  type ClusterRecord,
  type DedicatedRecord,
  type EmulatorState,
  type FlexDoc,
  type FlexRecord,
  type GroupDoc,
  type Hardware,
  newId,
  type ProjectUserDoc,
  type RegionConfigDoc,
  type RegionConfigView,
  type ReplicationSpecDoc,
  type UserDoc,
} from './state.js'

type Json = Record<string, unknown>
type Tag = components['schemas']['ResourceTag']
type ReplicationSpec = NonNullable<RequestBodies['createGroupCluster']['replicationSpecs']>[number]
type NewUser = RequestBodies['createGroupDatabaseUser']
type UserChange = RequestBodies['updateGroupDatabaseUser']

// The generated region configs and legacy provider settings are self-referential unions that come out as any: the
// model reads them, once ajv has checked them against the spec, through these two views.

/** What a legacy tenant upgrade reads of its provider settings, whichever provider they name. */
interface LegacyProviderSettings {
  providerName?: string
  backingProviderName?: string
  instanceSizeName?: string
  regionName?: string
}

/** Hardware as a request gives it: its tier is still to be checked against the provider's list. */
type GivenHardware = Omit<Hardware, 'instanceSize'> & {instanceSize?: string}
/** A request's region config, or a legacy upgrade's provider settings, once ajv has checked it against the spec. */
type Placement = Partial<
  Omit<RegionConfigView, 'providerName' | 'backingProviderName' | (typeof HARDWARE_SPECS)[number]>
> & {
  providerName?: string
  backingProviderName?: string
} & {[K in (typeof HARDWARE_SPECS)[number]]?: GivenHardware}
/** What the catalogue check proves of a placement. */
type Checked = {provider: 'TENANT'; backing: Provider; size: 'M0'} | {provider: Provider; size: InstanceSize}

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export interface Call {
  principal: Principal
  params: Record<string, string>
  query: URLSearchParams
  body: unknown
  baseUrl: string
  /** The API version the caller asked for: older versions answer in their own shape. */
  version: string
}

/** A cluster name that breaks the spec's pattern is Atlas's INVALID_CLUSTER_NAME, not INVALID_ATTRIBUTE. */
const CLUSTER_NAME_CODE = {name: 'INVALID_CLUSTER_NAME'}
const WEEK_MS = 7 * 24 * 3600_000

/** What a PATCH of a database user may change. */
const USER_UPDATES: ReadonlyArray<keyof UserChange> = [
  'password',
  'roles',
  'scopes',
  'deleteAfterDate',
  'description',
  'labels',
]
const TAG_TEXT = /^[\w .+@;-]{1,255}$/

const providerOf = (name: string | undefined): Provider | undefined => PROVIDERS.find((p) => p === name)

const bad = (detail: string, code = 'INVALID_ATTRIBUTE', params: unknown[] = []) =>
  new ApiProblem(400, code, detail, params)

function page<T>(items: T[], query: URLSearchParams, selfUrl: string): Json {
  const pageNum = Number(query.get('pageNum') ?? 1)
  const itemsPerPage = Number(query.get('itemsPerPage') ?? 100)
  if (!Number.isInteger(pageNum) || pageNum < 1)
    throw bad('pageNum must be an integer of at least 1.', 'INVALID_QUERY_PARAMETER', ['pageNum'])
  if (!Number.isInteger(itemsPerPage) || itemsPerPage < 1 || itemsPerPage > 500) {
    throw bad('itemsPerPage must be an integer from 1 to 500.', 'INVALID_QUERY_PARAMETER', ['itemsPerPage'])
  }
  const start = (pageNum - 1) * itemsPerPage
  const results = items.slice(start, start + itemsPerPage)
  const link = (n: number) => {
    const q = new URLSearchParams(query)
    q.set('pageNum', String(n))
    return `${selfUrl}?${q}`
  }
  const links = [{href: link(pageNum), rel: 'self'}]
  if (start + itemsPerPage < items.length) links.push({href: link(pageNum + 1), rel: 'next'})
  if (pageNum > 1) links.push({href: link(pageNum - 1), rel: 'previous'})
  const out: Json = {links, results}
  if (query.get('includeCount') !== 'false') out.totalCount = items.length
  return out
}

const INVITATION_MS = 30 * 24 * 3600_000
/** The person whose org the emulator's keys belong to; Atlas names the inviter of each invitation. */
const ORG_OWNER_EMAIL = 'owner@atlasctl-local.example'

/** Eight lower-case letters, as Atlas's public keys are. */
const newPublicKey = () => [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('')

function checkProjectRoles(roles: readonly string[]): void {
  const wrong = roles.find((r) => !isProjectRole(r))
  if (wrong !== undefined) throw bad(`${wrong} is not a project role.`, 'INVALID_ATTRIBUTE', ['roles'])
}

/** Atlas's rules for tags beyond the spec's types and lengths: at most 50, a narrow character set, one value per key. */
function validTags(tags: Tag[] = []): Tag[] {
  if (tags.length > 50)
    throw bad('tags must be an array of at most 50 {key, value} objects.', 'INVALID_ATTRIBUTE', ['tags'])
  const keys = new Set<string>()
  for (const t of tags) {
    if (!TAG_TEXT.test(t.key) || !TAG_TEXT.test(t.value))
      throw bad(
        `Invalid tag ${JSON.stringify(t)}: keys and values are 1-255 letters, digits, spaces or ; @ _ - . +`,
        'INVALID_ATTRIBUTE',
        ['tags'],
      )
    if (keys.has(t.key)) throw bad(`Duplicate tag key "${t.key}".`, 'INVALID_ATTRIBUTE', ['tags'])
    keys.add(t.key)
  }
  return tags.map(({key, value}) => ({key, value}))
}

/** Atlas deletes a user or an access-list entry at deleteAfterDate, which must lie within the coming week. */
function checkExpiry(deleteAfterDate: string | undefined, now: number): void {
  if (deleteAfterDate === undefined) return
  const t = Date.parse(deleteAfterDate)
  if (t <= now || t > now + WEEK_MS)
    throw bad('deleteAfterDate must be a date-time in the future, at most one week ahead.', 'INVALID_ATTRIBUTE', [
      'deleteAfterDate',
    ])
}

const asCidr = (v: string) => (v.includes('/') ? v : `${v}/${net.isIP(v) === 6 ? 128 : 32}`)

function isEntryValue(v: string): boolean {
  const [ip, bits, extra] = v.split('/')
  if (extra !== undefined) return false
  const family = net.isIP(ip)
  if (family === 0) return false
  if (bits === undefined) return true
  const n = Number(bits)
  return /^\d+$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128)
}

/** Atlas's resources and rules. Asynchrony is evaluated lazily against the clock, so no timers are needed. */
export class AtlasModel {
  constructor(
    readonly state: EmulatorState,
    readonly delays: Delays,
    readonly backingUri: string,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- shared lookups ----
  private group(call: Call): GroupDoc {
    const id = call.params.groupId
    if (!/^[a-f0-9]{24}$/.test(id)) throw bad(`Invalid group id ${id}.`, 'INVALID_GROUP_ID', [id])
    const g = this.state.groups[id]
    if (!g) throw new ApiProblem(404, 'GROUP_NOT_FOUND', `No group with ID ${id} exists.`, [id])
    // Keys are scoped to their organization.
    if (g.orgId !== call.principal.orgId)
      throw new ApiProblem(401, 'UNAUTHORIZED', 'Current user is not authorized to perform this action.', [])
    return g
  }

  private settle(groupId: string): Record<string, ClusterRecord> {
    const clusters = (this.state.clusters[groupId] ??= {})
    const t = this.now()
    for (const [name, c] of Object.entries(clusters)) {
      if (c.kind === 'cluster' && c.upgradeTo && c.upgradeTo.at <= t) {
        // Atlas replaces the M0 with a new cluster: a new id and creation date, no connection strings yet.
        c.doc.replicationSpecs = [{...c.doc.replicationSpecs[0], regionConfigs: [c.upgradeTo.regionConfig]}]
        c.doc.id = newId()
        c.doc.createDate = new Date(c.upgradeTo.at).toISOString()
        c.provisioned = false
        const span = (c.pending?.at ?? t) - c.upgradeTo.at
        c.upgradeSteps = {
          connectionStringsAt: c.upgradeTo.at + span / 3,
          settledKeysAt: c.upgradeTo.at + (2 * span) / 3,
        }
        c.upgradeTo = undefined
      }
      if (!c.pending || c.pending.at > t) continue
      if (c.pending.then === 'GONE') {
        delete clusters[name]
        continue
      }
      c.doc.stateName = 'IDLE'
      c.pending = undefined
      c.provisioned = true
      if (c.tenantUpgrade) c.tenantUpgrade = 'done'
      c.upgradeSteps = undefined
      c.doc.connectionStrings = this.connectionStrings(c)
    }
    return clusters
  }

  /** With the emulator's DNS server on, clusters get a `mongodb+srv://` name under this domain, as on Atlas. */
  srvDomain?: string

  /** mongodb+srv means TLS unless told otherwise; a plain backing server needs `tls=false` (Atlas's strings have no query). */
  private get backingTls(): boolean {
    return /[?&](tls|ssl)=true/.test(this.backingUri)
  }

  private srvHost(c: ClusterRecord): string {
    return `${String(c.doc.name).toLowerCase()}.${String(c.doc.groupId).slice(-7)}.${this.srvDomain}`
  }

  private connectionStrings(c: ClusterRecord): Json {
    if (!c.provisioned && !(c.upgradeSteps && this.now() >= c.upgradeSteps.connectionStringsAt)) return {}
    if (this.backingUri.startsWith('mongodb+srv://')) return {standard: this.backingUri, standardSrv: this.backingUri}
    return this.srvDomain
      ? {
          standard: this.backingUri,
          standardSrv: `mongodb+srv://${this.srvHost(c)}/${this.backingTls ? '' : '?tls=false'}`,
        }
      : {standard: this.backingUri}
  }

  /**
   * The DNS records of the clusters' SRV names: SRV to one host on the backing server's port, TXT with Atlas's
   * authSource, and that host's address. A name of no cluster with connection strings is NXDOMAIN.
   */
  dnsAnswer(name: string, type: string): DnsRecord[] | undefined {
    const backing = new URL(this.backingUri)
    const address = backing.hostname === 'localhost' ? '127.0.0.1' : backing.hostname
    for (const groupId of Object.keys(this.state.clusters)) {
      for (const c of Object.values(this.settle(groupId))) {
        if (c.kind !== 'cluster' || !this.connectionStrings(c).standardSrv) continue
        const host = this.srvHost(c)
        const [first, ...rest] = host.split('.')
        const node = [`${first}-shard-00-00`, ...rest].join('.')
        if (name === `_mongodb._tcp.${host}`)
          return type === 'SRV' ? [{type: 'SRV', port: Number(backing.port || 27017), target: node}] : []
        if (name === host) return type === 'TXT' ? [{type: 'TXT', text: 'authSource=admin'}] : []
        if (name === node) return type === 'A' && net.isIPv4(address) ? [{type: 'A', address}] : []
      }
    }
    return undefined
  }

  /** A missing cluster is CLUSTER_NOT_FOUND through either API, and a flex cluster is a 400 in the cluster API (recorded). */
  private cluster(call: Call, name: string, kind: 'cluster'): DedicatedRecord
  private cluster(call: Call, name: string, kind: 'flex'): FlexRecord
  private cluster(call: Call, name: string, kind: 'cluster' | 'flex'): ClusterRecord {
    const c = this.settle(call.params.groupId)[name]
    if (!c)
      throw new ApiProblem(
        404,
        'CLUSTER_NOT_FOUND',
        `No cluster named ${name} exists in group ${call.params.groupId}.`,
        [name, call.params.groupId],
      )
    if (c.kind === 'flex' && kind === 'cluster')
      throw bad(`Flex cluster ${name} cannot be used in the Cluster API.`, 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API', [
        name,
      ])
    if (c.kind === 'cluster' && kind === 'flex')
      throw bad(
        `Cluster ${name} is not a flex cluster; use the cluster API.`,
        'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API',
        [name],
      )
    return c
  }

  private pending(ms: number, then: 'IDLE' | 'GONE') {
    return {at: this.now() + ms, then}
  }

  // ---- organizations and projects ----
  listOrgs(call: Call): Reply {
    const orgs = this.state.orgs
      .filter((o) => o.id === call.principal.orgId)
      .map((o) => ({id: o.id, name: o.name, isDeleted: false, skipDefaultAlertsSettings: false, links: []}))
    return {status: 200, body: page(orgs, call.query, `${call.baseUrl}/api/atlas/v2/orgs`)}
  }

  getOrg(call: Call): Reply {
    const o = this.state.orgs.find((x) => x.id === call.params.orgId)
    if (!o)
      throw new ApiProblem(404, 'ORG_NOT_FOUND', `No organization with ID ${call.params.orgId} exists.`, [
        call.params.orgId,
      ])
    if (o.id !== call.principal.orgId)
      throw new ApiProblem(401, 'UNAUTHORIZED', 'Current user is not authorized to perform this action.', [])
    return {
      status: 200,
      body: {
        id: o.id,
        name: o.name,
        isDeleted: false,
        skipDefaultAlertsSettings: false,
        links: [{href: `${call.baseUrl}/api/atlas/v2/orgs/${o.id}`, rel: 'self'}],
      },
    }
  }

  private groupView(g: GroupDoc) {
    const clusterCount = Object.keys(this.settle(g.id)).length
    return {...g, clusterCount, links: []}
  }

  /** A key sees the projects it holds a role in, or all of its organization's with an organization role. */
  private visible(call: Call, g: GroupDoc): boolean {
    return g.orgId === call.principal.orgId && allowedInProject(call.principal, g.id, g.orgId, ['Project Read Only'])
  }

  listGroups(call: Call): Reply {
    const groups = Object.values(this.state.groups)
      .filter((g) => this.visible(call, g))
      .map((g) => this.groupView(g))
    return {status: 200, body: page(groups, call.query, `${call.baseUrl}/api/atlas/v2/groups`)}
  }

  getGroup(call: Call): Reply {
    return {status: 200, body: this.groupView(this.group(call))}
  }

  getGroupByName(call: Call): Reply {
    const name = call.params.groupName
    const g = Object.values(this.state.groups).find((x) => x.name === name && x.orgId === call.principal.orgId)
    if (!g) throw new ApiProblem(404, 'GROUP_NAME_NOT_FOUND', `No group with name ${name} exists.`, [name])
    if (!this.visible(call, g)) throw forbidden()
    return {status: 200, body: this.groupView(g)}
  }

  createGroup(call: Call): Reply {
    const b = requestBody('createGroup', call.body)
    if (b.orgId !== call.principal.orgId)
      throw new ApiProblem(
        401,
        'NOT_ORG_GROUP_CREATOR',
        `The current user is not in the group creator role for organization ${b.orgId}.`,
        [b.orgId],
      )
    if (Object.values(this.state.groups).some((g) => g.orgId === b.orgId && g.name === b.name)) {
      throw new ApiProblem(409, 'GROUP_ALREADY_EXISTS', `A group with name "${b.name}" already exists.`, [b.name])
    }
    const g = {
      id: newId(),
      name: b.name,
      orgId: b.orgId,
      created: new Date(this.now()).toISOString(),
      tags: validTags(b.tags),
      withDefaultAlertsSettings: b.withDefaultAlertsSettings ?? true,
    }
    this.state.groups[g.id] = g
    // Atlas: 201 with a Location header, and no tags key when none were given (recorded).
    const {tags, ...view} = this.groupView(g)
    return {
      status: 201,
      body: tags.length > 0 ? {...view, tags} : view,
      headers: {location: `${call.baseUrl}/api/atlas/v2/groups/${g.id}`},
    }
  }

  updateGroup(call: Call): Reply {
    const g = this.group(call)
    const b = requestBody('updateGroup', call.body)
    if (b.name !== undefined) g.name = b.name
    if (b.tags !== undefined) g.tags = validTags(b.tags)
    return {status: 200, body: this.groupView(g)}
  }

  deleteGroup(call: Call): Reply {
    const g = this.group(call)
    if (Object.keys(this.settle(g.id)).length > 0) {
      throw new ApiProblem(
        409,
        'CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS',
        'We could not close this project because it still has active Atlas clusters. Terminate them first.',
        [],
      )
    }
    delete this.state.groups[g.id]
    delete this.state.clusters[g.id]
    delete this.state.users[g.id]
    delete this.state.access[g.id]
    delete this.state.projectUsers?.[g.id]
    // The project's keys stay in the organization, without their roles in it.
    for (const k of this.state.apiKeys) if (k.roles) k.roles = k.roles.filter((r) => r.groupId !== g.id)
    return {status: 202, body: {}}
  }

  // ---- clusters ----
  private flexView(c: FlexRecord): Json {
    return {...c.doc, connectionStrings: this.connectionStrings(c)}
  }

  /** A cluster as Atlas answers it: every key Atlas always returns, in the shape of the requested version. */
  private clusterView(c: DedicatedRecord, call: Call): Json {
    const tenant = c.doc.replicationSpecs[0].regionConfigs[0].providerName === 'TENANT'
    const specs = c.doc.replicationSpecs.map((rs) => ({...rs, regionConfigs: rs.regionConfigs.map(wholeRegionConfig)}))
    const doc: Json = {
      ...clusterDefaults(tenant),
      ...c.doc,
      connectionStrings: this.connectionStrings(c),
      replicationSpecs: specs,
      links: [{href: `${call.baseUrl}/api/atlas/v2/groups/${c.doc.groupId}/clusters/${c.doc.name}`, rel: 'self'}],
      // A sharded cluster's config server runs on its shards, managed by Atlas (recorded, at every version).
      ...(c.doc.clusterType === 'REPLICASET'
        ? {}
        : {configServerManagementMode: 'ATLAS_MANAGED', configServerType: 'EMBEDDED'}),
    }
    // A cluster that was an M0 has no diskWarmingMode, and no useAwsTimeBasedSnapshotCopyForFastInitialSync until
    // late in its upgrade (recorded).
    if (c.tenantUpgrade && !c.upgradeTo) delete doc.diskWarmingMode
    if (call.version >= '2024-08-05') {
      const {useAwsTimeBasedSnapshotCopyForFastInitialSync: _aws, ...upgrading} = CURRENT_CLUSTER_DEFAULTS
      const settling = c.tenantUpgrade === 'running' && !(c.upgradeSteps && this.now() >= c.upgradeSteps.settledKeysAt)
      return {
        ...doc,
        ...(settling ? upgrading : CURRENT_CLUSTER_DEFAULTS),
        featureCompatibilityVersion: c.doc.mongoDBMajorVersion,
        effectiveReplicationSpecs: specs.map(withoutEffective),
      }
    }
    // 2023-02-01 and before: one disk size for the cluster, numShards per zone, no effective specs.
    const first = specs[0].regionConfigs[0]
    return {
      ...doc,
      diskSizeGB: first.electableSpecs?.diskSizeGB,
      replicationSpecs: specs.map((rs) => ({
        ...withoutEffective(rs),
        numShards: 1,
        regionConfigs: withoutEffective(rs).regionConfigs.map(withoutDiskSize),
      })),
    }
  }

  listGroupClusters(call: Call): Reply {
    this.group(call)
    const list = Object.values(this.settle(call.params.groupId))
      .filter((c) => c.kind === 'cluster')
      .map((c) => this.clusterView(c, call))
    return {
      status: 200,
      body: page(list, call.query, `${call.baseUrl}/api/atlas/v2/groups/${call.params.groupId}/clusters`),
    }
  }

  getGroupCluster(call: Call): Reply {
    this.group(call)
    return {status: 200, body: this.clusterView(this.cluster(call, call.params.clusterName, 'cluster'), call)}
  }

  /** Atlas's catalogue: each provider's regions and tiers, M0 in some regions only, one tier across a region's specs. */
  private checkRegionConfig(rc: Placement, where: string): Checked {
    const size = rc.electableSpecs?.instanceSize
    if (rc.providerName === 'TENANT') {
      const backing = providerOf(rc.backingProviderName)
      if (!backing)
        throw bad(
          `${where}.backingProviderName must be one of ${PROVIDERS.join(', ')} for TENANT.`,
          'INVALID_ATTRIBUTE',
          [`${where}.backingProviderName`],
        )
      if (size !== 'M0')
        throw bad(
          `${where}.electableSpecs.instanceSize ${size} is not available; TENANT clusters are M0 (use the flex API for FLEX).`,
          'INVALID_ATTRIBUTE',
          [`${where}.electableSpecs.instanceSize`],
        )
      const regions = M0_REGIONS[backing]
      if (!regions.includes(rc.regionName ?? '')) {
        throw bad(
          `${where}.regionName ${rc.regionName} does not offer M0 on ${backing}. Available: ${regions.join(', ')}.`,
          'INVALID_ATTRIBUTE',
          [`${where}.regionName`],
        )
      }
      return {provider: 'TENANT', backing, size}
    }
    const provider = providerOf(rc.providerName)
    if (!provider)
      throw bad(`${where}.providerName must be one of AWS, AZURE, GCP or TENANT.`, 'INVALID_ATTRIBUTE', [
        `${where}.providerName`,
      ])
    if (!REGIONS[provider].includes(rc.regionName ?? ''))
      throw bad(`${where}.regionName ${rc.regionName} is not a valid ${provider} region.`, 'INVALID_ATTRIBUTE', [
        `${where}.regionName`,
      ])
    if (!isInstanceSize(provider, size))
      throw bad(`${where}.electableSpecs.instanceSize ${size} is not available on ${provider}.`, 'INVALID_ATTRIBUTE', [
        `${where}.electableSpecs.instanceSize`,
      ])
    for (const k of ['readOnlySpecs', 'analyticsSpecs'] as const) {
      const other = rc[k]?.instanceSize
      if (other !== undefined && other !== size) {
        throw bad(
          `${where}: the instance sizes of electableSpecs (${size}) and ${k} (${other}) must match.`,
          'INSTANCE_SIZE_MUST_MATCH_IN_REGION_CONFIGS',
          [],
        )
      }
    }
    return {provider, size}
  }

  /** Atlas's rules for replication specs beyond the spec's structure: at least one, each with a region; an M0 has exactly one. */
  private normalizeSpecs(specs: ReplicationSpec[] = []): ReplicationSpecDoc[] {
    if (specs.length === 0)
      throw bad('replicationSpecs must have at least one element.', 'INVALID_ATTRIBUTE', ['replicationSpecs'])
    return specs.map((s, i) => {
      const configs: Placement[] = s.regionConfigs ?? []
      if (configs.length === 0)
        throw bad(`replicationSpecs[${i}].regionConfigs must not be empty.`, 'INVALID_ATTRIBUTE', [
          `replicationSpecs[${i}].regionConfigs`,
        ])
      const tenant = configs.some((rc) => rc.providerName === 'TENANT')
      if (tenant && (configs.length > 1 || specs.length > 1))
        throw bad('An M0 cluster has exactly one region.', 'INVALID_ATTRIBUTE', ['replicationSpecs'])
      return {
        id: s.id ?? newId(),
        zoneId: s.zoneId ?? newId(),
        zoneName: s.zoneName ?? 'Zone 1',
        regionConfigs: configs.map((rc, j): RegionConfigDoc => {
          const checked = this.checkRegionConfig(rc, `replicationSpecs[${i}].regionConfigs[${j}]`)
          const regionName = rc.regionName ?? ''
          const priority = rc.priority ?? 7
          if (checked.provider === 'TENANT')
            return {
              providerName: 'TENANT',
              backingProviderName: checked.backing,
              regionName,
              priority,
              electableSpecs: {instanceSize: 'M0'},
            }
          // One tier across the region's specs, as checked.
          const hardware = (given?: GivenHardware): Hardware | undefined =>
            given && {...given, instanceSize: checked.size}
          return {
            providerName: checked.provider,
            regionName,
            priority,
            electableSpecs: {nodeCount: 3, ...hardware(rc.electableSpecs)},
            readOnlySpecs: hardware(rc.readOnlySpecs),
            analyticsSpecs: hardware(rc.analyticsSpecs),
            autoScaling: rc.autoScaling,
            analyticsAutoScaling: rc.analyticsAutoScaling,
          }
        }),
      }
    })
  }

  createGroupCluster(call: Call): Reply {
    const g = this.group(call)
    const b = requestBody('createGroupCluster', call.body, CLUSTER_NAME_CODE)
    // The spec neither requires a name nor bounds its length; the emulator keeps Atlas's 1-64 characters.
    if (b.name === undefined || b.name.length > 64) {
      throw bad(
        `Cluster name ${JSON.stringify(b.name)} is invalid: use 1-64 letters, digits and hyphens, starting with a letter or digit.`,
        'INVALID_CLUSTER_NAME',
        [b.name],
      )
    }
    const clusters = this.settle(g.id)
    checkNameFree(clusters, b.name, g.id)
    const clusterType = b.clusterType ?? 'REPLICASET'
    const replicationSpecs = this.normalizeSpecs(b.replicationSpecs)
    const tenant = replicationSpecs[0].regionConfigs[0].providerName === 'TENANT'
    // The 2023-02-01 shape gives one disk size for the whole cluster.
    if (b.diskSizeGB !== undefined && !tenant)
      for (const rs of replicationSpecs)
        for (const rc of rs.regionConfigs) rc.electableSpecs = {...rc.electableSpecs, diskSizeGB: b.diskSizeGB}
    if (tenant) {
      if (clusterType !== 'REPLICASET') throw bad('M0 clusters are replica sets.', 'INVALID_ATTRIBUTE', ['clusterType'])
      const other = Object.values(clusters).find(
        (c) => c.kind === 'cluster' && c.doc.replicationSpecs[0].regionConfigs[0].providerName === 'TENANT',
      )
      if (other) {
        throw bad(
          `This project already has another free cluster (${other.doc.name}); each project can have only one M0.`,
          'CANNOT_CREATE_FREE_CLUSTER_VIA_PUBLIC_API',
          [],
        )
      }
    }
    const major = b.mongoDBMajorVersion ?? DEFAULT_MAJOR_VERSION
    if (!MONGODB_VERSIONS[major])
      throw bad(
        `mongoDBMajorVersion ${major} is not available. Available: ${Object.keys(MONGODB_VERSIONS).join(', ')}.`,
        'INVALID_ATTRIBUTE',
        ['mongoDBMajorVersion'],
      )
    const doc: ClusterDoc = {
      id: newId(),
      groupId: g.id,
      name: b.name,
      clusterType,
      createDate: new Date(this.now()).toISOString(),
      mongoDBMajorVersion: major,
      mongoDBVersion: MONGODB_VERSIONS[major],
      versionReleaseSystem: b.versionReleaseSystem ?? 'LTS',
      backupEnabled: (b.backupEnabled ?? false) && !tenant,
      paused: false,
      pitEnabled: false,
      terminationProtectionEnabled: b.terminationProtectionEnabled ?? false,
      tags: validTags(b.tags),
      replicationSpecs,
      stateName: 'CREATING',
      links: [],
    }
    const large =
      clusterType !== 'REPLICASET' || replicationSpecs.length > 1 || replicationSpecs[0].regionConfigs.length > 1
    const creation = tenant ? this.delays.m0CreateMs : large ? this.delays.largeCreateMs : undefined
    const record: DedicatedRecord = {
      kind: 'cluster',
      doc,
      pending: this.pending(creation ?? this.delays.clusterCreateMs, 'IDLE'),
      provisioned: false,
    }
    clusters[b.name] = record
    return {status: 201, body: withoutUnaskedTags(this.clusterView(record, call), b)}
  }

  updateGroupCluster(call: Call): Reply {
    this.group(call)
    const c = this.cluster(call, call.params.clusterName, 'cluster')
    const b = requestBody('updateGroupCluster', call.body)
    if (c.doc.stateName === 'DELETING')
      throw bad(`Cluster ${c.doc.name} is being deleted.`, 'CLUSTER_ALREADY_REQUESTED_DELETION', [c.doc.name])
    // A paused cluster takes a resume alone, then other changes (409, as in mongodb-atlas-cli issue 4310; resuming
    // with other changes is refused too, per the CloudFormation provider's PR 1469).
    if (c.doc.paused && Object.keys(b).some((k) => k !== 'paused')) {
      throw new ApiProblem(
        409,
        'CANNOT_UPDATE_PAUSED_CLUSTER',
        `Cannot update cluster ${c.doc.name} while it is paused or being paused.`,
        [c.doc.name],
      )
    }
    const tenant = c.doc.replicationSpecs[0].regionConfigs[0].providerName === 'TENANT'
    let changesHardware = false
    let specs = b.replicationSpecs
    if (b.diskSizeGB !== undefined && specs === undefined) {
      // The 2023-02-01 shape: one disk size for every spec of the cluster.
      if (tenant) throw bad('The disk size of an M0 is fixed.', 'TENANT_CLUSTER_UPDATE_UNSUPPORTED', [c.doc.name])
      specs = c.doc.replicationSpecs.map((rs) => ({...rs, regionConfigs: rs.regionConfigs.map(wholeRegionConfig)}))
    }
    if (specs !== undefined) {
      const next = this.normalizeSpecs(structuredClone(specs))
      if (b.diskSizeGB !== undefined)
        for (const rs of next)
          for (const rc of rs.regionConfigs)
            for (const k of HARDWARE_SPECS) rc[k] = {...wholeRegionConfig(rc)[k], diskSizeGB: b.diskSizeGB}
      const nextTenant = next[0].regionConfigs[0].providerName === 'TENANT'
      const sizes = (specs: ReplicationSpecDoc[]) =>
        JSON.stringify(
          specs.map((s) =>
            s.regionConfigs.map((rc) => [
              rc.providerName,
              rc.regionName,
              ...HARDWARE_SPECS.map((k) => [
                wholeRegionConfig(rc)[k]?.instanceSize,
                wholeRegionConfig(rc)[k]?.nodeCount,
                wholeRegionConfig(rc)[k]?.diskSizeGB,
              ]),
            ]),
          ),
        )
      changesHardware = sizes(next) !== sizes(c.doc.replicationSpecs)
      if (changesHardware && (tenant || nextTenant)) {
        throw bad(
          tenant
            ? `Cluster ${c.doc.name} is an M0; upgrade it with the tenant upgrade endpoint.`
            : `Cluster ${c.doc.name} is dedicated; it cannot move to a shared tier.`,
          'TENANT_CLUSTER_UPDATE_UNSUPPORTED',
          [c.doc.name],
        )
      }
      const providers = (specs: ReplicationSpecDoc[]) =>
        specs
          .flatMap((s) => s.regionConfigs.map((rc) => rc.providerName))
          .sort()
          .join()
      if (changesHardware && providers(next) !== providers(c.doc.replicationSpecs))
        throw bad('Changing the cloud provider is not supported.', 'INVALID_ATTRIBUTE', ['replicationSpecs'])
      c.doc.replicationSpecs = next
    }
    if (b.tags !== undefined) c.doc.tags = validTags(b.tags)
    if (b.terminationProtectionEnabled !== undefined)
      c.doc.terminationProtectionEnabled = b.terminationProtectionEnabled
    if (b.paused !== undefined) {
      if (tenant) throw bad('M0 clusters cannot be paused.', 'TENANT_CLUSTER_UPDATE_UNSUPPORTED', [c.doc.name])
      changesHardware ||= b.paused !== Boolean(c.doc.paused)
      c.doc.paused = b.paused
    }
    if (b.mongoDBMajorVersion !== undefined && b.mongoDBMajorVersion !== c.doc.mongoDBMajorVersion) {
      if (!MONGODB_VERSIONS[b.mongoDBMajorVersion])
        throw bad(`mongoDBMajorVersion ${b.mongoDBMajorVersion} is not available.`, 'INVALID_ATTRIBUTE', [
          'mongoDBMajorVersion',
        ])
      c.doc.mongoDBMajorVersion = b.mongoDBMajorVersion
      c.doc.mongoDBVersion = MONGODB_VERSIONS[b.mongoDBMajorVersion]
      changesHardware = true
    }
    if (changesHardware) {
      c.doc.stateName = 'UPDATING'
      const onlyPause = Object.keys(b).every((k) => k === 'paused')
      c.pending = this.pending((onlyPause ? this.delays.pauseMs : undefined) ?? this.delays.clusterUpdateMs, 'IDLE')
    }
    return {status: 200, body: this.clusterView(c, call)}
  }

  private startDelete(c: ClusterRecord): void {
    if (c.doc.terminationProtectionEnabled) {
      throw bad(
        `Cluster ${c.doc.name} has termination protection enabled; disable it before deleting.`,
        'CANNOT_TERMINATE_CLUSTER_WHEN_TERMINATION_PROTECTION_ENABLED',
        [c.doc.name],
      )
    }
    if (c.doc.stateName === 'DELETING')
      throw bad(`Cluster ${c.doc.name} is already being deleted.`, 'CLUSTER_ALREADY_REQUESTED_DELETION', [c.doc.name])
    c.doc.stateName = 'DELETING'
    const shared = c.kind === 'flex' || c.doc.replicationSpecs[0].regionConfigs[0].providerName === 'TENANT'
    c.pending = this.pending((shared ? this.delays.sharedDeleteMs : undefined) ?? this.delays.clusterDeleteMs, 'GONE')
  }

  deleteGroupCluster(call: Call): Reply {
    this.group(call)
    this.startDelete(this.cluster(call, call.params.clusterName, 'cluster'))
    return {status: 202, body: {}}
  }

  /** Legacy tenant upgrade: M0 → FLEX or M0 → dedicated. */
  upgradeGroupClusterTenantUpgrade(call: Call): Reply {
    this.group(call)
    const b = requestBody('upgradeGroupClusterTenantUpgrade', call.body)
    const c = this.cluster(call, b.name, 'cluster')
    const rc = c.doc.replicationSpecs[0].regionConfigs[0]
    if (rc.providerName !== 'TENANT')
      throw bad(`Cluster ${b.name} is not an M0; scale it with a cluster update.`, 'INVALID_ATTRIBUTE', ['name'])
    if (c.doc.stateName !== 'IDLE')
      throw new ApiProblem(
        409,
        'CLUSTER_NOT_IDLE',
        `Cluster ${b.name} is ${c.doc.stateName}; try again when it is IDLE.`,
        [b.name],
      )
    const ps: LegacyProviderSettings = b.providerSettings ?? {}
    const toFlex = ps.providerName === 'FLEX' || ps.instanceSizeName === 'FLEX'
    const regionName = ps.regionName ?? rc.regionName
    let next: ClusterRecord = c
    if (toFlex) {
      const backing = providerOf(ps.backingProviderName ?? rc.backingProviderName)
      if (!backing)
        throw bad(`providerSettings.backingProviderName must be one of ${PROVIDERS.join(', ')}.`, 'INVALID_ATTRIBUTE', [
          'providerSettings.backingProviderName',
        ])
      next = {
        kind: 'flex',
        doc: this.flexDoc(c.doc.groupId, c.doc.name, backing, regionName, c.doc),
        provisioned: c.provisioned,
      }
      this.settle(c.doc.groupId)[c.doc.name] = next
    } else {
      const placement = {
        providerName: ps.providerName,
        regionName,
        electableSpecs: {instanceSize: ps.instanceSizeName},
      }
      const {provider, size} = this.checkRegionConfig(placement, 'providerSettings')
      // Recorded: TENANT/M0 for about 2 of the upgrade's 25 minutes; here the update delay, then as long again.
      c.upgradeTo = {
        at: this.now() + (this.delays.tenantUpgradeAsM0Ms ?? this.delays.clusterUpdateMs),
        regionConfig: {
          providerName: provider,
          regionName,
          priority: 7,
          electableSpecs: {instanceSize: size, nodeCount: 3},
        },
      }
      c.tenantUpgrade = 'running'
    }
    next.doc.stateName = 'UPDATING'
    next.pending = this.pending(
      toFlex ? this.delays.clusterUpdateMs : (this.delays.tenantUpgradeMs ?? this.delays.clusterUpdateMs * 2),
      'IDLE',
    )
    return {
      status: 200,
      body: {
        id: next.doc.id,
        groupId: next.doc.groupId,
        name: next.doc.name,
        clusterType: 'REPLICASET',
        stateName: 'UPDATING',
        mongoDBVersion: next.doc.mongoDBVersion,
        mongoDBMajorVersion: c.doc.mongoDBMajorVersion,
        createDate: next.doc.createDate,
        paused: false,
        links: [],
        providerSettings:
          next.kind === 'flex'
            ? {
                providerName: 'FLEX',
                backingProviderName: next.doc.providerSettings.backingProviderName,
                instanceSizeName: 'FLEX',
                regionName: next.doc.providerSettings.regionName,
              }
            : {providerName: ps.providerName, instanceSizeName: ps.instanceSizeName, regionName},
      },
    }
  }

  // ---- flex clusters ----
  /** A flex document as Atlas keeps it: without links (recorded). */
  private flexDoc(
    groupId: string,
    name: string,
    backing: Provider,
    regionName: string,
    from?: Pick<FlexDoc, 'tags' | 'terminationProtectionEnabled'> & Partial<Pick<FlexDoc, 'id' | 'createDate'>>,
  ): FlexDoc {
    return {
      id: from?.id ?? newId(),
      groupId,
      name,
      clusterType: 'REPLICASET',
      createDate: from?.createDate ?? new Date(this.now()).toISOString(),
      mongoDBVersion: MONGODB_VERSIONS[DEFAULT_MAJOR_VERSION],
      versionReleaseSystem: 'LTS',
      providerSettings: {providerName: 'FLEX', backingProviderName: backing, regionName, diskSizeGB: 5},
      backupSettings: {enabled: true},
      tags: from?.tags ?? [],
      terminationProtectionEnabled: from?.terminationProtectionEnabled ?? false,
      stateName: 'CREATING',
    }
  }

  listGroupFlexClusters(call: Call): Reply {
    this.group(call)
    const list = Object.values(this.settle(call.params.groupId))
      .filter((c) => c.kind === 'flex')
      .map((c) => this.flexView(c))
    return {
      status: 200,
      body: page(list, call.query, `${call.baseUrl}/api/atlas/v2/groups/${call.params.groupId}/flexClusters`),
    }
  }

  getGroupFlexCluster(call: Call): Reply {
    this.group(call)
    return {status: 200, body: this.flexView(this.cluster(call, call.params.name, 'flex'))}
  }

  createGroupFlexCluster(call: Call): Reply {
    const g = this.group(call)
    const b = requestBody('createGroupFlexCluster', call.body, CLUSTER_NAME_CODE)
    if (b.name.length > 64)
      throw bad(`Cluster name ${JSON.stringify(b.name)} is invalid.`, 'INVALID_CLUSTER_NAME', [b.name])
    const ps = b.providerSettings
    if (!REGIONS[ps.backingProviderName].includes(ps.regionName))
      throw bad(
        `providerSettings.regionName ${ps.regionName} is not a valid ${ps.backingProviderName} region.`,
        'INVALID_ATTRIBUTE',
        ['providerSettings.regionName'],
      )
    const clusters = this.settle(g.id)
    checkNameFree(clusters, b.name, g.id)
    const doc = this.flexDoc(g.id, b.name, ps.backingProviderName, ps.regionName, {
      tags: validTags(b.tags),
      terminationProtectionEnabled: b.terminationProtectionEnabled ?? false,
    })
    const record: FlexRecord = {
      kind: 'flex',
      doc,
      pending: this.pending(this.delays.flexCreateMs ?? this.delays.clusterCreateMs, 'IDLE'),
      provisioned: false,
    }
    clusters[b.name] = record
    return {status: 201, body: withoutUnaskedTags(this.flexView(record), b)}
  }

  deleteGroupFlexCluster(call: Call): Reply {
    this.group(call)
    this.startDelete(this.cluster(call, call.params.name, 'flex'))
    return {status: 204}
  }

  /** FLEX → dedicated. */
  tenantGroupFlexClusterUpgrade(call: Call): Reply {
    this.group(call)
    const b = requestBody('tenantGroupFlexClusterUpgrade', call.body)
    const c = this.cluster(call, b.name, 'flex')
    if (c.doc.stateName !== 'IDLE')
      throw new ApiProblem(
        409,
        'CLUSTER_NOT_IDLE',
        `Cluster ${b.name} is ${c.doc.stateName}; try again when it is IDLE.`,
        [b.name],
      )
    const specs = this.normalizeSpecs(b.replicationSpecs)
    if (specs[0].regionConfigs[0].providerName === 'TENANT')
      throw bad('A flex cluster upgrades to a dedicated tier (M10 and up).', 'INVALID_ATTRIBUTE', ['replicationSpecs'])
    const flexView = this.flexView(c)
    const doc: ClusterDoc = {
      id: c.doc.id,
      groupId: c.doc.groupId,
      name: c.doc.name,
      clusterType: 'REPLICASET',
      createDate: c.doc.createDate,
      mongoDBMajorVersion: DEFAULT_MAJOR_VERSION,
      mongoDBVersion: c.doc.mongoDBVersion,
      versionReleaseSystem: 'LTS',
      backupEnabled: false,
      paused: false,
      pitEnabled: false,
      terminationProtectionEnabled: c.doc.terminationProtectionEnabled,
      tags: c.doc.tags,
      replicationSpecs: specs,
      stateName: 'UPDATING',
      links: [],
    }
    this.settle(c.doc.groupId)[c.doc.name] = {
      kind: 'cluster',
      doc,
      provisioned: c.provisioned,
      pending: this.pending(this.delays.clusterUpdateMs, 'IDLE'),
    }
    return {status: 200, body: {...flexView, stateName: 'UPDATING'}}
  }

  // ---- database users ----
  /**
   * A user change is pushed to each M0 of the project, which shows UPDATING meanwhile (recorded: about 20 s
   * after a create, even on an M0 still CREATING); the emulator takes its update delay after any earlier change.
   */
  private syncTenantUsers(groupId: string): void {
    for (const c of Object.values(this.settle(groupId))) {
      if (
        c.kind !== 'cluster' ||
        c.doc.replicationSpecs[0].regionConfigs[0].providerName !== 'TENANT' ||
        c.doc.stateName === 'DELETING'
      )
        continue
      c.doc.stateName = 'UPDATING'
      c.pending = this.pending(
        Math.max(0, (c.pending?.at ?? 0) - this.now()) + (this.delays.userSyncMs ?? this.delays.clusterUpdateMs),
        'IDLE',
      )
    }
  }

  /** Every SCRAM user of every project, expired ones gone: what the backing server should hold. */
  scramUsers(): BackingUser[] {
    const users = Object.keys(this.state.users)
      .flatMap((g) => Object.values(this.users(g)))
      .flatMap(({databaseName, username, password, roles}) =>
        databaseName === 'admin' && password !== undefined ? [{username, password, roles}] : [],
      )
    this.expiredSinceSync = false
    return users
  }

  /**
   * Whether the backing server must be swept: a user will expire, or one expired since the last sweep (a request
   * that reads the users removes an expired one from Atlas's view first, and the server must follow).
   */
  hasExpiringUsers(): boolean {
    return (
      this.expiredSinceSync ||
      Object.values(this.state.users).some((g) => Object.values(g).some((u) => u.deleteAfterDate))
    )
  }

  private expiredSinceSync = false

  private users(groupId: string): Record<string, UserDoc> {
    const users = (this.state.users[groupId] ??= {})
    const t = this.now()
    for (const [k, u] of Object.entries(users))
      if (u.deleteAfterDate && Date.parse(u.deleteAfterDate) <= t) {
        delete users[k]
        this.expiredSinceSync = true
      }
    return users
  }

  /** Atlas's rules for a user beyond the spec's structure: one role at least, clusters in scope that exist, an expiry within a week. */
  private checkUser(call: Call, b: UserChange): void {
    if (b.roles !== undefined) {
      if (b.roles.length === 0) throw bad('roles must list at least one role.', 'INVALID_ATTRIBUTE', ['roles'])
      // The spec's role names end with a placeholder for custom roles, which the emulator does not model.
      for (const r of b.roles)
        if (!ROLE_NAMES.includes(r.roleName) || r.databaseName === '')
          throw bad(`Invalid role ${JSON.stringify(r)}.`, 'INVALID_ATTRIBUTE', ['roles'])
    }
    const clusters = this.settle(call.params.groupId)
    for (const s of b.scopes ?? [])
      if (s.type === 'CLUSTER' && !clusters[s.name])
        throw bad(`Scope cluster ${s.name} does not exist in this project.`, 'INVALID_ATTRIBUTE', ['scopes'])
    checkExpiry(b.deleteAfterDate, this.now())
  }

  /**
   * A user authenticates one way: a SCRAM password (admin), or one external method, each in its own
   * database. An OIDC workforce group (IDP_GROUP) lives in admin as `<IdP id>/<group>`, with no
   * password (recorded by the official CLI's e2e tests, TestDBUsersWithStdin/Create_OIDC_user).
   */
  private authKinds(b: NewUser) {
    const kinds = {
      awsIAMType: b.awsIAMType ?? 'NONE',
      ldapAuthType: b.ldapAuthType ?? 'NONE',
      oidcAuthType: b.oidcAuthType ?? 'NONE',
      x509Type: b.x509Type ?? 'NONE',
    }
    const db = b.databaseName
    const external = Object.entries(kinds).filter(([, v]) => v !== 'NONE')
    if (external.length > 1)
      throw bad(
        `A user has one authentication method; got ${external.map(([k, v]) => `${k} ${v}`).join(' and ')}.`,
        'INVALID_ATTRIBUTE',
        [external[1][0]],
      )
    if (external.length === 0) {
      if (db !== 'admin') throw bad('A SCRAM user lives in the admin database.', 'INVALID_ATTRIBUTE', ['databaseName'])
      if (b.password === undefined)
        throw bad('password is required for SCRAM users.', 'INVALID_ATTRIBUTE', ['password'])
      return kinds
    }
    const [k, v] = external[0]
    if (b.password !== undefined) throw bad(`A user with ${k} ${v} has no password.`, 'INVALID_ATTRIBUTE', ['password'])
    const home =
      (k === 'oidcAuthType' && v === 'IDP_GROUP') || (k === 'ldapAuthType' && v === 'GROUP') ? 'admin' : '$external'
    if (db !== home)
      throw bad(`A user with ${k} ${v} lives in the ${home} database.`, 'INVALID_ATTRIBUTE', ['databaseName'])
    if (k === 'oidcAuthType' && !/^[a-f0-9]{24}\/.+/.test(b.username))
      throw bad(`An OIDC username is <identity provider id>/<name>; got ${b.username}.`, 'INVALID_ATTRIBUTE', [
        'username',
      ])
    return kinds
  }

  private userView(u: Json): Json {
    const {password: _password, ...rest} = u
    return {...rest, links: []}
  }

  listGroupDatabaseUsers(call: Call): Reply {
    this.group(call)
    const list = Object.values(this.users(call.params.groupId)).map((u) => this.userView(u))
    return {
      status: 200,
      body: page(list, call.query, `${call.baseUrl}/api/atlas/v2/groups/${call.params.groupId}/databaseUsers`),
    }
  }

  private user(call: Call): Json {
    const u = this.users(call.params.groupId)[`${call.params.databaseName}/${call.params.username}`]
    if (!u)
      throw new ApiProblem(404, 'USERNAME_NOT_FOUND', `No user with username ${call.params.username} exists.`, [
        call.params.username,
      ])
    return u
  }

  getGroupDatabaseUser(call: Call): Reply {
    this.group(call)
    return {status: 200, body: this.userView(this.user(call))}
  }

  createGroupDatabaseUser(call: Call): Reply {
    const g = this.group(call)
    const b = requestBody('createGroupDatabaseUser', call.body)
    const db = b.databaseName
    if (b.groupId !== g.id) throw bad('groupId in the body must match the path.', 'INVALID_ATTRIBUTE', ['groupId'])
    if (b.username === '') throw bad('username is required.', 'INVALID_ATTRIBUTE', ['username'])
    const kinds = this.authKinds(b)
    this.checkUser(call, b)
    const users = this.users(g.id)
    const key = `${db}/${b.username}`
    if (users[key])
      throw new ApiProblem(409, 'USER_ALREADY_EXISTS', `The user ${b.username} already exists.`, [b.username])
    if (Object.keys(users).length >= 100)
      throw bad('This project has the most database users allowed (100).', 'DATABASE_USER_LIMIT_EXCEEDED', [100])
    const u: UserDoc = {
      databaseName: db,
      groupId: g.id,
      username: b.username,
      password: b.password,
      roles: b.roles.map((r) => ({...r})),
      scopes: b.scopes ?? [],
      labels: b.labels ?? [],
      ...kinds,
      ...(b.deleteAfterDate ? {deleteAfterDate: new Date(b.deleteAfterDate).toISOString()} : {}),
      ...(b.description ? {description: b.description} : {}),
    }
    users[key] = u
    this.syncTenantUsers(g.id)
    return {status: 201, body: this.userView(u)}
  }

  updateGroupDatabaseUser(call: Call): Reply {
    this.group(call)
    const u = this.user(call)
    const b = requestBody('updateGroupDatabaseUser', call.body)
    this.checkUser(call, b)
    if (b.password !== undefined && u.password === undefined)
      throw bad(`User ${u.username} does not authenticate with a password.`, 'INVALID_ATTRIBUTE', ['password'])
    for (const k of USER_UPDATES) if (b[k] !== undefined) u[k] = b[k]
    this.syncTenantUsers(call.params.groupId)
    return {status: 200, body: this.userView(u)}
  }

  deleteGroupDatabaseUser(call: Call): Reply {
    this.group(call)
    this.user(call)
    delete this.users(call.params.groupId)[`${call.params.databaseName}/${call.params.username}`]
    this.syncTenantUsers(call.params.groupId)
    return {status: 204}
  }

  // ---- project IP access list ----
  private access(groupId: string): Record<string, AccessRecord> {
    const entries = (this.state.access[groupId] ??= {})
    const t = this.now()
    for (const [k, e] of Object.entries(entries))
      if (e.entry.deleteAfterDate && Date.parse(e.entry.deleteAfterDate) <= t) delete entries[k]
    return entries
  }

  /** An entry lives at its CIDR, the slash encoded; that is its self link (recorded: `…/accessList/192.168.0.243%2F32`). */
  private accessView(call: Call, e: AccessRecord): Json {
    return {
      ...e.entry,
      links: [
        {
          href: `${call.baseUrl}/api/atlas/v2/groups/${call.params.groupId}/accessList/${encodeURIComponent(e.entry.cidrBlock)}`,
          rel: 'self',
        },
      ],
    }
  }

  listGroupAccessListEntries(call: Call): Reply {
    this.group(call)
    const list = Object.values(this.access(call.params.groupId)).map((e) => this.accessView(call, e))
    return {
      status: 200,
      body: page(list, call.query, `${call.baseUrl}/api/atlas/v2/groups/${call.params.groupId}/accessList`),
    }
  }

  createGroupAccessListEntry(call: Call): Reply {
    const g = this.group(call)
    const body = requestBody('createGroupAccessListEntry', call.body)
    if (body.length === 0)
      throw bad('The body must be a non-empty array of access list entries.', 'INVALID_ATTRIBUTE', [])
    const entries = this.access(g.id)
    const staged: Array<[string, AccessRecord]> = []
    for (const [i, e] of body.entries()) {
      const fields = [e.ipAddress, e.cidrBlock, e.awsSecurityGroup].filter((f) => f !== undefined)
      if (fields.length !== 1)
        throw bad(
          `Entry ${i} must have exactly one of ipAddress, cidrBlock or awsSecurityGroup.`,
          'INVALID_ATTRIBUTE',
          [`${i}`],
        )
      if (e.awsSecurityGroup !== undefined)
        throw bad(
          'Security-group entries need a network peering connection, which the emulator does not model.',
          'INVALID_ATTRIBUTE',
          ['awsSecurityGroup'],
        )
      const value = e.ipAddress ?? e.cidrBlock ?? ''
      if (e.ipAddress !== undefined && (value.includes('/') || !isEntryValue(value)))
        throw bad(`Invalid IP address ${value}.`, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', [value])
      if (e.cidrBlock !== undefined && (!value.includes('/') || !isEntryValue(value)))
        throw bad(`Invalid CIDR block ${value}.`, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', [value])
      checkExpiry(e.deleteAfterDate, this.now())
      const cidr = asCidr(value)
      const existing = entries[cidr]
      const entry: AccessDoc = {
        groupId: g.id,
        cidrBlock: cidr,
        ...(e.ipAddress !== undefined ? {ipAddress: value} : {}),
        ...(e.comment !== undefined
          ? {comment: e.comment}
          : existing?.entry.comment !== undefined
            ? {comment: existing.entry.comment}
            : {}),
        ...(e.deleteAfterDate !== undefined ? {deleteAfterDate: new Date(e.deleteAfterDate).toISOString()} : {}),
      }
      staged.push([cidr, {entry, activeAt: existing?.activeAt ?? this.now() + this.delays.accessEntryMs}])
    }
    // All or nothing: the entries are validated before any is written.
    for (const [k, v] of staged) entries[k] = v
    return {...this.listGroupAccessListEntries(call), status: 201}
  }

  private accessEntry(call: Call): AccessRecord {
    // An address and its /32 (or /128) are the same entry, as in Atlas.
    const e = this.access(call.params.groupId)[asCidr(call.params.entryValue)]
    if (!e)
      throw new ApiProblem(
        404,
        'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND',
        `IP address ${call.params.entryValue} not on Atlas access list for group ${call.params.groupId}.`,
        [call.params.entryValue, call.params.groupId],
      )
    return e
  }

  getGroupAccessListEntry(call: Call): Reply {
    this.group(call)
    return {status: 200, body: this.accessView(call, this.accessEntry(call))}
  }

  getGroupAccessListStatus(call: Call): Reply {
    this.group(call)
    return {status: 200, body: {STATUS: this.accessEntry(call).activeAt <= this.now() ? 'ACTIVE' : 'PENDING'}}
  }

  deleteGroupAccessListEntry(call: Call): Reply {
    this.group(call)
    this.accessEntry(call)
    delete this.access(call.params.groupId)[asCidr(call.params.entryValue)]
    return {status: 204}
  }

  // ---- project API keys: organization keys with roles in one project ----
  private keyView(call: Call, k: ApiKey, reveal = false): Json {
    return {
      id: k.id,
      desc: k.desc,
      publicKey: k.publicKey,
      // Atlas shows a private key once, when it is made; afterwards only its end.
      privateKey: reveal ? k.privateKey : `********-****-****-${k.privateKey.slice(-12)}`,
      roles: (k.roles ?? []).map((r) => ({...r})),
      links: [{href: `${call.baseUrl}/api/atlas/v2/orgs/${k.orgId}/apiKeys/${k.id}`, rel: 'self'}],
    }
  }

  private projectKeys(groupId: string): ApiKey[] {
    return this.state.apiKeys.filter((k) => k.roles?.some((r) => r.groupId === groupId))
  }

  createGroupApiKey(call: Call): Reply {
    const g = this.group(call)
    const b = requestBody('createGroupApiKey', call.body)
    checkProjectRoles(b.roles)
    const key: ApiKey = {
      id: newId(),
      desc: b.desc,
      publicKey: newPublicKey(),
      privateKey: randomUUID(),
      orgId: g.orgId,
      roles: [...new Set(b.roles)].map((roleName) => ({groupId: g.id, roleName})),
    }
    this.state.apiKeys.push(key)
    return {status: 200, body: this.keyView(call, key, true)}
  }

  listGroupApiKeys(call: Call): Reply {
    const g = this.group(call)
    const list = this.projectKeys(g.id).map((k) => this.keyView(call, k))
    return {status: 200, body: page(list, call.query, `${call.baseUrl}/api/atlas/v2/groups/${g.id}/apiKeys`)}
  }

  private keyNotFound(id: string): ApiProblem {
    return new ApiProblem(404, 'API_KEY_NOT_FOUND', `No API key with ID ${id} exists.`, [id])
  }

  removeGroupApiKey(call: Call): Reply {
    const g = this.group(call)
    const key = this.projectKeys(g.id).find((k) => k.id === call.params.apiUserId)
    if (!key?.roles) throw this.keyNotFound(call.params.apiUserId)
    // The key stays in the organization, without its roles in this project.
    key.roles = key.roles.filter((r) => r.groupId !== g.id)
    return {status: 204}
  }

  private orgKey(call: Call): ApiKey {
    if (call.params.orgId !== call.principal.orgId) throw forbidden()
    const key = this.state.apiKeys.find((k) => k.id === call.params.apiUserId && k.orgId === call.params.orgId)
    if (!key) throw this.keyNotFound(call.params.apiUserId)
    return key
  }

  deleteOrgApiKey(call: Call): Reply {
    const key = this.orgKey(call)
    // In place: the authenticator reads this same list.
    this.state.apiKeys.splice(this.state.apiKeys.indexOf(key), 1)
    return {status: 204}
  }

  // ---- people in a project: invitations ----
  private projectUsers(groupId: string): Record<string, ProjectUserDoc> {
    const users = ((this.state.projectUsers ??= {})[groupId] ??= {})
    // Nobody here accepts an invitation: a pending one expires at its invitationExpiresAt.
    const now = this.now()
    for (const u of Object.values(users))
      if (u.orgMembershipStatus === 'PENDING' && Date.parse(u.invitationExpiresAt) <= now)
        u.orgMembershipStatus = 'INVITATION_EXPIRED'
    return users
  }

  addGroupUsers(call: Call): Reply {
    const g = this.group(call)
    const b = requestBody('addGroupUsers', call.body)
    checkProjectRoles(b.roles)
    const users = this.projectUsers(g.id)
    // A conflict only with a pending or active user of the same email; an expired or rejected one is replaced (the
    // spec's description).
    const same = Object.values(users).filter((u) => u.username.toLowerCase() === b.username.toLowerCase())
    if (same.some((u) => u.orgMembershipStatus === 'PENDING' || u.orgMembershipStatus === 'ACTIVE'))
      throw new ApiProblem(409, 'USER_ALREADY_IN_GROUP', `The user ${b.username} is already in this project.`, [
        b.username,
      ])
    for (const u of same) delete users[u.id]
    const now = this.now()
    const u: ProjectUserDoc = {
      id: newId(),
      username: b.username,
      orgMembershipStatus: 'PENDING',
      roles: [...new Set(b.roles)],
      invitationCreatedAt: new Date(now).toISOString(),
      invitationExpiresAt: new Date(now + INVITATION_MS).toISOString(),
      inviterUsername: ORG_OWNER_EMAIL,
    }
    users[u.id] = u
    return {status: 201, body: u}
  }

  listGroupUsers(call: Call): Reply {
    const g = this.group(call)
    const username = call.query.get('username')
    // Without a filter, active and pending users only (the spec's orgMembershipStatuses).
    const given = [...call.query.getAll('orgMembershipStatuses'), ...call.query.getAll('orgMembershipStatus')]
    const statuses = new Set(given.length > 0 ? given : ['ACTIVE', 'PENDING'])
    // Before 2025-02-19 the list holds active users only; nobody here accepts an invitation.
    const list =
      call.version < '2025-02-19'
        ? []
        : Object.values(this.projectUsers(g.id)).filter(
            (u) => (username === null || u.username === username) && statuses.has(u.orgMembershipStatus),
          )
    return {status: 200, body: page(list, call.query, `${call.baseUrl}/api/atlas/v2/groups/${g.id}/users`)}
  }

  removeGroupUser(call: Call): Reply {
    const g = this.group(call)
    const users = this.projectUsers(g.id)
    if (!users[call.params.userId])
      throw new ApiProblem(404, 'USER_NOT_FOUND', `No user with ID ${call.params.userId} exists.`, [call.params.userId])
    delete users[call.params.userId]
    return {status: 204}
  }
}

/** One handler per operation of the spec: the compiler refuses a table that lacks one. */
export type Handlers = Record<OperationId, (call: Call) => Reply>

export function handlers(m: AtlasModel): Handlers {
  return {
    listOrgs: (c) => m.listOrgs(c),
    getOrg: (c) => m.getOrg(c),
    listGroups: (c) => m.listGroups(c),
    getGroup: (c) => m.getGroup(c),
    getGroupByName: (c) => m.getGroupByName(c),
    createGroup: (c) => m.createGroup(c),
    updateGroup: (c) => m.updateGroup(c),
    deleteGroup: (c) => m.deleteGroup(c),
    listGroupClusters: (c) => m.listGroupClusters(c),
    getGroupCluster: (c) => m.getGroupCluster(c),
    createGroupCluster: (c) => m.createGroupCluster(c),
    updateGroupCluster: (c) => m.updateGroupCluster(c),
    deleteGroupCluster: (c) => m.deleteGroupCluster(c),
    upgradeGroupClusterTenantUpgrade: (c) => m.upgradeGroupClusterTenantUpgrade(c),
    listGroupFlexClusters: (c) => m.listGroupFlexClusters(c),
    getGroupFlexCluster: (c) => m.getGroupFlexCluster(c),
    createGroupFlexCluster: (c) => m.createGroupFlexCluster(c),
    deleteGroupFlexCluster: (c) => m.deleteGroupFlexCluster(c),
    tenantGroupFlexClusterUpgrade: (c) => m.tenantGroupFlexClusterUpgrade(c),
    listGroupDatabaseUsers: (c) => m.listGroupDatabaseUsers(c),
    getGroupDatabaseUser: (c) => m.getGroupDatabaseUser(c),
    createGroupDatabaseUser: (c) => m.createGroupDatabaseUser(c),
    updateGroupDatabaseUser: (c) => m.updateGroupDatabaseUser(c),
    deleteGroupDatabaseUser: (c) => m.deleteGroupDatabaseUser(c),
    listGroupAccessListEntries: (c) => m.listGroupAccessListEntries(c),
    getGroupAccessListEntry: (c) => m.getGroupAccessListEntry(c),
    getGroupAccessListStatus: (c) => m.getGroupAccessListStatus(c),
    createGroupAccessListEntry: (c) => m.createGroupAccessListEntry(c),
    deleteGroupAccessListEntry: (c) => m.deleteGroupAccessListEntry(c),
    createGroupApiKey: (c) => m.createGroupApiKey(c),
    listGroupApiKeys: (c) => m.listGroupApiKeys(c),
    removeGroupApiKey: (c) => m.removeGroupApiKey(c),
    deleteOrgApiKey: (c) => m.deleteOrgApiKey(c),
    addGroupUsers: (c) => m.addGroupUsers(c),
    listGroupUsers: (c) => m.listGroupUsers(c),
    removeGroupUser: (c) => m.removeGroupUser(c),
  }
}

const HARDWARE_SPECS = ['electableSpecs', 'readOnlySpecs', 'analyticsSpecs'] as const
const DISK_GB: Record<string, number> = {M10: 10, M20: 20, M30: 40, M40: 80, M50: 160, M60: 320, M80: 750}

/** Keys Atlas returns on every cluster document (recorded, August 2026). */
function clusterDefaults(tenant: boolean): Json {
  return {
    biConnector: {enabled: false, readPreference: 'secondary'},
    diskWarmingMode: 'FULLY_WARMED',
    encryptionAtRestProvider: 'NONE',
    globalClusterSelfManagedSharding: false,
    labels: [],
    rootCertType: 'ISRGROOTX1',
    ...(tenant
      ? {}
      : {
          advancedConfiguration: {
            customOpensslCipherConfigTls12: [],
            customOpensslCipherConfigTls13: [],
            minimumEnabledTlsProtocol: 'TLS1_2',
            tlsCipherConfigMode: 'DEFAULT',
          },
        }),
  }
}

/** Keys the 2024-08-05 shape adds. */
const CURRENT_CLUSTER_DEFAULTS = {
  adaptiveCapacity: null,
  effectiveDatabaseEdition: 'CORE',
  internalClusterRole: 'NONE',
  redactClientLogData: false,
  retainBackups: false,
  useAwsTimeBasedSnapshotCopyForFastInitialSync: false,
}

/** A region config with Atlas's defaults: all three hardware specs (unused ones at node count 0), auto-scaling, and the effective specs. */
function wholeRegionConfig(rc: RegionConfigDoc): RegionConfigView {
  if (rc.providerName === 'TENANT')
    return {
      ...rc,
      electableSpecs: {effectiveInstanceSize: 'M0', instanceSize: 'M0', diskSizeGB: 0.5, ...rc.electableSpecs},
    }
  const size = rc.electableSpecs?.instanceSize
  const aws = rc.providerName === 'AWS'
  const hardware = (nodeCount: number, given?: Hardware): Hardware => ({
    instanceSize: size,
    diskSizeGB: rc.electableSpecs?.diskSizeGB ?? DISK_GB[size ?? ''] ?? 10,
    ...(aws ? {diskIOPS: 3000, ebsVolumeType: 'STANDARD'} : {}),
    nodeCount,
    ...given,
  })
  const specs = {
    electableSpecs: hardware(3, rc.electableSpecs),
    readOnlySpecs: hardware(0, rc.readOnlySpecs),
    analyticsSpecs: hardware(0, rc.analyticsSpecs),
  }
  return {
    ...rc,
    ...specs,
    autoScaling: rc.autoScaling ?? {compute: {enabled: false, scaleDownEnabled: false}, diskGB: {enabled: false}},
    effectiveElectableSpecs: specs.electableSpecs,
    effectiveReadOnlySpecs: specs.readOnlySpecs,
    effectiveAnalyticsSpecs: specs.analyticsSpecs,
  }
}

function withoutEffective<T extends {regionConfigs: RegionConfigView[]}>(rs: T) {
  return {
    ...rs,
    regionConfigs: rs.regionConfigs.map(
      ({
        effectiveElectableSpecs: _e,
        effectiveReadOnlySpecs: _r,
        effectiveAnalyticsSpecs: _a,
        ...rc
      }): RegionConfigDoc => rc,
    ),
  }
}

function withoutDiskSize(rc: RegionConfigDoc): RegionConfigDoc {
  const out = {...rc}
  for (const k of HARDWARE_SPECS) {
    const given = out[k]
    if (!given) continue
    const {diskSizeGB: _d, ...spec} = given
    out[k] = spec
  }
  return out
}

/** Atlas leaves `tags` out of a create's answer when the request gave none (recorded); later reads carry it. */
function withoutUnaskedTags(view: Json, request: {tags?: unknown}): Json {
  if (request.tags !== undefined) return view
  const {tags: _tags, ...rest} = view
  return rest
}

/** Cluster names in a project must differ, and differ in their first 23 characters (Atlas derives host names from them). */
function checkNameFree(clusters: Record<string, ClusterRecord>, name: string, groupId: string): void {
  const clash = Object.keys(clusters).find(
    (n) => n === name || n.slice(0, 23).toLowerCase() === name.slice(0, 23).toLowerCase(),
  )
  if (clash === name)
    throw bad(
      `A cluster or serverless instance named ${name} is already present in group ${groupId}.`,
      'DUPLICATE_CLUSTER_NAME',
      [name, groupId],
    )
  if (clash)
    throw bad(
      `Cluster ${name} and ${clash} share their first 23 characters; cluster names in one project must differ within them.`,
      'CLUSTER_NAME_PREFIX_INVALID',
      [name],
    )
}
