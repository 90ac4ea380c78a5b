import type {AtlasClient} from '../atlas/client.js'

/**
 * What a team leader needs: database users (Project Database Access Admin), the access list (Project Network Access
 * Manager) and deleting the cluster. The spec names only Project Owner for deleteGroupCluster and
 * deleteGroupFlexCluster (x-rolesRequirements), and Project Owner holds the other two, so it is the least role that
 * does the three jobs (docs/events.md, "Team self-service").
 */
export const LEADER_ROLES = ['GROUP_OWNER'] as const
/** Members see the cluster and its connection details, and change nothing. */
export const MEMBER_ROLES = ['GROUP_READ_ONLY'] as const

export interface ProjectKey {
  id: string
  publicKey: string
  desc?: string
}

/** A new key: its private half is shown by Atlas this once. */
export interface NewProjectKey extends ProjectKey {
  privateKey: string
}

export interface ProjectMember {
  id: string
  username: string
  status: string
  roles: string[]
}

const keyOf = (k: {id?: string; publicKey?: string; desc?: string}) => ({
  id: k.id ?? '',
  publicKey: k.publicKey ?? '',
  desc: k.desc,
})

/** Creates an organization API key with roles in this project only (createGroupApiKey). */
export async function createProjectKey(
  client: AtlasClient,
  projectId: string,
  o: {desc: string; roles: readonly string[]},
): Promise<NewProjectKey> {
  const k = await client.ok(
    client.api.POST('/api/atlas/v2/groups/{groupId}/apiKeys', {
      params: {path: {groupId: projectId}},
      body: {desc: o.desc, roles: [...o.roles]},
    }),
  )
  return {...keyOf(k), privateKey: k.privateKey ?? ''}
}

/** The keys that hold a role in this project. */
export async function listProjectKeys(client: AtlasClient, projectId: string): Promise<ProjectKey[]> {
  const keys = await client.paginate((query) =>
    client.ok(client.api.GET('/api/atlas/v2/groups/{groupId}/apiKeys', {params: {path: {groupId: projectId}, query}})),
  )
  return keys.map(keyOf)
}

/** Deletes the key from the organization (a project key is an organization key); one already gone is fine. */
export async function deleteOrgKey(client: AtlasClient, orgId: string, keyId: string): Promise<void> {
  await client.found(
    client.api.DELETE('/api/atlas/v2/orgs/{orgId}/apiKeys/{apiUserId}', {params: {path: {orgId, apiUserId: keyId}}}),
  )
}

/** Adds a person to the project with these roles: Atlas invites them to the organization if they are not in it. */
export async function addProjectMember(
  client: AtlasClient,
  projectId: string,
  username: string,
  roles: readonly string[],
): Promise<ProjectMember> {
  const u = await client.ok(
    client.api.POST('/api/atlas/v2/groups/{groupId}/users', {
      params: {path: {groupId: projectId}},
      body: {username, roles: [...roles]},
    }),
  )
  return {id: u.id, username: u.username, status: u.orgMembershipStatus, roles: [...u.roles]}
}

/** Everyone in the project, invitations still pending included. */
export async function listProjectMembers(client: AtlasClient, projectId: string): Promise<ProjectMember[]> {
  const users = await client.paginate((query) =>
    client.ok(client.api.GET('/api/atlas/v2/groups/{groupId}/users', {params: {path: {groupId: projectId}, query}})),
  )
  return users.map((u) => ({id: u.id, username: u.username, status: u.orgMembershipStatus, roles: [...u.roles]}))
}

/** Removes a person (or their invitation) from the project; one already gone is fine. */
export async function removeProjectMember(client: AtlasClient, projectId: string, userId: string): Promise<void> {
  await client.found(
    client.api.DELETE('/api/atlas/v2/groups/{groupId}/users/{userId}', {params: {path: {groupId: projectId, userId}}}),
  )
}
