import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import {ApiProblem} from './http.js'
import type {RoleAssignment} from './roles.js'

/** A programmatic API key. The emulator's first key, and any stored before keys had roles, owns its organization. */
export interface ApiKey {
  publicKey: string
  privateKey: string
  orgId: string
  id?: string
  desc?: string
  roles?: RoleAssignment[]
}

export interface ServiceAccount {
  clientId: string
  clientSecret: string
  orgId: string
}

export interface Principal {
  kind: 'apiKey' | 'serviceAccount'
  id: string
  orgId: string
  roles: readonly RoleAssignment[]
}

const owner = (orgId: string): RoleAssignment[] => [{orgId, roleName: 'ORG_OWNER'}]

const REALM = 'MMS Public API'
const NONCE_TTL_MS = 5 * 60_000
/** Nonce counts more than this far below the highest seen are refused: their requests cannot still be in flight. */
const NC_WINDOW = 256
const md5 = (s: string) => createHash('md5').update(s).digest('hex')

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Parses `Digest k="v", k2=v2` (RFC 7616 §3.4). */
function parseAuthParams(header: string): Record<string, string> {
  const out: Record<string, string> = {}
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g
  for (let m = re.exec(header); m; m = re.exec(header))
    out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]
  return out
}

/** HTTP digest (qop=auth, MD5) for API keys and expiring bearer tokens for service accounts. */
export class Authenticator {
  private readonly accounts = new Map<string, ServiceAccount>()
  /** Per nonce: when it was issued, the highest nonce count seen, and the counts seen within the window below it. */
  private readonly nonces = new Map<string, {issued: number; highest: number; seen: Set<number>}>()
  private readonly tokens = new Map<string, {principal: Principal; expiresAt: number}>()

  /** `keys` is the live list: keys created or deleted through the API authenticate, or stop, at once. */
  constructor(
    private readonly keys: readonly ApiKey[],
    accounts: ServiceAccount[],
    private readonly tokenTtlSeconds = 3600,
    private readonly nonceTtlMs = NONCE_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {
    for (const a of accounts) this.accounts.set(a.clientId, a)
  }

  challenge(stale = false): string {
    const nonce = randomBytes(16).toString('hex')
    this.nonces.set(nonce, {issued: this.clock(), highest: 0, seen: new Set()})
    if (this.nonces.size > 10_000) {
      const cutoff = this.clock() - this.nonceTtlMs
      for (const [n, v] of this.nonces) if (v.issued < cutoff) this.nonces.delete(n)
    }
    return `Digest realm="${REALM}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale ? 'TRUE' : 'FALSE'}`
  }

  /** The principal, or an ApiProblem 401 carrying a fresh challenge. */
  authenticate(req: IncomingMessage): Principal {
    const header = req.headers.authorization ?? ''
    if (/^Bearer\s+/i.test(header)) {
      const token = this.tokens.get(header.replace(/^Bearer\s+/i, '').trim())
      if (token && token.expiresAt > this.clock()) return token.principal
      throw this.unauthorized('Invalid or expired access token.', false)
    }
    if (!/^Digest\s+/i.test(header)) throw this.unauthorized('You are not authorized for this resource.', false)
    const p = parseAuthParams(header.replace(/^Digest\s+/i, ''))
    if (
      p.realm !== REALM ||
      p.qop !== 'auth' ||
      !p.nonce ||
      !/^[0-9a-f]{8}$/i.test(p.nc ?? '') ||
      !p.cnonce ||
      !p.response ||
      (p.algorithm && p.algorithm.toUpperCase() !== 'MD5')
    ) {
      throw this.unauthorized('Malformed digest credentials.', false)
    }
    if (p.uri !== req.url) throw this.unauthorized('The digest uri does not match the request.', false)
    const key = p.username ? this.keys.find((k) => k.publicKey === p.username) : undefined
    if (!key) throw this.unauthorized('You are not authorized for this resource.', false)
    const ha1 = md5(`${key.publicKey}:${REALM}:${key.privateKey}`)
    const ha2 = md5(`${req.method}:${p.uri}`)
    const expected = md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
    if (!safeEqual(expected, p.response)) throw this.unauthorized('You are not authorized for this resource.', false)
    // RFC 7616: stale only for a digest that is right but signed with a nonce no longer good (expired, or unknown
    // after a restart), so the client signs again with the new nonce without asking for other credentials.
    const nonce = this.nonces.get(p.nonce)
    if (!nonce || this.clock() - nonce.issued > this.nonceTtlMs) {
      if (nonce) this.nonces.delete(p.nonce)
      throw this.unauthorized('The digest nonce is stale.', true)
    }
    // A nonce is reused with each request's own count (nc). A count seen before is a replay. Concurrent requests
    // may arrive out of order, so a lower count not yet seen is good within a window below the highest.
    const nc = Number.parseInt(p.nc, 16)
    if (nc === 0 || nonce.seen.has(nc) || nc <= nonce.highest - NC_WINDOW)
      throw this.unauthorized('Replayed digest nonce count.', false)
    nonce.seen.add(nc)
    if (nc > nonce.highest) {
      nonce.highest = nc
      for (const n of nonce.seen) if (n <= nc - NC_WINDOW) nonce.seen.delete(n)
    }
    // Roles are read on every request: a key removed from a project loses it at once.
    return {kind: 'apiKey', id: key.publicKey, orgId: key.orgId, roles: key.roles ?? owner(key.orgId)}
  }

  private unauthorized(detail: string, stale: boolean): ApiProblem {
    // Atlas answers every failed authentication alike: UNEXPECTED_ERROR, and no parameters (recorded).
    return new ApiProblem(401, 'UNEXPECTED_ERROR', detail, null, {'www-authenticate': this.challenge(stale)})
  }

  /** POST /api/oauth/token with Basic client credentials. */
  issueToken(req: IncomingMessage, body: string): {access_token: string; expires_in: number; token_type: 'Bearer'} {
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
    const [id, secret] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(/:(.*)/s) : []
    const account = id ? this.accounts.get(id) : undefined
    if (!account || !safeEqual(account.clientSecret, secret ?? ''))
      throw new ApiProblem(401, 'invalid_client', 'Invalid client credentials.')
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials')
      throw new ApiProblem(400, 'unsupported_grant_type', 'grant_type must be client_credentials.')
    const token = randomBytes(24).toString('base64url')
    this.tokens.set(token, {
      principal: {kind: 'serviceAccount', id: account.clientId, orgId: account.orgId, roles: owner(account.orgId)},
      expiresAt: this.clock() + this.tokenTtlSeconds * 1000,
    })
    return {access_token: token, expires_in: this.tokenTtlSeconds, token_type: 'Bearer'}
  }
}
