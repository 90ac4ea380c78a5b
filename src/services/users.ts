import type {AtlasClient, DatabaseUser, DatabaseUserBody} from '../atlas/client.js'
import {isRoleName, ROLE_NAMES} from '../atlas/catalog.js'
import {mergeCredentialsFile} from '../lib/credentials-file.js'
import {
  AtlasCtlError,
  ConflictError,
  type ErrorOptions,
  ExitCode,
  NotFoundError,
  PartialFailureError,
  UsageError,
} from '../lib/errors.js'
import {generatePassword, withCredentials} from '../lib/password.js'
import {redactor} from '../lib/secrets.js'
import {reportedWrite, type WriteReport} from '../lib/secret-file.js'
import {closeMatches} from '../lib/text.js'
import {type ClusterSummary, type ClusterWaitOptions, listClusters, waitForCluster} from './clusters/clusters.js'

export type Role = DatabaseUser['roles'][number]

export const DEFAULT_ROLE = 'readWriteAnyDatabase@admin'
const ADMIN_ONLY = new Set([
  'atlasAdmin',
  'readAnyDatabase',
  'readWriteAnyDatabase',
  'dbAdminAnyDatabase',
  'clusterMonitor',
  'backup',
  'enableSharding',
])

/** The official CLI's role syntax: `role@db` or `role@db.collection`; a bare `role` is `role@admin`, as there. */
export function parseRole(given: string): Role {
  const value = /^[A-Za-z]+$/.test(given) ? `${given}@admin` : given
  const m = /^([A-Za-z]+)@([^.\s/\\"$*<>:|?]+)(?:\.(.+))?$/.exec(value)
  const roleName = m?.[1] ?? value.split('@')[0]
  if (!m || !isRoleName(roleName)) {
    const name = roleName
    const close = closeMatches(name, [...ROLE_NAMES])
    throw new UsageError(
      `Invalid --role "${given}": use ROLE@DB or ROLE@DB.COLLECTION with ROLE one of ${ROLE_NAMES.join(', ')}.${close.length ? ` Did you mean ${close[0]}?` : ''}`,
      {
        code: 'INVALID_ROLE',
        details: {flag: 'role', value: given},
      },
    )
  }
  if (ADMIN_ONLY.has(m[1]) && (m[2] !== 'admin' || m[3]))
    throw new UsageError(`Invalid --role "${given}": ${m[1]} applies to the admin database (${m[1]}@admin).`, {
      code: 'INVALID_ROLE',
      details: {flag: 'role', value: given},
    })
  return {roleName, databaseName: m[2], ...(m[3] ? {collectionName: m[3]} : {})}
}

const formatRole = (r: Role) => `${r.roleName}@${r.databaseName}${r.collectionName ? `.${r.collectionName}` : ''}`

export interface UserSummary {
  username: string
  databaseName: string
  roles: string[]
  clusters: string[]
  expires?: string
  description?: string
}

function summarizeUser(u: DatabaseUser): UserSummary {
  return {
    username: u.username,
    databaseName: u.databaseName,
    roles: (u.roles ?? []).map((r) => formatRole(r)),
    clusters: (u.scopes ?? []).filter((s) => s.type === 'CLUSTER').map((s) => s.name),
    expires: u.deleteAfterDate,
    description: u.description,
  }
}

export async function listUsers(client: AtlasClient, projectId: string): Promise<UserSummary[]> {
  const users = await client.paginate((query) =>
    client.ok(
      client.api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path: {groupId: projectId}, query}}),
    ),
  )
  return users.map(summarizeUser)
}

/** The one write path for each database-user change; the functions above add the checks, the events reuse these. */
export type UserBody = Pick<DatabaseUserBody, 'databaseName' | 'groupId' | 'username' | 'roles'> &
  Partial<Pick<DatabaseUserBody, 'password' | 'scopes' | 'deleteAfterDate' | 'description'>>

export async function createDatabaseUser(
  client: AtlasClient,
  projectId: string,
  body: UserBody,
): Promise<DatabaseUser> {
  return client.ok(
    client.api.POST('/api/atlas/v2/groups/{groupId}/databaseUsers', {params: {path: {groupId: projectId}}, body}),
  )
}

export async function updateDatabaseUser(
  client: AtlasClient,
  projectId: string,
  databaseName: DatabaseUser['databaseName'],
  username: string,
  body: UserBody,
): Promise<DatabaseUser> {
  return client.ok(
    client.api.PATCH('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {
      params: {path: {groupId: projectId, databaseName, username}},
      body,
    }),
  )
}

/** Deleting a user that is already gone is done, not a failure. */
export async function deleteDatabaseUser(
  client: AtlasClient,
  projectId: string,
  databaseName: string,
  username: string,
): Promise<void> {
  await client.found(
    client.api.DELETE('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {
      params: {path: {groupId: projectId, databaseName, username}},
    }),
  )
}

export async function getUser(
  client: AtlasClient,
  projectId: string,
  username: string,
): Promise<DatabaseUser | undefined> {
  return client.found(
    client.api.GET('/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}', {
      params: {path: {groupId: projectId, databaseName: 'admin', username}},
    }),
  )
}

export async function requireUser(
  client: AtlasClient,
  project: {id: string; name: string},
  username: string,
): Promise<DatabaseUser> {
  const u = await getUser(client, project.id, username)
  if (u) return u
  const close = closeMatches(
    username,
    (await listUsers(client, project.id)).map((x) => x.username),
  )
  throw new NotFoundError(
    `Database user "${username}" not found in project "${project.name}".${close.length ? ` Did you mean: ${close.join(', ')}?` : ''}`,
    {code: 'USER_NOT_FOUND', details: {username, closeMatches: close}},
  )
}

export interface Credentials {
  username: string
  password: string
  project: string
  /** Connection strings with the credentials in them, per cluster in scope that has one. */
  connectionStrings: Record<string, string>
  connectionString?: string
}

export function credentialsFor(
  username: string,
  password: string,
  project: string,
  clusters: ClusterSummary[],
): Credentials {
  const connectionStrings: Record<string, string> = {}
  for (const c of clusters)
    if (c.connectionString) connectionStrings[c.name] = withCredentials(c.connectionString, username, password)
  return {username, password, project, connectionStrings, connectionString: Object.values(connectionStrings)[0]}
}

/** The credential bundle: JSON, mode 0600, merged with the other users the file holds; `migrate --credentials-file` reads it back. */
export function writeCredentialsFile(file: string, creds: Credentials, report?: WriteReport): void {
  reportedWrite(report, 'write credentials file', file, creds.username, () =>
    mergeCredentialsFile(file, {...creds, createdAt: new Date().toISOString()}),
  )
}

/** A password Atlas now holds and no file does; the command shows it once on a terminal. */
export class UnsavedPasswordError extends PartialFailureError {
  constructor(
    message: string,
    readonly credentials: Credentials,
    options?: ErrorOptions,
  ) {
    super(message, {code: 'PASSWORD_NOT_SAVED', ...options})
  }
}

/**
 * Runs the local write that keeps a new password. When it fails, a user this run created is deleted
 * again, so no password is lost; a rotation cannot be undone (the old password is unknown), so it
 * becomes an UnsavedPasswordError.
 */
export async function keepPassword(
  creds: Credentials,
  file: string,
  write: () => void,
  undo?: () => Promise<unknown>,
): Promise<void> {
  try {
    write()
    return
  } catch (error) {
    const why = (error as Error).message
    const rotate = `atlasctl user rotate-password ${creds.username} --project ${creds.project} --credentials-file PATH`
    const shown = 'On a terminal the password is shown above, once; otherwise it is lost'
    if (!undo)
      throw new UnsavedPasswordError(
        `The password of database user ${creds.username} was changed in Atlas, but could not be written to ${file} (${why}).`,
        creds,
        {hint: `${shown}: give it a new one with "${rotate}" and a writable PATH.`},
      )
    try {
      await undo()
    } catch (undoError) {
      throw new UnsavedPasswordError(
        `Database user ${creds.username} was created, but its password could not be written to ${file} (${why}), and deleting the user again failed (${(undoError as Error).message}).`,
        creds,
        {hint: `${shown}: run "${rotate}" with a writable PATH, or delete the user.`},
      )
    }
    throw new AtlasCtlError(
      `Could not write ${file} (${why}); database user ${creds.username} was deleted again, so no password was lost.`,
      ExitCode.failure,
      {code: 'CREDENTIALS_NOT_WRITTEN', hint: 'Choose a writable path and run the command again.', details: {file}},
    )
  }
}

export interface AddUserInput {
  project: {id: string; name: string}
  username: string
  roles: Role[]
  clusters: string[]
  expires?: string
  description?: string
  password?: string
  maxUsers?: number
}

export interface AddUserResult {
  user: UserSummary
  generatedPassword: boolean
  credentials: Credentials
  /** The clusters the user reaches, as they were before the change. */
  clusters: ClusterSummary[]
}

/** Checks everything (clusters in scope, the per-project cap) before the one write. */
export async function addUser(client: AtlasClient, input: AddUserInput): Promise<AddUserResult> {
  if (!/^[^\s@:/]{1,1024}$/.test(input.username))
    throw new UsageError(`Invalid user name "${input.username}": no spaces, "@", ":" or "/".`, {
      details: {value: input.username},
    })
  // The per-project cap needs the users listed; without one, Atlas's own 409 USER_ALREADY_EXISTS (exit 6) says so.
  const [clusters, existing] = await Promise.all([
    listClusters(client, input.project.id),
    input.maxUsers === undefined ? undefined : listUsers(client, input.project.id),
  ])
  for (const name of input.clusters) {
    if (!clusters.some((c) => c.name === name)) {
      const close = closeMatches(
        name,
        clusters.map((c) => c.name),
      )
      throw new UsageError(
        `Unknown --cluster "${name}" in project "${input.project.name}"; nothing was created.${close.length ? ` Did you mean: ${close.join(', ')}?` : ''}`,
        {code: 'UNKNOWN_CLUSTER', details: {flag: 'cluster', value: name}},
      )
    }
  }
  if (existing?.some((u) => u.username === input.username))
    throw new ConflictError(`Database user "${input.username}" already exists in project "${input.project.name}".`, {
      code: 'USER_ALREADY_EXISTS',
      hint: 'Use "atlasctl user rotate-password" for a new password.',
    })
  if (input.maxUsers !== undefined && existing && existing.length >= input.maxUsers) {
    throw new ConflictError(
      `Project "${input.project.name}" already has ${existing.length} database users, the limit set for it is ${input.maxUsers}; nothing was created.`,
      {code: 'USER_LIMIT', hint: "Raise --max-users (or the profile's maxDbUsers), or delete a user."},
    )
  }
  const password = input.password ?? generatePassword()
  redactor.add(password)
  const body: UserBody = {
    databaseName: 'admin',
    groupId: input.project.id,
    username: input.username,
    password,
    roles: input.roles,
    scopes: input.clusters.map((name) => ({name, type: 'CLUSTER'})),
    ...(input.expires ? {deleteAfterDate: input.expires} : {}),
    ...(input.description ? {description: input.description} : {}),
  }
  const created = await createDatabaseUser(client, input.project.id, body)
  const inScope = input.clusters.length > 0 ? clusters.filter((c) => input.clusters.includes(c.name)) : clusters
  return {
    user: summarizeUser(created),
    generatedPassword: input.password === undefined,
    credentials: credentialsFor(input.username, password, input.project.name, inScope),
    clusters: inScope,
  }
}

export async function rotatePassword(
  client: AtlasClient,
  project: {id: string; name: string},
  username: string,
  password = generatePassword(),
): Promise<AddUserResult> {
  const u = await requireUser(client, project, username)
  redactor.add(password)
  // The spec's PATCH body is the whole user; only the password changes.
  const body: UserBody = {
    databaseName: u.databaseName,
    groupId: project.id,
    username: u.username,
    roles: u.roles,
    scopes: u.scopes ?? [],
    password,
    ...(u.deleteAfterDate ? {deleteAfterDate: u.deleteAfterDate} : {}),
  }
  const updated = await updateDatabaseUser(client, project.id, u.databaseName, username, body)
  const scoped = (u.scopes ?? []).filter((s) => s.type === 'CLUSTER').map((s) => s.name)
  const clusters = (await listClusters(client, project.id)).filter(
    (c) => scoped.length === 0 || scoped.includes(c.name),
  )
  return {
    user: summarizeUser(updated),
    generatedPassword: true,
    credentials: credentialsFor(username, password, project.name, clusters),
    clusters,
  }
}

/** Atlas pushes a database-user change to an M0, which is UPDATING meanwhile (recorded: about 20 s). */
export const updatesOnUserChange = (c: ClusterSummary): boolean => c.kind === 'M0'

/** The credentials once every M0 the user reaches is IDLE again, with the clusters as they are then. */
export async function waitUntilUsable(
  client: AtlasClient,
  project: {id: string; name: string},
  r: AddUserResult,
  wait: ClusterWaitOptions,
): Promise<Credentials> {
  const ready: ClusterSummary[] = []
  for (const c of r.clusters)
    ready.push(
      updatesOnUserChange(c)
        ? ((await waitForCluster(client, project.id, c.name, {state: 'IDLE'}, wait)).state ?? c)
        : c,
    )
  return credentialsFor(r.credentials.username, r.credentials.password, project.name, ready)
}

export async function deleteUser(
  client: AtlasClient,
  project: {id: string; name: string},
  username: string,
): Promise<UserSummary> {
  const u = await requireUser(client, project, username)
  await deleteDatabaseUser(client, project.id, u.databaseName, username)
  return summarizeUser(u)
}
