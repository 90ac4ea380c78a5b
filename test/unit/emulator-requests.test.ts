import {describe, expect, it} from 'vitest'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {ApiProblem} from '../../src/emulator/http.js'
import {AtlasModel, type Call, handlers} from '../../src/emulator/model.js'
import {freshState} from '../../src/emulator/state.js'

/** A model with one project, and a way to call any operation with any body. */
function world() {
  const state = freshState()
  const table = handlers(new AtlasModel(state, FAST_DELAYS, 'mongodb://127.0.0.1:27017'))
  const principal = {
    kind: 'apiKey' as const,
    id: state.apiKeys[0].publicKey,
    orgId: state.orgs[0].id,
    roles: [{orgId: state.orgs[0].id, roleName: 'ORG_OWNER'}],
  }
  const call = (params: Record<string, string>, body: unknown, version = '2024-10-23'): Call => ({
    principal,
    params,
    query: new URLSearchParams(),
    body,
    baseUrl: 'http://emulator',
    version,
  })
  const created = table.createGroup(call({}, {name: 'requests', orgId: principal.orgId}, '2023-01-01')).body
  const groupId = created && typeof created === 'object' && 'id' in created ? String(created.id) : ''
  /** The answer as status, errorCode, detail and parameters, or the status of a success. */
  const answer = (run: () => unknown) => {
    try {
      run()
      return 'ok'
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error
      return {status: error.status, errorCode: error.errorCode, detail: error.detail, parameters: error.parameters}
    }
  }
  return {table, call, groupId, answer}
}

const aws = (over: Record<string, unknown> = {}) => ({
  providerName: 'AWS',
  regionName: 'US_EAST_1',
  priority: 7,
  electableSpecs: {instanceSize: 'M10', nodeCount: 3},
  ...over,
})
const cluster = (over: Record<string, unknown> = {}, region: Record<string, unknown> = {}) => ({
  name: 'c1',
  clusterType: 'REPLICASET',
  replicationSpecs: [{regionConfigs: [aws(region)]}],
  ...over,
})

describe('the emulator checks request bodies against the spec', () => {
  it('a wrong-typed field is 400 INVALID_ATTRIBUTE naming it, at any depth, where the old checks took it', () => {
    const {table, call, groupId, answer} = world()
    const create = (body: unknown) => answer(() => table.createGroupCluster(call({groupId}, body)))
    expect(create(cluster({terminationProtectionEnabled: 'no'}))).toEqual({
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute terminationProtectionEnabled specified: must be boolean.',
      parameters: ['terminationProtectionEnabled'],
    })
    expect(create(cluster({}, {electableSpecs: {instanceSize: 'M10', nodeCount: 'three'}}))).toMatchObject({
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['replicationSpecs[0].regionConfigs[0].electableSpecs.nodeCount'],
    })
    // The 2023-02-01 shape's one disk size is checked too.
    expect(
      answer(() => table.createGroupCluster(call({groupId}, cluster({diskSizeGB: '40'}), '2023-02-01'))),
    ).toMatchObject({status: 400, errorCode: 'INVALID_ATTRIBUTE', parameters: ['diskSizeGB']})
    expect(
      answer(() =>
        table.createGroup(call({}, {name: 'p2', orgId: call({}, {}).principal.orgId, withDefaultAlertsSettings: 'no'})),
      ),
    ).toMatchObject({status: 400, errorCode: 'INVALID_ATTRIBUTE', parameters: ['withDefaultAlertsSettings']})
    expect(create(cluster())).toBe('ok')
    expect(answer(() => table.updateGroupCluster(call({groupId, clusterName: 'c1'}, {paused: 'yes'})))).toMatchObject({
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['paused'],
    })
  })

  it('a missing required field is 400 MISSING_ATTRIBUTE naming it; an absent body names the first one', () => {
    const {table, call, groupId, answer} = world()
    const user = {
      groupId,
      databaseName: 'admin',
      username: 'ada',
      password: 'long-enough-pw',
      roles: [{roleName: 'read', databaseName: 'shop'}],
    }
    expect(answer(() => table.createGroupDatabaseUser(call({groupId}, {...user, databaseName: undefined})))).toEqual({
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
      detail: 'The required attribute databaseName was not specified.',
      parameters: ['databaseName'],
    })
    expect(answer(() => table.createGroupDatabaseUser(call({groupId}, {...user, username: undefined})))).toMatchObject({
      errorCode: 'MISSING_ATTRIBUTE',
      parameters: ['username'],
    })
    expect(
      answer(() => table.createGroupDatabaseUser(call({groupId}, {...user, roles: [{roleName: 'read'}]}))),
    ).toMatchObject({errorCode: 'MISSING_ATTRIBUTE', parameters: ['roles[0].databaseName']})
    expect(answer(() => table.createGroupDatabaseUser(call({groupId}, user)))).toBe('ok')
    // A PATCH names the user in its body, as the spec has it and every recorded client sends it; it may leave the roles out.
    const path = {groupId, databaseName: 'admin', username: 'ada'}
    expect(answer(() => table.updateGroupDatabaseUser(call(path, {password: 'another-long-pw'})))).toMatchObject({
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
      parameters: ['databaseName'],
    })
    expect(
      answer(() =>
        table.updateGroupDatabaseUser(
          call(path, {groupId, databaseName: 'admin', username: 'ada', password: 'another-long-pw'}),
        ),
      ),
    ).toBe('ok')
    expect(answer(() => table.createGroup(call({}, undefined)))).toMatchObject({
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
      parameters: ['name'],
    })
  })

  it('a value outside an enum is 400 INVALID_ENUM_VALUE with the value, as Atlas answers it; a region name stays INVALID_ATTRIBUTE', () => {
    const {table, call, groupId, answer} = world()
    const create = (body: unknown) => answer(() => table.createGroupCluster(call({groupId}, body)))
    expect(create(cluster({clusterType: 'RING'}))).toEqual({
      status: 400,
      errorCode: 'INVALID_ENUM_VALUE',
      detail: 'An invalid enumeration value RING was specified for clusterType.',
      parameters: ['RING'],
    })
    expect(create(cluster({}, {providerName: 'MARS'}))).toMatchObject({
      errorCode: 'INVALID_ENUM_VALUE',
      detail: expect.stringContaining('replicationSpecs[0].regionConfigs[0].providerName'),
      parameters: ['MARS'],
    })
    const user = {
      groupId,
      databaseName: 'admin',
      username: 'ada',
      password: 'long-enough-pw',
      roles: [{roleName: 'reader', databaseName: 'shop'}],
    }
    expect(answer(() => table.createGroupDatabaseUser(call({groupId}, user)))).toMatchObject({
      errorCode: 'INVALID_ENUM_VALUE',
      parameters: ['reader'],
    })
    // atlas-cli reads INVALID_ATTRIBUTE with the field in the detail for a bad region (shared/docs/atlas-cli.md).
    expect(create(cluster({}, {regionName: 'MARS_1'}))).toMatchObject({
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: expect.stringContaining('regionName'),
      parameters: ['replicationSpecs[0].regionConfigs[0].regionName'],
    })
  })

  it('keeps the codes Atlas gives beyond the spec: cluster names, addresses, the catalogue and its rules', () => {
    const {table, call, groupId, answer} = world()
    expect(answer(() => table.createGroupCluster(call({groupId}, cluster({name: 'no spaces'}))))).toMatchObject({
      status: 400,
      errorCode: 'INVALID_CLUSTER_NAME',
      detail: expect.stringContaining('name'),
      parameters: ['no spaces'],
    })
    expect(answer(() => table.createGroupCluster(call({groupId}, cluster({name: 'x'.repeat(65)}))))).toMatchObject({
      status: 400,
      errorCode: 'INVALID_CLUSTER_NAME',
    })
    expect(
      answer(() =>
        table.createGroupFlexCluster(
          call({groupId}, {name: 'no spaces', providerSettings: {backingProviderName: 'AWS', regionName: 'US_EAST_1'}}),
        ),
      ),
    ).toMatchObject({errorCode: 'INVALID_CLUSTER_NAME'})
    expect(
      answer(() => table.createGroupCluster(call({groupId}, cluster({}, {regionName: 'CENTRAL_US'})))),
    ).toMatchObject({errorCode: 'INVALID_ATTRIBUTE', detail: expect.stringContaining('not a valid AWS region')})
    // GroupUpdate's name has no pattern in the spec; a rename keeps to Group's.
    expect(answer(() => table.updateGroup(call({groupId}, {name: 'bad/name'})))).toMatchObject({
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['name'],
    })
    const entries = (body: unknown) => answer(() => table.createGroupAccessListEntry(call({groupId}, body)))
    expect(entries([{ipAddress: '300.1.1.1'}])).toMatchObject({errorCode: 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION'})
    expect(entries([{ipAddress: '2001:db8::1'}, {cidrBlock: '2001:db8::/32'}])).toBe('ok')
    expect(entries([{cidrBlock: '10.0.0.0/8', comment: 'x'.repeat(81)}])).toMatchObject({
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['[0].comment'],
    })
    expect(
      entries([{cidrBlock: '10.0.0.0/8', deleteAfterDate: new Date(Date.now() + 8 * 24 * 3600_000).toISOString()}]),
    ).toMatchObject({errorCode: 'INVALID_ATTRIBUTE', parameters: ['deleteAfterDate']})
    expect(entries([])).toMatchObject({errorCode: 'INVALID_ATTRIBUTE'})
  })
})
