import {INSTANCE_SIZES, type Provider, PROVIDERS, REGIONS} from '../../atlas/catalog.js'
import {UsageError} from '../../lib/errors.js'
import {describePrice, priceOf, PRICES_AS_OF} from '../../lib/prices.js'
import {tiersFor} from './clusters.js'

/** The region the create wizard offers first, and the one used without a terminal. */
export const DEFAULT_REGION: Record<Provider, string> = {AWS: 'US_EAST_1', GCP: 'CENTRAL_US', AZURE: 'US_EAST_2'}

interface ProviderCatalog {
  provider: Provider
  defaultRegion: string
  regions: string[]
  tiers: Array<{tier: string; monthlyUsd?: number; price: string}>
}

export interface Catalog {
  /** The date of the price table (on-demand list prices, AWS US_EAST_1; docs/prices.md). */
  pricesAsOf: string
  providers: ProviderCatalog[]
}

/** The providers, regions and tiers the create wizard offers, from the vendored spec; optionally one provider or tier. */
export function catalog(filter: {provider?: Provider; tier?: string} = {}): Catalog {
  const tier = filter.tier?.toUpperCase()
  const known = new Set(PROVIDERS.flatMap(tiersFor))
  if (tier && !known.has(tier))
    throw new UsageError(
      `Invalid --tier "${filter.tier}": use M0, FLEX or a dedicated size such as ${INSTANCE_SIZES.AWS.slice(0, 6).join(', ')}, ….`,
      {details: {flag: 'tier', value: filter.tier}},
    )
  const providers = PROVIDERS.filter(
    (p) => (!filter.provider || p === filter.provider) && (!tier || tiersFor(p).includes(tier)),
  )
  return {
    pricesAsOf: PRICES_AS_OF,
    providers: providers.map((provider) => ({
      provider,
      defaultRegion: DEFAULT_REGION[provider],
      regions: [...REGIONS[provider]],
      tiers: tiersFor(provider)
        .filter((t) => !tier || t === tier)
        .map((t) => ({tier: t, monthlyUsd: priceOf(t).monthly, price: describePrice(t)})),
    })),
  }
}
