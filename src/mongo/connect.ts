import type {LookupFunction} from 'node:net'
import type {MongoClient, MongoClientOptions} from 'mongodb'
import {AtlasCtlError, AuthError, ExitCode} from '../lib/errors.js'
import {redactor} from '../lib/secrets.js'

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
      (addresses) =>
        opts.all
          ? done(
              null,
              addresses.map((address) => ({address, family: 4})),
            )
          : done(null, addresses[0], 4),
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
    if (/auth|SCRAM|mechanism/i.test(message))
      throw new AuthError(`MongoDB at ${host} refused the credentials: ${message}`, {
        hint: 'Check the user and password (--credentials-file), and that the user exists on that cluster.',
      })
    throw new AtlasCtlError(`Cannot connect to MongoDB at ${host}: ${message}`, ExitCode.failure, {
      code: 'MONGO_CONNECT',
      hint: 'Check the URI, and for Atlas that this machine\'s IP is on the access list ("atlasctl ip add").',
    })
  }
}

export type {MongoClient}
