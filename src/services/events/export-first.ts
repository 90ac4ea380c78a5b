import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type {AtlasClient} from '../../atlas/client.js'
import {AtlasCtlError, ExitCode, UsageError} from '../../lib/errors.js'
import {listClusters, type ClusterSummary} from '../clusters/clusters.js'
import {targetUri} from '../mongo-target.js'
import {addUser, deleteDatabaseUser, waitUntilUsable} from '../users.js'
import type {Ledger} from './ledger.js'
import type {TeamStatus} from './status.js'

/** Marks a folder as an export folder of one event: a re-run may write into it, and nothing else is taken. */
export const MARKER = '.atlasctl-export.json'
/** Each team's record of a verified export, written into its folder before the folder gets its final name. */
export const MANIFEST = 'export.json'
/** The temporary user expires on its own after this, should every removal fail (Atlas allows up to a week). */
const EXPORT_USER_TTL_MS = 2 * 60 * 60 * 1000
/** Read-only on every database of the clusters in its scope. */
const EXPORT_ROLE = {roleName: 'readAnyDatabase', databaseName: 'admin'} as const

interface ClusterExport {
  cluster: string
  /** The mongodump directory (gzip) inside the team's folder. */
  dir: string
  collections: Array<{ns: string; docs: number; hash: string}>
  docs: number
}

export interface TeamManifest {
  format: 1
  event: string
  team: string
  project: string
  projectId: string
  exportedAt: string
  verified: true
  clusters: ClusterExport[]
}

/**
 * `exported`: written and verified by this run; `existing`: an earlier run's verified export, still equal to the
 * clusters (or their clusters are gone); `none`: the team has no cluster left to export.
 */
export interface TeamExport {
  status: 'exported' | 'existing' | 'none'
  dir?: string
  clusters: ClusterExport[]
  /** A temporary user an earlier, interrupted run left, deleted first. */
  leftoverUserRemoved?: string
}

const refuse = (dir: string, why: string) =>
  new UsageError(`Cannot export to --export-first ${dir}: ${why}; nothing was changed.`, {
    code: 'BAD_EXPORT_DIR',
    details: {flag: 'export-first', dir},
  })

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * Checks the export folder before anything changes (exit 2 naming it): a file, an unwritable folder, or a folder
 * with other content than an earlier export of this event is refused. Returns whether it exists already.
 */
export function checkExportDir(dir: string, eventId: string): {exists: boolean} {
  let stat: fs.Stats | undefined
  try {
    stat = fs.statSync(dir)
  } catch (error) {
    // ENOTDIR: a file on the way, named below.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw refuse(dir, (error as Error).message)
  }
  if (stat && !stat.isDirectory()) throw refuse(dir, 'it is a file, not a folder')
  if (!stat) {
    // The nearest folder that exists must let us create the rest.
    let parent = path.dirname(path.resolve(dir))
    while (!fs.existsSync(parent)) parent = path.dirname(parent)
    if (!fs.statSync(parent).isDirectory()) throw refuse(dir, `${parent} is not a folder`)
    if (!writable(parent)) throw refuse(dir, `the folder ${parent} is not writable`)
    return {exists: false}
  }
  if (!writable(dir)) throw refuse(dir, 'the folder is not writable')
  let entries: string[]
  try {
    entries = fs.readdirSync(dir)
  } catch (error) {
    throw refuse(dir, (error as Error).message)
  }
  if (entries.length === 0) return {exists: true}
  const marker = readJson(path.join(dir, MARKER)) as {event?: unknown} | undefined
  if (!marker)
    throw refuse(dir, `it holds other files (${entries.slice(0, 3).join(', ')}) and is not an atlasctl export folder`)
  if (marker.event !== eventId) throw refuse(dir, `it is the export folder of event ${String(marker.event)}`)
  return {exists: true}
}

/** Creates the folder (0700) and its marker; run once the plan is to be executed. */
export function prepareExportDir(dir: string, eventId: string): void {
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const marker = path.join(dir, MARKER)
  if (!fs.existsSync(marker))
    fs.writeFileSync(marker, `${JSON.stringify({event: eventId, createdAt: new Date().toISOString()})}\n`)
}

/** The team's verified export in the folder, if it holds one for this project. */
export function readManifest(dir: string, team: string, projectId?: string): TeamManifest | undefined {
  const m = readJson(path.join(dir, team, MANIFEST)) as Partial<TeamManifest> | undefined
  if (!m || m.format !== 1 || m.verified !== true || m.team !== team || !Array.isArray(m.clusters)) return undefined
  if (projectId && m.projectId !== projectId) return undefined
  return m as TeamManifest
}

/** What a clusters-and-export pair leaves to do: nothing to export, keep the verified export, or export. */
export function exportNeed(
  clusters: Array<Pick<ClusterSummary, 'name' | 'state'>>,
  manifest: TeamManifest | undefined,
): 'none' | 'existing' | 'recheck' | 'export' {
  const live = clusters.filter((c) => c.state !== 'DELETING')
  if (live.length === 0) return manifest ? 'existing' : 'none'
  return manifest ? 'recheck' : 'export'
}

export interface ExportTeamOptions {
  dir: string
  eventId: string
  ledger: Ledger
  toolVersion: string
  wait: {timeoutMs?: number; intervalMs: number}
  log: (line: string) => void
}

/**
 * Exports a team's clusters (mongodump layout, gzip) to DIR/<team>, verified against the source, with a temporary
 * read-only user that is deleted afterwards, whatever happens. Throws when the team must be kept.
 */
export async function exportTeam(client: AtlasClient, t: TeamStatus, o: ExportTeamOptions): Promise<TeamExport> {
  const project = {id: t.projectId, name: t.project}
  const leftover = await removeLeftoverUser(client, t.team, o.ledger)
  const final = path.join(o.dir, t.team)
  removePartials(o.dir, t.team)
  const manifest = readManifest(o.dir, t.team, t.projectId)
  if (!manifest && fs.existsSync(final))
    throw new AtlasCtlError(
      `${final} exists and is not a verified export of this team; it was left as it is, and the team was kept.`,
      ExitCode.failure,
      {code: 'EXPORT_DIR_TAKEN', hint: `Move ${final} aside and re-run.`},
    )
  const clusters = (await listClusters(client, t.projectId)).filter((c) => c.state !== 'DELETING')
  const need = exportNeed(clusters, manifest)
  const base = {...(leftover ? {leftoverUserRemoved: leftover} : {})}
  if (need === 'none') return {status: 'none', clusters: [], ...base}
  if (need === 'existing') return {status: 'existing', dir: final, clusters: manifest!.clusters, ...base}
  const paused = clusters.filter((c) => c.paused)
  if (paused.length > 0)
    throw new AtlasCtlError(
      `Cluster ${paused.map((c) => c.name).join(', ')} is paused and cannot be read; the team was kept.`,
      ExitCode.failure,
      {
        code: 'CLUSTER_PAUSED',
        hint: paused.map((c) => `atlasctl cluster resume ${c.name} --project ${t.projectId} --wait`).join(' ; '),
      },
    )

  // Recorded before it exists: a crash between the two leaves a record a re-run acts on, never an unknown user.
  const username = `atlasctl-export-${randomBytes(4).toString('hex')}`
  o.ledger.recordExportUser(t.team, {projectId: t.projectId, username, createdAt: new Date().toISOString()})
  let tmp: string | undefined
  try {
    const added = await addUser(client, {
      project,
      username,
      roles: [EXPORT_ROLE],
      clusters: clusters.map((c) => c.name),
      expires: new Date(Date.now() + EXPORT_USER_TTL_MS).toISOString(),
      description: `atlasctl event cleanup --export-first ${o.eventId}: temporary`,
    })
    const creds = await waitUntilUsable(client, project, added, o.wait)
    const password = async () => ({username, password: creds.password})
    if (need === 'recheck') {
      const names = clusters.map((c) => c.name).sort()
      const had = manifest!.clusters.map((c) => c.cluster).sort()
      if (names.join() !== had.join())
        throw new AtlasCtlError(
          `${final} holds an earlier verified export of clusters ${had.join(', ')}, but the team now has ${names.join(', ')}; it was not overwritten, and the team was kept.`,
          ExitCode.failure,
          {code: 'EXPORT_DIFFERS', hint: `Move ${final} aside to export the clusters as they are now, and re-run.`},
        )
      // Never overwritten: the earlier export must still equal the clusters, or the team is kept.
      for (const c of manifest!.clusters) {
        const uri = await targetUri({cluster: c.cluster, project, atlas: client, password})
        await verifyCluster(uri, path.join(final, c.dir), c.cluster, final)
      }
      return {status: 'existing', dir: final, clusters: manifest!.clusters, ...base}
    }
    tmp = path.join(o.dir, `.${t.team}.partial-${process.pid}-${randomBytes(3).toString('hex')}`)
    fs.mkdirSync(tmp, {mode: 0o700})
    const exported: ClusterExport[] = []
    for (const c of clusters) {
      o.log(`${t.team}: exporting cluster ${c.name}`)
      const uri = await targetUri({cluster: c.name, project, atlas: client, password})
      exported.push(await exportCluster(uri, path.join(tmp, c.name), c.name, o.toolVersion))
    }
    const m: TeamManifest = {
      format: 1,
      event: o.eventId,
      team: t.team,
      project: t.project,
      projectId: t.projectId,
      exportedAt: new Date().toISOString(),
      verified: true,
      clusters: exported,
    }
    fs.writeFileSync(path.join(tmp, MANIFEST), `${JSON.stringify(m, null, 1)}\n`)
    // The folder gets its name only once verified: a crash before this leaves only a .partial folder.
    fs.renameSync(tmp, final)
    tmp = undefined
    o.log(`${t.team}: exported and verified ${exported.reduce((a, c) => a + c.docs, 0)} documents to ${final}`)
    return {status: 'exported', dir: final, clusters: exported, ...base}
  } finally {
    if (tmp) fs.rmSync(tmp, {recursive: true, force: true})
    await deleteDatabaseUser(client, t.projectId, 'admin', username).then(
      () => o.ledger.clearExportUser(t.team),
      // The ledger keeps the record: the next run deletes it, and its expiry is the last resort.
      (error: unknown) =>
        o.log(
          `${t.team}: could not delete the temporary user ${username} (${(error as Error).message}); a re-run does`,
        ),
    )
  }
}

async function removeLeftoverUser(client: AtlasClient, team: string, ledger: Ledger): Promise<string | undefined> {
  const rec = ledger.data.exportUsers[team]
  if (!rec) return undefined
  await deleteDatabaseUser(client, rec.projectId, 'admin', rec.username)
  ledger.clearExportUser(team)
  return rec.username
}

/** A crash mid-export leaves `.<team>.partial-…`: never a folder that looks complete, and removed by the next run. */
function removePartials(dir: string, team: string): void {
  for (const f of fs.readdirSync(dir))
    if (f.startsWith(`.${team}.partial-`)) fs.rmSync(path.join(dir, f), {recursive: true, force: true})
}

/** The server's collections (views have no documents to compare), as migrate verify sees them. */
async function serverCollections(mc: import('mongodb').MongoClient): Promise<string[]> {
  const dbs = (await mc.db('admin').admin().listDatabases({nameOnly: true})).databases
    .map((d) => d.name)
    .filter((n) => !['admin', 'local', 'config'].includes(n))
  const out: string[] = []
  for (const db of dbs)
    for (const c of await mc.db(db).listCollections({type: 'collection'}, {nameOnly: true}).toArray())
      if (!c.name.startsWith('system.')) out.push(`${db}.${c.name}`)
  return out.sort()
}

/** Compares a dump with the cluster: every collection on both sides, same counts, content hashes and indexes. */
async function verifyDump(
  mc: import('mongodb').MongoClient,
  dump: string,
  cluster: string,
): Promise<Array<{ns: string; docs: number; hash: string}>> {
  const {verifyMigration} = await import('../migrate/verify.js')
  const rows = await verifyMigration({
    target: mc,
    from: dump,
    mapping: {include: [], exclude: [], from: [], to: []},
    onProgress: () => {},
  })
  const onServer = await serverCollections(mc)
  const inDump = rows.map((r) => r.source).sort()
  const bad = rows.filter((r) => !r.ok).map((r) => r.source)
  const missing = onServer.filter((ns) => !inDump.includes(ns))
  if (bad.length > 0 || missing.length > 0)
    throw new AtlasCtlError(
      `The export of cluster ${cluster} does not match it: ${[...bad.map((n) => `${n} differs`), ...missing.map((n) => `${n} is missing`)].join(', ')}.`,
      ExitCode.failure,
      {code: 'EXPORT_MISMATCH', details: {rows, missing}},
    )
  return rows.map((r) => ({ns: r.source, docs: r.sourceCount, hash: r.sourceHash}))
}

async function exportCluster(uri: string, out: string, cluster: string, toolVersion: string): Promise<ClusterExport> {
  const {connect} = await import('../../mongo/connect.js')
  const {exportDump} = await import('../migrate/export.js')
  const mc = await connect(uri)
  try {
    // No bar to fill: the collection counts would only cost time.
    await exportDump({client: mc, out, gzip: true, parallel: 2, toolVersion, totals: false, onProgress: () => {}})
    const collections = await verifyDump(mc, out, cluster)
    return {cluster, dir: cluster, collections, docs: collections.reduce((a, c) => a + c.docs, 0)}
  } finally {
    await mc.close()
  }
}

async function verifyCluster(uri: string, dump: string, cluster: string, final: string): Promise<void> {
  const {connect} = await import('../../mongo/connect.js')
  const mc = await connect(uri)
  try {
    await verifyDump(mc, dump, cluster)
  } catch (error) {
    if (error instanceof AtlasCtlError && error.code === 'EXPORT_MISMATCH')
      throw new AtlasCtlError(
        `${final} holds an earlier verified export that no longer matches cluster ${cluster} (${error.message}); it was not overwritten, and the team was kept.`,
        ExitCode.failure,
        {code: 'EXPORT_DIFFERS', hint: `Move ${final} aside to export the cluster as it is now, and re-run.`},
      )
    throw error
  } finally {
    await mc.close()
  }
}
