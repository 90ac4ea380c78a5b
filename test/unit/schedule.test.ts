import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {clusterSummary} from '../support/clusters.js'
import {lastFire, matches, parseCron} from '../../src/lib/cron.js'
import {UsageError} from '../../src/lib/errors.js'
import {readSpecFile} from '../../src/lib/spec-file.js'
import type {ClusterSummary} from '../../src/services/clusters/clusters.js'
import {planPause} from '../../src/services/clusters/pause.js'
import {
  evaluateSchedule,
  type Schedule,
  scheduleSchema,
  schedulePlanner,
  tierRank,
} from '../../src/services/clusters/schedule.js'

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

describe('pause windows', () => {
  // Nights on weekdays and the whole weekend paused; the month-end billing window needs the cluster even then.
  const schedule: Schedule = scheduleSchema.parse({
    base: 'M10',
    windows: [
      {name: 'nights', cron: '0 20 * * 1-5', duration: '12h', tier: 'paused'},
      {name: 'weekend', cron: '0 20 * * 5', duration: '60h', tier: 'paused'},
      {name: 'billing', cron: '0 2 1 * *', duration: '48h', tier: 'M50'},
    ],
  })
  const at = (iso: string) => evaluateSchedule(schedule, new Date(iso))
  const cluster = (tier: string, extra: Partial<ClusterSummary> = {}) => clusterSummary(tier, {name: 'dev', ...extra})
  const raw = (tier: string) => ({
    replicationSpecs: [
      {regionConfigs: [{providerName: 'AWS', regionName: 'US_EAST_1', electableSpecs: {instanceSize: tier}}]},
    ],
  })
  const plan = (iso: string, c: ClusterSummary) =>
    schedulePlanner(at(iso), 'dev.yaml', {adjustAutoscaling: false})(c, raw(c.tier))
  const kinds = (p: {steps: Array<{kind: string}>}) => p.steps.map((s) => s.kind)

  it('says paused inside a pause window, and a tier window wins over it', () => {
    expect(at('2026-12-08T21:00:00Z').tier).toBe('paused') // Tuesday night
    expect(at('2026-12-08T21:00:00Z').reason).toContain('nights')
    expect(at('2026-12-09T08:30:00Z').tier).toBe('M10') // Wednesday morning: the base tier
    expect(at('2026-12-05T12:00:00Z').tier).toBe('paused') // Saturday
    expect(at('2026-12-01T03:00:00Z').tier).toBe('M50') // billing, inside Monday's night window
    expect(tierRank('paused')).toBeLessThan(tierRank('M0'))
  })

  it('pauses a running cluster with a PATCH of paused alone, and does nothing to a paused one', () => {
    const p = plan('2026-12-08T21:00:00Z', cluster('M10'))
    expect(p).toMatchObject({from: 'M10', to: 'M10', paused: true})
    expect(p.steps).toEqual([
      {kind: 'pause', from: 'M10', to: 'M10', operation: 'updateGroupCluster', body: {paused: true}},
    ])
    expect(plan('2026-12-08T21:00:00Z', cluster('M10', {paused: true})).steps).toEqual([])
  })

  it('resumes a paused cluster out of the window, then scales it if the tier differs', () => {
    expect(kinds(plan('2026-12-09T08:30:00Z', cluster('M10', {paused: true})))).toEqual(['resume'])
    const both = plan('2026-12-01T03:00:00Z', cluster('M10', {paused: true}))
    expect(kinds(both)).toEqual(['resume', 'patch'])
    expect(both).toMatchObject({from: 'M10', to: 'M50', paused: false})
    expect(both.steps[0].body).toEqual({paused: false})
    expect(plan('2026-12-09T08:30:00Z', cluster('M10')).steps).toEqual([])
    expect(kinds(plan('2026-12-01T03:00:00Z', cluster('M10')))).toEqual(['patch'])
  })

  it('a schedule without pause windows leaves a paused cluster paused: a no-op at its tier, refused at another', () => {
    const plain = scheduleSchema.parse({
      base: 'M10',
      windows: [{name: 'billing', cron: '0 2 1 * *', duration: '48h', tier: 'M50'}],
    })
    const planPlain = (iso: string, c: ClusterSummary) =>
      schedulePlanner(evaluateSchedule(plain, new Date(iso)), 'plain.yaml', {adjustAutoscaling: false})(c, raw(c.tier))
    expect(planPlain('2026-12-09T08:30:00Z', cluster('M10', {paused: true}))).toMatchObject({steps: [], paused: true})
    expect(() => planPlain('2026-12-01T03:00:00Z', cluster('M10', {paused: true}))).toThrow(
      expect.objectContaining({code: 'CLUSTER_PAUSED'}),
    )
  })

  it('refuses to pause an M0 or flex cluster (exit 2), naming the file, the window, the cluster and its tier', () => {
    for (const tier of ['M0', 'FLEX']) {
      let error: unknown
      try {
        plan('2026-12-08T21:00:00Z', cluster(tier))
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(UsageError)
      const e = error as UsageError
      expect(e.exitCode).toBe(2)
      expect(e.code).toBe('CANNOT_PAUSE')
      expect(e.message).toContain('dev.yaml')
      expect(e.message).toContain('"nights"')
      expect(e.message).toContain(`cluster dev`)
      expect(e.message).toContain(tier === 'M0' ? 'an M0' : 'a FLEX')
      expect(e.details).toMatchObject({file: 'dev.yaml', windows: ['nights'], cluster: 'dev', tier})
    }
  })

  it('cluster pause and resume: one PATCH, nothing when already so, M0 and FLEX refused before any request', () => {
    expect(planPause(cluster('M30'), true).steps.map((s) => s.body)).toEqual([{paused: true}])
    expect(planPause(cluster('M30', {paused: true}), true).steps).toEqual([])
    expect(planPause(cluster('M30', {paused: true}), false).steps.map((s) => s.body)).toEqual([{paused: false}])
    expect(planPause(cluster('M30'), false).steps).toEqual([])
    expect(() => planPause(cluster('M0'), true)).toThrow(/Cannot pause cluster dev: it is an M0 cluster/)
    expect(() => planPause(cluster('FLEX'), true)).toThrow(/it is a FLEX cluster/)
    expect(planPause(cluster('FLEX'), false).steps).toEqual([]) // never paused: resuming is a no-op
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

  it('refuses a pause window when the base tier cannot pause, naming the file, the line and the window', async () => {
    for (const base of ['M0', 'FLEX']) {
      const f = write(
        `base: ${base}\nwindows:\n  - name: nights\n    cron: "0 20 * * *"\n    duration: 12h\n    tier: paused\n`,
      )
      const e = (await readSpecFile(f, scheduleSchema, 'schedule file').catch((x: unknown) => x)) as UsageError
      expect(e).toBeInstanceOf(UsageError)
      expect(e.exitCode).toBe(2)
      expect(e.message).toContain(
        `${f}:6:11: windows.0.tier: window "nights" says paused, but the base tier is ${base}`,
      )
    }
    const ok = write('base: M10\nwindows:\n  - cron: "0 20 * * *"\n    duration: 12h\n    tier: paused\n')
    expect((await readSpecFile(ok, scheduleSchema, 'schedule file')).windows[0].tier).toBe('paused')
    const bad = write('base: paused\n')
    expect(
      ((await readSpecFile(bad, scheduleSchema, 'schedule file').catch((x: unknown) => x)) as Error).message,
    ).toContain('base')
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
