import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {UsageError} from '../../src/lib/errors.js'
import {
  clusterNameFor,
  endsAtTag,
  parseEndsAtTag,
  projectNameFor,
  readEventFile,
  readRoster,
} from '../../src/services/events/event-file.js'
import {AdaptiveLimit, pool} from '../../src/lib/pool.js'

const tmp = (name: string, text: string) => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-event-')), name)
  fs.writeFileSync(f, text)
  return f
}

describe('event files', () => {
  it('reads the shipped example', async () => {
    const e = await readEventFile(path.join(import.meta.dirname, '..', '..', 'docs', 'examples', 'event.yaml'))
    expect(e).toMatchObject({
      id: 'mh26',
      defaults: {tier: 'M0', maxDbUsers: 5, maxAccessEntries: 20},
      cleanup: {auto: true, grace: '7d'},
    })
    expect(e.teams.map((t) => t.id)).toEqual(['team-1', 'team-2'])
  })

  it('reports bad values with the line, and duplicate team ids', async () => {
    const f = tmp(
      'event.yaml',
      'id: e1\nname: E\nendsAt: tomorrow\ndefaults:\n  tier: M10\nteams:\n  - id: a\n    name: A\n',
    )
    const e = (await readEventFile(f).catch((x: unknown) => x)) as UsageError
    expect(e).toBeInstanceOf(UsageError)
    expect(e.exitCode).toBe(2)
    expect(e.message).toContain(`${f}:3:9: endsAt`)
    expect(e.message).toContain(`${f}:5:9: defaults.tier`)
    const g = tmp(
      'event.yaml',
      'id: e1\nname: E\nendsAt: 2026-12-01T00:00Z\nteams:\n  - id: a\n    name: A\n  - id: A\n    name: Again\n',
    )
    expect(((await readEventFile(g).catch((x: unknown) => x)) as Error).message).toContain(
      `${g}:7:9: teams.1.id: duplicate team id "A"`,
    )
  })

  it('refuses 0.0.0.0/0 in accessList (openNetworkAccess says it) and unknown keys', async () => {
    const f = tmp(
      'event.yaml',
      'id: e1\nname: E\nendsAt: 2026-12-01T00:00Z\ndefaults:\n  accessList: [0.0.0.0/0]\nteams:\n  - {id: a, name: A, colour: red}\n',
    )
    const e = (await readEventFile(f).catch((x: unknown) => x)) as UsageError
    expect(e.message).toContain('defaults.accessList.0')
    expect(e.message).toContain('colour')
  })

  it('reads a CSV roster, naming the line of a bad row', () => {
    const ok = readRoster(tmp('teams.csv', 'id,name,leader,members\nt1,One,a@x.org,b@x.org;c@x.org\nt2,Two,,\n'), {
      id: 'ev',
      endsAt: '2026-12-01T00:00Z',
    })
    expect(ok.teams).toEqual([
      {id: 't1', name: 'One', leader: 'a@x.org', members: ['b@x.org', 'c@x.org']},
      {id: 't2', name: 'Two', members: []},
    ])
    const f = tmp('bad.csv', 'id,name\nt1,One\n-bad,Two\nt3,Three,extra\n')
    expect(() => readRoster(f, {id: 'ev', endsAt: '2026-12-01T00:00Z'})).toThrow(`${f}:4: 3 columns`)
    // The roster's event settings come from flags, so a bad one names its flag.
    const roster = tmp('r.csv', 'id,name\nt1,One\n')
    expect(() => readRoster(roster, {id: 'ev', endsAt: '2026-12-01T00:00Z', defaults: {region: 'us-east-1'}})).toThrow(
      /--region: "us-east-1" is not a AWS region; did you mean US_EAST_1/,
    )
    expect(() => readRoster(roster, {id: 'ev', endsAt: 'soon'})).toThrow(/--ends-at: must be an ISO date-time/)
    const g = tmp('bad2.csv', 'id,name\nt1,One\n-bad,Two\n')
    expect(() => readRoster(g, {id: 'ev', endsAt: '2026-12-01T00:00Z'})).toThrow(`${g}:3: id:`)
  })

  it('names projects and clusters within Atlas rules, and round-trips the end time through a tag', () => {
    expect(projectNameFor('mh26', 'team 1/α')).toBe('mh-mh26-team-1--')
    expect(projectNameFor('e', 'x'.repeat(80))).toHaveLength(64)
    expect(clusterNameFor('_odd_team')).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]*$/)
    expect(endsAtTag('2026-12-01T18:00Z')).toBe('20261201T180000Z')
    expect(parseEndsAtTag('20261201T180000Z').toISOString()).toBe('2026-12-01T18:00:00.000Z')
  })
})

describe('pools', () => {
  it('bounds concurrency and keeps order', async () => {
    let running = 0
    let peak = 0
    const r = await pool([5, 1, 3, 2, 4], 2, async (n) => {
      peak = Math.max(peak, ++running)
      await new Promise((res) => setTimeout(res, n * 5))
      running--
      if (n === 3) throw new Error('three')
      return n * 10
    })
    expect(peak).toBe(2)
    expect(r.map((x) => (x.status === 'fulfilled' ? x.value : 'failed'))).toEqual([50, 10, 'failed', 20, 40])
  })

  it('halves on 429 (once per cool-down) and grows back on success', () => {
    let now = 0
    const l = new AdaptiveLimit(8, 10, 3, 1000, () => now)
    l.rateLimited()
    expect(l.current).toBe(4)
    l.rateLimited()
    expect(l.current).toBe(4)
    now = 2000
    l.rateLimited()
    expect(l.current).toBe(2)
    for (let i = 0; i < 9; i++) l.succeeded()
    expect(l.current).toBe(5)
    for (let i = 0; i < 100; i++) l.succeeded()
    expect(l.current).toBe(10)
  })
})
