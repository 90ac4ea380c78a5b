import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import {ApiProblem} from './http.js'

export interface ApiKey {
  publicKey: string
  privateKey: string
  orgId: string
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
}

const REALM = 'MMS Public API'
const NONCE_TTL_MS = 5 * 60_000
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
  private readonly keys = new Map<string, ApiKey>()
  private readonly accounts = new Map<string, ServiceAccount>()
  private readonly nonces = new Map<string, {issued: number; used: Set<string>}>()
  private readonly tokens = new Map<string, {principal: Principal; expiresAt: number}>()

  constructor(
    keys: ApiKey[],
    accounts: ServiceAccount[],
    private readonly tokenTtlSeconds = 3600,
  ) {
    for (const k of keys) this.keys.set(k.publicKey, k)
    for (const a of accounts) this.accounts.set(a.clientId, a)
  }

  challenge(stale = false): string {
    const nonce = randomBytes(16).toString('hex')
    this.nonces.set(nonce, {issued: Date.now(), used: new Set()})
    if (this.nonces.size > 10_000) {
      const cutoff = Date.now() - NONCE_TTL_MS
      for (const [n, v] of this.nonces) if (v.issued < cutoff) this.nonces.delete(n)
    }
    return `Digest realm="${REALM}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale ? 'TRUE' : 'FALSE'}`
  }

  /** The principal, or an ApiProblem 401 carrying a fresh challenge. */
  authenticate(req: IncomingMessage): Principal {
    const header = req.headers.authorization ?? ''
    if (/^Bearer\s+/i.test(header)) {
      const token = this.tokens.get(header.replace(/^Bearer\s+/i, '').trim())
      if (token && token.expiresAt > Date.now()) return token.principal
      throw this.unauthorized('Invalid or expired access token.', false)
    }
    if (!/^Digest\s+/i.test(header)) throw this.unauthorized('You are not authorized for this resource.', false)
    const p = parseAuthParams(header.replace(/^Digest\s+/i, ''))
    const key = p.username ? this.keys.get(p.username) : undefined
    const nonce = p.nonce ? this.nonces.get(p.nonce) : undefined
    if (!nonce) throw this.unauthorized('Unknown digest nonce.', false)
    if (Date.now() - nonce.issued > NONCE_TTL_MS) throw this.unauthorized('The digest nonce is stale.', true)
    if (
      p.realm !== REALM ||
      p.qop !== 'auth' ||
      !p.nc ||
      !p.cnonce ||
      !p.response ||
      (p.algorithm && p.algorithm.toUpperCase() !== 'MD5')
    ) {
      throw this.unauthorized('Malformed digest credentials.', false)
    }
    if (p.uri !== req.url) throw this.unauthorized('The digest uri does not match the request.', false)
    if (!key) throw this.unauthorized('You are not authorized for this resource.', false)
    const ha1 = md5(`${key.publicKey}:${REALM}:${key.privateKey}`)
    const ha2 = md5(`${req.method}:${p.uri}`)
    const expected = md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
    if (!safeEqual(expected, p.response)) throw this.unauthorized('You are not authorized for this resource.', false)
    // Replay protection: a nonce count is good once (requests may arrive out of order).
    const seen = `${p.nc}:${p.cnonce}`
    if (nonce.used.has(seen)) throw this.unauthorized('Replayed digest nonce count.', false)
    nonce.used.add(seen)
    return {kind: 'apiKey', id: key.publicKey, orgId: key.orgId}
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
      principal: {kind: 'serviceAccount', id: account.clientId, orgId: account.orgId},
      expiresAt: Date.now() + this.tokenTtlSeconds * 1000,
    })
    return {access_token: token, expires_in: this.tokenTtlSeconds, token_type: 'Bearer'}
  }
}
