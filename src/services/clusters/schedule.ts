import {z} from 'zod'
import type {AtlasClient} from '../../atlas/client.js'
import {lastFire, parseCron} from '../../lib/cron.js'
import {parseDuration} from '../../lib/duration.js'
import {cannotPause, planPause} from './pause.js'
import {
  type ChangeInput,
  changeCluster,
  type Planner,
  planScale,
  type ScaleOptions,
  type ScaleResult,
  scaleStepsOf,
} from './scale.js'

/** A window's word for "paused" where a tier would go. */
export const PAUSED = 'paused'

const tier = z.string().regex(/^(M\d+|R\d+|FLEX|M0)(_NVME)?(_GEN_2)?$/, 'must be a tier such as M10, M50 or FLEX')
const duration = z.string().refine((v) => {
  try {
    parseDuration(v, 'duration')
    return true
  } catch {
    return false
  }
}, 'must be a duration such as 90m, 48h or 2d')
const when = z
  .string()
  .refine(
    (v) => !Number.isNaN(Date.parse(v)) && /T.*(Z|[+-]\d{2}:?\d{2})$/.test(v),
    'must be an ISO date-time with a zone, e.g. 2026-12-01T00:00Z',
  )
const cron = z.string().refine((v) => {
  try {
    parseCron(v)
    return true
  } catch {
    return false
  }
}, 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 2 1 * *"')

const windowSchema = z
  .object({
    name: z.string().min(1).optional(),
    tier: z.union([z.literal(PAUSED), tier], {message: `must be a tier such as M10, M50 or FLEX, or ${PAUSED}`}),
    cron: cron.optional(),
    start: when.optional(),
    end: when.optional(),
    duration: duration.optional(),
  })
  .strict()
  .refine(
    (w) =>
      w.cron ? !w.start && !w.end && Boolean(w.duration) : Boolean(w.start) && Boolean(w.end) !== Boolean(w.duration),
    {
      message: 'a window is either {cron, duration} or {start, end} or {start, duration}',
    },
  )

export const scheduleSchema = z
  .object({
    project: z.string().min(1).optional(),
    cluster: z.string().min(1).optional(),
    timezone: z.literal('UTC', {message: 'only UTC is supported; write cron times in UTC'}).default('UTC'),
    base: tier,
    windows: z.array(windowSchema).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    // A pause window is refused with the file, before Atlas is asked, when the base tier cannot pause.
    const shared = s.base === 'M0' || s.base === 'FLEX'
    s.windows.forEach((w, i) => {
      if (shared && w.tier === PAUSED)
        ctx.addIssue({
          code: 'custom',
          path: ['windows', i, 'tier'],
          message: `window "${windowName(w, i)}" says ${PAUSED}, but the base tier is ${s.base}: Atlas pauses dedicated clusters only (M10 and up)`,
        })
    })
  })
export type Schedule = z.infer<typeof scheduleSchema>

const windowName = (w: {name?: string}, i: number) => w.name ?? `window ${i + 1}`

/** Tiers compare by size: the number after M or R; FLEX above M0 and below M10; paused below every tier. */
export function tierRank(t: string): number {
  if (t === PAUSED) return -1
  if (t === 'M0') return 0
  if (t === 'FLEX') return 5
  return Number(/\d+/.exec(t)?.[0] ?? 0)
}

export interface Evaluation {
  at: string
  /** The tier that should hold, or "paused". */
  tier: string
  reason: string
  activeWindows: Array<{name: string; tier: string; from: string; until: string}>
  /** Whether the schedule pauses the cluster at all: only then does it resume one that a person paused. */
  pauses: boolean
}

/**
 * The tier that should hold at `now`: the largest tier among the active windows, else the base tier. A pause window
 * ranks below every tier, so a window that needs the cluster wins over one that pauses it.
 */
export function evaluateSchedule(schedule: Schedule, now: Date): Evaluation {
  const active: Evaluation['activeWindows'] = []
  const pauses = schedule.windows.some((w) => w.tier === PAUSED)
  schedule.windows.forEach((w, i) => {
    const name = windowName(w, i)
    if (w.cron) {
      const span = parseDuration(w.duration!, 'duration')
      const fired = lastFire(parseCron(w.cron), now, span)
      if (fired && now.getTime() < fired.getTime() + span)
        active.push({
          name,
          tier: w.tier,
          from: fired.toISOString(),
          until: new Date(fired.getTime() + span).toISOString(),
        })
      return
    }
    const from = Date.parse(w.start!)
    const until = w.end ? Date.parse(w.end) : from + parseDuration(w.duration!, 'duration')
    if (now.getTime() >= from && now.getTime() < until)
      active.push({name, tier: w.tier, from: new Date(from).toISOString(), until: new Date(until).toISOString()})
  })
  if (active.length === 0)
    return {
      at: now.toISOString(),
      tier: schedule.base,
      reason: 'no window is active: base tier',
      activeWindows: [],
      pauses,
    }
  const top = active.reduce((a, b) => (tierRank(b.tier) > tierRank(a.tier) ? b : a))
  return {
    at: now.toISOString(),
    tier: top.tier,
    reason: `window "${top.name}" is active until ${top.until}`,
    activeWindows: active,
    pauses,
  }
}

export interface ReconcileInput extends ChangeInput {
  evaluation: Evaluation
  file: string
  options: ScaleOptions
}

/** The plan for a schedule's answer: pause; or resume if paused, then scale to the tier. */
export function schedulePlanner(evaluation: Evaluation, file: string, options: ScaleOptions): Planner {
  return (cluster, raw) => {
    if (evaluation.tier === PAUSED) {
      const windows = evaluation.activeWindows.filter((w) => w.tier === PAUSED).map((w) => w.name)
      const refused = cannotPause(cluster, {
        why: ` as window ${windows.map((w) => `"${w}"`).join(', ')} of ${file} says`,
        details: {file, windows},
      })
      if (refused) throw refused
      return planPause(cluster, true)
    }
    // A schedule without pause windows leaves a person's pause alone: at its tier a no-op, else refused (exit 6).
    if (!cluster.paused || !evaluation.pauses)
      return scaleStepsOf(planScale(cluster, raw, evaluation.tier, options), cluster.paused)
    const resume = planPause(cluster, false)
    const scale = scaleStepsOf(planScale({...cluster, paused: false}, raw, evaluation.tier, options), false)
    return {from: cluster.tier, to: scale.to, paused: false, steps: [...resume.steps, ...scale.steps]}
  }
}

/** One cron run of a schedule: pauses, resumes and scales with the lock, idempotence and dry run of a scale. */
export async function reconcileSchedule(client: AtlasClient, input: ReconcileInput): Promise<ScaleResult> {
  return changeCluster(client, input, schedulePlanner(input.evaluation, input.file, input.options))
}
