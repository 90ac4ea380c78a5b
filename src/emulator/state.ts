import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type {InstanceSize} from '../atlas/catalog.js'
import type {components, Readable} from '../atlas/openapi.js'
import type {ApiKey, ServiceAccount} from './auth.js'

type Schemas = components['schemas']
/** AWS's hardware schema has every field the other providers' have; the tier may be any provider's. */
export type Hardware = Omit<Readable<Schemas['AWSHardwareSpec20240805']>, 'instanceSize'> &
  Readable<Pick<Schemas['TenantHardwareSpec20240805'], 'effectiveInstanceSize'>> & {instanceSize?: InstanceSize}
type AutoScaling = Readable<Schemas['AdvancedAutoScalingSettings']>

/**
 * A stored region config. The generated CloudRegionConfig20240805 refers to itself through its provider variants and
 * resolves to any, so this names its fields from the spec's leaf schemas.
 */
export interface RegionConfigDoc {
  providerName: 'AWS' | 'AZURE' | 'GCP' | 'TENANT'
  backingProviderName?: 'AWS' | 'AZURE' | 'GCP'
  regionName: string
  priority: number
  electableSpecs?: Hardware
  readOnlySpecs?: Hardware
  analyticsSpecs?: Hardware
  autoScaling?: AutoScaling
  analyticsAutoScaling?: AutoScaling
}
/** A region config as answered: with the effective specs Atlas derives. */
export interface RegionConfigView extends RegionConfigDoc {
  effectiveElectableSpecs?: Hardware
  effectiveReadOnlySpecs?: Hardware
  effectiveAnalyticsSpecs?: Hardware
}
export type ReplicationSpecDoc = Omit<Readable<Schemas['ReplicationSpec20240805']>, 'regionConfigs'> & {
  id: string
  zoneId: string
  regionConfigs: RegionConfigDoc[]
}
/** The stored documents are the public representations, typed from the spec's schemas, with the ids they always have. */
export type GroupDoc = Omit<Readable<Schemas['Group']>, 'clusterCount' | 'links'> & {
  id: string
  tags: Schemas['ResourceTag'][]
}
export type ClusterDoc = Omit<Readable<Schemas['ClusterDescription20240805']>, 'replicationSpecs'> & {
  id: string
  groupId: string
  name: string
  /** Kept for the 2023-02-01 answers and featureCompatibilityVersion. */
  mongoDBMajorVersion: string
  replicationSpecs: ReplicationSpecDoc[]
}
export type FlexDoc = Readable<Schemas['FlexClusterDescription20241113']> & {id: string; groupId: string; name: string}
/** A database user as listed, plus its groupId (write-only in the spec) and the password the backing server needs. */
export type UserDoc = Readable<Schemas['CloudDatabaseUser']> & {groupId: string; password?: string}
export type AccessDoc = Readable<Schemas['NetworkPermissionEntry']> & {cidrBlock: string}
/** A person added to a project (addGroupUsers): an invitation until they accept it, which nobody does here. */
export type ProjectUserDoc = Readable<Schemas['GroupPendingUserResponse']>

interface Pending {
  /** When the transition completes (epoch ms). */
  at: number
  /** IDLE: the resource settles; GONE: it disappears. */
  then: 'IDLE' | 'GONE'
}

interface RecordBase {
  pending?: Pending
  /** True once the cluster has first been IDLE, from when it has connection strings. */
  provisioned: boolean
  /** A dedicated cluster that an M0 became: its upgrade is running, or done. */
  tenantUpgrade?: 'running' | 'done'
  /** An M0 being upgraded answers as the M0 until `at`, then as the new tier under a new id (recorded). */
  upgradeTo?: {at: number; regionConfig: RegionConfigDoc}
  /** Once at the new tier: connection strings come back, then the last keys, a while before IDLE (recorded). */
  upgradeSteps?: {connectionStringsAt: number; settledKeysAt: number}
}

export type DedicatedRecord = RecordBase & {kind: 'cluster'; doc: ClusterDoc}
export type FlexRecord = RecordBase & {kind: 'flex'; doc: FlexDoc}
export type ClusterRecord = DedicatedRecord | FlexRecord

export interface AccessRecord {
  entry: AccessDoc
  activeAt: number
}

export interface EmulatorState {
  version: 1
  orgs: Array<{id: string; name: string}>
  apiKeys: ApiKey[]
  serviceAccounts: ServiceAccount[]
  groups: Record<string, GroupDoc>
  clusters: Record<string, Record<string, ClusterRecord>>
  users: Record<string, Record<string, UserDoc>>
  access: Record<string, Record<string, AccessRecord>>
  /** Per project, by user id. Absent in state files written before project users existed. */
  projectUsers?: Record<string, Record<string, ProjectUserDoc>>
}

export const newId = (): string => randomBytes(12).toString('hex')

export function freshState(): EmulatorState {
  const orgId = newId()
  return {
    version: 1,
    orgs: [{id: orgId, name: 'atlasctl-local'}],
    apiKeys: [
      {publicKey: `local${randomBytes(3).toString('hex')}`, privateKey: randomBytes(18).toString('hex'), orgId},
    ],
    serviceAccounts: [
      {
        clientId: `mdb_sa_id_${randomBytes(8).toString('hex')}`,
        clientSecret: `mdb_sa_sk_${randomBytes(18).toString('hex')}`,
        orgId,
      },
    ],
    groups: {},
    clusters: {},
    users: {},
    access: {},
    projectUsers: {},
  }
}

/** state.json in the data dir; written atomically (temp file, fsync, rename) so a crash never leaves it half-written. */
export class StateFile {
  readonly file: string

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'state.json')
  }

  load(): EmulatorState | undefined {
    let text: string
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const state = JSON.parse(text) as EmulatorState
    if (state.version !== 1) throw new Error(`${this.file}: unknown state version ${String(state.version)}`)
    return state
  }

  save(state: EmulatorState): void {
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700})
    const tmp = `${this.file}.${process.pid}.tmp`
    const fd = fs.openSync(tmp, 'w', 0o600)
    try {
      fs.writeSync(fd, JSON.stringify(state))
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, this.file)
  }
}
