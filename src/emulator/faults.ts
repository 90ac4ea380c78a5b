export interface FaultOptions {
  /** Share of API requests answered with 500 or 503 before they are processed. */
  errorRate: number
  /** Share of API requests whose connection is dropped after they are processed. */
  dropRate: number
  /** Added latency per request, in ms. */
  latencyMs: number
  seed: number
  /** Faults hit only requests whose path contains this (a test aims at one project). */
  only?: string
  /** Faults hit only requests of this method (a test loses the answers of a create, not of the list beside it). */
  method?: string
}

export const NO_FAULTS: FaultOptions = {errorRate: 0, dropRate: 0, latencyMs: 0, seed: 1}

/** mulberry32: a small seeded PRNG, so a fault run can be replayed exactly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export type Fault = {kind: 'none'} | {kind: 'error'; status: 500 | 503} | {kind: 'drop'}

export class FaultInjector {
  private readonly random: () => number

  constructor(readonly options: FaultOptions) {
    this.random = seededRandom(options.seed)
  }

  get active(): boolean {
    return this.options.errorRate > 0 || this.options.dropRate > 0 || this.options.latencyMs > 0
  }

  next(path = '', method = ''): Fault {
    if (this.options.errorRate <= 0 && this.options.dropRate <= 0) return {kind: 'none'}
    if (this.options.only !== undefined && !path.includes(this.options.only)) return {kind: 'none'}
    if (this.options.method !== undefined && method !== this.options.method) return {kind: 'none'}
    const r = this.random()
    if (r < this.options.errorRate) return {kind: 'error', status: this.random() < 0.5 ? 500 : 503}
    if (r < this.options.errorRate + this.options.dropRate) return {kind: 'drop'}
    return {kind: 'none'}
  }
}
