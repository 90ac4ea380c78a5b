import {randomBytes} from 'node:crypto'
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'
import {matchOperation, mediaType, type OperationId, pathExists} from '../atlas/operations.js'
import {Authenticator, type Principal} from './auth.js'
import {BackingUsers} from './backing.js'
import {type DnsServer, startDnsServer} from './dns.js'
import {type FaultOptions, FaultInjector, NO_FAULTS} from './faults.js'
import {ApiProblem, parseJson, readBody, sendJson, sendProblem} from './http.js'
import {type Delays, DEMO_DELAYS} from './delays.js'
import {AtlasModel, handlers} from './model.js'
import {defaultEndpointSets, type EndpointSet, RateLimiter} from './ratelimit.js'
import {authorize} from './roles.js'
import {type EmulatorState, freshState, StateFile} from './state.js'

export interface EmulatorOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Persist state here; without it the state lives in memory. */
  dataDir?: string
  delays?: Partial<Delays>
  /** Token buckets: 'realistic' (the default), 'off', or explicit endpoint sets. */
  rateLimits?: 'realistic' | 'off' | EndpointSet[]
  faults?: Partial<FaultOptions>
  /** The MongoDB URI that clusters' connection strings point to. */
  backingUri?: string
  tokenTtlSeconds?: number
  /** How long a digest nonce is good; after it a correctly signed request gets a 401 with stale=TRUE. */
  nonceTtlMs?: number
  /** Serve the clusters' SRV names over DNS on this UDP port of 127.0.0.1 (0 picks one); clusters then get standardSrv. */
  dnsPort?: number
  /** Sees every API exchange; the contract tests validate them against the spec. */
  onExchange?: (x: Exchange) => void
  /** The clock of the asynchronous work, the rate limits, nonces and tokens: a test drives it instead of sleeping. */
  clock?: () => number
}

export interface Exchange {
  operationId?: string
  method: string
  path: string
  requestHeaders: Record<string, string | string[] | undefined>
  requestBody?: unknown
  status: number
  responseHeaders: Record<string, string>
  responseBody?: unknown
  /** An injected fault: outside the spec by design (an infrastructure failure, not an API answer). */
  injected?: boolean
}

export interface RunningEmulator {
  url: string
  port: number
  state: EmulatorState
  credentials: {publicKey: string; privateKey: string; clientId: string; clientSecret: string; orgId: string}
  /** `exchanges`: every HTTP request received; `challenges`: the 401s among them that carried a digest challenge. */
  stats: {
    requests: number
    exchanges: number
    challenges: number
    rateLimited: number
    faults: number
    bySet: Record<string, number>
  }
  /** The live fault settings: a test may change them while the emulator runs. */
  faults: FaultOptions
  /** host:port of the DNS server, when `dnsPort` was given: ATLASCTL_DNS_SERVER for atlasctl. */
  dnsServer?: string
  close(): Promise<void>
}

const DEFAULT_BACKING_URI = 'mongodb://127.0.0.1:27017'

/** The operations after which the backing server's users are brought up to date. */
const USER_CHANGES = new Set<OperationId>([
  'createGroupDatabaseUser',
  'updateGroupDatabaseUser',
  'deleteGroupDatabaseUser',
  'deleteGroup',
])

const VERSION_RE = /application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json/

const httpDate = (iso: string) => {
  const d = new Date(`${iso}T00:00:00Z`)
  return `${d.toUTCString().slice(0, 5)}${d.getUTCDate()} ${d.toUTCString().slice(8)}`
}

/** A sunset version answers with Deprecation (the day its successor appeared) and Sunset, as Atlas does. */
function deprecationHeaders(
  versions: ReadonlyArray<{version: string; sunset?: string}>,
  served: {version: string; sunset?: string},
): Record<string, string> {
  if (!served.sunset) return {}
  const next = versions.find((v) => v.version > served.version)
  return {...(next ? {deprecation: httpDate(next.version)} : {}), sunset: httpDate(served.sunset)}
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const file = options.dataDir ? new StateFile(options.dataDir) : undefined
  const state = file?.load() ?? freshState()
  file?.save(state)

  const backingUri = options.backingUri ?? DEFAULT_BACKING_URI
  const backing = BackingUsers.from(backingUri)
  const clock = options.clock ?? Date.now
  const auth = new Authenticator(
    state.apiKeys,
    state.serviceAccounts,
    options.tokenTtlSeconds,
    options.nonceTtlMs,
    clock,
  )
  const model = new AtlasModel(state, {...DEMO_DELAYS, ...options.delays}, backing?.publicUri ?? backingUri, clock)
  const table = handlers(model)
  // The backing server follows the users; a failed sync is reported and retried, as Atlas's automation retries.
  let unsynced = false
  let lastSyncError = ''
  const syncUsers = async (): Promise<void> => {
    if (!backing) return
    try {
      await backing.reconcile(model.scramUsers())
      unsynced = false
      lastSyncError = ''
    } catch (error) {
      unsynced = true
      const message = `emulator: the backing server did not take the database users: ${(error as Error).message}`
      if (message !== lastSyncError) process.stderr.write(`${message}\n`)
      lastSyncError = message
    }
  }
  const sweep = backing
    ? setInterval(() => void ((unsynced || model.hasExpiringUsers()) && syncUsers()), 1000)
    : undefined
  sweep?.unref()
  await syncUsers()
  let dns: DnsServer | undefined
  if (options.dnsPort !== undefined) {
    // RFC 6761 reserves .test: these names can never reach a real resolver's answer.
    model.srvDomain = 'atlas.test'
    dns = await startDnsServer((name, type) => model.dnsAnswer(name, type), options.dnsPort)
  }
  const sets =
    options.rateLimits === 'off' ? [] : Array.isArray(options.rateLimits) ? options.rateLimits : defaultEndpointSets()
  const limiter = new RateLimiter(sets, clock)
  const faults = new FaultInjector({...NO_FAULTS, ...options.faults})
  const stats = {
    requests: 0,
    exchanges: 0,
    challenges: 0,
    rateLimited: 0,
    faults: 0,
    bySet: {} as Record<string, number>,
  }
  let baseUrl = ''

  async function handle(req: IncomingMessage, res: ServerResponse, common: Record<string, string>): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator')
    const method = (req.method ?? 'GET').toUpperCase()
    const bodyText = await readBody(req)

    // Liveness only: anyone who can reach the port may ask, so it tells nothing about the org or the traffic.
    if (url.pathname === '/__emulator/health') return sendJson(res, 200, {ok: true}, 'application/json', common)
    if (url.pathname === '/__emulator/stats') {
      auth.authenticate(req)
      return sendJson(res, 200, {stats}, 'application/json', common)
    }
    if (url.pathname === '/api/oauth/token' && method === 'POST') {
      return sendJson(res, 200, auth.issueToken(req, bodyText), 'application/json', {
        ...common,
        'cache-control': 'no-store',
      })
    }
    if (url.pathname === '/api/private/ipinfo' && method === 'GET') {
      auth.authenticate(req)
      // Atlas answers with the address the request comes from (digest-protected, outside the v2 spec).
      return sendJson(
        res,
        200,
        {currentIpv4Address: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')},
        'application/json',
        common,
      )
    }
    if (!url.pathname.startsWith('/api/atlas/v2'))
      throw new ApiProblem(404, 'RESOURCE_NOT_FOUND', `Cannot find resource ${url.pathname}.`, [url.pathname])

    const principal: Principal = auth.authenticate(req)
    stats.requests++
    const matched = matchOperation(method, url.pathname)
    if (!matched) {
      if (pathExists(url.pathname))
        throw new ApiProblem(405, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed on ${url.pathname}.`, [method])
      throw new ApiProblem(404, 'RESOURCE_NOT_FOUND', `Cannot find resource ${url.pathname}.`, [url.pathname])
    }
    const {op, params} = matched
    const requested = VERSION_RE.exec(req.headers.accept ?? '')?.[1]
    // Atlas serves every version the spec lists for an operation, each in its own body shape, and no other.
    const served = op.versions.find((v) => v.version === requested)
    if (!served) {
      throw new ApiProblem(
        406,
        'INVALID_VERSION_DATE',
        `${op.operationId} is served at ${op.versions.map((v) => v.version).join(', ')}${requested ? ` (got version ${requested})` : ' (no API version in Accept)'}.`,
        [op.version],
      )
    }
    const versionHeaders = deprecationHeaders(op.versions, served)
    // The key's roles against the spec's x-rolesRequirements, before the call touches anything.
    authorize(principal, op, params, (id) => state.groups[id]?.orgId)

    const verdict = limiter.take(url.pathname, {
      USER: principal.id,
      GROUP: params.groupId ?? principal.id,
      ORGANIZATION: principal.orgId,
      IP: req.socket.remoteAddress ?? '',
    })
    if (verdict.set) stats.bySet[verdict.set.name] = (stats.bySet[verdict.set.name] ?? 0) + 1
    const rateHeaders: Record<string, string> = verdict.set
      ? {'ratelimit-limit': String(verdict.set.spec.capacity), 'ratelimit-remaining': String(verdict.remaining)}
      : {}
    // Error answers carry the rate-limit headers too (recorded).
    Object.assign(common, rateHeaders)
    if (!verdict.allowed && verdict.set) {
      stats.rateLimited++
      const s = verdict.set.spec
      throw new ApiProblem(
        429,
        'RATE_LIMITED_TOKEN_BUCKET',
        `Rate limit exceeded for ${verdict.set.name}. Please retry after ${verdict.retryAfterSeconds} seconds. Request capacity: ${s.capacity}. Refill rate: ${s.refillRate} per ${s.refillSeconds} seconds.`,
        [verdict.set.name, verdict.retryAfterSeconds, s.capacity, s.refillRate, s.refillSeconds],
        {...rateHeaders, 'retry-after': String(verdict.retryAfterSeconds)},
      )
    }

    const fault = faults.next(url.pathname, method)
    if (faults.options.latencyMs > 0) await sleep(faults.options.latencyMs)
    if (fault.kind === 'error') {
      stats.faults++
      throw new ApiProblem(
        fault.status,
        fault.status === 503 ? 'SERVICE_UNAVAILABLE' : 'UNEXPECTED_ERROR',
        'Injected fault.',
        [],
        {'x-emulator-fault': 'injected', ...(fault.status === 503 ? {'retry-after': '1'} : {})},
      )
    }

    const body = bodyText ? parseJson(bodyText) : undefined
    const reply = table[op.operationId]({
      principal,
      params,
      query: url.searchParams,
      body,
      baseUrl,
      version: served.version,
    })
    if (method !== 'GET') file?.save(state)
    if (USER_CHANGES.has(op.operationId)) await syncUsers()
    if (fault.kind === 'drop') {
      // The write happened; the client never hears about it, as when a connection dies in flight.
      stats.faults++
      req.socket.destroy()
      return
    }
    const headers = {...common, ...rateHeaders, ...versionHeaders, ...reply.headers}
    sendJson(res, reply.status, reply.body, mediaType(served.version), headers)
    options.onExchange?.({
      operationId: op.operationId,
      method,
      path: url.pathname,
      requestHeaders: req.headers,
      requestBody: body,
      status: reply.status,
      responseHeaders: {'content-type': mediaType(served.version), ...headers},
      responseBody: reply.body,
    })
  }

  const server = http.createServer((req, res) => {
    const common = {'x-request-id': randomBytes(12).toString('hex')}
    stats.exchanges++
    handle(req, res, common).catch((error: unknown) => {
      const problem =
        error instanceof ApiProblem
          ? error
          : new ApiProblem(500, 'UNEXPECTED_ERROR', `Unexpected error: ${(error as Error).message}`)
      if (problem.status === 401 && problem.headers['www-authenticate']?.startsWith('Digest ')) stats.challenges++
      if (res.headersSent) return void res.destroy()
      sendProblem(res, problem, common)
      if (problem.status !== 401) {
        options.onExchange?.({
          operationId: matchOperation(req.method ?? 'GET', new URL(req.url ?? '/', 'http://e').pathname)?.op
            .operationId,
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          requestHeaders: req.headers,
          status: problem.status,
          responseHeaders: {'content-type': 'application/json'},
          responseBody: {
            detail: problem.detail,
            error: problem.status,
            errorCode: problem.errorCode,
            parameters: problem.parameters,
          },
          injected: problem.headers['x-emulator-fault'] === 'injected',
        })
      }
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`
  const key = state.apiKeys[0]
  const account = state.serviceAccounts[0]
  return {
    url: baseUrl,
    port,
    state,
    stats,
    faults: faults.options,
    dnsServer: dns?.address,
    credentials: {
      publicKey: key.publicKey,
      privateKey: key.privateKey,
      clientId: account.clientId,
      clientSecret: account.clientSecret,
      orgId: key.orgId,
    },
    close: async () => {
      clearInterval(sweep)
      await new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
      await backing?.close()
      await dns?.close()
    },
  }
}
