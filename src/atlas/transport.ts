import type {Credentials} from '../config/settings.js'
import {AtlasCtlError, AuthError, ExitCode, TimeoutError} from '../lib/errors.js'
import {redactor} from '../lib/secrets.js'
import {retrying, type RetryPolicy} from '../lib/retry.js'
import {DigestAuth} from './digest.js'
import {matchOperation, mediaType, operationName} from './operations.js'

export interface TransportOptions {
  baseUrl: string
  credentials?: Credentials
  timeoutMs?: number
  retry?: Partial<RetryPolicy>
  /** One line per request, response and retry; redacted before it is written. */
  debug?: (line: string) => void
  /** Called once per finished write (any method but GET), for the audit log. */
  onWrite?: (w: {operation: string; method: string; path: string; status: number; requestId?: string}) => void
  /** Called on every 429, so a caller can slow down (the events provisioner's adaptive pool). */
  onRateLimited?: () => void
  /** Called before each retry after a connection error or a time-out, with a line naming the URL: shown without --debug. */
  onConnectionRetry?: (line: string) => void
  userAgent?: string
  random?: () => number
}

export interface TransportStats {
  requests: number
  retries: number
  rateLimited: number
}

const DEFAULT_RETRY: RetryPolicy = {maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000}
/**
 * Nothing listens at the address, or the host name does not resolve: worth a short retry (a restart, a blip), not
 * the full backoff of a server that answers slowly.
 */
const REFUSED_BUDGET_MS = 3000
const SHORT_LIVED = new Set(['ECONNREFUSED', 'ENOTFOUND'])
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

export class NetworkError extends AtlasCtlError {
  constructor(message: string, cause: unknown) {
    super(message, ExitCode.failure, {
      cause,
      code: 'NETWORK',
      hint: 'Check the base URL and the network; "atlasctl emulator status" shows a local emulator.',
    })
  }
}

/** A retryable answer (429, 503, or a 5xx to a safe method): thrown to the retry loop, returned when retries run out. */
class RetryableAnswer extends Error {
  constructor(
    readonly response: Response,
    readonly retryAfterSeconds?: number,
  ) {
    super(`HTTP ${response.status}`)
  }
}

/** A request that got no answer: a connection error or a time-out. */
class NoAnswer extends Error {
  constructor(
    readonly failure: unknown,
    readonly timedOut: boolean,
    readonly what: string,
  ) {
    super(what)
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined
  const n = Number(value)
  if (Number.isFinite(n) && n >= 0) return n
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000)
}

function errorCode(error: unknown): string | undefined {
  return (error as {cause?: {code?: string}})?.cause?.code ?? (error as {code?: string})?.code
}

/** fetch refuses some ports outright (e.g. 9, 6000): no retry can change that. */
const refusedByFetch = (error: unknown) => (error as {cause?: Error})?.cause?.message === 'bad port'

function isConnectionError(error: unknown): boolean {
  const code = errorCode(error)
  if (refusedByFetch(error)) return false
  return (
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'UND_ERR_CLOSED'].includes(code ?? '') ||
    (error as Error)?.message === 'fetch failed'
  )
}

class TokenProvider {
  private token?: {value: string; expiresAt: number}
  private pending?: Promise<string>

  constructor(
    private readonly baseUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly timeoutMs: number,
  ) {}

  invalidate(): void {
    this.token = undefined
  }

  async get(): Promise<string> {
    // Renew a minute before expiry so a long job never sends a token that dies in flight.
    if (this.token && Date.now() < this.token.expiresAt - 60_000) return this.token.value
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined))
    return this.pending
  }

  private async fetchToken(): Promise<string> {
    const res = await fetch(`${this.baseUrl}/api/oauth/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    if (!res.ok) {
      throw new AuthError(`Atlas refused the service account's client credentials (HTTP ${res.status}).`, {
        hint: "Check MONGODB_ATLAS_CLIENT_ID / MONGODB_ATLAS_CLIENT_SECRET or the profile's clientId / clientSecret.",
      })
    }
    const body = (await res.json()) as {access_token?: string; expires_in?: number}
    if (!body.access_token) throw new AuthError('The token endpoint answered without an access_token.')
    redactor.add(body.access_token)
    this.token = {value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000}
    return body.access_token
  }
}

/**
 * The fetch that openapi-fetch calls: versioned Accept headers, digest or bearer auth,
 * retries with backoff, a per-attempt timeout, and a redacted --debug trace.
 */
export function createTransport(options: TransportOptions): {
  fetch: (input: Request) => Promise<Response>
  stats: TransportStats
} {
  const policy: RetryPolicy = {...DEFAULT_RETRY, ...options.retry}
  const timeoutMs = options.timeoutMs ?? 30_000
  const debug = options.debug ? (line: string) => options.debug!(redactor.redact(line)) : undefined
  const stats: TransportStats = {requests: 0, retries: 0, rateLimited: 0}
  const creds = options.credentials
  // One digest state for the whole run: every request after the first reuses the server's nonce with its own count.
  const digest = creds?.type === 'apiKey' ? new DigestAuth(creds.publicKey, creds.privateKey) : undefined
  const tokens =
    creds?.type === 'serviceAccount'
      ? new TokenProvider(options.baseUrl, creds.clientId, creds.clientSecret, timeoutMs)
      : undefined

  async function send(
    url: string,
    init: {method: string; headers: Record<string, string>; body?: string},
  ): Promise<Response> {
    const signal = AbortSignal.timeout(timeoutMs)
    if (digest) return sendDigest(digest, url, init, signal)
    if (tokens) {
      const first = await fetch(url, {
        ...init,
        headers: {...init.headers, Authorization: `Bearer ${await tokens.get()}`},
        signal,
      })
      if (first.status !== 401) return first
      tokens.invalidate()
      return fetch(url, {
        ...init,
        headers: {...init.headers, Authorization: `Bearer ${await tokens.get()}`},
        signal: AbortSignal.timeout(timeoutMs),
      })
    }
    return fetch(url, {...init, signal})
  }

  /**
   * Signed with the known nonce: one exchange. Without one, one request draws the 401 challenge (the others wait for
   * its nonce), so N requests cost N+1 exchanges. A 401 is signed again once, with the nonce it carries, only when it
   * says stale=true or refuses a nonce that other requests had used: the server may not take counts out of order.
   */
  async function sendDigest(
    auth: DigestAuth,
    url: string,
    init: {method: string; headers: Record<string, string>; body?: string},
    signal: AbortSignal,
  ): Promise<Response> {
    const {pathname, search} = new URL(url)
    const uri = `${pathname}${search}`
    const signed = (s: {header: string}) =>
      fetch(url, {...init, headers: {...init.headers, authorization: s.header}, signal})
    const done = await auth.turn()
    if (done) {
      try {
        const first = await fetch(url, {...init, signal})
        if (first.status !== 401 || !auth.learn(first.headers.get('www-authenticate'))) return first
        await first.body?.cancel()
      } finally {
        done()
      }
    }
    const s = auth.sign(init.method, uri)!
    const res = await signed(s)
    if (res.status !== 401) return res
    const challenge = auth.learn(res.headers.get('www-authenticate'))
    if (!challenge || !(challenge.stale || s.nc > 1)) return res
    await res.body?.cancel()
    debug?.(`↻ digest: ${challenge.stale ? 'the nonce is stale' : `nonce count ${s.nc} refused`}; signing again`)
    return signed(auth.sign(init.method, uri)!)
  }

  async function transportFetch(input: Request): Promise<Response> {
    const url = new URL(input.url)
    const method = input.method.toUpperCase()
    const body = method === 'GET' || method === 'HEAD' ? undefined : await input.text()
    const headers: Record<string, string> = {}
    input.headers.forEach((v, k) => (headers[k] = v))
    const op = matchOperation(method, url.pathname)?.op
    if (op) {
      headers.accept = mediaType(op.version)
      if (body) headers['content-type'] = mediaType(op.version)
    }
    if (!body) delete headers['content-type']
    headers['user-agent'] = options.userAgent ?? 'atlasctl'
    const name = operationName(method, url.pathname)

    let refusedSince: number | undefined
    let retries = 0
    // The final answer: audited if it is a write, and labelled for the client's typed errors.
    const finish = (res: Response): Response => {
      if (method !== 'GET' && method !== 'HEAD')
        options.onWrite?.({
          operation: name,
          method,
          path: url.pathname,
          status: res.status,
          requestId: res.headers.get('x-request-id') ?? undefined,
        })
      return withHeaders(res, {[OPERATION_HEADER]: name, ...(retries > 0 ? {[RETRIES_HEADER]: String(retries)} : {})})
    }
    try {
      return finish(
        await retrying(
          async (attempt) => {
            retries = attempt
            stats.requests++
            const started = Date.now()
            debug?.(
              `→ ${method} ${url.pathname}${url.search} (${name}${attempt > 0 ? `, attempt ${attempt + 1}` : ''})${body ? ` body=${body}` : ''}`,
            )
            let res: Response
            try {
              res = await send(url.toString(), {method, headers, body})
            } catch (error) {
              const timedOut = (error as Error)?.name === 'TimeoutError'
              const code = errorCode(error)
              if (SHORT_LIVED.has(code ?? '')) refusedSince ??= started
              const why =
                code ??
                (error instanceof Error ? (error.cause instanceof Error ? error.cause : error).message : String(error))
              throw new NoAnswer(
                error,
                timedOut,
                timedOut
                  ? `no answer in ${timeoutMs} ms`
                  : code === 'ECONNREFUSED'
                    ? 'connection refused'
                    : code === 'ENOTFOUND'
                      ? `host name ${url.hostname} not found`
                      : refusedByFetch(error)
                        ? `fetch never connects to port ${url.port}`
                        : `connection error (${why})`,
              )
            }
            debug?.(
              `← ${res.status} ${name} in ${Date.now() - started} ms${res.headers.get('x-request-id') ? ` request-id=${res.headers.get('x-request-id')}` : ''}`,
            )
            if (
              res.status === 429 ||
              res.status === 503 ||
              (SAFE_METHODS.has(method) && (res.status === 500 || res.status === 502 || res.status === 504))
            ) {
              throw new RetryableAnswer(res, parseRetryAfter(res.headers.get('retry-after')))
            }
            return res
          },
          {
            policy,
            random: options.random,
            floorMs: (e) =>
              e instanceof RetryableAnswer && e.retryAfterSeconds !== undefined
                ? e.retryAfterSeconds * 1000
                : undefined,
            // Only a safe method is sent again after no answer: an unsafe one may have been carried out.
            retryable: (e, _attempt, waitMs) =>
              e instanceof RetryableAnswer ||
              (e instanceof NoAnswer &&
                SAFE_METHODS.has(method) &&
                (e.timedOut || isConnectionError(e.failure)) &&
                (refusedSince === undefined || Date.now() + waitMs - refusedSince <= REFUSED_BUDGET_MS)),
            onRetry: async (e, attempt, waitMs) => {
              stats.retries++
              if (e instanceof RetryableAnswer) {
                if (e.response.status === 429) {
                  stats.rateLimited++
                  options.onRateLimited?.()
                }
                debug?.(
                  `↻ ${name}: HTTP ${e.response.status}${e.retryAfterSeconds !== undefined ? `, Retry-After ${e.retryAfterSeconds}s` : ''}; retry ${attempt + 1}/${policy.maxRetries} in ${Math.round(waitMs)} ms`,
                )
                await e.response.body?.cancel()
              } else if (e instanceof NoAnswer) {
                const line = `${name}: ${e.what} at ${url.origin}; retry ${attempt + 1}/${policy.maxRetries} in ${Math.round(waitMs)} ms`
                debug?.(`↻ ${line}`)
                options.onConnectionRetry?.(line)
              }
            },
          },
        ),
      )
    } catch (error) {
      if (error instanceof RetryableAnswer) return finish(error.response)
      if (!(error instanceof NoAnswer)) throw error
      if (error.timedOut)
        throw new TimeoutError(`Atlas did not answer ${name} within ${timeoutMs} ms (${retries + 1} attempts).`, {
          cause: error.failure,
        })
      throw new NetworkError(
        `Could not reach Atlas at ${options.baseUrl} for ${name}: ${error.what} (${retries + 1} attempt${retries > 0 ? 's' : ''}).`,
        error.failure,
      )
    }
  }

  return {fetch: transportFetch, stats}
}

/** Set on every answer by the transport, for the client's typed errors. */
export const OPERATION_HEADER = 'x-atlasctl-operation'
export const RETRIES_HEADER = 'x-atlasctl-retries'

function withHeaders(res: Response, extra: Record<string, string>): Response {
  const headers = new Headers(res.headers)
  for (const [k, v] of Object.entries(extra)) headers.set(k, v)
  return new Response(res.body, {status: res.status, statusText: res.statusText, headers})
}
