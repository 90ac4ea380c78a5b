/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC:
 * `*`, lists `1,15`, ranges `1-5`, steps `*\/15` and `10-20/5`. Day-of-month and day-of-week
 * combine as in Vixie cron: when both are restricted, either may match.
 */
export interface Cron {
  source: string
  minute: Set<number>
  hour: Set<number>
  dayOfMonth: Set<number>
  month: Set<number>
  dayOfWeek: Set<number>
  domAny: boolean
  dowAny: boolean
}

const FIELDS: Array<[string, number, number]> = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
]

function parseField(text: string, [name, min, max]: [string, number, number]): Set<number> {
  const out = new Set<number>()
  for (const part of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part)
    if (!m) throw new Error(`bad ${name} "${part}"`)
    const step = m[2] ? Number(m[2]) : 1
    const [lo, hi] =
      m[1] === '*'
        ? [min, max]
        : m[1].includes('-')
          ? m[1].split('-').map(Number)
          : [Number(m[1]), m[2] ? max : Number(m[1])]
    if (step < 1 || lo < min || hi > max || lo > hi) throw new Error(`${name} "${part}" is outside ${min}-${max}`)
    for (let v = lo; v <= hi; v += step) out.add(name === 'day of week' && v === 7 ? 0 : v)
  }
  return out
}

export function parseCron(source: string): Cron {
  const parts = source.trim().split(/\s+/)
  if (parts.length !== 5)
    throw new Error(`"${source}" needs 5 fields (minute hour day-of-month month day-of-week), has ${parts.length}`)
  const [minute, hour, dayOfMonth, month, dayOfWeek] = parts.map((p, i) => parseField(p, FIELDS[i]))
  return {source, minute, hour, dayOfMonth, month, dayOfWeek, domAny: parts[2] === '*', dowAny: parts[4] === '*'}
}

export function matches(cron: Cron, d: Date): boolean {
  if (!cron.minute.has(d.getUTCMinutes()) || !cron.hour.has(d.getUTCHours()) || !cron.month.has(d.getUTCMonth() + 1))
    return false
  const dom = cron.dayOfMonth.has(d.getUTCDate())
  const dow = cron.dayOfWeek.has(d.getUTCDay())
  if (cron.domAny && cron.dowAny) return true
  if (cron.domAny) return dow
  if (cron.dowAny) return dom
  return dom || dow
}

/** The latest time at or before `now` (to the minute) when the expression fired, looking back at most `withinMs`. */
export function lastFire(cron: Cron, now: Date, withinMs: number): Date | undefined {
  const t = new Date(now)
  t.setUTCSeconds(0, 0)
  const stop = now.getTime() - withinMs
  for (; t.getTime() >= stop; t.setTime(t.getTime() - 60_000)) if (matches(cron, t)) return new Date(t)
  return undefined
}
