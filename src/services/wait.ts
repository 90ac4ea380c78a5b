import {setTimeout as sleep} from 'node:timers/promises'
import {TimeoutError} from '../lib/errors.js'
import {formatDuration} from '../lib/duration.js'

export interface WaitOptions<S> {
  /** One poll: the current state, or undefined when the resource is gone (404). */
  poll: () => Promise<S | undefined>
  done: (state: S | undefined) => boolean
  describe: (state: S | undefined) => string
  what: string
  timeoutMs: number
  intervalMs?: number
  maxIntervalMs?: number
  /** Called on every state change and every poll, with the elapsed time. */
  onProgress?: (text: string, elapsedMs: number, changed: boolean) => void
}

export interface WaitResult<S> {
  state: S | undefined
  polls: number
  elapsedMs: number
}

export function pollIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.ATLASCTL_POLL_INTERVAL_MS)
  return Number.isFinite(v) && v > 0 ? v : 2000
}

/** The one poller: backoff up to a ceiling, a deadline (exit 5), and a report of each state change. */
export async function waitFor<S>(o: WaitOptions<S>): Promise<WaitResult<S>> {
  const started = Date.now()
  let interval = o.intervalMs ?? pollIntervalFromEnv()
  const ceiling = o.maxIntervalMs ?? Math.max(interval, 10_000)
  let last: string | undefined
  for (let polls = 1; ; polls++) {
    const state = await o.poll()
    const text = o.describe(state)
    const elapsed = Date.now() - started
    o.onProgress?.(text, elapsed, text !== last)
    last = text
    if (o.done(state)) return {state, polls, elapsedMs: elapsed}
    if (elapsed + interval > o.timeoutMs) {
      throw new TimeoutError(`Timed out after ${formatDuration(elapsed)} waiting for ${o.what} (last state: ${text}).`, {
        hint: 'The operation continues in Atlas; raise --timeout or check again later.',
      })
    }
    await sleep(interval)
    interval = Math.min(ceiling, Math.round(interval * 1.5))
  }
}
