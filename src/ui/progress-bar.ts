import {formatDuration} from '../lib/duration.js'
import {animated} from './spinner.js'

/** One bar for a whole batch (done, failed, ETA) on a terminal; plain lines otherwise; nothing under --json. */
export class BatchProgress {
  private readonly started = Date.now()
  private readonly live: boolean

  constructor(
    private readonly total: number,
    private readonly json: boolean,
  ) {
    this.live = animated() && !json
  }

  update(p: {done: number; failed: number; message: string}): void {
    if (this.json) return
    if (!this.live) return void process.stderr.write(`[${p.done + p.failed}/${this.total}] ${p.message}\n`)
    const finished = p.done + p.failed
    const width = 30
    const filled = Math.round((finished / Math.max(1, this.total)) * width)
    const elapsed = Date.now() - this.started
    const eta =
      finished > 0 && finished < this.total
        ? ` ETA ${formatDuration((elapsed / finished) * (this.total - finished))}`
        : ''
    process.stderr.write(
      `\r\u001b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done} done, ${p.failed} failed of ${this.total}${eta}`,
    )
  }

  end(): void {
    if (this.live) process.stderr.write('\n')
  }
}
