import type {LookupFunction} from 'node:net'
import type {Db, MongoClient, MongoClientOptions} from 'mongodb'
import type {AtlasClient} from '../atlas/client.js'
import {pickCredentials} from '../lib/credentials-file.js'
import {AtlasCtlError, AuthError, ExitCode, UsageError} from '../lib/errors.js'
import {withCredentials} from '../lib/password.js'
import {redactor} from '../lib/secrets.js'
import {resolveCluster} from '../services/clusters/clusters.js'

export type Target = {uri: string} | {cluster: string; project: {id: string; name: string}; atlas: AtlasClient; credentialsFile?: string; dbUser?: string; password?: () => Promise<{username: string; password: string}>}

/** Reads a credentials file written by `user add --credentials-file` (or an event bundle): its one user, or the one `dbUser` names. */
export function readCredentialsFile(file: string, dbUser?: string, project?: string): {username: string; password: string} {
  const {username, password} = pickCredentials(file, dbUser, project)
  return {username, password}
}

/** The connection string for a target: as given, or the cluster's, resolved through the Atlas API, with credentials. */
export async function targetUri(t: Target): Promise<string> {
  if ('uri' in t) return t.uri
  // The file is read first: a bad file or a missing --db-user is exit 2 before any request.
  const fromFile = t.credentialsFile ? readCredentialsFile(t.credentialsFile, t.dbUser, t.project.name) : undefined
  const cluster = await resolveCluster(t.atlas, t.project, t.cluster)
  if (!cluster.connectionString) throw new UsageError(`Cluster ${cluster.name} has no connection string yet (${cluster.state}).`, {details: {flag: 'cluster'}})
  const creds = fromFile ?? (t.password ? await t.password() : undefined)
  return creds ? withCredentials(cluster.connectionString, creds.username, creds.password) : cluster.connectionString
}

/**
 * ATLASCTL_DNS_SERVER=host:port sends the SRV, TXT and host look-ups of a connection string to that server (the
 * emulator's, in tests): the driver asks node's resolver for SRV and TXT, and connects through `lookup`.
 */
async function dnsOptions(server: string | undefined): Promise<MongoClientOptions> {
  if (!server) return {}
  const dns = await import('node:dns')
  dns.setServers([server])
  const resolver = new dns.promises.Resolver()
  resolver.setServers([server])
  const lookup: LookupFunction = (host, opts, done) => {
    resolver.resolve4(host).then(
      (addresses) => (opts.all ? done(null, addresses.map((address) => ({address, family: 4}))) : done(null, addresses[0], 4)),
      () => dns.lookup(host, opts, done),
    )
  }
  return {lookup}
}

/** The driver is imported here only: commands that never touch MongoDB never load it. */
export async function connect(uri: string, options: MongoClientOptions = {}): Promise<MongoClient> {
  const {MongoClient} = await import('mongodb')
  if (uri.startsWith('mongodb+srv://')) options = {...(await dnsOptions(process.env.ATLASCTL_DNS_SERVER)), ...options}
  const m = /^mongodb(\+srv)?:\/\/[^:]*:([^@]*)@/.exec(uri)
  if (m) redactor.add(decodeURIComponent(m[2]))
  try {
    return await MongoClient.connect(uri, {serverSelectionTimeoutMS: 10_000, appName: 'atlasctl', ...options})
  } catch (error) {
    const message = (error as Error).message
    const host = uri.replace(/\/\/[^@/]*@/, '//')
    if (/auth|SCRAM|mechanism/i.test(message)) throw new AuthError(`MongoDB at ${host} refused the credentials: ${message}`, {hint: 'Check the user and password (--credentials-file), and that the user exists on that cluster.'})
    throw new AtlasCtlError(`Cannot connect to MongoDB at ${host}: ${message}`, ExitCode.failure, {code: 'MONGO_CONNECT', hint: 'Check the URI, and for Atlas that this machine\'s IP is on the access list ("atlasctl ip add").'})
  }
}

export type {Db, MongoClient}
