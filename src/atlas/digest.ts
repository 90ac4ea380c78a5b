import {createHash, randomBytes} from 'node:crypto'

/**
 * HTTP digest auth (RFC 7616, qop=auth, MD5 as Atlas offers) that reuses the server's nonce across requests, each
 * with its own nonce count, so N requests cost N+1 exchanges.
 *
 * Not digest-fetch: its client keeps one nonce count that it reads when signing and raises only after the answer,
 * so two requests in flight sign with the same count (a replay the server refuses), and a request that got no answer
 * leaves its count to be signed again. It also re-challenges on every 401 and loads three hash packages where
 * node:crypto does. Here a count is taken when a request is signed, so every count is used once, in order.
 */
export class DigestAuth {
  private challenge?: {realm: string; nonce: string; opaque?: string}
  private nc = 0
  private readonly cnonce = randomBytes(8).toString('hex')
  /** The one unauthenticated request that asks for a nonce; the others wait for it instead of each drawing a 401. */
  private asking?: Promise<void>

  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {}

  /**
   * Undefined when a nonce is known: sign. Else this caller is the one that asks for it (the others wait here), and
   * must call the function it gets once that answer is in, whatever it was. No await between the check and the claim.
   */
  async turn(): Promise<(() => void) | undefined> {
    while (!this.challenge && this.asking) await this.asking
    if (this.challenge) return undefined
    let done!: () => void
    this.asking = new Promise<void>((resolve) => (done = resolve))
    return () => {
      this.asking = undefined
      done()
    }
  }

  /**
   * Learns the nonce of a 401's challenge. Answers whether it is stale=true; undefined when the answer carries no
   * digest challenge.
   */
  learn(wwwAuthenticate: string | null): {stale: boolean} | undefined {
    if (!wwwAuthenticate || !/^Digest\s/i.test(wwwAuthenticate)) return undefined
    const p = parseParams(wwwAuthenticate.replace(/^Digest\s+/i, ''))
    if (!p.nonce || (p.algorithm && p.algorithm.toUpperCase() !== 'MD5')) return undefined
    if (p.nonce !== this.challenge?.nonce) {
      this.challenge = {realm: p.realm ?? '', nonce: p.nonce, opaque: p.opaque}
      this.nc = 0
    }
    return {stale: /^true$/i.test(p.stale ?? '')}
  }

  /** The Authorization header for one request, with the next nonce count; undefined before any nonce is known. */
  sign(method: string, uri: string): {header: string; nonce: string; nc: number} | undefined {
    const c = this.challenge
    if (!c) return undefined
    const nc = ++this.nc
    const ncHex = nc.toString(16).padStart(8, '0')
    const ha1 = md5(`${this.username}:${c.realm}:${this.password}`)
    const ha2 = md5(`${method}:${uri}`)
    const response = md5(`${ha1}:${c.nonce}:${ncHex}:${this.cnonce}:auth:${ha2}`)
    const header =
      `Digest username="${quote(this.username)}", realm="${quote(c.realm)}", nonce="${quote(c.nonce)}", uri="${quote(uri)}", ` +
      `algorithm=MD5, qop=auth, nc=${ncHex}, cnonce="${this.cnonce}", response="${response}"` +
      (c.opaque !== undefined ? `, opaque="${quote(c.opaque)}"` : '')
    return {header, nonce: c.nonce, nc}
  }
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const quote = (s: string) => s.replace(/(["\\])/g, '\\$1')

/** `k="v", k2=v2` (RFC 7616 §3.3). */
function parseParams(s: string): Record<string, string> {
  const out: Record<string, string> = {}
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g
  for (let m = re.exec(s); m; m = re.exec(s))
    out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]
  return out
}
