import net from 'node:net'
import type {AccessEntry, AccessEntryBody, AtlasClient} from '../atlas/client.js'
import {ConflictError, NotFoundError, UsageError} from '../lib/errors.js'
import {commandLine} from '../lib/text.js'
import {waitFor, type WaitOptions} from '../lib/wait.js'

export interface EntrySpec {
  /** As Atlas keys it: the IP for an address, the block for a CIDR. */
  value: string
  kind: 'ipAddress' | 'cidrBlock'
  /** The same entry as a CIDR block, for comparing with what Atlas lists. */
  cidr: string
  anywhere: boolean
}

/** An IPv4 or IPv6 address, or a CIDR block, validated; anything else is exit 2 naming it. */
export function parseEntry(value: string): EntrySpec {
  const [ip, bits, extra] = value.trim().split('/')
  const family = net.isIP(ip)
  const max = family === 4 ? 32 : 128
  const bad = () =>
    new UsageError(
      `Invalid access list entry "${value}": use an IPv4 or IPv6 address or a CIDR block such as 203.0.113.0/24.`,
      {code: 'INVALID_ENTRY', details: {value}},
    )
  if (family === 0 || extra !== undefined) throw bad()
  if (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max)) throw bad()
  const cidr = bits === undefined ? `${ip}/${max}` : `${ip}/${Number(bits)}`
  return {
    value: bits === undefined ? ip : cidr,
    kind: bits === undefined ? 'ipAddress' : 'cidrBlock',
    cidr,
    anywhere: bits !== undefined && Number(bits) === 0,
  }
}

/** This machine's public address as Atlas sees it, as an access list entry. */
/** 0.0.0.0/0 opens a project to the whole internet: refused unless allowed. Answers the open entries, for a warning. */
export function checkAnywhere(entries: EntrySpec[], allowed: boolean): string[] {
  const open = entries.filter((e) => e.anywhere).map((e) => e.value)
  if (open.length > 0 && !allowed) {
    throw new UsageError(
      `Refusing ${open.join(', ')}: it opens the project to the whole internet. Pass --allow-anywhere if you mean it.`,
      {code: 'ANYWHERE_REFUSED', details: {flag: 'allow-anywhere'}},
    )
  }
  return open
}

export async function currentAddress(client: AtlasClient): Promise<EntrySpec> {
  return parseEntry(await client.currentIpv4())
}

export interface EntrySummary {
  entry: string
  cidrBlock?: string
  comment?: string
  expires?: string
}

const summarize = (e: AccessEntry): EntrySummary => ({
  entry: e.ipAddress ?? e.cidrBlock ?? e.awsSecurityGroup ?? '',
  cidrBlock: e.cidrBlock,
  comment: e.comment,
  expires: e.deleteAfterDate,
})

export async function listEntries(client: AtlasClient, projectId: string): Promise<EntrySummary[]> {
  const all = await client.paginate((query) =>
    client.ok(
      client.api.GET('/api/atlas/v2/groups/{groupId}/accessList', {params: {path: {groupId: projectId}, query}}),
    ),
  )
  return all.map(summarize)
}

export interface AddEntriesInput {
  project: {id: string; name: string}
  entries: EntrySpec[]
  comment?: string
  deleteAfterDate?: string
  maxEntries?: number
}

export interface AddEntriesResult {
  added: string[]
  existing: string[]
}

/** Idempotent: entries already on the list are reported as existing; the new ones go in one POST. */
export async function addEntries(client: AtlasClient, input: AddEntriesInput): Promise<AddEntriesResult> {
  if (input.comment !== undefined && input.comment.length > 80)
    throw new UsageError('--comment has at most 80 characters.', {details: {flag: 'comment'}})
  const current = await listEntries(client, input.project.id)
  const known = new Set(current.flatMap((e) => [e.entry, e.cidrBlock]))
  const unique = [...new Map(input.entries.map((e) => [e.cidr, e])).values()]
  const fresh = unique.filter((e) => !known.has(e.value) && !known.has(e.cidr))
  const existing = unique.filter((e) => !fresh.includes(e)).map((e) => e.value)
  if (input.maxEntries !== undefined && fresh.length > 0 && current.length + fresh.length > input.maxEntries) {
    throw new ConflictError(
      `Project "${input.project.name}" has ${current.length} access list entries; adding ${fresh.length} would pass its limit of ${input.maxEntries}. Nothing was added.`,
      {
        code: 'ACCESS_LIST_LIMIT',
        hint: "Raise --max-entries (or the profile's maxAccessEntries), or delete entries first.",
      },
    )
  }
  if (fresh.length > 0) {
    const body: AccessEntryBody[] = fresh.map((e) => ({
      ...(e.kind === 'cidrBlock' ? {cidrBlock: e.value} : {ipAddress: e.value}),
      ...(input.comment ? {comment: input.comment} : {}),
      ...(input.deleteAfterDate ? {deleteAfterDate: input.deleteAfterDate} : {}),
    }))
    // Atlas takes the array in one request; concurrent POSTs to one project's list are not supported.
    await client.ok(
      client.api.POST('/api/atlas/v2/groups/{groupId}/accessList', {params: {path: {groupId: input.project.id}}, body}),
    )
  }
  return {added: fresh.map((e) => e.value), existing}
}

/** PENDING until Atlas has applied the entry, then ACTIVE (or FAILED). */
export async function entryStatus(client: AtlasClient, projectId: string, value: string): Promise<string> {
  const r = await client.ok(
    client.api.GET('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}/status', {
      params: {path: {groupId: projectId, entryValue: value}},
    }),
  )
  return r.STATUS
}

export async function waitActive(
  client: AtlasClient,
  projectId: string,
  values: string[],
  o: Pick<WaitOptions<string[]>, 'timeoutMs' | 'onProgress' | 'intervalMs' | 'resume'>,
) {
  return waitFor<string[]>({
    ...o,
    subject: 'the access list',
    // Adding again is idempotent and waits again.
    resume: o.resume ?? commandLine(['atlasctl', 'ip', 'add', ...values, '--project', projectId, '--wait']),
    what: `access list entries ${values.join(', ')} to be ACTIVE`,
    poll: () => Promise.all(values.map((v) => entryStatus(client, projectId, v))),
    describe: (s) => (s ?? []).map((x, i) => `${values[i]} ${x}`).join(', '),
    done: (s) => (s ?? []).every((x) => x === 'ACTIVE'),
    // Not in the recordings: entries are ACTIVE within seconds in practice.
    expected: () => ({ms: 60_000, what: 'access-list entries to become active'}),
  })
}

export async function deleteEntries(
  client: AtlasClient,
  project: {id: string; name: string},
  entries: EntrySpec[],
  confirm: (plan: string) => Promise<void>,
): Promise<string[]> {
  const current = await listEntries(client, project.id)
  const byValue = new Map(
    current.flatMap((e) => [
      [e.entry, e.entry],
      [e.cidrBlock ?? '', e.entry],
    ]),
  )
  const missing = entries.filter((e) => !byValue.has(e.value) && !byValue.has(e.cidr)).map((e) => e.value)
  if (missing.length > 0)
    throw new NotFoundError(
      `Not on the access list of "${project.name}": ${missing.join(', ')}. Nothing was deleted.`,
      {code: 'ENTRY_NOT_FOUND', details: {missing}},
    )
  const targets = entries.map((e) => byValue.get(e.value) ?? byValue.get(e.cidr)!)
  await confirm(`This removes ${targets.join(', ')} from the access list of "${project.name}".`)
  for (const value of targets) await deleteEntry(client, project.id, value)
  return targets
}

/** The one delete of an entry; one already gone is done. */
export async function deleteEntry(client: AtlasClient, projectId: string, entryValue: string): Promise<void> {
  await client.found(
    client.api.DELETE('/api/atlas/v2/groups/{groupId}/accessList/{entryValue}', {
      params: {path: {groupId: projectId, entryValue}},
    }),
  )
}
