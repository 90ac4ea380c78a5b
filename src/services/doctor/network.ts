import fs from 'node:fs'
import net from 'node:net'
import type {MongoClient} from 'mongodb'
import {AuthError} from '../../lib/errors.js'
import {redactor} from '../../lib/secrets.js'
import {connect} from '../../mongo/connect.js'
import {type MongoDns, mongoDns} from '../../mongo/dns.js'
import {type CheckId, M0_LIMITS, type Recorder} from './checks.js'
import type {MongoUri} from './uri.js'

export interface NetworkInput {
  /** Undefined when there is no connection string to check (the cluster has none, or was not found). */
  target?: MongoUri
  /** Whether the cluster's state lets it take connections. */
  clusterOk: boolean
  m0: boolean
  tier?: string
  timeoutMs: number
  /** The cluster's standard (non-SRV) connection string: the way round a DNS that drops SRV queries. */
  standard?: string
  username?: string
  fixPassword?: string
  /** Shows the cluster's connection strings. */
  describe: string
  onCheck?: (id: CheckId) => void
}

type Host = {host: string; port: number}
const hostPort = (h: Host) => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`)
const errorText = (error: unknown) => redactor.redact((error as Error)?.message ?? String(error))
const code = (error: unknown) => (error as NodeJS.ErrnoException)?.code ?? ''
const MB = 1024 * 1024

export async function networkChecks(rec: Recorder, o: NetworkInput): Promise<void> {
  const t = o.target
  o.onCheck?.('dns')
  if (!t) {
    for (const id of ['dns', 'tcp', 'tls', 'auth', 'ping', 'm0-limits'] as const)
      rec.add({
        id,
        status: 'skip',
        summary: 'no connection string: the cluster has none (or was not found), and no --uri was given',
        needs: ['cluster'],
      })
    return
  }
  const dns = await mongoDns(undefined, {timeoutMs: o.timeoutMs})
  const hosts = await dnsCheck(rec, t, dns, o)

  o.onCheck?.('tcp')
  const reachable = rec.failed('dns', 'cluster')
  if (reachable.length > 0 || !hosts) rec.skip('tcp', reachable.length > 0 ? reachable : ['dns'])
  else await tcpCheck(rec, hosts, dns, o.timeoutMs)

  o.onCheck?.('tls')
  if (!t.tls)
    rec.add({
      id: 'tls',
      status: 'skip',
      summary: 'the connection string turns TLS off (tls=false), so there is no handshake',
    })
  else if (rec.failed('tcp', 'dns', 'cluster').length > 0 || !hosts) rec.skip('tls', ['tcp'])
  else await tlsCheck(rec, hosts, t, dns, o.timeoutMs)

  const before = rec.failed('tcp', 'tls', 'dns', 'cluster')
  const blocked = before.length > 0 ? before : hosts ? [] : (['dns'] as CheckId[])
  let client: MongoClient | undefined
  try {
    o.onCheck?.('auth')
    const creds = t.username !== undefined && t.password !== undefined
    if (!creds)
      rec.add({
        id: 'auth',
        status: 'skip',
        summary: 'no password given (--credentials-file, or user:password in --uri)',
      })
    else if (blocked.length > 0) rec.skip('auth', blocked)
    else client = await authCheck(rec, t, o)

    o.onCheck?.('ping')
    if (blocked.length > 0 || rec.failed('auth').length > 0) rec.skip('ping', blocked.length > 0 ? blocked : ['auth'])
    else {
      client ??= await connect(t.uri, {serverSelectionTimeoutMS: o.timeoutMs}).catch((error: unknown) => {
        rec.add({id: 'ping', status: 'fail', summary: `Cannot connect: ${errorText(error)}`})
        return undefined
      })
      if (client) await pingCheck(rec, client)
    }

    o.onCheck?.('m0-limits')
    if (!o.m0)
      rec.add({id: 'm0-limits', status: 'skip', summary: `not an M0 (${o.tier ?? 'unknown tier'}): no M0 limits`})
    else if (!client || rec.failed('ping').length > 0) rec.skip('m0-limits', ['ping'])
    else await m0Check(rec, client)
  } finally {
    await client?.close().catch(() => {})
  }
}

async function dnsCheck(rec: Recorder, t: MongoUri, dns: MongoDns, o: NetworkInput): Promise<Host[] | undefined> {
  const via = dns.server ? ` (asked ${dns.server})` : ''
  if (!t.srv) {
    const named = t.hosts.filter((h) => net.isIP(h.host) === 0)
    const lookup = dns.lookup ?? (await import('node:dns')).lookup
    for (const h of named) {
      try {
        await new Promise<void>((resolve, reject) => lookup(h.host, {}, (e) => (e ? reject(e) : resolve())))
      } catch (error) {
        rec.add({
          id: 'dns',
          status: 'fail',
          summary: `Host ${h.host} does not resolve${via}: ${code(error) || errorText(error)}.`,
          fix: "Check the host name against the cluster's connection string; it shows with:",
          command: o.describe,
        })
        return undefined
      }
    }
    rec.add({
      id: 'dns',
      status: 'pass',
      summary:
        named.length > 0
          ? `${named.map((h) => h.host).join(', ')} resolve${via}.`
          : 'The hosts are addresses: nothing to resolve.',
    })
    return t.hosts
  }
  const name = t.hosts[0].host
  const srvName = `_mongodb._tcp.${name}`
  let records
  try {
    records = await dns.resolver.resolveSrv(srvName)
  } catch (error) {
    const c = code(error)
    const standard = o.standard ? ` The standard connection string needs no SRV: ${o.standard}` : ''
    if (c === 'ENOTFOUND' || c === 'ENODATA')
      rec.add({
        id: 'dns',
        status: 'fail',
        summary: `${srvName} ${c === 'ENOTFOUND' ? 'does not exist (NXDOMAIN)' : 'has no SRV record'}${via}: the connection string names no cluster.`,
        fix: "Copy the cluster's connection string again (a typo, or a deleted cluster); it shows with:",
        command: o.describe,
      })
    else
      rec.add({
        id: 'dns',
        status: 'fail',
        summary: `The SRV look-up of ${srvName} got no answer${via}: ${c || errorText(error)}. Some routers, VPNs and company resolvers drop SRV queries.`,
        fix: `Use a resolver that answers SRV queries (for example 8.8.8.8 or 1.1.1.1).${standard}`,
      })
    return undefined
  }
  let txt = 'no TXT record'
  try {
    txt = `TXT ${(await dns.resolver.resolveTxt(name)).map((r) => r.join('')).join(' ')}`
  } catch (error) {
    if (!['ENODATA', 'ENOTFOUND'].includes(code(error))) {
      rec.add({
        id: 'dns',
        status: 'fail',
        summary: `${srvName} resolves, but the TXT look-up of ${name} got no answer${via}: ${code(error) || errorText(error)}. The driver needs both.`,
        fix: `Use a resolver that answers TXT queries.${o.standard ? ` Or the standard connection string: ${o.standard}` : ''}`,
      })
      return undefined
    }
  }
  const hosts = records.map((r) => ({host: r.name, port: r.port}))
  rec.add({id: 'dns', status: 'pass', summary: `${srvName} → ${hosts.map(hostPort).join(', ')}; ${txt}${via}.`})
  return hosts
}

/** One connection attempt, closed as soon as it opens. */
function probe<S extends net.Socket>(
  open: () => S,
  ready: string,
  timeoutMs: number,
): Promise<{ms: number; socket: S}> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const socket = open()
    const timer = setTimeout(() => {
      socket.destroy()
      reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), {code: 'ETIMEDOUT'}))
    }, timeoutMs)
    socket.once(ready, () => {
      clearTimeout(timer)
      resolve({ms: Date.now() - start, socket})
      socket.end()
    })
    socket.once('error', (error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    })
  })
}

async function tcpCheck(rec: Recorder, hosts: Host[], dns: MongoDns, timeoutMs: number): Promise<void> {
  const results = await Promise.all(
    hosts.map((h) =>
      probe(() => net.connect({host: h.host, port: h.port, lookup: dns.lookup}), 'connect', timeoutMs).then(
        ({ms}) => ({h, ms}),
        (error: unknown) => ({h, error}),
      ),
    ),
  )
  const bad = results.filter((r) => 'error' in r)
  if (bad.length === 0) {
    rec.add({
      id: 'tcp',
      status: 'pass',
      summary: `Connected to ${results.map((r) => `${hostPort(r.h)} (${'ms' in r ? r.ms : 0} ms)`).join(', ')}.`,
    })
    return
  }
  const refused = bad.some((r) => code(r.error) === 'ECONNREFUSED')
  rec.add({
    id: 'tcp',
    status: 'fail',
    summary: `${bad.map((r) => `${hostPort(r.h)}: ${code(r.error) === 'ECONNREFUSED' ? 'connection refused' : code(r.error) === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : errorText(r.error)}`).join('; ')} (${results.length - bad.length} of ${results.length} reachable).`,
    fix: refused
      ? 'Nothing listens on that port: check the host and port in the connection string.'
      : `Outbound port ${bad[0].h.port} is blocked on the way (a firewall, VPN or company network): open it, or try from another network.`,
  })
}

async function tlsCheck(rec: Recorder, hosts: Host[], t: MongoUri, dns: MongoDns, timeoutMs: number): Promise<void> {
  const tls = await import('node:tls')
  const insecure = t.options.tlsAllowInvalidCertificates === 'true' || t.options.tlsInsecure === 'true'
  const ca = t.options.tlsCAFile ? fs.readFileSync(t.options.tlsCAFile) : undefined
  const results = await Promise.all(
    hosts.map((h) =>
      probe(
        () =>
          tls.connect({
            host: h.host,
            port: h.port,
            servername: net.isIP(h.host) ? undefined : h.host,
            lookup: dns.lookup,
            rejectUnauthorized: !insecure,
            ca,
          }),
        'secureConnect',
        timeoutMs,
      ).then(
        ({socket}) => {
          const cert = socket.getPeerCertificate()
          return {h, protocol: socket.getProtocol(), cn: cert?.subject?.CN, until: cert?.valid_to}
        },
        (error: unknown) => ({h, error}),
      ),
    ),
  )
  const bad = results.filter((r) => 'error' in r)
  if (bad.length === 0) {
    const first = results[0] as {protocol?: string | null; cn?: string; until?: string}
    rec.add({
      id: 'tls',
      status: 'pass',
      summary: `TLS handshake with ${results.length} host${results.length === 1 ? '' : 's'} (${first.protocol ?? 'TLS'}${first.cn ? `, certificate ${first.cn} valid until ${first.until}` : ''}).`,
    })
    return
  }
  const e = bad[0].error
  const c = code(e)
  const message = errorText(e)
  const notTls = /wrong version number|packet length too long|unknown protocol/i.test(message)
  const silent = c === 'ETIMEDOUT'
  const cert = /^(CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_TLS_CERT)/.test(c)
  rec.add({
    id: 'tls',
    status: 'fail',
    summary: `TLS handshake with ${hostPort(bad[0].h)} failed: ${c ? `${c}: ` : ''}${message}.`,
    fix: cert
      ? 'The certificate is not trusted: a proxy on this network may be intercepting TLS, or the string needs tlsCAFile.'
      : notTls || silent
        ? `The server ${silent ? 'did not answer the handshake' : 'does not speak TLS'}: it may not use TLS on that port (drop tls=true, or check the port). On Atlas, an address outside the access list gets no answer either.`
        : 'The server closed the connection during the handshake: on Atlas that is what an address outside the access list gets, and a server without TLS does the same.',
  })
}

async function authCheck(rec: Recorder, t: MongoUri, o: NetworkInput): Promise<MongoClient | undefined> {
  try {
    const client = await connect(t.uri, {serverSelectionTimeoutMS: o.timeoutMs})
    rec.add({id: 'auth', status: 'pass', summary: `Signed in as ${t.username}.`})
    return client
  } catch (error) {
    const refused = error instanceof AuthError
    rec.add({
      id: 'auth',
      status: 'fail',
      summary: refused
        ? `The server refused ${t.username}'s password (or the user is not on this cluster yet).`
        : `Could not sign in: ${errorText(error)}`,
      ...(refused && o.fixPassword
        ? {fix: 'Give the user a new password, written to the credentials file:', command: o.fixPassword}
        : {}),
    })
    return undefined
  }
}

async function pingCheck(rec: Recorder, client: MongoClient): Promise<void> {
  const start = Date.now()
  try {
    await client.db('admin').command({ping: 1})
    rec.add({id: 'ping', status: 'pass', summary: `ping answered in ${Date.now() - start} ms.`})
  } catch (error) {
    rec.add({id: 'ping', status: 'fail', summary: `ping failed: ${errorText(error)}`})
  }
}

async function m0Check(rec: Recorder, client: MongoClient): Promise<void> {
  const admin = client.db('admin')
  const status = (await admin.command({serverStatus: 1}).catch(() => undefined)) as
    {connections?: {current?: number}} | undefined
  const connections = status?.connections?.current
  let bytes = 0
  try {
    const {databases} = await admin.admin().listDatabases({nameOnly: true})
    for (const d of databases) {
      if (['admin', 'local', 'config'].includes(d.name)) continue
      const s = (await client.db(d.name).command({dbStats: 1})) as {dataSize?: number; indexSize?: number}
      bytes += (s.dataSize ?? 0) + (s.indexSize ?? 0)
    }
  } catch (error) {
    rec.add({id: 'm0-limits', status: 'fail', summary: `Could not read the storage in use: ${errorText(error)}`})
    return
  }
  const storage = `${(bytes / MB).toFixed(1)} MB of ${M0_LIMITS.storageBytes / MB} MB (data and indexes)`
  const conns =
    connections === undefined ? 'connections: not reported' : `${connections} of ${M0_LIMITS.connections} connections`
  const full = bytes >= M0_LIMITS.storageBytes
  const crowded = connections !== undefined && connections >= M0_LIMITS.connections
  rec.add({
    id: 'm0-limits',
    status: full || crowded ? 'fail' : 'pass',
    summary: `${storage}; ${conns}.`,
    ...(full || crowded
      ? {
          fix: full
            ? 'M0 refuses writes past 512 MB: delete data, or move to a bigger tier (cluster scale to M10).'
            : 'M0 allows 500 connections: lower the pool size of the applications (maxPoolSize), or move to a bigger tier.',
        }
      : {}),
  })
}
