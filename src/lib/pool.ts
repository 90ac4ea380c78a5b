/** Runs tasks with at most `limit` in flight; results in input order, each settled. */
export async function pool<T, R>(
  items: T[],
  limit: number | (() => number),
  fn: (item: T, index: number) => Promise<R>,
): Promise<Array<PromiseSettledResult<R>>> {
  const results: Array<PromiseSettledResult<R>> = new Array(items.length)
  const cap = typeof limit === 'number' ? () => limit : limit
  let next = 0
  let running = 0
  return new Promise((resolve) => {
    const launch = () => {
      while (running < Math.max(1, cap()) && next < items.length) {
        const i = next++
        running++
        fn(items[i], i)
          .then(
            (value) => (results[i] = {status: 'fulfilled', value}),
            (reason: unknown) => (results[i] = {status: 'rejected', reason}),
          )
          .finally(() => {
            running--
            if (next >= items.length && running === 0) resolve(results)
            else launch()
          })
      }
      if (items.length === 0) resolve(results)
    }
    launch()
  })
}

/**
 * Concurrency that adapts to rate limits: halves on a 429 (at most once per cool-down), and grows
 * by one after a run of successes, up to the ceiling.
 */
export class AdaptiveLimit {
  private value: number
  private streak = 0
  private lastCut = Number.NEGATIVE_INFINITY

  constructor(
    private readonly initial: number,
    private readonly max: number,
    private readonly growAfter = 5,
    private readonly coolDownMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.value = initial
  }

  get current(): number {
    return this.value
  }

  rateLimited(): void {
    this.streak = 0
    if (this.now() - this.lastCut < this.coolDownMs) return
    this.lastCut = this.now()
    this.value = Math.max(1, Math.floor(this.value / 2))
  }

  succeeded(): void {
    if (++this.streak >= this.growAfter && this.value < this.max) {
      this.value++
      this.streak = 0
    }
  }
}
