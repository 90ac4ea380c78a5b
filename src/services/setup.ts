import type {AtlasClient} from '../atlas/client.js'
import {ConflictError, UsageError} from '../lib/errors.js'
import {mergeEnvFile, readEnvFile, reportedWrite, type WriteReport} from '../lib/secret-file.js'
import {addEntries, type EntrySpec, listEntries} from './access-list.js'
import {
  type ClusterSpec,
  type ClusterSummary,
  type ClusterWaitOptions,
  createCluster,
  getCluster,
  sameSpec,
  validateSpec,
  waitForCluster,
} from './clusters/clusters.js'
import {createProject, findProjectByName, type ProjectSummary} from './projects.js'
import {
  addUser,
  type Credentials,
  credentialsFor,
  deleteUser,
  keepPassword,
  listUsers,
  type Role,
  rotatePassword,
  updatesOnUserChange,
  writeCredentialsFile,
} from './users.js'

/** What to do with a database user that exists already and whose password no file here holds. */
export type ExistingUserChoice = 'rotate' | 'keep' | 'refuse'

export interface SetupInput {
  projectName: string
  orgId: () => Promise<string>
  spec: ClusterSpec
  username: string
  roles: Role[]
  entries: EntrySpec[]
  dotenv?: string
  credentialsFile?: string
  /** --rotate-password (or a yes on the terminal) is 'rotate'; a no is 'keep'; without either, 'refuse'. */
  existingUser: ExistingUserChoice
  wait: ClusterWaitOptions
  maxUsers?: number
  maxEntries?: number
  log: (line: string) => void
  /** Each local write of the password (never its value), for the audit log. */
  report?: WriteReport
  /** Runs keepPassword: the command shows a password no file could keep on the terminal. */
  keep: (...args: Parameters<typeof keepPassword>) => Promise<void>
  /** Without a file, the new password lives only in this process until the result is shown: the command holds it. */
  hold?: (creds: Credentials) => void
}

type StepStatus = 'created' | 'reused' | 'rotated' | 'updated' | 'skipped'

export interface SetupResult {
  project: ProjectSummary
  cluster: {name: string; tier: string; state: string}
  user: string
  entries: {added: string[]; existing: string[]}
  steps: Record<'project' | 'cluster' | 'user' | 'accessList', StepStatus>
  /** Absent when an existing user was kept: Atlas never returns a password. */
  credentials?: Credentials
  /** The cluster's connection string, without credentials. */
  connectionString?: string
  /** True when no address at all may connect to the project's clusters. */
  accessListEmpty: boolean
  dotenv?: string
}

/** The password an earlier run left in the dotenv file for this user, if any. */
function passwordFromDotenv(file: string | undefined, username: string): string | undefined {
  if (!file) return undefined
  const env = readEnvFile(file)
  return env.MONGODB_USERNAME === username && env.MONGODB_PASSWORD ? env.MONGODB_PASSWORD : undefined
}

/**
 * Before any change: a dotenv file that holds another user's password is not overwritten (exit 2),
 * since that password would be lost.
 */
export function checkDotenvOwner(file: string, username: string): void {
  const env = readEnvFile(file)
  if (!env.MONGODB_PASSWORD || !env.MONGODB_USERNAME || env.MONGODB_USERNAME === username) return
  throw new UsageError(
    `${file} holds the password of database user ${env.MONGODB_USERNAME}; setup for user ${username} would replace it, and it would be lost. Nothing was changed.`,
    {
      code: 'DOTENV_HOLDS_OTHER_USER',
      hint: `Use another --dotenv file, or --username ${env.MONGODB_USERNAME}.`,
      details: {flag: 'dotenv', file, username: env.MONGODB_USERNAME},
    },
  )
}

/**
 * Whether the user exists and whose password we lack: then the command asks (or --rotate-password
 * decides) before setup changes anything.
 */
export async function existingUserWithoutPassword(
  client: AtlasClient,
  input: Pick<SetupInput, 'projectName' | 'username' | 'dotenv'>,
): Promise<boolean> {
  const project = await findProjectByName(client, input.projectName)
  if (!project || passwordFromDotenv(input.dotenv, input.username)) return false
  return (await listUsers(client, project.id)).some((u) => u.username === input.username)
}

/**
 * The quick start: project → cluster → user → access list → wait → connection string.
 * Each step reuses what exists, so a re-run completes a half-finished setup without duplicates.
 * An existing user's password is changed only when asked to ('rotate').
 */
export async function runSetup(client: AtlasClient, input: SetupInput): Promise<SetupResult> {
  const spec = validateSpec(input.spec)
  const steps = {} as SetupResult['steps']

  let project = await findProjectByName(client, input.projectName)
  const exists = project ? (await listUsers(client, project.id)).some((u) => u.username === input.username) : false
  const kept = exists ? passwordFromDotenv(input.dotenv, input.username) : undefined
  if (exists && !kept && input.existingUser === 'refuse') throw existingUserConflict(input)

  steps.project = project ? 'reused' : 'created'
  project ??= await createProject(client, {name: input.projectName, orgId: await input.orgId()})
  input.log(`Project ${project.name}: ${steps.project}.`)

  let cluster = await getCluster(client, project.id, spec.name)
  if (cluster) {
    steps.cluster = 'reused'
    const cmp = sameSpec(cluster, spec)
    if (!cmp.same) input.log(`Cluster ${spec.name} exists with ${cmp.differences.join(', ')}; reusing it as it is.`)
  } else {
    cluster = await createCluster(client, project.id, spec)
    steps.cluster = 'created'
  }
  input.log(`Cluster ${spec.name}: ${steps.cluster} (${cluster.tier}, ${cluster.state}).`)

  let password: string | undefined
  let saved: Credentials | undefined
  const p = project
  const files = [input.dotenv, input.credentialsFile].filter(Boolean).join(' and ')
  // Written at once, so an interruption from here on never loses the password; a failed write undoes a new user.
  const save = async (pw: string, undo?: () => Promise<unknown>) => {
    const creds = credentialsFor(input.username, pw, p.name, [cluster])
    if (files) await input.keep(creds, files, () => writeFiles(input, creds), undo)
    else input.hold?.(creds)
    saved = creds
    return pw
  }
  if (!exists) {
    const created = await addUser(client, {
      project,
      username: input.username,
      roles: input.roles,
      clusters: [spec.name],
      maxUsers: input.maxUsers,
    })
    steps.user = 'created'
    password = await save(created.credentials.password, () => deleteUser(client, p, input.username))
  } else if (input.existingUser === 'rotate') {
    password = await save((await rotatePassword(client, project, input.username)).credentials.password)
    steps.user = 'rotated'
  } else {
    password = kept
    steps.user = 'reused'
  }
  input.log(`Database user ${input.username}: ${steps.user}${password ? '' : ' (its password is not known here)'}.`)

  const entries =
    input.entries.length > 0
      ? await addEntries(client, {
          project,
          entries: input.entries,
          comment: 'atlasctl setup',
          maxEntries: input.maxEntries,
        })
      : {added: [], existing: []}
  steps.accessList = input.entries.length === 0 ? 'skipped' : entries.added.length > 0 ? 'updated' : 'reused'
  const accessListEmpty = input.entries.length === 0 && (await listEntries(client, project.id)).length === 0

  // A new or changed user sends an M0 UPDATING for a while; its credentials work once it is IDLE again.
  const settled =
    cluster.state === 'IDLE' && cluster.connectionString && (steps.user === 'reused' || !updatesOnUserChange(cluster))
  const ready: ClusterSummary = settled
    ? cluster
    : (await waitForCluster(client, project.id, spec.name, {state: 'IDLE'}, input.wait)).state!
  const credentials = password ? credentialsFor(input.username, password, project.name, [ready]) : undefined
  if (credentials?.connectionString && credentials.connectionString !== saved?.connectionString)
    writeFiles(input, credentials)
  return {
    project,
    cluster: {name: ready.name, tier: ready.tier, state: ready.state},
    user: input.username,
    entries,
    steps,
    credentials,
    connectionString: ready.connectionString,
    accessListEmpty,
    dotenv: input.dotenv,
  }
}

/** Exit 6: the user exists, its password is unknown here, and nobody asked for a new one. */
export function existingUserConflict(input: Pick<SetupInput, 'username' | 'projectName' | 'dotenv'>): ConflictError {
  return new ConflictError(
    `Database user ${input.username} already exists in project ${input.projectName}, and atlasctl does not know its password (Atlas never returns one${input.dotenv ? `, and ${input.dotenv} does not hold it` : ''}). Nothing was changed.`,
    {
      code: 'USER_EXISTS',
      hint: 'Pass --rotate-password to give it a new password (apps using the current one must then get the new one), or --username NAME for a new user.',
      details: {flag: 'rotate-password', username: input.username},
    },
  )
}

/** The dotenv file and the credentials file, each merged and written 0600. */
function writeFiles(input: SetupInput, creds: Credentials): void {
  if (input.dotenv) {
    const file = input.dotenv
    const values = {
      ...(creds.connectionString ? {MONGODB_URI: creds.connectionString} : {}),
      MONGODB_USERNAME: creds.username,
      MONGODB_PASSWORD: creds.password,
    }
    reportedWrite(input.report, 'write dotenv file', file, creds.username, () => mergeEnvFile(file, values))
  }
  if (input.credentialsFile) writeCredentialsFile(input.credentialsFile, creds, input.report)
}
