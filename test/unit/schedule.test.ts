import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {lastFire, matches, parseCron} from '../../src/lib/cron.js'
import {UsageError} from '../../src/lib/errors.js'
import {readSpecFile} from '../../src/lib/spec-file.js'
import {evaluateSchedule, type Schedule, scheduleSchema, tierRank} from '../../src/services/clusters/schedule.js'

describe('cron', () => {
  it('matches fields, lists, ranges and steps in UTC', () => {
    const c = parseCron('*/15 2-3 1,15 * *')
    expect(matches(c, new Date('2026-12-01T02:30:00Z'))).toBe(true)
    expect(matches(c, new Date('2026-12-15T03:45:00Z'))).toBe(true)
    expect(matches(c, new Date('2026-12-01T02:31:00Z'))).toBe(false)
    expect(matches(c, new Date('2026-12-02T02:30:00Z'))).toBe(false)
    expect(matches(c, new Date('2026-12-01T04:00:00Z'))).toBe(false)
  })

  it('combines day-of-month and day-of-week like Vixie cron, and 7 is Sunday', () => {
    const either = parseCron('0 0 1 * 1')
    expect(matches(either, new Date('2026-12-01T00:00:00Z'))).toBe(true) // the 1st (a Tuesday)
    expect(matches(either, new Date('2026-12-07T00:00:00Z'))).toBe(true) // a Monday
    expect(matches(either, new Date('2026-12-08T00:00:00Z'))).toBe(false)
    expect(matches(parseCron('0 0 * * 7'), new Date('2026-12-06T00:00:00Z'))).toBe(true)
  })

  it('rejects malformed expressions', () => {
    for (const bad of ['* * * *', '61 * * * *', '* 24 * * *', '*/0 * * * *', 'a * * * *', '5-1 * * * *'])
      expect(() => parseCron(bad), bad).toThrow()
  })

  it('finds the last firing within a window', () => {
    const c = parseCron('0 2 1 * *')
    expect(lastFire(c, new Date('2026-12-02T10:00:00Z'), 3 * 86_400_000)?.toISOString()).toBe(
      '2026-12-01T02:00:00.000Z',
    )
    expect(lastFire(c, new Date('2026-12-02T10:00:00Z'), 3_600_000)).toBeUndefined()
  })
})

describe('schedule evaluation', () => {
  const schedule: Schedule = scheduleSchema.parse({
    base: 'M10',
    windows: [
      {name: 'billing', cron: '0 2 1 * *', duration: '48h', tier: 'M50'},
      {name: 'launch', start: '2026-12-01T12:00Z', end: '2026-12-01T18:00Z', tier: 'M80'},
      {name: 'weekend', cron: '0 0 * * 6', duration: '2d', tier: 'M20'},
    ],
  })
  const at = (iso: string) => evaluateSchedule(schedule, new Date(iso)).tier

  it('gives the expected tiers at fixed clock times', () => {
    expect(at('2026-12-01T01:59:00Z')).toBe('M10') // before the billing window opens
    expect(at('2026-12-01T02:00:00Z')).toBe('M50') // opens on the minute
    expect(at('2026-12-01T13:00:00Z')).toBe('M80') // the larger of two active windows
    expect(at('2026-12-02T23:00:00Z')).toBe('M50')
    expect(at('2026-12-03T02:00:00Z')).toBe('M10') // closed after 48h
    expect(at('2026-12-05T10:00:00Z')).toBe('M20') // Saturday
    expect(at('2026-12-07T00:00:00Z')).toBe('M10') // Monday
    expect(at('2027-01-01T03:00:00Z')).toBe('M50') // next month, without any state
  })

  it('explains its answer', () => {
    const e = evaluateSchedule(schedule, new Date('2026-12-01T13:00:00Z'))
    expect(e.reason).toContain('launch')
    expect(e.activeWindows.map((w) => w.name)).toEqual(['billing', 'launch'])
  })

  it('ranks tiers by size', () => {
    expect(['M50', 'M0', 'FLEX', 'M10', 'R40'].sort((a, b) => tierRank(a) - tierRank(b))).toEqual([
      'M0',
      'FLEX',
      'M10',
      'R40',
      'M50',
    ])
  })
})

describe('spec files', () => {
  const write = (text: string) => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-spec-')), 'schedule.yaml')
    fs.writeFileSync(f, text)
    return f
  }

  it('reports bad values with file, line and path', async () => {
    const f = write(
      'base: M10\nwindows:\n  - name: a\n    cron: "0 2 1 * *"\n    duration: 2 days\n    tier: M50\n  - tier: X1\n    start: 2026-12-01T00:00Z\n    end: 2026-12-02T00:00Z\n',
    )
    const e = (await readSpecFile(f, scheduleSchema, 'schedule file').catch((x: unknown) => x)) as UsageError
    expect(e).toBeInstanceOf(UsageError)
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain(`${f}:5:15: windows.0.duration`)
    expect(e.message).toContain(`${f}:7:11: windows.1.tier`)
  })

  it('reports YAML syntax errors and unknown keys by line', async () => {
    const syntax = (await readSpecFile(write('base: M10\nwindows: [\n'), scheduleSchema, 'schedule file').catch(
      (x: unknown) => x,
    )) as Error
    expect(syntax.message).toMatch(/schedule\.yaml:\d+:\d+/)
    const unknown = (await readSpecFile(write('base: M10\nbsae: M20\n'), scheduleSchema, 'schedule file').catch(
      (x: unknown) => x,
    )) as Error
    expect(unknown.message).toMatch(/schedule\.yaml:1:1: \(top level\): Unrecognized key.*bsae/)
    const missing = (await readSpecFile('/nonexistent/s.yaml', scheduleSchema, 'schedule file').catch(
      (x: unknown) => x,
    )) as UsageError
    expect(missing.message).toContain('/nonexistent/s.yaml: no such file')
  })
})
