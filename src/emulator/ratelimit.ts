/** Atlas-style token buckets: per endpoint set and scope, each request costs one token. */
interface BucketSpec {
  capacity: number
  refillRate: number
  refillSeconds: number
}

export type Scope = 'USER' | 'GROUP' | 'ORGANIZATION' | 'IP'

export interface EndpointSet {
  name: string
  scope: Scope
  match: RegExp
  spec: BucketSpec
}

/**
 * Atlas's capacities, as its answers give them in `Ratelimit-Limit` (recorded; test/fixtures/atlas-recordings).
 * Refill rates were observed for orgs, groups and clusters; the others are assumed like the set of the same
 * capacity (orgs/{orgId}: half its capacity a minute).
 */
export function defaultEndpointSets(): EndpointSet[] {
  return [
    {
      name: 'api/atlas/v2/orgs/{orgId}',
      scope: 'USER',
      match: /^\/api\/atlas\/v2\/orgs\/[^/]+/,
      spec: {capacity: 500, refillRate: 250, refillSeconds: 60},
    },
    {
      name: 'api/atlas/v2/orgs',
      scope: 'USER',
      match: /^\/api\/atlas\/v2\/orgs/,
      spec: {capacity: 300, refillRate: 100, refillSeconds: 60},
    },
    {
      name: 'api/atlas/v2/groups/{groupId}/clusters',
      scope: 'GROUP',
      match: /^\/api\/atlas\/v2\/groups\/[^/]+\/clusters/,
      spec: {capacity: 10_000, refillRate: 5000, refillSeconds: 60},
    },
    {
      name: 'api/atlas/v2/groups/{groupId}/flexClusters',
      scope: 'GROUP',
      match: /^\/api\/atlas\/v2\/groups\/[^/]+\/flexClusters/,
      spec: {capacity: 1200, refillRate: 500, refillSeconds: 60},
    },
    {
      name: 'api/atlas/v2/groups/{groupId}/databaseUsers',
      scope: 'GROUP',
      match: /^\/api\/atlas\/v2\/groups\/[^/]+\/databaseUsers/,
      spec: {capacity: 10_000, refillRate: 5000, refillSeconds: 60},
    },
    {
      name: 'api/atlas/v2/groups/{groupId}/accessList',
      scope: 'GROUP',
      match: /^\/api\/atlas\/v2\/groups\/[^/]+\/accessList/,
      spec: {capacity: 1200, refillRate: 500, refillSeconds: 60},
    },
    {
      name: 'api/atlas/v2/groups',
      scope: 'USER',
      match: /^\/api\/atlas\/v2\/groups/,
      spec: {capacity: 1200, refillRate: 500, refillSeconds: 60},
    },
  ]
}

export interface Verdict {
  allowed: boolean
  set?: EndpointSet
  remaining: number
  retryAfterSeconds: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, {tokens: number; updated: number}>()

  constructor(
    readonly sets: EndpointSet[],
    private readonly now: () => number = Date.now,
  ) {}

  take(pathname: string, scopes: Record<Scope, string>): Verdict {
    const set = this.sets.find((s) => s.match.test(pathname))
    if (!set) return {allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterSeconds: 0}
    const key = `${set.name}|${set.scope}|${scopes[set.scope]}`
    const perMs = set.spec.refillRate / (set.spec.refillSeconds * 1000)
    const t = this.now()
    const b = this.buckets.get(key) ?? {tokens: set.spec.capacity, updated: t}
    b.tokens = Math.min(set.spec.capacity, b.tokens + (t - b.updated) * perMs)
    b.updated = t
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return {allowed: true, set, remaining: Math.floor(b.tokens), retryAfterSeconds: 0}
    }
    return {allowed: false, set, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000))}
  }
}
