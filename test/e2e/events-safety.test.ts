import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {eventYaml} from '../support/events.js'
import {type CliResult, runCli, tempHome} from '../support/run-cli.js'

describe('events: re-runs, concurrent runs and bad input never destroy or mislead', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let dir: string

  beforeAll(async () => {
    emu = await startTestEmulator()
    const h = tempHome()
    dir = h.dir
    env = {...h.env, ...emu.env}
  })
  afterAll(() => emu.close())

  const group = (name: string) => Object.values(emu.state.groups).find((g) => g.name === name)
  const passwordOf = (project: string, user: string) => emu.state.users[group(project)!.id][`admin/${user}`]?.password
  const bundle = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'))
  const write = (name: string, text: string) => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, text)
    return file
  }

  it('a re-run after hand-made changes deletes nothing an earlier run or a person made', async () => {
    const file = write(
      'keep.yaml',
      eventYaml('keep', 2, {defaults: ['  accessList: [203.0.113.1, 203.0.113.2]', '  maxAccessEntries: 3']}),
    )
    const out = path.join(dir, 'keep-out')
    expect((await runCli(['event', 'provision', file, '--out', out, '--yes'], {env})).code).toBe(0)
    // The organizer adds two entries by hand: t1's list is now past the event's cap of 3.
    const ip = await runCli(['ip', 'add', '198.51.100.7', '198.51.100.8', '--project', 'mh-keep-t1'], {env})
    expect(ip.code, ip.stderr).toBe(0)
    const again = await runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})
    expect(again.code, again.stdout).toBe(0)
    const t1 = group('mh-keep-t1')!
    expect(Object.keys(emu.state.clusters[t1.id])).toEqual(['t1'])
    // The emulator keeps an entry at its canonical CIDR, as Atlas's self links name it.
    expect(Object.keys(emu.state.access[t1.id]).sort()).toEqual([
      '198.51.100.7/32',
      '198.51.100.8/32',
      '203.0.113.1/32',
      '203.0.113.2/32',
    ])
    expect(passwordOf('mh-keep-t1', 't1-admin')).toBe(bundle(path.join(out, 't1.json')).password)

    // Someone edits t2's team tag: provisioning refuses that project, and removes nothing of it.
    const t2 = group('mh-keep-t2')!
    t2.tags = t2.tags.map((t: {key: string; value: string}) => (t.key === 'team' ? {key: 'team', value: 'renamed'} : t))
    const refused = await runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})
    expect(refused.code).toBe(7)
    expect(refused.json.error.code).toBe('PARTIAL_FAILURE')
    const teams = refused.json.error.details.report.teams
    expect(teams.map((t: {team: string; status: string}) => [t.team, t.status])).toEqual([
      ['t1', 'done'],
      ['t2', 'failed'],
    ])
    expect(teams[1].error).toContain('left alone')
    expect(group('mh-keep-t2')).toBeDefined()
    expect(Object.keys(emu.state.clusters[t2.id])).toEqual(['t2'])
    expect(passwordOf('mh-keep-t2', 't2-admin')).toBe(bundle(path.join(out, 't2.json')).password)
    expect(Object.keys(emu.state.access[t2.id]).sort()).toEqual(['203.0.113.1/32', '203.0.113.2/32'])
  })

  it('every bundle holds a working password: another --out, deleted folders, stale copies, another working directory', async () => {
    const file = write('pw.yaml', eventYaml('pw', 2))
    const a = path.join(dir, 'pw-a')
    const b = path.join(dir, 'pw-b')
    const teams = ['t1', 't2']
    const works = (folder: string) =>
      teams.map((t) => bundle(path.join(folder, `${t}.json`)).password === passwordOf(`mh-pw-${t}`, `${t}-admin`))
    const rotatedOf = (r: CliResult) =>
      r.json.result.teams.map((t: {passwordRotated?: boolean}) => t.passwordRotated ?? false)
    expect((await runCli(['event', 'provision', file, '--out', a, '--yes'], {env})).code).toBe(0)
    const first = await runCli(['event', 'provision', file, '--out', b, '--yes', '--json'], {env})
    expect(first.code, first.stdout).toBe(0)
    expect(works(b)).toEqual([true, true])
    for (const t of teams)
      expect(bundle(path.join(b, `${t}.json`)).password).toBe(bundle(path.join(a, `${t}.json`)).password)

    // B is deleted and the run starts elsewhere without --out: it goes to the last folder (B) and carries over the
    // bundles that still work (in A, known by their fingerprints in the ledger); nothing is rotated.
    fs.rmSync(b, {recursive: true})
    const elsewhere = fs.mkdtempSync(path.join(dir, 'cwd-'))
    const carried = await runCli(['event', 'provision', file, '--yes', '--json'], {env, cwd: elsewhere})
    expect(carried.code, carried.stdout).toBe(0)
    expect(carried.json.result.outDir).toBe(b)
    expect(rotatedOf(carried)).toEqual([false, false])
    expect(works(b)).toEqual([true, true])
    expect(fs.readdirSync(elsewhere)).toEqual([])

    // Every bundle is gone: the users get new passwords (Atlas never shows the old ones), and the run says so.
    const stale = fs.readFileSync(path.join(a, 't1.json'))
    fs.rmSync(a, {recursive: true})
    fs.rmSync(b, {recursive: true})
    const rotated = await runCli(['event', 'provision', file, '--yes', '--json'], {env, cwd: elsewhere})
    expect(rotated.code, rotated.stdout).toBe(0)
    expect(rotatedOf(rotated)).toEqual([true, true])
    expect(rotated.json.warnings.join(' ')).toContain('new password')
    expect(works(b)).toEqual([true, true])
    for (const t of teams)
      expect(bundle(path.join(b, `${t}.json`)).connectionString).toContain(bundle(path.join(b, `${t}.json`)).password)

    // A stale copy back in A: --out A takes the working bundle from B, not the stale one, and rotates nothing.
    fs.mkdirSync(a)
    fs.writeFileSync(path.join(a, 't1.json'), stale, {mode: 0o600})
    const back = await runCli(['event', 'provision', file, '--out', a, '--yes', '--json'], {env})
    expect(back.code, back.stdout).toBe(0)
    expect(rotatedOf(back)).toEqual([false, false])
    expect(works(a)).toEqual([true, true])
  })

  it('the first run without --out puts the bundles beside the ledger, not in the working directory', async () => {
    const file = write('home.yaml', eventYaml('home', 1))
    const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'))
    const r = await runCli(['event', 'provision', file, '--yes', '--json'], {env, cwd})
    expect(r.code, r.stdout).toBe(0)
    expect(r.json.result.outDir).toBe(path.join(env.XDG_DATA_HOME, 'atlasctl', 'events', 'home', 'credentials'))
    expect(fs.readdirSync(cwd)).toEqual([])
    expect(bundle(path.join(r.json.result.outDir, 't1.json')).password).toBe(passwordOf('mh-home-t1', 't1-admin'))
  })

  it('one run per event at a time: a held lock is exit 6 and nothing is created; two runs at once hand out working passwords', async () => {
    const file = write('lock.yaml', eventYaml('lock', 3))
    const locks = path.join(env.XDG_DATA_HOME, 'atlasctl', 'locks')
    fs.mkdirSync(locks, {recursive: true})
    const lock = path.join(locks, 'event-lock.lock')
    fs.writeFileSync(lock, JSON.stringify({pid: process.pid, since: new Date().toISOString()}))
    const held = await runCli(['event', 'provision', file, '--out', path.join(dir, 'lock-out'), '--yes', '--json'], {
      env,
    })
    expect(held.code).toBe(6)
    expect(held.json.error.code).toBe('LOCKED')
    expect(held.json.error.message).toContain('event lock')
    expect(group('mh-lock-t1')).toBeUndefined()
    fs.rmSync(lock)

    const out = path.join(dir, 'lock-out')
    const runs = await Promise.all(
      [0, 1].map(() => runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})),
    )
    expect(runs.map((r) => r.code).sort()).toContain(0)
    for (const r of runs) expect([0, 6]).toContain(r.code)
    const rerun = await runCli(['event', 'provision', file, '--out', out, '--yes', '--json'], {env})
    expect(rerun.code).toBe(0)
    for (const t of ['t1', 't2', 't3'])
      expect(bundle(path.join(out, `${t}.json`)).password).toBe(passwordOf(`mh-lock-${t}`, `${t}-admin`))
  })

  it('refuses a file whose long ids would make two teams share a project: exit 2, nothing created', async () => {
    const eventId = 'e'.repeat(30)
    const long = write('long.yaml', eventYaml(eventId, 2, {teams: [`${'a'.repeat(39)}1`, `${'a'.repeat(39)}2`]}))
    const shared = await runCli(['event', 'provision', long, '--yes', '--json'], {env})
    expect(shared.code).toBe(2)
    expect(shared.json.error.message).toMatch(/long\.yaml:\d+:\d+: teams\.1\.id: team "a+2" would share the project/)
    expect(Object.values(emu.state.groups).filter((g) => g.name.startsWith(`mh-${eventId}`))).toEqual([])
  })

  it('refuses a region the provider does not have, naming the line: exit 2, nothing created', async () => {
    const region = write('region.yaml', eventYaml('region', 2, {defaults: ['  region: us-east-1']}))
    const typo = await runCli(['event', 'provision', region, '--yes', '--json'], {env})
    expect(typo.code).toBe(2)
    expect(typo.json.error.message).toContain(
      'region.yaml:5:11: defaults.region: "us-east-1" is not a AWS region; did you mean US_EAST_1',
    )
    expect(group('mh-region-t1')).toBeUndefined()
  })

  it('a damaged ledger is reported with its path and left untouched: exit 2, nothing created', async () => {
    const ledgerFile = path.join(env.XDG_DATA_HOME, 'atlasctl', 'events', 'bad', 'ledger.json')
    fs.mkdirSync(path.dirname(ledgerFile), {recursive: true})
    const damaged = '{"eventId":"bad","teams":{"t1":{"projectName":7}}}\n'
    fs.writeFileSync(ledgerFile, damaged)
    const bad = await runCli(
      [
        'event',
        'provision',
        write('bad.yaml', eventYaml('bad', 1)),
        '--out',
        path.join(dir, 'bad-out'),
        '--yes',
        '--json',
      ],
      {env},
    )
    expect(bad.code).toBe(2)
    expect(bad.json.error.code).toBe('BAD_LEDGER')
    expect(bad.json.error.message).toContain(ledgerFile)
    expect(fs.readFileSync(ledgerFile, 'utf8')).toBe(damaged)
    expect(group('mh-bad-t1')).toBeUndefined()
  })

  it('a YAML bomb, too many teams and a huge file are exit 2 naming the file, before anything is created', async () => {
    const bomb = write(
      'bomb.yaml',
      [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        ...Array.from(
          {length: 8},
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
        ),
        '',
      ].join('\n'),
    )
    const boom = await runCli(['event', 'provision', bomb, '--yes', '--json'], {env})
    expect(boom.code).toBe(2)
    expect(boom.json.error.message).toContain('bomb.yaml')

    const many = write('many.yaml', eventYaml('many', 1001))
    const tooMany = await runCli(['event', 'provision', many, '--yes', '--json'], {env})
    expect(tooMany.code).toBe(2)
    expect(tooMany.json.error.message).toContain('at most 1000 teams')
    const huge = write('huge.yaml', `${eventYaml('huge', 1)}# ${'x'.repeat(600 * 1024)}\n`)
    const big = await runCli(['event', 'provision', huge, '--yes', '--json'], {env})
    expect(big.code).toBe(2)
    expect(big.json.error.message).toContain('huge.yaml')
    expect(group('mh-many-t1')).toBeUndefined()
  })

  it('status and cleanup report a team they could not read, exit 7 with the command that finishes, and a re-run does', async () => {
    const file = write('read.yaml', eventYaml('read', 3))
    expect((await runCli(['event', 'provision', file, '--out', path.join(dir, 'read-out'), '--yes'], {env})).code).toBe(
      0,
    )
    const t2 = group('mh-read-t2')!
    Object.assign(emu.faults, {errorRate: 1, only: `/groups/${t2.id}/`})
    try {
      const status = await runCli(['event', 'status', 'read', '--json'], {env})
      expect(status.code).toBe(7)
      expect(status.json.error.code).toBe('PARTIAL_FAILURE')
      expect(status.json.error.details.teams.map((t: {team: string}) => t.team)).toEqual(['t1', 't3'])
      expect(status.json.error.details.unreadable.map((t: {team: string}) => t.team)).toEqual(['t2'])

      const cleanup = await runCli(['event', 'cleanup', 'read', '--yes', '--grace', '1s', '--json'], {env})
      expect(cleanup.code).toBe(7)
      expect(cleanup.json.error.hint).toBe('Re-run to finish the job: atlasctl event cleanup read --yes --grace 1s')
      expect(cleanup.json.error.message).toContain('t2')
      expect(group('mh-read-t1')).toBeUndefined()
      expect(group('mh-read-t2')).toBeDefined()
    } finally {
      Object.assign(emu.faults, {errorRate: 0, only: undefined})
    }
    const finish = await runCli(['event', 'cleanup', 'read', '--yes', '--json'], {env})
    expect(finish.code, finish.stdout).toBe(0)
    expect(group('mh-read-t2')).toBeUndefined()
  })

  it('cleanup before the event has ended is refused unless --force, and the dry run says which teams are live', async () => {
    const file = write(
      'live.yaml',
      eventYaml('live', 2, {endsAt: new Date(Date.now() + 8 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z')}),
    )
    expect((await runCli(['event', 'provision', file, '--out', path.join(dir, 'live-out'), '--yes'], {env})).code).toBe(
      0,
    )
    const dry = await runCli(['event', 'cleanup', 'live'], {env})
    expect(dry.code).toBe(0)
    expect(dry.stderr).toMatch(/t1 is still inside its event \(until \d{4}-/)
    const refused = await runCli(['event', 'cleanup', 'live', '--yes', '--json'], {env})
    expect(refused.code).toBe(6)
    expect(refused.json.error.code).toBe('EVENT_NOT_ENDED')
    expect(refused.json.error.hint).toContain('--force')
    expect(group('mh-live-t1')).toBeDefined()
    expect(refused.json.error.hint).toContain('atlasctl event cleanup live --yes --force')
    const forced = await runCli(['event', 'cleanup', 'live', '--yes', '--force', '--json'], {env})
    expect(forced.code, forced.stdout).toBe(0)
    expect(group('mh-live-t1')).toBeUndefined()
  })

  it('when every team fails the summary says none is ready', async () => {
    const file = write('none.yaml', eventYaml('none', 2))
    for (const t of ['t1', 't2']) expect((await runCli(['project', 'create', `mh-none-${t}`], {env})).code).toBe(0)
    const r = await runCli(['event', 'provision', file, '--out', path.join(dir, 'none-out'), '--yes'], {env})
    expect(r.code).toBe(7)
    expect(r.stderr).toContain('2 of 2 teams failed; none is ready')
    expect(r.stderr).not.toContain('the others are ready')
  })
})
