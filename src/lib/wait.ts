import {setTimeout as sleep} from 'node:timers/promises'
import {TimeoutError} from './errors.js'
import {formatDuration} from './duration.js'

export interface WaitOptions<S> {
  /** One poll: the current state, or undefined when the resource is gone (404). */
  poll: () => Promise<S | undefined>
  done: (state: S | undefined) => boolean
  describe: (state: S | undefined) => string
  what: string
  /** Without it: four times what Atlas usually takes (`expected`), at least 10 minutes; 30 minutes when unknown. */
  timeoutMs?: number
  /** What Atlas usually takes from the first state seen, as recorded: it sets the default timeout and is named on a timeout. */
  expected?: (state: S | undefined) => Expected | undefined
  intervalMs?: number
  maxIntervalMs?: number
  /** Called on every state change and every poll, with the elapsed time. */
  onProgress?: (text: string, elapsedMs: number, changed: boolean) => void
  /** What is changing in Atlas, e.g. "cluster t1"; names it in a timeout or an interruption. */
  subject?: string
  /** The exact command that watches or resumes the operation after this process stops waiting. */
  resume?: string
}

export interface Expected {
  ms: number
  /** e.g. "an M10's creation". */
  what: string
}

/** The default patience: room for a slow day, never under ten minutes. */
export function defaultTimeoutMs(expected?: Expected): number {
  return expected ? Math.max(10 * 60_000, 4 * expected.ms) : 30 * 60_000
}

export interface WaitResult<S> {
  state: S | undefined
  polls: number
  elapsedMs: number
}

/** An operation Atlas is carrying out while this process waits for it. */
export interface InFlight {
  subject: string
  /** The last state seen, e.g. "CREATING (M10)". */
  state: string
  what: string
  resume?: string
  elapsedMs: number
}

const waiting = new Set<{started: number; entry: Omit<InFlight, 'elapsedMs'>}>()

/** What is still running in Atlas right now, for the signal handler to report. */
export function inFlight(): InFlight[] {
  return [...waiting].map(({started, entry}) => ({...entry, elapsedMs: Date.now() - started}))
}

export function pollIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.ATLASCTL_POLL_INTERVAL_MS)
  return Number.isFinite(v) && v > 0 ? v : 2000
}

/**
 * The one poller: backoff up to a ceiling, and a report of each state change. The deadline is kept to
 * the poll: the last sleep is cut short so that one poll happens at the deadline, then exit 5.
 */
export async function waitFor<S>(o: WaitOptions<S>): Promise<WaitResult<S>> {
  const started = Date.now()
  let deadline = Number.POSITIVE_INFINITY
  let expected: Expected | undefined
  let interval = o.intervalMs ?? pollIntervalFromEnv()
  const ceiling = o.maxIntervalMs ?? Math.max(interval, 10_000)
  let last: string | undefined
  const record = {started, entry: {subject: o.subject ?? o.what, state: 'unknown', what: o.what, resume: o.resume}}
  waiting.add(record)
  try {
    for (let polls = 1; ; polls++) {
      const state = await o.poll()
      if (polls === 1) {
        expected = o.expected?.(state)
        deadline = started + (o.timeoutMs ?? defaultTimeoutMs(expected))
      }
      const text = o.describe(state)
      const elapsed = Date.now() - started
      record.entry.state = text
      o.onProgress?.(text, elapsed, text !== last)
      last = text
      if (o.done(state)) return {state, polls, elapsedMs: elapsed}
      const left = deadline - Date.now()
      if (left <= 0) throw timedOut(o, text, elapsed, deadline - started, expected)
      await sleep(Math.min(interval, left))
      interval = Math.min(ceiling, Math.round(interval * 1.5))
    }
  } finally {
    waiting.delete(record)
  }
}

/** "13 minutes", "20 seconds": an expectation is not a measurement. */
function roughly(ms: number): string {
  const [n, unit] = ms >= 90_000 ? [Math.round(ms / 60_000), 'minute'] : [Math.round(ms / 1000), 'second']
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

function timedOut<S>(
  o: WaitOptions<S>,
  state: string,
  elapsedMs: number,
  timeoutMs: number,
  expected?: Expected,
): TimeoutError {
  const after = formatDuration(elapsedMs)
  const message = o.subject
    ? `${o.subject.charAt(0).toUpperCase()}${o.subject.slice(1)} is still ${state} after ${after}.`
    : `Timed out after ${after} waiting for ${o.what} (last state: ${state}).`
  const usual = expected ? `Atlas usually takes about ${roughly(expected.ms)} for ${expected.what}. ` : ''
  return new TimeoutError(message, {
    hint: `${usual}Nothing was cancelled in Atlas; it carries on. ${o.resume ? `Watch it with: ${o.resume}` : 'Check again later'}, or wait longer with --timeout.`,
    details: {subject: o.subject ?? o.what, state, elapsedMs, timeoutMs, expectedMs: expected?.ms, resume: o.resume},
  })
}
