export interface Progress {
  update(text: string): void
  succeed(text: string): void
  fail(text: string): void
  stop(): void
}

const silent: Progress = {update() {}, succeed() {}, fail() {}, stop() {}}

/** A plain-line reporter for logs and CI: one line per change, on stderr. */
function plain(initial: string): Progress {
  let last = ''
  const line = (t: string) => {
    if (t !== last) process.stderr.write(`${t}\n`)
    last = t
  }
  line(initial)
  return {update: line, succeed: line, fail: line, stop() {}}
}

/** A terminal that can show a spinner: a TTY with a width (a 0-column pty makes ora spin forever), no CI, no dumb TERM. */
export function animated(): boolean {
  return (
    Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0 && !process.env.CI && process.env.TERM !== 'dumb'
  )
}

/** An ora spinner on a terminal, plain lines elsewhere, nothing under --json. */
export async function startProgress(text: string, options: {json: boolean}): Promise<Progress> {
  if (options.json) return silent
  if (!animated()) return plain(text)
  const {default: ora} = await import('ora')
  const spinner = ora({text, stream: process.stderr, discardStdin: false}).start()
  return {
    update: (t) => void (spinner.text = t),
    succeed: (t) => void spinner.succeed(t),
    fail: (t) => void spinner.fail(t),
    stop: () => void spinner.stop(),
  }
}

/** Wires a poller's progress to a spinner: every poll on a terminal (elapsed time), state changes only in logs. */
export function reportWait(
  progress: Progress,
  label: string,
): (text: string, elapsedMs: number, changed: boolean) => void {
  const live = animated()
  return (text, elapsedMs, changed) => {
    if (live || changed) progress.update(`${label}: ${text}${live ? ` (${Math.round(elapsedMs / 1000)}s)` : ''}`)
  }
}
