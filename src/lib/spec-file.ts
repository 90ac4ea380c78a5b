import fs from 'node:fs'
import type {z} from 'zod'
import {UsageError} from './errors.js'
import {describeIssues} from './issues.js'

/**
 * Reads a YAML or JSON input file (schedules, event files, index specs) and validates it with zod.
 * Every problem is reported as `file:line:col: path: message`, with exit 2, before anything is done.
 */
export async function readSpecFile<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
  maxBytes = 16 * 1024 * 1024,
): Promise<z.infer<S>> {
  let text: string
  try {
    const size = fs.statSync(file).size
    if (size > maxBytes)
      throw new UsageError(
        `The ${what} ${file} is ${Math.ceil(size / 1024)} KB; at most ${Math.floor(maxBytes / 1024)} KB is read.`,
        {code: 'BAD_INPUT_FILE', details: {file}},
      )
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(
      `Cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`,
      {code: 'BAD_INPUT_FILE', details: {file}},
    )
  }
  return parseSpecText(text, file, schema, what)
}

async function parseSpecText<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  what: string,
): Promise<z.infer<S>> {
  const {LineCounter, parseDocument} = await import('yaml')
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false})
  const at = (offset: number | undefined) => {
    if (offset === undefined) return `${file}`
    const p = lines.linePos(offset)
    return `${file}:${p.line}:${p.col}`
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    throw new UsageError(`Invalid ${what}: ${at(e.pos[0])}: ${e.message.split('\n')[0]}`, {
      code: 'BAD_INPUT_FILE',
      details: {file},
    })
  }
  let value: unknown
  try {
    // yaml refuses documents whose aliases expand past a bound (a "billion laughs" bomb).
    value = doc.toJS({maxAliasCount: 100})
  } catch (error) {
    throw new UsageError(`Invalid ${what}: ${file}: ${(error as Error).message}`, {
      code: 'BAD_INPUT_FILE',
      details: {file},
    })
  }
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const problems = describeIssues(parsed.error.issues, {
    limit: 10,
    where: (issue) => {
      // Point at the deepest node that exists along the issue's path.
      let node: unknown
      for (let n = issue.path.length; n >= 0 && !node; n--)
        node = doc.getIn(issue.path.slice(0, n) as Array<string | number>, true)
      const range = (node as {range?: [number, number, number]})?.range
      return `${at(range?.[0])}: ${issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)'}`
    },
  })
  throw new UsageError(`Invalid ${what}:\n  ${problems.join('\n  ')}`, {
    code: 'BAD_INPUT_FILE',
    details: {file, issues: problems},
  })
}
