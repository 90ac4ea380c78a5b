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

/** A plain table for stdout; cli-table3 is imported only by commands that print one. */
export async function table(head: string[], rows: Array<Array<string | number | boolean | undefined>>): Promise<string> {
  const {default: Table} = await import('cli-table3')
  const t = new Table({head, style: {head: process.stdout.isTTY && !process.env.NO_COLOR ? ['cyan'] : [], border: []}})
  for (const r of rows) t.push(r.map((c) => (c === undefined ? '' : String(c))))
  return t.toString()
}
