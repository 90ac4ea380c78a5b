import {describe, expect, it} from 'vitest'
import {OPERATIONS} from '../../src/atlas/operations.generated.js'
import type {OperationId} from '../../src/atlas/operations.js'
import {authorize, type Holder} from '../../src/emulator/roles.js'

const ORG = 'a'.repeat(24)
const MINE = 'b'.repeat(24)
const THEIRS = 'c'.repeat(24)
const orgOf = () => ORG
const op = (id: OperationId) => OPERATIONS.find((o) => o.operationId === id)!

/** What a holder may do, per operation: true, or the status Atlas refuses with. */
function may(h: Holder, id: OperationId, params: Record<string, string> = {groupId: MINE}): true | number {
  try {
    authorize(h, op(id), params, orgOf)
    return true
  } catch (error) {
    return (error as {status: number}).status
  }
}
const projectKey = (...roles: string[]): Holder => ({
  orgId: ORG,
  roles: roles.map((roleName) => ({groupId: MINE, roleName})),
})

describe("the emulator's roles, from the spec's x-rolesRequirements", () => {
  it('a project key reads its project with any role and writes only what its roles grant', () => {
    const ro = projectKey('GROUP_READ_ONLY')
    expect(may(ro, 'listGroupClusters')).toBe(true)
    expect(may(ro, 'createGroupDatabaseUser')).toBe(403)
    const db = projectKey('GROUP_DATABASE_ACCESS_ADMIN')
    expect(may(db, 'createGroupDatabaseUser')).toBe(true)
    expect(may(db, 'createGroupAccessListEntry')).toBe(403)
    expect(may(projectKey('GROUP_NETWORK_ACCESS_MANAGER'), 'deleteGroupAccessListEntry')).toBe(true)
    // Only Project Owner deletes a cluster: the reason team keys are GROUP_OWNER.
    expect(may(projectKey('GROUP_CLUSTER_MANAGER'), 'updateGroupCluster')).toBe(true)
    expect(may(projectKey('GROUP_CLUSTER_MANAGER', 'GROUP_DATABASE_ACCESS_ADMIN'), 'deleteGroupCluster')).toBe(403)
    expect(may(projectKey('GROUP_OWNER'), 'deleteGroupCluster')).toBe(true)
    expect(may(projectKey('GROUP_OWNER'), 'createGroupApiKey')).toBe(true)
  })

  it('a project key is refused on other projects and on the organization', () => {
    const owner = projectKey('GROUP_OWNER')
    expect(may(owner, 'getGroup', {groupId: THEIRS})).toBe(403)
    expect(may(owner, 'deleteGroupCluster', {groupId: THEIRS, clusterName: 'x'})).toBe(403)
    expect(may(owner, 'getOrg', {orgId: ORG})).toBe(403)
    expect(may(owner, 'listOrgs', {})).toBe(403)
    expect(may(owner, 'createGroup', {})).toBe(403)
    expect(may(owner, 'deleteOrgApiKey', {orgId: ORG, apiUserId: 'd'.repeat(24)})).toBe(403)
    // These answer with what the key may see.
    expect(may(owner, 'listGroups', {})).toBe(true)
  })

  it('organization roles: an owner does everything, read-only reads every project and writes none', () => {
    const owner: Holder = {orgId: ORG, roles: [{orgId: ORG, roleName: 'ORG_OWNER'}]}
    for (const id of ['deleteGroupCluster', 'createGroupApiKey', 'deleteOrgApiKey', 'getOrg'] as const)
      expect(may(owner, id, {groupId: THEIRS, orgId: ORG, apiUserId: 'd'.repeat(24)})).toBe(true)
    const reader: Holder = {orgId: ORG, roles: [{orgId: ORG, roleName: 'ORG_READ_ONLY'}]}
    expect(may(reader, 'listGroupDatabaseUsers', {groupId: THEIRS})).toBe(true)
    expect(may(reader, 'createGroupDatabaseUser', {groupId: THEIRS})).toBe(403)
    const member: Holder = {orgId: ORG, roles: [{orgId: ORG, roleName: 'ORG_MEMBER'}]}
    expect(may(member, 'getOrg', {orgId: ORG})).toBe(true)
    expect(may(member, 'getGroup', {groupId: THEIRS})).toBe(403)
  })
})
