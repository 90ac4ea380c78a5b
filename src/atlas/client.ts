import createClient, {type Client} from 'openapi-fetch'
import {z} from 'zod'
import type {Credentials} from '../config/settings.js'
import {AuthError} from '../lib/errors.js'
import {AtlasApiError, type AtlasErrorBody} from './errors.js'
import type {components, paths, Readable, Writable} from './openapi.js'
import {
  createTransport,
  OPERATION_HEADER,
  RETRIES_HEADER,
  type TransportOptions,
  type TransportStats,
} from './transport.js'

type Schemas = components['schemas']
// What Atlas answers (no writeOnly fields, such as a password) and what a request may send (no readOnly fields,
// such as ids): openapi-typescript's read/write markers, so request bodies are typed without casts.
export type Cluster = Readable<Schemas['ClusterDescription20240805']>
export type FlexCluster = Readable<Schemas['FlexClusterDescription20241113']>
export type Group = Readable<Schemas['Group']>
export type DatabaseUser = Readable<Schemas['CloudDatabaseUser']>
export type AccessEntry = Readable<Schemas['NetworkPermissionEntry']>
export type ClusterBody = Writable<Schemas['ClusterDescription20240805']>
export type FlexClusterBody = Writable<Schemas['FlexClusterDescriptionCreate20241113']>
export type DatabaseUserBody = Writable<Schemas['CloudDatabaseUser']>
export type AccessEntryBody = Writable<Schemas['NetworkPermissionEntry']>
export type ProviderSettingsBody = Writable<Schemas['ClusterProviderSettings']>
export type FlexUpgradeBody = Writable<Schemas['AtlasTenantClusterUpgradeRequest20240805']>
export type RegionConfigBody = ClusterBody['replicationSpecs'] extends
  Array<{regionConfigs?: Array<infer R>}> | undefined
  ? R
  : never

const ipInfo = z.object({currentIpv4Address: z.string().min(1)})
const ipInfoError = z.looseObject({detail: z.string().optional(), errorCode: z.string().optional()})

interface Outcome<D> {
  data?: D
  error?: unknown
  response: Response
}

/** One Atlas Admin API v2 client for every command: typed paths, auth, versions, retries, pagination, typed errors. */
export class AtlasClient {
  readonly api: Client<paths>
  readonly stats: TransportStats

  private readonly send: (input: Request) => Promise<Response>
  private readonly rateLimitListeners = new Set<() => void>()

  constructor(readonly options: Omit<TransportOptions, 'onRateLimited'>) {
    const transport = createTransport({
      ...options,
      onRateLimited: () => this.rateLimitListeners.forEach((listener) => listener()),
    })
    this.stats = transport.stats
    this.send = transport.fetch
    this.api = createClient<paths>({baseUrl: options.baseUrl, fetch: transport.fetch})
  }

  /** Called on every 429 this client gets (the events provisioner slows down); returns the unsubscribe. */
  onRateLimited(listener: () => void): () => void {
    this.rateLimitListeners.add(listener)
    return () => this.rateLimitListeners.delete(listener)
  }

  /**
   * The caller's public address as Atlas sees it: `GET /api/private/ipinfo`, outside the published spec
   * (the official CLI's --currentIp uses it), with the same auth and retries as every other request.
   */
  async currentIpv4(): Promise<string> {
    const response = await this.send(
      new Request(`${this.options.baseUrl}/api/private/ipinfo`, {headers: {accept: 'application/json'}}),
    )
    const body: unknown = await response.json().catch(() => undefined)
    if (!response.ok)
      throw new AtlasApiError(
        response.status,
        ipInfoError.safeParse(body).data ?? {},
        'getIpInfo',
        0,
        response.headers.get('x-request-id') ?? undefined,
      )
    const parsed = ipInfo.safeParse(body)
    if (!parsed.success)
      throw new AtlasApiError(
        response.status,
        {detail: 'The ipinfo answer has no currentIpv4Address.'},
        'getIpInfo',
        0,
        response.headers.get('x-request-id') ?? undefined,
      )
    return parsed.data.currentIpv4Address
  }

  /** The response data, or a typed AtlasApiError named by the spec's operationId, as the trace and the audit log name it. */
  async ok<D>(call: Promise<Outcome<D>>): Promise<D> {
    const {data, error, response} = await call
    if (!response.ok) {
      const operation = response.headers.get(OPERATION_HEADER) ?? 'unknown operation'
      const body: AtlasErrorBody =
        typeof error === 'object' && error !== null ? error : {detail: typeof error === 'string' ? error : undefined}
      throw new AtlasApiError(
        response.status,
        body,
        operation,
        Number(response.headers.get(RETRIES_HEADER) ?? 0),
        response.headers.get('x-request-id') ?? undefined,
      )
    }
    return data as D
  }

  /**
   * The one "absent on 404": the data, or undefined when Atlas answers 404, or one of the error codes that mean
   * absent for this caller (a flex cluster read through the cluster API, a cluster already being deleted).
   */
  async found<D>(call: Promise<Outcome<D>>, alsoAbsent: readonly string[] = []): Promise<D | undefined> {
    try {
      return await this.ok(call)
    } catch (error) {
      if (
        error instanceof AtlasApiError &&
        (error.status === 404 || (error.errorCode !== undefined && alsoAbsent.includes(error.errorCode)))
      )
        return undefined
      throw error
    }
  }

  /** Walks pageNum until totalCount items are read or a page comes back short. */
  async paginate<T>(
    page: (query: {pageNum: number; itemsPerPage: number}) => Promise<{results?: T[]; totalCount?: number}>,
    itemsPerPage = 500,
  ): Promise<T[]> {
    const all: T[] = []
    for (let pageNum = 1; ; pageNum++) {
      const {results = [], totalCount} = await page({pageNum, itemsPerPage})
      all.push(...results)
      if (results.length < itemsPerPage || (totalCount !== undefined && all.length >= totalCount)) return all
    }
  }
}

export function createAtlasClient(
  options: Omit<TransportOptions, 'onRateLimited'> & {credentials?: Credentials},
): AtlasClient {
  if (!options.credentials) {
    throw new AuthError('No Atlas credentials: no profile holds keys and none are set in the environment.', {
      code: 'NO_CREDENTIALS',
      hint: 'Run "atlasctl config init", set MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY, or start the local emulator with "atlasctl emulator start".',
    })
  }
  return new AtlasClient(options)
}
