import {createHash, randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {z} from 'zod'
import type {AtlasClient, Group} from '../../atlas/client.js'
import {AtlasApiError} from '../../atlas/errors.js'
import {NetworkError} from '../../atlas/transport.js'
import {AtlasCtlError, ConflictError, ExitCode, TimeoutError} from '../../lib/errors.js'
import {generatePassword, withCredentials} from '../../lib/password.js'
import {redactor} from '../../lib/secrets.js'
import {retrying} from '../../lib/retry.js'
import {reportedWrite, type WriteReport, writeSecretFile} from '../../lib/secret-file.js'
import {addEntries, parseEntry} from '../access-list.js'
import {type ClusterSummary, createCluster, deleteCluster, getCluster, waitForCluster} from '../clusters/clusters.js'
import {createGroup, findGroup, summarizeProject, type ProjectSummary} from '../projects.js'
import {type AdaptiveLimit, pool} from '../../lib/pool.js'
import {clusterNameFor, endsAtTag, type EventFile, projectNameFor, type Team, userNameFor} from './event-file.js'
import {type Ledger, teamKeyPrefix} from './ledger.js'
import {tagOf} from './status.js'
import {teardownProject} from './teardown.js'
import {createDatabaseUser, deleteDatabaseUser, getUser, updateDatabaseUser, type UserBody} from '../users.js'
import {
  addProjectMember,
  createProjectKey,
  deleteOrgKey,
  LEADER_ROLES,
  listProjectKeys,
  listProjectMembers,
  MEMBER_ROLES,
  removeProjectMember,
} from '../team-access.js'

export interface ProvisionInput {
  event: EventFile
  outDir: string
  ledger: Ledger
  limit: AdaptiveLimit
  orgId: string
  waitTimeoutMs?: number
  pollMs: number
  /** `waiting`: teams whose resources are all asked for, their clusters not ready yet; `done`: teams ready. */
  onProgress: (p: {waiting: number; done: number; failed: number; total: number; message: string}) => void
  /** One audit line per bundle written (a local write of a secret), never the password. */
  report?: WriteReport
  /** The command that picks the run up again, named when a wait times out or is interrupted. */
  resume?: string
  /** --team-keys: a project API key per team, as a ready profile in its bundle; the profile points at `baseUrl`. */
  teamKeys?: boolean
  baseUrl: string
  /** --invite: the team's leader and members are added to its project. */
  invite?: boolean
}

interface TeamReport {
  team: string
  project: string
  cluster: string
  username: string
  status: 'done' | 'failed' | 'rolled-back'
  reused: boolean
  /** The user existed but its password could not be shown (no bundle), so a new one was set. */
  passwordRotated?: boolean
  bundle?: string
  error?: string
  /** --team-keys: the team's key (its public half), and whether this run made it. */
  apiKey?: {publicKey: string; status: 'created' | 'existed' | 'replaced'}
  /** --invite: people this run added to the project, and those already in it. */
  invites?: {added: string[]; present: string[]}
}

export interface ProvisionReport {
  event: string
  outDir: string
  teams: TeamReport[]
  done: number
  failed: number
  rateLimited: number
  maxConcurrency: number
}

const bundleSchema = z.object({
  event: z.string(),
  team: z.string(),
  project: z.string(),
  cluster: z.string(),
  username: z.string(),
  password: z.string().min(1),
  connectionString: z.string().optional(),
  /** --team-keys: the team's project API key, as `atlasctl config import` takes it. */
  profile: z
    .object({
      name: z.string(),
      publicApiKey: z.string(),
      privateApiKey: z.string(),
      orgId: z.string(),
      projectId: z.string(),
      baseUrl: z.string(),
    })
    .optional(),
})
type Bundle = z.infer<typeof bundleSchema>

/** What this run made for a team: the only things its rollback may remove. */
interface Made {
  project?: boolean
  cluster?: boolean
  user?: boolean
  /** The fingerprint of the new password a bundle was written with. */
  bundle?: string
  /** The id of the API key this run made. */
  key?: string
  /** The description of the key this run asked for: found by it when the answer was lost. */
  keyDesc?: string
  /** The invitations this run made. */
  invites?: string[]
}

/** Recognizes a password without keeping it: the ledger must never hold one. */
const passwordFingerprint = (team: Team, password: string) =>
  createHash('sha256').update(`atlasctl-bundle/${team.id}/${password}`).digest('hex').slice(0, 32)

const transient = (e: unknown) =>
  e instanceof NetworkError ||
  e instanceof TimeoutError ||
  (e instanceof AtlasApiError && (e.status >= 500 || e.status === 429))

/** On top of the transport's own retries, a whole find-or-create step is tried again: each retry looks before it creates. */
const STEP_RETRY = {maxRetries: 5, baseDelayMs: 200, maxDelayMs: 2000}

const step = <T>(fn: () => Promise<T>): Promise<T> => retrying(fn, {policy: STEP_RETRY, retryable: transient})

/** A team's bundle, if the file exists. A file that is not this team's bundle is never overwritten. */
function readBundle(file: string, team: Team): Bundle | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AtlasCtlError(`Cannot read the bundle ${file}: ${(error as Error).message}`, ExitCode.failure, {
      code: 'BUNDLE_UNREADABLE',
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const parsed = bundleSchema.safeParse(json)
  if (!parsed.success || parsed.data.team !== team.id) {
    throw new ConflictError(`${file} exists but is not the credential bundle of team ${team.id}; it was left alone.`, {
      code: 'BUNDLE_NOT_OURS',
      hint: 'Move it away, or pass another --out.',
    })
  }
  return parsed.data
}

/** A bundle in a folder an earlier run used: a file there that is not this team's bundle is simply not one. */
function readEarlierBundle(file: string, team: Team): Bundle | undefined {
  try {
    return readBundle(file, team)
  } catch {
    return undefined
  }
}

function checkOurs(g: Group, name: string, event: EventFile, team: Team): Group {
  if (tagOf(g, 'event') !== event.id || tagOf(g, 'team') !== team.id) {
    throw new ConflictError(
      `Project ${name} exists but is not tagged event=${event.id}, team=${team.id}; it was left alone.`,
      {code: 'PROJECT_NOT_OURS'},
    )
  }
  return g
}

/** One team as a small transaction: project → cluster → user → access, each step find-or-create. */
async function provisionTeam(
  client: AtlasClient,
  input: ProvisionInput,
  team: Team,
  made: Made,
): Promise<{
  project: ProjectSummary
  reused: boolean
  passwordRotated: boolean
  apiKey?: TeamReport['apiKey']
  invites?: TeamReport['invites']
}> {
  const {event, ledger} = input
  const entry = ledger.team(team.id, {
    projectName: projectNameFor(event.id, team.id),
    clusterName: clusterNameFor(team.id),
    username: userNameFor(team.id),
  })
  const tags = [
    {key: 'event', value: event.id},
    {key: 'team', value: team.id},
  ]
  let reused = true

  const group = await step(async () => {
    const found = await findGroup(client, entry.projectName)
    if (found) return checkOurs(found, entry.projectName, event, team)
    reused = false
    try {
      const g = await createGroup(client, {
        name: entry.projectName,
        orgId: input.orgId,
        tags: [...tags, {key: 'event-ends', value: endsAtTag(event.endsAt)}],
      })
      made.project = true
      ledger.update(team.id, {projectId: g.id})
      return g
    } catch (error) {
      if (!(error instanceof AtlasApiError && error.errorCode === 'GROUP_ALREADY_EXISTS')) throw error
      const raced = await findGroup(client, entry.projectName)
      if (!raced) throw error
      return checkOurs(raced, entry.projectName, event, team)
    }
  })
  const project = summarizeProject(group)
  if (entry.projectId !== project.id) ledger.update(team.id, {projectId: project.id})

  await step(async () => {
    if (await getCluster(client, project.id, entry.clusterName)) return
    reused = false
    try {
      await createCluster(client, project.id, {
        name: entry.clusterName,
        provider: event.defaults.provider,
        region: event.defaults.region,
        tier: event.defaults.tier,
        tags,
      })
      made.cluster = true
    } catch (error) {
      if (!(error instanceof AtlasApiError && error.errorCode === 'DUPLICATE_CLUSTER_NAME')) throw error
    }
  })

  const userExists = async () => (await getUser(client, project.id, entry.username)) !== undefined
  // The bundle whose password Atlas holds (the ledger keeps its fingerprint), from this --out or any folder an
  // earlier run wrote to; failing that, one found in this --out, whose password is then set.
  const bundleFile = path.join(input.outDir, `${team.id}.json`)
  const found = [
    readBundle(bundleFile, team),
    ...ledger
      .outDirs()
      .filter((d) => d !== input.outDir)
      .map((d) => readEarlierBundle(path.join(d, `${team.id}.json`), team)),
  ].filter((b) => b !== undefined)
  const held = entry.passwordFingerprint
  let bundle = found.find((b) => passwordFingerprint(team, b.password) === held) ?? found[0]
  let passwordRotated = false
  if (!bundle) {
    // Atlas never shows a password: an existing user whose bundle is gone gets a new one, and the report says so.
    passwordRotated = await step(userExists)
    bundle = {
      event: event.id,
      team: team.id,
      project: project.name,
      cluster: entry.clusterName,
      username: entry.username,
      password: generatePassword(),
    }
    made.bundle = passwordFingerprint(team, bundle.password)
  }
  bundle = {...bundle, project: project.name}
  redactor.add(bundle.password)
  // The password goes to the bundle before Atlas gets it, so a crash can never lose it.
  const content = `${JSON.stringify(bundle, null, 2)}\n`
  reportedWrite(input.report, 'write credentials bundle', bundleFile, entry.username, () =>
    writeSecretFile(bundleFile, content),
  )
  ledger.update(team.id, {bundle: bundleFile})
  const password = bundle.password
  await step(async () => {
    const body: UserBody = {
      databaseName: 'admin',
      groupId: project.id,
      username: entry.username,
      password,
      roles: [{roleName: 'readWriteAnyDatabase', databaseName: 'admin'}],
      scopes: [{name: entry.clusterName, type: 'CLUSTER'}],
    }
    if (await userExists()) {
      // The ledger's fingerprint says whether Atlas already holds this password; when unsure, set it, so the bundle works.
      if (ledger.data.teams[team.id].passwordFingerprint !== passwordFingerprint(team, password))
        await updateDatabaseUser(client, project.id, 'admin', entry.username, body)
    } else {
      reused = false
      try {
        await createDatabaseUser(client, project.id, body)
        made.user = true
      } catch (error) {
        if (!(error instanceof AtlasApiError && error.errorCode === 'USER_ALREADY_EXISTS')) throw error
        await updateDatabaseUser(client, project.id, 'admin', entry.username, body)
      }
    }
    ledger.update(team.id, {passwordFingerprint: passwordFingerprint(team, password)})
  })

  const entries = [...(event.defaults.openNetworkAccess ? ['0.0.0.0/0'] : []), ...event.defaults.accessList].map(
    parseEntry,
  )
  if (entries.length > 0)
    await step(() =>
      addEntries(client, {project, entries, comment: `event ${event.id}`, maxEntries: event.defaults.maxAccessEntries}),
    )
  const write = (b: Bundle) => {
    const text = `${JSON.stringify(b, null, 2)}\n`
    reportedWrite(input.report, 'write credentials bundle', bundleFile, entry.username, () =>
      writeSecretFile(bundleFile, text),
    )
  }
  const apiKey = input.teamKeys
    ? await step(() => teamKey(client, input, team, project, bundle, write, made))
    : undefined
  const invites = input.invite ? await step(() => inviteTeam(client, input, team, project, made)) : undefined
  return {project, reused, passwordRotated, apiKey, invites}
}

/**
 * The team's project API key, kept in its bundle as a profile. A key of ours that no bundle holds the private half of
 * (Atlas shows it once) is replaced; keys in the project that the ledger does not record are a person's, left alone.
 */
async function teamKey(
  client: AtlasClient,
  input: ProvisionInput,
  team: Team,
  project: ProjectSummary,
  bundle: Bundle,
  write: (b: Bundle) => void,
  made: Made,
): Promise<NonNullable<TeamReport['apiKey']>> {
  const {ledger, event} = input
  const recorded = ledger.data.teams[team.id].apiKey
  const ours = recorded
    ? (await listProjectKeys(client, project.id)).filter((k) => k.id === recorded.id || k.desc === recorded.desc)
    : []
  const held = bundle.profile
  if (held && ours.some((k) => k.publicKey === held.publicApiKey)) {
    redactor.add(held.privateApiKey)
    return {publicKey: held.publicApiKey, status: 'existed'}
  }
  for (const k of ours) await deleteOrgKey(client, project.orgId, k.id)
  // Not in this project (it was re-created): the key is the organization's still, and its record is about to go.
  if (recorded?.id && !ours.some((k) => k.id === recorded.id)) await deleteOrgKey(client, recorded.orgId, recorded.id)
  // Recorded before Atlas makes the key: an answer lost on the way still leaves it known as ours.
  const desc = `${teamKeyPrefix(event.id, team.id)}${randomBytes(4).toString('hex')}`
  ledger.update(team.id, {apiKey: {desc, orgId: project.orgId}})
  made.keyDesc = desc
  const key = await createProjectKey(client, project.id, {desc, roles: LEADER_ROLES})
  redactor.add(key.privateKey)
  made.key = key.id
  ledger.update(team.id, {apiKey: {desc, orgId: project.orgId, id: key.id, publicKey: key.publicKey}})
  bundle.profile = {
    name: `${event.id}-${team.id}`,
    publicApiKey: key.publicKey,
    privateApiKey: key.privateKey,
    orgId: project.orgId,
    projectId: project.id,
    baseUrl: input.baseUrl,
  }
  write(bundle)
  return {publicKey: key.publicKey, status: ours.length > 0 ? 'replaced' : 'created'}
}

/** Adds the leader (LEADER_ROLES) and members (MEMBER_ROLES); anyone already in the project keeps what they have. */
async function inviteTeam(
  client: AtlasClient,
  input: ProvisionInput,
  team: Team,
  project: ProjectSummary,
  made: Made,
): Promise<NonNullable<TeamReport['invites']>> {
  const {ledger} = input
  const wanted = [
    ...(team.leader ? [{username: team.leader, roles: LEADER_ROLES}] : []),
    ...team.members.map((username) => ({username, roles: MEMBER_ROLES})),
  ]
  // An expired or rejected invitation is not a person in the project: Atlas replaces it with a new one.
  const inProject = new Set(
    (await listProjectMembers(client, project.id))
      .filter((m) => m.status === 'PENDING' || m.status === 'ACTIVE')
      .map((m) => m.username.toLowerCase()),
  )
  const added: string[] = []
  const present: string[] = []
  for (const w of wanted) {
    if (inProject.has(w.username.toLowerCase())) {
      present.push(w.username)
      continue
    }
    try {
      const m = await addProjectMember(client, project.id, w.username, w.roles)
      made.invites = [...(made.invites ?? []), m.id]
      // The invitation it replaced is gone from Atlas: only the new one is recorded.
      const kept = (ledger.data.teams[team.id].invites ?? []).filter(
        (i) => i.username.toLowerCase() !== m.username.toLowerCase(),
      )
      ledger.update(team.id, {invites: [...kept, {id: m.id, username: m.username, roles: m.roles}]})
      added.push(w.username)
    } catch (error) {
      // Someone added them meanwhile: theirs, so not recorded.
      if (!(error instanceof AtlasApiError && error.status === 409)) throw error
      present.push(w.username)
    }
  }
  return {added, present}
}

/** Undoes only what this run made; what an earlier run or a person made is never deleted. Returns what it removed. */
async function rollback(client: AtlasClient, input: ProvisionInput, team: Team, made: Made): Promise<string[]> {
  const entry = input.ledger.data.teams[team.id]
  const undone: string[] = []
  // A key outlives its project (it is the organization's): it goes first, whatever else is undone.
  if (made.key && entry?.apiKey) {
    await deleteOrgKey(client, entry.apiKey.orgId, made.key)
    input.ledger.update(team.id, {apiKey: undefined})
    undone.push('API key')
  } else if (made.keyDesc && entry?.apiKey && entry.projectId) {
    // The answer was lost: the key, if Atlas made it, carries the description asked for.
    const orgId = entry.apiKey.orgId
    const lost = (await listProjectKeys(client, entry.projectId)).filter((k) => k.desc === made.keyDesc)
    for (const k of lost) await deleteOrgKey(client, orgId, k.id)
    input.ledger.update(team.id, {apiKey: undefined})
    if (lost.length > 0) undone.push('API key')
  }
  if (entry?.projectId && !made.project && made.invites?.length) {
    for (const id of made.invites) await removeProjectMember(client, entry.projectId, id)
    input.ledger.update(team.id, {invites: entry.invites?.filter((i) => !made.invites?.includes(i.id))})
    undone.push('invitations')
  }
  if (entry?.projectId && made.project) {
    await teardownProject(client, entry.projectId, {
      timeoutMs: input.waitTimeoutMs,
      pollMs: input.pollMs,
      deleteProject: true,
      log: () => {},
    })
    undone.push('project')
  } else if (entry?.projectId) {
    if (made.user) {
      await deleteDatabaseUser(client, entry.projectId, 'admin', entry.username)
      undone.push('user')
    }
    if (made.cluster) {
      await deleteCluster(client, {
        projectId: entry.projectId,
        name: entry.clusterName,
        kind: input.event.defaults.tier === 'FLEX' ? 'FLEX' : input.event.defaults.tier === 'M0' ? 'M0' : 'dedicated',
      })
      undone.push('cluster')
    }
  }
  // A new bundle is removed only with the user it was made for, or if Atlas never got its password; a rotated user
  // keeps the bundle that now works.
  const bundleGone =
    made.bundle !== undefined &&
    entry?.bundle &&
    (made.project || made.user || entry.passwordFingerprint !== made.bundle)
  if (bundleGone) {
    fs.rmSync(entry.bundle!, {force: true})
    undone.push('bundle')
  }
  if (entry) {
    input.ledger.update(team.id, {
      status: undone.length > 0 ? 'rolled-back' : 'failed',
      ...(made.project ? {projectId: undefined} : {}),
      ...(made.project || made.user ? {passwordFingerprint: undefined} : {}),
      ...(bundleGone ? {bundle: undefined} : {}),
    })
  }
  return undone
}

/**
 * Provisions every team: a bounded, rate-limit-adaptive pool runs the teams' transactions; then the
 * clusters are awaited together and each bundle gets its connection string. A failed team is rolled
 * back alone (what this run made for it); the others go on.
 */
export async function provisionEvent(client: AtlasClient, input: ProvisionInput): Promise<ProvisionReport> {
  const {event, ledger} = input
  const total = event.teams.length
  let done = 0
  let failed = 0
  let waiting = 0
  let maxConcurrency = input.limit.current
  const reports = new Map<string, TeamReport>()
  const made = new Map(event.teams.map((t): [string, Made] => [t.id, {}]))
  const report = (team: Team, r: Partial<TeamReport>) => {
    const entry = ledger.data.teams[team.id]
    reports.set(team.id, {
      team: team.id,
      project: entry?.projectName ?? projectNameFor(event.id, team.id),
      cluster: entry?.clusterName ?? clusterNameFor(team.id),
      username: entry?.username ?? userNameFor(team.id),
      status: 'done',
      reused: false,
      ...reports.get(team.id),
      ...r,
    })
  }
  const fail = async (team: Team, error: unknown) => {
    failed++
    const message = error instanceof AtlasCtlError ? error.message : String((error as Error)?.message ?? error)
    if (ledger.data.teams[team.id]) ledger.update(team.id, {status: 'failed', error: message})
    try {
      const undone = await rollback(client, input, team, made.get(team.id)!)
      input.onProgress({
        waiting,
        done,
        failed,
        total,
        message: `${team.id}: failed (${message}); ${undone.length ? `rolled back the ${undone.join(', ')} this run made` : 'nothing this run made to undo; what existed was left alone'}`,
      })
      report(team, {status: undone.length ? 'rolled-back' : 'failed', error: message, bundle: undefined})
    } catch (rollbackError) {
      report(team, {status: 'failed', error: `${message}; rollback failed: ${(rollbackError as Error).message}`})
    }
  }

  const created: Array<{team: Team; project: ProjectSummary}> = []
  await pool(
    event.teams,
    () => input.limit.current,
    async (team) => {
      maxConcurrency = Math.max(maxConcurrency, input.limit.current)
      try {
        const r = await provisionTeam(client, input, team, made.get(team.id)!)
        input.limit.succeeded()
        created.push({team, project: r.project})
        report(team, {
          reused: r.reused,
          passwordRotated: r.passwordRotated || undefined,
          apiKey: r.apiKey,
          invites: r.invites,
        })
        waiting++
        input.onProgress({
          waiting,
          done,
          failed,
          total,
          message: `${team.id}: resources ${r.reused ? 'already there' : 'created'}${r.passwordRotated ? '; its bundle was not found, so the user got a new password' : ''}`,
        })
      } catch (error) {
        await fail(team, error)
      }
    },
  )

  // All clusters were requested; wait for them together, then finish each bundle.
  await pool(created, 8, async ({team, project}) => {
    const entry = ledger.data.teams[team.id]
    try {
      let cluster: ClusterSummary | undefined = await step(() => getCluster(client, project.id, entry.clusterName))
      if (cluster?.state !== 'IDLE' || !cluster.connectionString) {
        // Not a step: a wait that reached --timeout is the answer, not a transient error to wait through again.
        cluster = (
          await waitForCluster(
            client,
            project.id,
            entry.clusterName,
            {state: 'IDLE'},
            {timeoutMs: input.waitTimeoutMs, intervalMs: input.pollMs, resume: input.resume},
          )
        ).state
      }
      const bundle = readBundle(entry.bundle!, team)!
      bundle.connectionString = cluster?.connectionString
        ? withCredentials(cluster.connectionString, bundle.username, bundle.password)
        : undefined
      const content = `${JSON.stringify(bundle, null, 2)}\n`
      reportedWrite(input.report, 'write credentials bundle', entry.bundle!, bundle.username, () =>
        writeSecretFile(entry.bundle!, content),
      )
      ledger.update(team.id, {status: 'done', error: undefined})
      waiting--
      done++
      report(team, {status: 'done', bundle: entry.bundle})
      input.onProgress({waiting, done, failed, total, message: `${team.id}: ready`})
    } catch (error) {
      waiting--
      await fail(team, error)
    }
  })

  const teams = event.teams.map((t) => reports.get(t.id)!).filter(Boolean)
  return {
    event: event.id,
    outDir: input.outDir,
    teams,
    done,
    failed,
    rateLimited: client.stats.rateLimited,
    maxConcurrency,
  }
}
