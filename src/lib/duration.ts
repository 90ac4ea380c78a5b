import {UsageError} from './errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

/**
 * Strict durations: `500ms`, `90s`, `15m`, `48h`, `7d`, `1w`, or a sum such as `1h30m`.
 * Anything else is a usage error naming the flag and the value.
 */
export function parseDuration(value: string, flag: string): number {
  const text = value.trim()
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy
  let total = 0
  let consumed = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]]
    consumed = re.lastIndex
  }
  if (text === '' || consumed !== text.length || total <= 0) {
    throw new UsageError(
      `Invalid duration "${value}" for --${flag}: use a number with a unit (ms, s, m, h, d, w), e.g. 90s, 15m, 48h, 7d.`,
      {
        code: 'INVALID_DURATION',
        details: {flag, value},
      },
    )
  }
  return total
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/

/** An expiry: a duration from now (`48h`) or an ISO date-time with a zone (`2026-12-01T00:00Z`). Must lie in the future. */
export function parseExpiry(value: string, flag: string, now = Date.now()): Date {
  const text = value.trim()
  let at: number
  if (/^\d/.test(text) && ISO.test(text)) {
    at = Date.parse(/T/.test(text) ? text : `${text}T00:00:00Z`)
  } else {
    at = now + parseDuration(text, flag)
  }
  if (Number.isNaN(at))
    throw new UsageError(`Invalid date "${value}" for --${flag}.`, {code: 'INVALID_EXPIRY', details: {flag, value}})
  if (at <= now)
    throw new UsageError(`--${flag} ${value} lies in the past.`, {code: 'INVALID_EXPIRY', details: {flag, value}})
  return new Date(at)
}

const WEEK_MS = 7 * 86_400_000

/** Atlas's deleteAfterDate, for a database user or an access entry: in the future and at most a week ahead. */
export function parseAtlasExpiry(value: string, flag: string, now = Date.now()): string {
  const at = parseExpiry(value, flag, now)
  if (at.getTime() - now > WEEK_MS)
    throw new UsageError(`--${flag} ${value} is more than a week ahead; Atlas allows at most 7 days.`, {
      code: 'INVALID_EXPIRY',
      details: {flag, value},
    })
  return at.toISOString()
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
