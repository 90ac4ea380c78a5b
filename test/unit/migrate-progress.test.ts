import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {MultiProgress} from '../../src/ui/multi-progress.js'

const MB = 1048576
const saved = {
  isTTY: Object.getOwnPropertyDescriptor(process.stderr, 'isTTY'),
  columns: Object.getOwnPropertyDescriptor(process.stderr, 'columns'),
}

/** stderr as a terminal (or a pipe), its writes captured. */
function stderrAs(terminal: boolean): string[] {
  Object.defineProperty(process.stderr, 'isTTY', {value: terminal, configurable: true})
  Object.defineProperty(process.stderr, 'columns', {value: terminal ? 120 : undefined, configurable: true})
  const writes: string[] = []
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(String(chunk))
    return true
  })
  return writes
}

/** The last drawn line of a row, by its phase and namespace. */
const lastLine = (writes: string[], label: string) =>
  writes
    .join('')
    .replaceAll('\u001b[2K', '')
    .split(/[\r\n]/)
    .filter((l) => l.includes(label))
    .at(-1)

describe('migrate progress', () => {
  beforeEach(() => {
    vi.stubEnv('CI', '')
    vi.stubEnv('TERM', 'xterm-256color')
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.unstubAllEnvs()
    for (const [k, d] of Object.entries(saved))
      if (d) Object.defineProperty(process.stderr, k, d)
      else delete (process.stderr as unknown as Record<string, unknown>)[k]
  })

  it('a finished bar keeps the rate it finished at while other bars go on', () => {
    const writes = stderrAs(true)
    let now = 0
    const p = new MultiProgress(false, () => now)
    p.update({ns: 'a.one', phase: 'import', docs: 0, bytes: 0, done: false})
    now = 2000
    p.update({ns: 'a.one', phase: 'import', docs: 1000, bytes: 20 * MB, done: true})
    expect(lastLine(writes, 'a.one')).toContain('10.0 MB/s  done')
    for (let t = 1; t <= 10; t++) {
      now = 2000 + t * 60_000
      p.update({ns: 'a.two', phase: 'import', docs: t, bytes: t * MB, done: false})
    }
    p.end()
    expect(lastLine(writes, 'a.one')).toContain('10.0 MB/s  done')
    expect(lastLine(writes, 'a.two')).toContain('a.two')
  })

  it("a resumed collection's rate counts only what this run moved", () => {
    const writes = stderrAs(true)
    let now = 0
    const p = new MultiProgress(false, () => now)
    // The checkpoint had 500 MB done; this run moves 10 MB in 2 s.
    p.update({ns: 'a.big', phase: 'import', docs: 5000, bytes: 500 * MB, total: {bytes: 1000 * MB}, done: false})
    now = 2000
    p.update({ns: 'a.big', phase: 'import', docs: 5100, bytes: 510 * MB, total: {bytes: 1000 * MB}, done: false})
    expect(lastLine(writes, 'a.big')).toContain('5.0 MB/s')
    expect(lastLine(writes, 'a.big')).toContain('510.0 MB')
  })

  it('shows each phase (the check before an import, source and target of a verify) as its own row', () => {
    const writes = stderrAs(true)
    const p = new MultiProgress(false, () => 0)
    p.update({ns: 'a.one', phase: 'check', docs: 10, bytes: MB, done: true})
    p.update({ns: 'a.one', phase: 'import', docs: 10, bytes: MB, done: true})
    expect(lastLine(writes, 'check a.one')).toContain('10 docs')
    expect(lastLine(writes, 'import a.one')).toContain('done')
  })

  it('is silent in a pipe and under --json', () => {
    const writes = stderrAs(false)
    const piped = new MultiProgress(false)
    piped.update({ns: 'a.one', phase: 'import', docs: 1, bytes: 1, done: true})
    piped.end()
    const terminal = stderrAs(true)
    const json = new MultiProgress(true)
    json.update({ns: 'a.one', docs: 1, bytes: 1, done: true})
    json.end()
    expect(writes).toEqual([])
    expect(terminal).toEqual([])
  })
})
