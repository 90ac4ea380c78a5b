import type {Operation} from '../atlas/operations.js'
import {ApiProblem} from './http.js'

/** A role of an API key, on one organization or one project (the spec's CloudAccessRoleAssignment). */
export interface RoleAssignment {
  orgId?: string
  groupId?: string
  roleName: string
}

/**
 * What each project role grants, named as the spec's x-rolesRequirements name it. Every project role reads the
 * project (Project Read Only); Project Owner holds every project privilege (Atlas's user-roles reference).
 */
const PROJECT_ROLES: Record<string, readonly string[]> = {
  GROUP_OWNER: ['*'],
  GROUP_CLUSTER_MANAGER: ['Project Cluster Manager'],
  GROUP_DATABASE_ACCESS_ADMIN: ['Project Database Access Admin'],
  GROUP_NETWORK_ACCESS_MANAGER: ['Project Network Access Manager'],
  GROUP_STREAM_PROCESSING_OWNER: ['Project Stream Processing Owner', 'Project Database Access Admin'],
  GROUP_DATA_ACCESS_ADMIN: [],
  GROUP_DATA_ACCESS_READ_WRITE: [],
  GROUP_DATA_ACCESS_READ_ONLY: [],
  GROUP_SEARCH_INDEX_EDITOR: [],
  GROUP_BACKUP_MANAGER: [],
  GROUP_OBSERVABILITY_VIEWER: [],
  GROUP_READ_ONLY: [],
}

/** Organization roles: an owner holds everything in its organization, its projects included. */
const ORG_ROLES: Record<string, readonly string[]> = {
  ORG_OWNER: ['*'],
  ORG_GROUP_CREATOR: ['Organization Member', 'Organization Project Creator'],
  ORG_READ_ONLY: ['Organization Member', 'Organization Read Only', 'Project Read Only'],
  ORG_MEMBER: ['Organization Member'],
}

export const isProjectRole = (name: string) => Object.hasOwn(PROJECT_ROLES, name)

/**
 * Atlas refuses a key without the role an operation needs with 403. The status and code are not recorded: see
 * docs/emulator.md.
 */
export const forbidden = () =>
  new ApiProblem(403, 'USER_UNAUTHORIZED', 'Current user is not authorized to perform this action.', [])

/** Whether a role of the table holds one of the needed privileges; every project role reads its project. */
function grants(table: Record<string, readonly string[]>, role: string, needed: readonly string[]): boolean {
  const held = table[role]
  if (held === undefined) return false
  if (held.includes('*') || needed.length === 0) return true
  return needed.some((n) => held.includes(n) || (table === PROJECT_ROLES && n === 'Project Read Only'))
}

/** A key's roles, and its organization. */
export interface Holder {
  orgId: string
  roles: readonly RoleAssignment[]
}

/** Whether the holder may do what `needed` names in this project, of organization `orgId`. */
export function allowedInProject(
  h: Holder,
  groupId: string,
  orgId: string | undefined,
  needed: readonly string[],
): boolean {
  return h.roles.some((r) =>
    r.groupId !== undefined
      ? r.groupId === groupId && grants(PROJECT_ROLES, r.roleName, needed)
      : r.orgId === (orgId ?? h.orgId) &&
        grants(ORG_ROLES, r.roleName, needed.length === 0 ? ['Project Read Only'] : needed),
  )
}

const holdsOrgRole = (h: Holder, orgId: string, needed: readonly string[]) =>
  h.roles.some((r) => r.orgId === orgId && grants(ORG_ROLES, r.roleName, needed))

/**
 * The check before any handler runs: a project's call needs one of the spec's roles for it in that project, or in
 * its organization; any other call needs a role in the organization.
 */
export function authorize(
  h: Holder,
  op: Operation,
  params: Record<string, string>,
  orgOfGroup: (id: string) => string | undefined,
): void {
  const groupId = params.groupId
  if (groupId !== undefined) {
    const orgId = orgOfGroup(groupId)
    // Another organization's project is the model's answer (401), as before keys had roles.
    if (orgId !== undefined && orgId !== h.orgId) return
    if (!allowedInProject(h, groupId, orgId, op.roles)) throw forbidden()
    return
  }
  // listGroups and getGroupByName answer with what the key may see (the model filters); every other call outside a
  // project is the organization's.
  if (op.operationId === 'listGroups' || op.operationId === 'getGroupByName') return
  if (!holdsOrgRole(h, params.orgId ?? h.orgId, op.roles)) throw forbidden()
}
