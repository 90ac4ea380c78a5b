import {formatDuration} from '../lib/duration.js'
import {animated} from './spinner.js'

export interface Tick {
  ns: string
  docs: number
  bytes: number
  /** Expected bytes (file size) or documents, when known: drives the bar and the ETA. */
  total?: {docs?: number; bytes?: number}
  done: boolean
}

/**
 * One bar per collection on a terminal (docs, MB/s, ETA), redrawn in place on stderr; in logs, one
 * line per finished collection; nothing under --json.
 */
export class MultiProgress {
  private readonly rows = new Map<string, Tick & {started: number}>()
  private drawn = 0
  private last = 0
  private readonly live: boolean

  constructor(private readonly json: boolean) {
    this.live = animated() && !json
  }

  update(t: Tick): void {
    if (this.json) return
    const row = {...t, started: this.rows.get(t.ns)?.started ?? Date.now()}
    this.rows.set(t.ns, row)
    if (!this.live) {
      if (t.done) process.stderr.write(`${this.line(row)}\n`)
      return
    }
    if (!t.done && Date.now() - this.last < 200) return
    this.last = Date.now()
    this.draw()
  }

  end(): void {
    if (this.live) this.draw()
  }

  private line(r: Tick & {started: number}): string {
    const secs = Math.max(0.001, (Date.now() - r.started) / 1000)
    const mbps = r.bytes / 1048576 / secs
    const frac = r.done
      ? 1
      : r.total?.bytes
        ? r.bytes / r.total.bytes
        : r.total?.docs
          ? r.docs / r.total.docs
          : undefined
    const bar = frac === undefined ? '' : `[${'#'.repeat(Math.round(Math.min(1, frac) * 20)).padEnd(20, '-')}] `
    const eta = !r.done && frac && frac > 0 ? ` ETA ${formatDuration((secs / frac) * (1 - frac) * 1000)}` : ''
    return `${bar}${r.ns}  ${r.docs} docs  ${(r.bytes / 1048576).toFixed(1)} MB  ${mbps.toFixed(1)} MB/s${r.done ? '  done' : eta}`
  }

  private draw(): void {
    const lines = [...this.rows.values()].map((r) => this.line(r))
    const up = this.drawn > 0 ? `\u001b[${this.drawn}A` : ''
    process.stderr.write(`${up}${lines.map((l) => `\r\u001b[2K${l}`).join('\n')}\n`)
    this.drawn = lines.length
  }
}
