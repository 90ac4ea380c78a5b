import net from 'node:net'
import {UsageError} from '../../lib/errors.js'

/** What the checks read of a connection string; the password stays out of everything but `uri`. */
export interface MongoUri {
  uri: string
  srv: boolean
  /** The SRV name (mongodb+srv), else the hosts as given. */
  hosts: Array<{host: string; port: number}>
  username?: string
  password?: string
  /** The database in the path: the one the application works in. */
  database?: string
  options: Record<string, string>
  /** tls=true / ssl=true, or mongodb+srv without tls=false. */
  tls: boolean
}

const URI = /^(mongodb(?:\+srv)?):\/\/(?:([^@/]*)@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/

/** A connection string, split; anything else is exit 2 naming the flag. */
export function parseMongoUri(uri: string, flag = 'uri'): MongoUri {
  const m = URI.exec(uri.trim())
  const bad = (why: string) =>
    new UsageError(`Invalid connection string for --${flag}: ${why}.`, {code: 'INVALID_URI', details: {flag}})
  if (!m) throw bad('use mongodb://HOST[:PORT][,HOST…]/[DB][?OPTIONS] or mongodb+srv://NAME/[DB][?OPTIONS]')
  const [, scheme, userinfo, hostList, path, query] = m
  const srv = scheme === 'mongodb+srv'
  const hosts = hostList.split(',').map((h) => {
    const six = /^\[([^\]]+)\](?::(\d+))?$/.exec(h)
    const [host, port] = six ? [six[1], six[2]] : h.split(':')
    if (!host || (port !== undefined && !/^\d{1,5}$/.test(port))) throw bad(`"${h}" is not HOST[:PORT]`)
    return {host, port: port === undefined ? 27017 : Number(port)}
  })
  if (srv && (hosts.length !== 1 || /:\d+$/.test(hostList)))
    throw bad('a mongodb+srv:// string names one host, without a port')
  const options = Object.fromEntries(new URLSearchParams(query ?? '').entries())
  const tlsOption = options.tls ?? options.ssl
  const [user, password] = (userinfo ?? '').split(/:(.*)/s)
  return {
    uri: uri.trim(),
    srv,
    hosts,
    username: user ? decodeURIComponent(user) : undefined,
    password: password !== undefined ? decodeURIComponent(password) : undefined,
    database: path ? decodeURIComponent(path) : undefined,
    options,
    tls: tlsOption === undefined ? srv : tlsOption === 'true',
  }
}

/** Whether an access list entry (an address or a CIDR block) covers an address. */
export function covers(entry: string, address: string): boolean {
  const [ip, bits] = entry.split('/')
  const family = net.isIP(ip)
  if (family === 0 || net.isIP(address) !== family) return false
  const type = family === 4 ? 'ipv4' : 'ipv6'
  const list = new net.BlockList()
  list.addSubnet(ip, bits === undefined ? (family === 4 ? 32 : 128) : Number(bits), type)
  return list.check(address, type)
}

const ANY_DATABASE: Record<string, 'read' | 'readWrite'> = {
  atlasAdmin: 'readWrite',
  readWriteAnyDatabase: 'readWrite',
  readAnyDatabase: 'read',
}
const ONE_DATABASE: Record<string, 'read' | 'readWrite'> = {readWrite: 'readWrite', read: 'read'}

/** What a user's roles let it do with the documents of one database: read and write, read only, or nothing. */
export function accessTo(
  roles: ReadonlyArray<{roleName: string; databaseName: string; collectionName?: string}>,
  database: string,
): {access: 'readWrite' | 'read' | 'none'; by: string[]} {
  const granting = roles.flatMap((r) => {
    const a = ANY_DATABASE[r.roleName] ?? (r.databaseName === database ? ONE_DATABASE[r.roleName] : undefined)
    return a ? [{a, name: `${r.roleName}@${r.databaseName}${r.collectionName ? `.${r.collectionName}` : ''}`}] : []
  })
  const access = granting.some((g) => g.a === 'readWrite') ? 'readWrite' : granting.length > 0 ? 'read' : 'none'
  return {access, by: granting.map((g) => g.name)}
}
