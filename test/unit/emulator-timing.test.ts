import {describe, expect, it} from 'vitest'
import {DEMO_DELAYS, RECORDED_DELAYS, scaleDelays, type Delays} from '../../src/emulator/delays.js'
import {AtlasModel, type Call} from '../../src/emulator/model.js'
import {freshState} from '../../src/emulator/state.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const MIN = 60_000

/** The model on a clock the test moves: each recorded duration is checked just before and just after it. */
function world(delays: Delays) {
  const state = freshState()
  let t = Date.parse('2026-08-01T00:00:00Z')
  const model = new AtlasModel(state, delays, 'mongodb://127.0.0.1:27017', () => t)
  const principal = {
    kind: 'apiKey' as const,
    id: state.apiKeys[0].publicKey,
    orgId: state.orgs[0].id,
    roles: [{orgId: state.orgs[0].id, roleName: 'ORG_OWNER'}],
  }
  const call = (params: Record<string, string>, body?: unknown, version = '2024-08-05'): Call => ({
    principal,
    params,
    query: new URLSearchParams(),
    body,
    baseUrl: 'http://emulator',
    version,
  })
  const groupId = (
    model.createGroup(call({}, {name: 'timing', orgId: principal.orgId, tags: []}, '2023-01-01')).body as Json
  ).id as string
  const get = (clusterName: string) => {
    try {
      return model.getGroupCluster(call({groupId, clusterName})).body as Json
    } catch {
      return undefined
    }
  }
  const region = (instanceSize: string) =>
    instanceSize === 'M0'
      ? {
          providerName: 'TENANT',
          backingProviderName: 'AWS',
          regionName: 'US_EAST_1',
          priority: 7,
          electableSpecs: {instanceSize},
        }
      : {providerName: 'AWS', regionName: 'US_EAST_1', priority: 7, electableSpecs: {instanceSize, nodeCount: 3}}
  const create = (name: string, tier: string) =>
    model.createGroupCluster(
      call({groupId}, {name, clusterType: 'REPLICASET', replicationSpecs: [{regionConfigs: [region(tier)]}]}),
    )
  return {
    model,
    call,
    groupId,
    get,
    create,
    at: (ms: number) => (t += ms),
    tier: (name: string) => get(name)?.replicationSpecs[0].regionConfigs[0].electableSpecs.instanceSize,
  }
}

describe('emulator timing profiles', () => {
  it("--realistic takes Atlas's recorded durations: an M0 in seconds, an M10 in about 13 minutes, deletes, pause, a user change on an M0", () => {
    const w = world(RECORDED_DELAYS)
    w.create('free', 'M0')
    w.create('dedicated', 'M10')
    w.at(6000)
    expect(w.get('free')!.stateName).toBe('CREATING')
    w.at(1000)
    expect(w.get('free')!.stateName).toBe('IDLE')
    w.at(12 * MIN)
    expect(w.get('dedicated')!.stateName).toBe('CREATING')
    w.at(1 * MIN)
    expect(w.get('dedicated')!.stateName).toBe('IDLE')

    // A user sends the M0 UPDATING for about 20 s.
    w.model.createGroupDatabaseUser(
      w.call(
        {groupId: w.groupId},
        {
          groupId: w.groupId,
          databaseName: 'admin',
          username: 'u',
          password: 'password-1',
          roles: [{roleName: 'readWriteAnyDatabase', databaseName: 'admin'}],
        },
      ),
    )
    expect(w.get('free')!.stateName).toBe('UPDATING')
    w.at(19_000)
    expect(w.get('free')!.stateName).toBe('UPDATING')
    w.at(1000)
    expect(w.get('free')!.stateName).toBe('IDLE')

    // Pause then resume: about 40 s each.
    w.model.updateGroupCluster(w.call({groupId: w.groupId, clusterName: 'dedicated'}, {paused: true}))
    w.at(39_000)
    expect(w.get('dedicated')!.stateName).toBe('UPDATING')
    w.at(1000)
    expect(w.get('dedicated')).toMatchObject({stateName: 'IDLE', paused: true})
    // Paused: any other change, a resume with one included, is 409; a resume alone is taken.
    const patch = (body: object) => () =>
      w.model.updateGroupCluster(w.call({groupId: w.groupId, clusterName: 'dedicated'}, body))
    const tags = [{key: 'team', value: 't1'}]
    for (const body of [{tags}, {paused: false, tags}])
      expect(patch(body)).toThrow(expect.objectContaining({status: 409, errorCode: 'CANNOT_UPDATE_PAUSED_CLUSTER'}))
    expect(patch({paused: false})()).toMatchObject({status: 200})
    w.at(40_000)
    expect(w.get('dedicated')).toMatchObject({stateName: 'IDLE', paused: false})

    // Deletes: an M0 in about 30 s, an M10 in about 4 minutes.
    w.model.deleteGroupCluster(w.call({groupId: w.groupId, clusterName: 'free'}))
    w.model.deleteGroupCluster(w.call({groupId: w.groupId, clusterName: 'dedicated'}))
    w.at(29_000)
    expect(w.get('free')!.stateName).toBe('DELETING')
    w.at(1000)
    expect(w.get('free')).toBeUndefined()
    w.at(3 * MIN)
    expect(w.get('dedicated')!.stateName).toBe('DELETING')
    w.at(30_000)
    expect(w.get('dedicated')).toBeUndefined()
  })

  it('a tenant upgrade answers as the M0 for about 2 minutes, then under a new id without connection strings, and is IDLE at M10 after about 25', () => {
    const w = world(RECORDED_DELAYS)
    w.create('free', 'M0')
    w.at(10_000)
    const id = w.get('free')!.id
    w.model.upgradeGroupClusterTenantUpgrade(
      w.call(
        {groupId: w.groupId},
        {name: 'free', providerSettings: {providerName: 'AWS', instanceSizeName: 'M10', regionName: 'US_EAST_1'}},
        '2023-01-01',
      ),
    )
    w.at(2 * MIN - 1000)
    expect([w.get('free')!.id, w.tier('free'), w.get('free')!.stateName]).toEqual([id, 'M0', 'UPDATING'])
    w.at(2000)
    expect(w.get('free')!.id).not.toBe(id)
    expect(w.tier('free')).toBe('M10')
    expect(w.get('free')!.connectionStrings).toEqual({})
    expect(w.get('free')).not.toHaveProperty('useAwsTimeBasedSnapshotCopyForFastInitialSync')
    // Then its connection strings come back, and later its last keys, while it is still UPDATING (recorded).
    w.at(8 * MIN)
    expect(w.get('free')!.connectionStrings.standard).toBeDefined()
    expect(w.get('free')).not.toHaveProperty('useAwsTimeBasedSnapshotCopyForFastInitialSync')
    w.at(8 * MIN)
    expect(w.get('free')).toMatchObject({stateName: 'UPDATING', useAwsTimeBasedSnapshotCopyForFastInitialSync: false})
    w.at(6 * MIN)
    expect(w.get('free')!.stateName).toBe('UPDATING')
    w.at(1 * MIN)
    expect(w.get('free')!.stateName).toBe('IDLE')
    expect(w.get('free')!.connectionStrings.standard).toBeDefined()
  })

  it('the time scale multiplies every duration; the demo default stays seconds', () => {
    const w = world(scaleDelays(RECORDED_DELAYS, 0.01))
    w.create('dedicated', 'M10')
    w.at(7700)
    expect(w.get('dedicated')!.stateName).toBe('CREATING')
    w.at(100)
    expect(w.get('dedicated')!.stateName).toBe('IDLE')
    const d = world(DEMO_DELAYS)
    d.create('m10', 'M10')
    d.at(DEMO_DELAYS.clusterCreateMs)
    expect(d.get('m10')!.stateName).toBe('IDLE')
  })
})

describe('database users and the backing server', () => {
  it('a user that expired is swept from the server even when a request saw it expire first', () => {
    const w = world(DEMO_DELAYS)
    w.model.createGroupDatabaseUser(
      w.call(
        {groupId: w.groupId},
        {
          groupId: w.groupId,
          databaseName: 'admin',
          username: 'temp',
          password: 'password-1',
          roles: [{roleName: 'readWriteAnyDatabase', databaseName: 'admin'}],
          deleteAfterDate: new Date(Date.parse('2026-08-01T00:00:00Z') + MIN).toISOString(),
        },
      ),
    )
    expect(w.model.scramUsers().map((u) => u.username)).toEqual(['temp'])
    w.at(2 * MIN)
    // A list (as doctor's user check sends) removes the expired user from Atlas's view before the next sweep.
    expect((w.model.listGroupDatabaseUsers(w.call({groupId: w.groupId})).body as Json).results).toEqual([])
    expect(w.model.hasExpiringUsers()).toBe(true)
    expect(w.model.scramUsers()).toEqual([])
    expect(w.model.hasExpiringUsers()).toBe(false)
  })
})
