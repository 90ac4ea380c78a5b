/**
 * Approximate on-demand list prices in USD per hour for a 3-node replica set on AWS US_EAST_1,
 * as listed on mongodb.com/pricing. Dated: prices change, regions and clouds differ, and storage,
 * backup and data transfer are extra. docs/prices.md carries the same table.
 */
export const PRICES_AS_OF = '2026-11-23'

const HOURLY_USD: Record<string, number> = {
  M0: 0,
  FLEX: 0.011,
  M10: 0.08,
  M20: 0.2,
  M30: 0.54,
  M40: 1.04,
  M50: 2,
  M60: 3.95,
  M80: 7.3,
  M140: 10.99,
  M200: 14.59,
  M300: 21.85,
}

/** FLEX is billed by operations, capped at this much a month. */
const FLEX_MONTHLY_CAP_USD = 30
const HOURS_PER_MONTH = 730

export function priceOf(tier: string): {hourly?: number; monthly?: number} {
  const hourly = HOURLY_USD[tier]
  if (hourly === undefined) return {}
  const monthly = tier === 'FLEX' ? FLEX_MONTHLY_CAP_USD : Math.round(hourly * HOURS_PER_MONTH * 100) / 100
  return {hourly, monthly}
}

export function describePrice(tier: string): string {
  if (tier === 'M0') return 'free forever (512 MB storage, shared CPU, one per project)'
  if (tier === 'FLEX') return `from $${HOURLY_USD.FLEX}/h, at most $${FLEX_MONTHLY_CAP_USD}/month (5 GB)`
  const p = priceOf(tier)
  return p.hourly === undefined
    ? 'price not in the table (see mongodb.com/pricing)'
    : `about $${p.hourly.toFixed(2)}/h, $${p.monthly!.toFixed(0)}/month`
}
