import {formatDuration} from '../lib/duration.js'
import {animated} from './spinner.js'

export interface Tick {
  ns: string
  /** What is being done to the namespace (check, import, source, target): one row per phase and namespace. */
  phase?: string
  docs: number
  bytes: number
  /** Expected bytes (file size) or documents, when known: drives the bar and the ETA. */
  total?: {docs?: number; bytes?: number}
  done: boolean
}

interface Row extends Tick {
  started: number
  /** Bytes and fraction at the first tick: a resumed collection's rate and ETA count only what this run moved. */
  startBytes: number
  startFrac: number
  /** Seconds from the first tick to the last; frozen once the row is done. */
  seconds: number
}

function fraction(t: Tick): number | undefined {
  if (t.total?.bytes) return Math.min(1, t.bytes / t.total.bytes)
  if (t.total?.docs) return Math.min(1, t.docs / t.total.docs)
  return undefined
}

/**
 * One bar per phase and collection on a terminal (docs, MB/s, ETA), redrawn in place on stderr; nothing in a
 * pipe or under --json. A finished row keeps the rate it finished at.
 */
export class MultiProgress {
  private readonly rows = new Map<string, Row>()
  private drawn = 0
  private last = Number.NEGATIVE_INFINITY
  /** Whether anything is shown: totals that cost the server work are asked for only then. */
  readonly live: boolean

  constructor(
    json: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.live = animated() && !json
  }

  update(t: Tick): void {
    if (!this.live) return
    const key = `${t.phase ?? ''}\u0000${t.ns}`
    const prev = this.rows.get(key)
    if (prev?.done) return
    const at = this.now()
    const started = prev?.started ?? at
    this.rows.set(key, {
      ...t,
      started,
      startBytes: prev?.startBytes ?? t.bytes,
      startFrac: prev?.startFrac ?? fraction(t) ?? 0,
      seconds: (at - started) / 1000,
    })
    if (!t.done && at - this.last < 200) return
    this.last = at
    this.draw()
  }

  end(): void {
    if (this.live && this.rows.size > 0) this.draw()
  }

  private line(r: Row): string {
    const moved = r.bytes - r.startBytes
    const rate = r.seconds > 0 && moved > 0 ? `  ${(moved / 1048576 / r.seconds).toFixed(1)} MB/s` : ''
    const frac = r.done ? 1 : fraction(r)
    const bar = frac === undefined ? '' : `[${'#'.repeat(Math.round(Math.min(1, frac) * 20)).padEnd(20, '-')}] `
    const elapsed = (this.now() - r.started) / 1000
    const gained = frac === undefined ? 0 : frac - r.startFrac
    const eta =
      !r.done && frac !== undefined && gained > 0
        ? `  ETA ${formatDuration((elapsed / gained) * (1 - frac) * 1000)}`
        : ''
    const phase = r.phase ? `${r.phase} ` : ''
    return `${bar}${phase}${r.ns}  ${r.docs} docs  ${(r.bytes / 1048576).toFixed(1)} MB${rate}${r.done ? '  done' : eta}`
  }

  private draw(): void {
    const lines = [...this.rows.values()].map((r) => this.line(r))
    const up = this.drawn > 0 ? `\u001b[${this.drawn}A` : ''
    process.stderr.write(`${up}${lines.map((l) => `\r\u001b[2K${l}`).join('\n')}\n`)
    this.drawn = lines.length
  }
}
