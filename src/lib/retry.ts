import {setTimeout as sleep} from 'node:timers/promises'

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
}

/** Capped exponential backoff with full jitter, never shorter than `floorMs` (a Retry-After). */
export function retryDelay(attempt: number, policy: RetryPolicy, floorMs = 0, random = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  const jittered = exp / 2 + random() * (exp / 2)
  return Math.min(Math.max(floorMs, jittered), Math.max(policy.maxDelayMs, floorMs))
}

export interface RetryOptions {
  policy: RetryPolicy
  /** Whether this failure of `attempt` (0 is the first) is worth another try after `waitMs`. */
  retryable: (error: unknown, attempt: number, waitMs: number) => boolean
  /** A lower bound for the next wait, e.g. the server's Retry-After. */
  floorMs?: (error: unknown) => number | undefined
  /** Before each wait: a trace line, a slower pool, a body to discard. */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void | Promise<void>
  random?: () => number
}

/** The one retry loop: each caller passes its policy and what counts as transient; the last failure is thrown. */
export async function retrying<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      const wait = retryDelay(attempt, o.policy, o.floorMs?.(error), o.random)
      if (attempt >= o.policy.maxRetries || !o.retryable(error, attempt, wait)) throw error
      await o.onRetry?.(error, attempt, wait)
      await sleep(wait)
    }
  }
}
