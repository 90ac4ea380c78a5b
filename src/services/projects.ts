import type {AtlasClient, Group} from '../atlas/client.js'
import {AtlasApiError} from '../atlas/errors.js'
import {MissingValueError, NotFoundError, UsageError} from '../lib/errors.js'
import {closeMatches} from '../lib/text.js'

export interface ProjectSummary {
  id: string
  name: string
  orgId: string
  clusterCount: number
  created: string
  tags: Array<{key: string; value: string}>
}

const OBJECT_ID = /^[a-f0-9]{24}$/

export function summarizeProject(g: Group): ProjectSummary {
  return {
    id: g.id!,
    name: g.name,
    orgId: g.orgId,
    clusterCount: g.clusterCount ?? 0,
    created: g.created ?? '',
    tags: g.tags ?? [],
  }
}

export async function listProjects(client: AtlasClient): Promise<ProjectSummary[]> {
  const groups = await client.paginate((query) => client.ok(client.api.GET('/api/atlas/v2/groups', {params: {query}})))
  return groups.map(summarizeProject)
}

/** A project as a command that needs only its id holds it: the name only when the user gave one. */
export interface ProjectRef {
  id: string
  name?: string
}

// Per client, so per run: a project named twice in one run is looked up once.
const lookups = new WeakMap<AtlasClient, Map<string, Promise<ProjectSummary>>>()

/** The one project lookup, by id or by name, cached for the run; not found is exit 4 with the close matches. */
export async function resolveProject(client: AtlasClient, nameOrId: string | undefined): Promise<ProjectSummary> {
  if (!nameOrId) throw new MissingValueError('project', 'project (name or id; or set ATLAS_PROJECT_ID)')
  let cache = lookups.get(client)
  if (!cache) lookups.set(client, (cache = new Map()))
  let lookup = cache.get(nameOrId)
  if (!lookup) {
    lookup = lookUp(client, nameOrId)
    cache.set(nameOrId, lookup)
    void lookup.catch(() => cache.delete(nameOrId))
  }
  return lookup
}

async function lookUp(client: AtlasClient, nameOrId: string): Promise<ProjectSummary> {
  try {
    const group = OBJECT_ID.test(nameOrId)
      ? await client.ok(client.api.GET('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId: nameOrId}}}))
      : await client.ok(
          client.api.GET('/api/atlas/v2/groups/byName/{groupName}', {params: {path: {groupName: nameOrId}}}),
        )
    return summarizeProject(group)
  } catch (error) {
    if (!(error instanceof AtlasApiError) || error.status !== 404) throw error
    throw await projectNotFound(client, nameOrId)
  }
}

async function projectNotFound(client: AtlasClient, nameOrId: string): Promise<NotFoundError> {
  const known = (await listProjects(client)).map((p) => p.name)
  const close = closeMatches(nameOrId, known)
  return new NotFoundError(
    `Project "${nameOrId}" not found.${close.length > 0 ? ` Did you mean: ${close.join(', ')}?` : ''}`,
    {
      code: 'PROJECT_NOT_FOUND',
      hint: '"atlasctl project list" shows the projects this key can see.',
      details: {project: nameOrId, closeMatches: close},
    },
  )
}

/**
 * Runs `use` in a project for an answer that needs only its id: an id costs no request, a name its one lookup. An id
 * that names no project is the same "not found" as resolveProject's, found out from the request that needed it.
 */
export async function inProject<T>(
  client: AtlasClient,
  nameOrId: string | undefined,
  use: (project: ProjectRef) => Promise<T>,
): Promise<T> {
  if (!nameOrId || !OBJECT_ID.test(nameOrId)) return use(await resolveProject(client, nameOrId))
  try {
    return await use({id: nameOrId})
  } catch (error) {
    if (error instanceof AtlasApiError && error.status === 404 && error.errorCode === 'GROUP_NOT_FOUND')
      throw await projectNotFound(client, nameOrId)
    throw error
  }
}

export async function findProjectByName(client: AtlasClient, name: string): Promise<ProjectSummary | undefined> {
  try {
    return await resolveProject(client, name)
  } catch (error) {
    if (error instanceof NotFoundError) return undefined
    throw error
  }
}

/** Atlas's rule for a project name; answers what is wrong, or undefined. */
export function projectNameProblem(name: string): string | undefined {
  return /^[\p{L}\p{N}\-_.(),:&@+']{1,64}$/u.test(name) ? undefined : "use letters, digits and -_.(),:&@+' (at most 64)"
}

export function validateProjectName(name: string, flag: string): string {
  const problem = projectNameProblem(name)
  if (problem)
    throw new UsageError(`Invalid project name "${name}" (${flag}): ${problem}.`, {
      code: 'INVALID_PROJECT_NAME',
      details: {flag, value: name},
    })
  return name
}

export function parseTags(values: string[] | undefined, flag = 'tag'): Array<{key: string; value: string}> {
  return (values ?? []).map((t) => {
    const i = t.indexOf('=')
    const key = t.slice(0, i)
    const value = t.slice(i + 1)
    if (i <= 0 || value === '' || !/^[\w .+@;-]{1,255}$/.test(key) || !/^[\w .+@;-]{1,255}$/.test(value)) {
      throw new UsageError(
        `Invalid --${flag} "${t}": use key=value, letters, digits, spaces and ; @ _ - . + (1-255 each).`,
        {details: {flag, value: t}},
      )
    }
    return {key, value}
  })
}

/** The project of that exact name, with its tags, or undefined. */
export async function findGroup(client: AtlasClient, name: string): Promise<Group | undefined> {
  return client.found(client.api.GET('/api/atlas/v2/groups/byName/{groupName}', {params: {path: {groupName: name}}}))
}

/** The one create of a project. */
export async function createGroup(
  client: AtlasClient,
  input: {name: string; orgId: string; tags?: Array<{key: string; value: string}>},
): Promise<Group> {
  return client.ok(
    client.api.POST('/api/atlas/v2/groups', {body: {name: input.name, orgId: input.orgId, tags: input.tags}}),
  )
}

export async function createProject(
  client: AtlasClient,
  input: {name: string; orgId: string; tags?: Array<{key: string; value: string}>},
): Promise<ProjectSummary> {
  return summarizeProject(await createGroup(client, input))
}

/** The one delete of a project; one already gone is done. */
export async function deleteProject(client: AtlasClient, id: string): Promise<void> {
  await client.found(client.api.DELETE('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId: id}}}))
}

/** The organizations the key sees. */
export async function listOrgs(client: AtlasClient): Promise<Array<{id: string; name: string}>> {
  const orgs = await client.paginate((query) => client.ok(client.api.GET('/api/atlas/v2/orgs', {params: {query}})))
  return orgs.map((o) => ({id: o.id!, name: o.name}))
}

/** The org: explicit, else the only one the key sees. */
export async function resolveOrgId(client: AtlasClient, orgId: string | undefined): Promise<string> {
  if (orgId) return orgId
  const orgs = await listOrgs(client)
  if (orgs.length === 1) return orgs[0].id
  throw new MissingValueError(
    'org-id',
    `organization (the key sees ${orgs.length}; set MONGODB_ATLAS_ORG_ID or the profile's orgId)`,
  )
}
