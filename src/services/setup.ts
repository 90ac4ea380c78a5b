import type {AtlasClient} from '../atlas/client.js'
import {mergeEnvFile, readEnvFile} from '../lib/secret-file.js'
import {addEntries, type EntrySpec} from './access-list.js'
import {type ClusterSpec, type ClusterWaitOptions, createCluster, getCluster, sameSpec, validateSpec, waitForCluster} from './clusters.js'
import {createProject, findProjectByName, type ProjectSummary} from './projects.js'
import {addUser, type Credentials, credentialsFor, listUsers, type Role, rotatePassword} from './users.js'

export interface SetupInput {
  projectName: string
  orgId: () => Promise<string>
  spec: ClusterSpec
  username: string
  roles: Role[]
  entries: EntrySpec[]
  envFile?: string
  wait: ClusterWaitOptions
  maxUsers?: number
  maxEntries?: number
  log: (line: string) => void
}

export type StepStatus = 'created' | 'reused' | 'rotated' | 'updated' | 'skipped'

export interface SetupResult {
  project: ProjectSummary
  cluster: {name: string; tier: string; state: string}
  user: string
  entries: {added: string[]; existing: string[]}
  steps: Record<'project' | 'cluster' | 'user' | 'accessList', StepStatus>
  credentials: Credentials
  envFile?: string
}

/** The password an earlier run left in the env file for this user, if any. */
function passwordFromEnvFile(file: string | undefined, username: string): string | undefined {
  if (!file) return undefined
  const env = readEnvFile(file)
  return env.MONGODB_USERNAME === username && env.MONGODB_PASSWORD ? env.MONGODB_PASSWORD : undefined
}

/**
 * The quick start: project → cluster → user → access list → wait → connection string.
 * Each step reuses what exists, so a re-run completes a half-finished setup without duplicates.
 */
export async function runSetup(client: AtlasClient, input: SetupInput): Promise<SetupResult> {
  const spec = validateSpec(input.spec)
  const steps = {} as SetupResult['steps']

  let project = await findProjectByName(client, input.projectName)
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

  const users = await listUsers(client, project.id)
  let password: string
  if (users.some((u) => u.username === input.username)) {
    const kept = passwordFromEnvFile(input.envFile, input.username)
    if (kept) {
      password = kept
      steps.user = 'reused'
    } else {
      // Atlas never returns a password, so an existing user gets a new one rather than an unknown one.
      password = (await rotatePassword(client, project, input.username)).credentials.password
      steps.user = 'rotated'
    }
  } else {
    password = (await addUser(client, {project, username: input.username, roles: input.roles, clusters: [spec.name], maxUsers: input.maxUsers})).credentials.password
    steps.user = 'created'
  }
  input.log(`Database user ${input.username}: ${steps.user}.`)
  // Written now, so an interruption from here on never loses the password.
  if (input.envFile) mergeEnvFile(input.envFile, {MONGODB_USERNAME: input.username, MONGODB_PASSWORD: password})

  const entries = input.entries.length > 0 ? await addEntries(client, {project, entries: input.entries, comment: 'atlasctl setup', maxEntries: input.maxEntries}) : {added: [], existing: []}
  steps.accessList = input.entries.length === 0 ? 'skipped' : entries.added.length > 0 ? 'updated' : 'reused'
  if (input.entries.length === 0) input.log('Access list: no entries given (--ip); nothing can connect until you add one with "atlasctl ip add".')

  const ready = cluster.state === 'IDLE' && cluster.connectionString ? cluster : (await waitForCluster(client, project.id, spec.name, {state: 'IDLE'}, input.wait)).state!
  const credentials = credentialsFor(input.username, password, project.name, [ready])
  if (input.envFile && credentials.connectionString) mergeEnvFile(input.envFile, {MONGODB_URI: credentials.connectionString, MONGODB_USERNAME: input.username, MONGODB_PASSWORD: password})
  return {project, cluster: {name: ready.name, tier: ready.tier, state: ready.state}, user: input.username, entries, steps, credentials, envFile: input.envFile}
}
