import type {LookupFunction} from 'node:net'
import type {Resolver} from 'node:dns/promises'

/** Where a connection string's names are looked up: the system's resolver, or the one server ATLASCTL_DNS_SERVER names. */
export interface MongoDns {
  resolver: Resolver
  /** For net.connect / tls.connect and the driver: host names through the same server. */
  lookup?: LookupFunction
  /** host:port of that server, when one is set. */
  server?: string
}

/**
 * ATLASCTL_DNS_SERVER=host:port sends the SRV, TXT and host look-ups of a connection string to that server (the
 * emulator's, in tests): the driver asks node's resolver for SRV and TXT, and connects through `lookup`.
 */
export async function mongoDns(
  server = process.env.ATLASCTL_DNS_SERVER,
  o: {timeoutMs?: number} = {},
): Promise<MongoDns> {
  const dns = await import('node:dns')
  // One try within the time given: a blocked DNS answers nothing, and waiting for node's retries tells nothing more.
  const resolver = new dns.promises.Resolver(o.timeoutMs ? {timeout: o.timeoutMs, tries: 1} : {})
  if (!server) return {resolver}
  dns.setServers([server])
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
  return {resolver, lookup, server}
}
