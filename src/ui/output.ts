import {redactor} from '../lib/secrets.js'

/** stdout carries data (tables, the JSON document); stderr carries everything else. */
export class Output {
  readonly warnings: string[] = []

  constructor(
    readonly json: boolean,
    private readonly debugEnabled = false,
  ) {}

  /** Human result data: silent under --json, where the envelope carries it. */
  data(text: string): void {
    if (!this.json) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  info(text: string): void {
    if (!this.json) process.stderr.write(`${text}\n`)
  }

  warn(text: string): void {
    this.warnings.push(text)
    process.stderr.write(`Warning: ${text}\n`)
  }

  debug = (line: string): void => {
    if (this.debugEnabled) process.stderr.write(`[debug] ${redactor.redact(line)}\n`)
  }
}

const GOOD = /^(IDLE|ACTIVE|done)\b/
const BUSY = /^(CREATING|UPDATING|PENDING|REPAIRING|rolled-back)\b/
const BAD = /^(DELETING|FAILED|failed|unreadable)\b/

/**
 * A table for stdout; cli-table3 and chalk are imported only by commands that print one. States are coloured so a
 * person finds the one that is not IDLE at a glance; never in a pipe, and never with NO_COLOR set.
 */
export async function table(
  head: string[],
  rows: Array<Array<string | number | boolean | undefined>>,
): Promise<string> {
  const [{default: Table}, {Chalk}] = await Promise.all([import('cli-table3'), import('chalk')])
  const color = process.stdout.isTTY && !process.env.NO_COLOR
  const chalk = new Chalk({level: color ? 1 : 0})
  const paint = (cell: string) =>
    GOOD.test(cell) ? chalk.green(cell) : BUSY.test(cell) ? chalk.yellow(cell) : BAD.test(cell) ? chalk.red(cell) : cell
  const t = new Table({head: head.map((h) => chalk.cyan(h)), style: {head: [], border: []}})
  for (const r of rows) t.push(r.map((c) => paint(c === undefined ? '' : String(c))))
  return t.toString()
}
