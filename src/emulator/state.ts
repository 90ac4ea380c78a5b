import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type {ApiKey, ServiceAccount} from './auth.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

interface Pending {
  /** When the transition completes (epoch ms). */
  at: number
  /** IDLE: the resource settles; GONE: it disappears. */
  then: 'IDLE' | 'GONE'
}

export interface ClusterRecord {
  kind: 'cluster' | 'flex'
  /** The public representation (ClusterDescription20240805 or FlexClusterDescription20241113). */
  doc: Json
  pending?: Pending
  /** True once the cluster has first been IDLE, from when it has connection strings. */
  provisioned: boolean
  /** A dedicated cluster that an M0 became: its upgrade is running, or done. */
  tenantUpgrade?: 'running' | 'done'
  /** An M0 being upgraded answers as the M0 until `at`, then as the new tier under a new id (recorded). */
  upgradeTo?: {at: number; regionConfig: Json}
  /** Once at the new tier: connection strings come back, then the last keys, a while before IDLE (recorded). */
  upgradeSteps?: {connectionStringsAt: number; settledKeysAt: number}
}

export interface AccessRecord {
  entry: Json
  activeAt: number
}

export interface EmulatorState {
  version: 1
  orgs: Array<{id: string; name: string}>
  apiKeys: ApiKey[]
  serviceAccounts: ServiceAccount[]
  groups: Record<string, Json>
  clusters: Record<string, Record<string, ClusterRecord>>
  users: Record<string, Record<string, Json>>
  access: Record<string, Record<string, AccessRecord>>
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
