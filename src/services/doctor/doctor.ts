import type {AtlasClient} from '../../atlas/client.js'
import {formatDuration} from '../../lib/duration.js'
import {redactor} from '../../lib/secrets.js'
import {closeMatches} from '../../lib/text.js'
import {withCredentials} from '../../lib/password.js'
import {entryStatus, listEntries} from '../access-list.js'
import {ATLAS_TAKES, type ClusterSummary, getCluster, listClusters} from '../clusters/clusters.js'
import {redactUri} from '../migrate/source.js'
import {getUser} from '../users.js'
import {networkChecks} from './network.js'
import {accessTo, covers, type MongoUri, parseMongoUri} from './uri.js'
import type {Check, CheckId, Recorder} from './checks.js'

export interface DoctorResult {
  project: string
  cluster: string
  /** The connection string checked, its password masked. */
  connectionString?: string
  user?: string
  /** This machine's address as Atlas sees it. */
  address?: string
  passed: number
  failed: number
  skipped: number
  checks: Check[]
}

export interface DoctorInput {
  atlas: AtlasClient
  project: {id: string; name: string}
  cluster: string
  /** --uri, parsed (parseMongoUri), with its credentials. */
  uri?: MongoUri
  /** From --credentials-file, for the cluster's own connection string. */
  credentials?: {username: string; password: string}
  credentialsFile?: string
  /** For each network step. */
  timeoutMs: number
  /** A pasteable atlasctl command line (the command adds --profile). */
  command: (words: string[]) => string
  onCheck?: (id: CheckId) => void
}

const errorText = (error: unknown) => redactor.redact((error as Error)?.message ?? String(error))
const expiresIn = (iso: string, now: number) =>
  Date.parse(iso) <= now ? `expired at ${iso}` : `expires in ${formatDuration(Date.parse(iso) - now)} (${iso})`

/** Every check runs, whatever failed before: one that needs a failed one is skipped and says which. */
export async function runDoctor(input: DoctorInput): Promise<DoctorResult> {
  const checks: Check[] = []
  const rec: Recorder = {
    add: (c) => void checks.push({...c, summary: redactor.redact(c.summary)}),
    failed: (...ids) => ids.filter((id) => checks.find((c) => c.id === id)?.status === 'fail'),
    skip: (id, needs) =>
      void checks.push({id, status: 'skip', summary: `needs ${needs.join(' and ')}, which failed`, needs}),
  }
  const {atlas, project} = input
  const p = ['--project', project.name]
  const given = input.uri
  if (given?.password) redactor.add(given.password)
  if (input.credentials) redactor.add(input.credentials.password)
  const username = given?.username ?? input.credentials?.username

  input.onCheck?.('cluster')
  const cluster = await clusterCheck(input, rec)

  input.onCheck?.('access-list')
  let address: string | undefined
  try {
    address = await atlas.currentIpv4()
    rec.add(await accessCheck(atlas, project, address, input.command))
  } catch (error) {
    rec.add({
      id: 'access-list',
      status: 'fail',
      summary: `Could not read this machine's address or the access list from Atlas: ${errorText(error)}`,
    })
  }

  input.onCheck?.('user')
  await userChecks(input, rec, username, given?.database, cluster)

  // The connection string: --uri, else the cluster's own (SRV first, as Atlas shows it) with the file's user.
  let target: MongoUri | undefined = given
  const own = cluster?.connectionString
  if (!target && own)
    target = parseMongoUri(
      input.credentials ? withCredentials(own, input.credentials.username, input.credentials.password) : own,
      'cluster',
    )
  const standard = cluster?.connectionStrings.standard
  await networkChecks(rec, {
    target,
    clusterOk: rec.failed('cluster').length === 0,
    m0: cluster?.kind === 'M0',
    tier: cluster?.tier,
    timeoutMs: input.timeoutMs,
    standard: typeof standard === 'string' && standard !== own ? standard : undefined,
    username,
    describe: input.command(['cluster', 'describe', input.cluster, ...p]),
    fixPassword: username
      ? input.command([
          'user',
          'rotate-password',
          username,
          ...p,
          '--credentials-file',
          input.credentialsFile ?? 'FILE',
        ])
      : undefined,
    onCheck: input.onCheck,
  })

  const count = (s: Check['status']) => checks.filter((c) => c.status === s).length
  return {
    project: project.name,
    cluster: input.cluster,
    connectionString: target ? redactUri(target.uri) : undefined,
    user: username,
    address,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    checks,
  }
}

async function clusterCheck(input: DoctorInput, rec: Recorder): Promise<ClusterSummary | undefined> {
  const {atlas, project, cluster: name} = input
  const describe = input.command(['cluster', 'describe', name, '--project', project.name])
  let c: ClusterSummary | undefined
  try {
    c = await getCluster(atlas, project.id, name)
  } catch (error) {
    rec.add({id: 'cluster', status: 'fail', summary: `Could not read cluster ${name}: ${errorText(error)}`})
    return undefined
  }
  if (!c) {
    const close = closeMatches(
      name,
      (await listClusters(atlas, project.id).catch(() => [])).map((x) => x.name),
    )
    rec.add({
      id: 'cluster',
      status: 'fail',
      summary: `No cluster "${name}" in project "${project.name}".${close.length ? ` Did you mean: ${close.join(', ')}?` : ''}`,
      fix: "Check the cluster's name and project; list them with:",
      command: input.command(['cluster', 'list', '--project', project.name]),
    })
    return undefined
  }
  const what = `${c.tier}${c.kind === 'dedicated' ? '' : ` ${c.kind === 'M0' ? 'free' : 'flex'}`} on ${c.provider} ${c.region}`
  if (c.paused)
    rec.add({
      id: 'cluster',
      status: 'fail',
      summary: `Cluster ${name} is paused (${what}): a paused cluster takes no connections.`,
      fix: `Resume it (${ATLAS_TAKES.pauseOrResume.what} takes about ${formatDuration(ATLAS_TAKES.pauseOrResume.ms)}):`,
      command: input.command(['cluster', 'resume', name, '--project', project.name, '--wait']),
    })
  else if (c.state === 'CREATING') {
    const takes =
      c.kind === 'M0' ? ATLAS_TAKES.m0Create : c.kind === 'FLEX' ? ATLAS_TAKES.flexCreate : ATLAS_TAKES.dedicatedCreate
    rec.add({
      id: 'cluster',
      status: 'fail',
      summary: `Cluster ${name} is still CREATING (${what}): it takes connections once it is IDLE.`,
      fix: `Wait (${takes.what} takes about ${formatDuration(takes.ms)}); watch its state with:`,
      command: describe,
    })
  } else if (c.state === 'DELETING')
    rec.add({
      id: 'cluster',
      status: 'fail',
      summary: `Cluster ${name} is being deleted.`,
      fix: 'Create a new cluster; its data goes with this one.',
    })
  else if (c.state === 'IDLE' || c.state === 'UPDATING' || c.state === 'REPAIRING')
    rec.add({
      id: 'cluster',
      status: 'pass',
      summary: `Cluster ${name} is ${c.state} (${what}, MongoDB ${c.mongoDBVersion ?? 'unknown'})${c.state === 'IDLE' ? '' : '; a rolling change may drop connections for a moment'}.`,
    })
  else
    rec.add({
      id: 'cluster',
      status: 'fail',
      summary: `Cluster ${name} is ${c.state}.`,
      fix: 'Look at it in the Atlas UI; its state with:',
      command: describe,
    })
  return c
}

async function accessCheck(
  atlas: AtlasClient,
  project: {id: string; name: string},
  address: string,
  command: DoctorInput['command'],
): Promise<Check> {
  const entries = await listEntries(atlas, project.id)
  const now = Date.now()
  // An entry that never expires first, then the one that lasts longest.
  const until = (e: {expires?: string}) => (e.expires ? Date.parse(e.expires) : Number.MAX_SAFE_INTEGER)
  const covering = entries.filter((e) => covers(e.cidrBlock ?? e.entry, address)).sort((a, b) => until(b) - until(a))
  const add = command(['ip', 'add', '--current-ip', '--project', project.name])
  const best = covering[0]
  if (!best)
    return {
      id: 'access-list',
      status: 'fail',
      summary: `${address} (this machine, as Atlas sees it) is on no entry of the access list of "${project.name}" (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}). Atlas removes an entry when it expires.`,
      fix: "Add this machine's address (--expires 8h for a temporary one):",
      command: add,
    }
  if (best.expires && Date.parse(best.expires) <= now)
    return {
      id: 'access-list',
      status: 'fail',
      summary: `${address} is on entry ${best.entry}, which ${expiresIn(best.expires, now)}.`,
      fix: 'Add the address again:',
      command: add,
    }
  const status = await entryStatus(atlas, project.id, best.entry)
  const expiry = best.expires ? `; it ${expiresIn(best.expires, now)}` : ''
  if (status !== 'ACTIVE')
    return {
      id: 'access-list',
      status: 'fail',
      summary: `${address} is on entry ${best.entry}, which Atlas has not applied yet (${status})${expiry}.`,
      fix: status === 'PENDING' ? 'Wait until it is ACTIVE:' : 'Add it again:',
      command: command(['ip', 'add', best.entry, '--project', project.name, '--wait']),
    }
  return {
    id: 'access-list',
    status: 'pass',
    summary: `${address} (this machine, as Atlas sees it) is on entry ${best.entry}${best.comment ? ` (${best.comment})` : ''}, ACTIVE${expiry}.`,
  }
}

async function userChecks(
  input: DoctorInput,
  rec: Recorder,
  username: string | undefined,
  database: string | undefined,
  cluster: ClusterSummary | undefined,
): Promise<void> {
  const {atlas, project} = input
  const file = ['--credentials-file', input.credentialsFile ?? 'FILE']
  if (!username) {
    const why = 'no database user given (--credentials-file, or a user in --uri)'
    for (const id of ['user', 'user-scope', 'user-roles'] as const) rec.add({id, status: 'skip', summary: why})
    return
  }
  let user
  try {
    user = await getUser(atlas, project.id, username)
  } catch (error) {
    rec.add({id: 'user', status: 'fail', summary: `Could not read database user ${username}: ${errorText(error)}`})
  }
  const now = Date.now()
  if (!user) {
    if (rec.failed('user').length === 0)
      rec.add({
        id: 'user',
        status: 'fail',
        summary: `Database user ${username} does not exist in project "${project.name}". Atlas deletes a user at its expiry (deleteAfterDate): a temporary user that is gone has expired.`,
        fix: 'Create it (a new password, written to the file):',
        command: input.command(['user', 'add', username, '--project', project.name, ...file]),
      })
    rec.skip('user-scope', ['user'])
    rec.skip('user-roles', ['user'])
    return
  }
  if (user.deleteAfterDate && Date.parse(user.deleteAfterDate) <= now)
    rec.add({
      id: 'user',
      status: 'fail',
      summary: `Database user ${username} ${expiresIn(user.deleteAfterDate, now)}; Atlas is deleting it.`,
      fix: 'Create it again once it is gone:',
      command: input.command(['user', 'add', username, '--project', project.name, ...file]),
    })
  else
    rec.add({
      id: 'user',
      status: 'pass',
      summary: `Database user ${username} exists; ${user.deleteAfterDate ? `it ${expiresIn(user.deleteAfterDate, now)}` : 'it does not expire'}.`,
    })

  const scoped = (user.scopes ?? []).filter((s) => s.type === 'CLUSTER').map((s) => s.name)
  if (scoped.length === 0)
    rec.add({id: 'user-scope', status: 'pass', summary: `${username} may reach every cluster of the project.`})
  else if (scoped.includes(input.cluster))
    rec.add({id: 'user-scope', status: 'pass', summary: `${username} is scoped to ${scoped.join(', ')}.`})
  else
    rec.add({
      id: 'user-scope',
      status: 'fail',
      summary: `${username} is scoped to ${scoped.join(', ')}, not to ${input.cluster}: Atlas refuses it there.`,
      fix: `Use a user for ${input.cluster}, or add ${input.cluster} to its scopes in the Atlas UI. A new one:`,
      command: input.command([
        'user',
        'add',
        `${username}-${input.cluster}`,
        '--project',
        project.name,
        '--cluster',
        input.cluster,
        ...file,
      ]),
    })

  const roles = user.roles ?? []
  const names = roles.map((r) => `${r.roleName}@${r.databaseName}${r.collectionName ? `.${r.collectionName}` : ''}`)
  if (!database) {
    const any = roles.length > 0
    rec.add({
      id: 'user-roles',
      status: any ? 'pass' : 'fail',
      summary: any
        ? `${username} has ${names.join(', ')} (the connection string names no database to check them against).`
        : `${username} has no roles.`,
      ...(any ? {} : {fix: 'Give it a role in the Atlas UI.'}),
    })
    return
  }
  const {access, by} = accessTo(roles, database)
  if (access === 'none')
    rec.add({
      id: 'user-roles',
      status: 'fail',
      summary: `No role of ${username} (${names.join(', ') || 'none'}) reaches database ${database}, the one the connection string names.`,
      fix: `Give it readWrite@${database} in the Atlas UI, or use a user that has it:`,
      command: input.command([
        'user',
        'add',
        `${username}-${database}`,
        '--project',
        project.name,
        '--role',
        `readWrite@${database}`,
        ...(cluster ? ['--cluster', cluster.name] : []),
        ...file,
      ]),
    })
  else
    rec.add({
      id: 'user-roles',
      status: 'pass',
      summary: `${username} may ${access === 'readWrite' ? 'read and write' : 'read (not write)'} database ${database} (${by.join(', ')}).`,
    })
}
