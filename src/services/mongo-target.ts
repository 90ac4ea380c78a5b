import type {AtlasClient} from '../atlas/client.js'
import {pickCredentials} from '../lib/credentials-file.js'
import {UsageError} from '../lib/errors.js'
import {withCredentials} from '../lib/password.js'
import {resolveCluster} from './clusters/clusters.js'

export type Target =
  | {uri: string}
  | {
      cluster: string
      project: {id: string; name: string}
      atlas: AtlasClient
      credentialsFile?: string
      dbUser?: string
      password?: () => Promise<{username: string; password: string}>
    }

/** Reads a credentials file written by `user add --credentials-file` (or an event bundle): its one user, or the one `dbUser` names. */
export function readCredentialsFile(
  file: string,
  dbUser?: string,
  project?: string,
): {username: string; password: string} {
  const {username, password} = pickCredentials(file, dbUser, project)
  return {username, password}
}

/** The connection string for a target: as given, or the cluster's, resolved through the Atlas API, with credentials. */
export async function targetUri(t: Target): Promise<string> {
  if ('uri' in t) return t.uri
  // The file is read first: a bad file or a missing --db-user is exit 2 before any request.
  const fromFile = t.credentialsFile ? readCredentialsFile(t.credentialsFile, t.dbUser, t.project.name) : undefined
  const cluster = await resolveCluster(t.atlas, t.project, t.cluster)
  if (!cluster.connectionString)
    throw new UsageError(`Cluster ${cluster.name} has no connection string yet (${cluster.state}).`, {
      details: {flag: 'cluster'},
    })
  const creds = fromFile ?? (t.password ? await t.password() : undefined)
  return creds ? withCredentials(cluster.connectionString, creds.username, creds.password) : cluster.connectionString
}
