import {formatDuration} from '../lib/duration.js'
import {animated} from './spinner.js'

/**
 * One bar for a whole batch on a terminal: teams ready (#), asked for and waiting on Atlas (=), failed, elapsed time
 * and ETA, redrawn each second so a long wait never looks stuck. Plain lines otherwise; nothing under --json.
 */
export class BatchProgress {
  private readonly started = Date.now()
  private readonly live: boolean
  private last = {waiting: 0, done: 0, failed: 0}
  private ticker?: NodeJS.Timeout

  constructor(
    private readonly total: number,
    private readonly json: boolean,
  ) {
    this.live = animated() && !json
    if (this.live) {
      this.draw()
      this.ticker = setInterval(() => this.draw(), 1000)
      this.ticker.unref()
    }
  }

  update(p: {waiting: number; done: number; failed: number; message: string}): void {
    if (this.json) return
    this.last = p
    if (!this.live) return void process.stderr.write(`[${p.done + p.failed}/${this.total}] ${p.message}\n`)
    this.draw()
  }

  private draw(): void {
    const {waiting, done, failed} = this.last
    const width = 30
    const cells = (n: number) => Math.round((n / Math.max(1, this.total)) * width)
    const ready = cells(done + failed)
    const asked = Math.min(width - ready, cells(waiting))
    const finished = done + failed
    const elapsed = Date.now() - this.started
    const eta =
      finished > 0 && finished < this.total
        ? `, ETA ${formatDuration((elapsed / finished) * (this.total - finished))}`
        : ''
    const bar = `${'#'.repeat(ready)}${'='.repeat(asked)}${'-'.repeat(width - ready - asked)}`
    process.stderr.write(
      `\r\u001b[2K[${bar}] ${done} ready, ${waiting} waiting on Atlas, ${failed} failed of ${this.total} (${formatDuration(elapsed)}${eta})`,
    )
  }

  end(): void {
    clearInterval(this.ticker)
    if (this.live) process.stderr.write('\n')
  }
}
