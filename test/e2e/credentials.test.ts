import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {emulatorWithCluster, startTestEmulator, TestClock, type TestEmulator} from '../support/emulator.js'
import {runInPty} from '../support/pty.js'
import {runCli, tempHome} from '../support/run-cli.js'

const ENTER = '\r'

/** Files in a folder that are not `keep`: a stray temporary file would hold a password. */
const strays = (dir: string, keep: string[]) => fs.readdirSync(dir).filter((f) => !keep.includes(f))
const auditOf = (env: Record<string, string>) =>
  fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')
const usernames = async (env: Record<string, string>, project?: string) =>
  (await runCli(['user', 'list', '--json', ...(project ? ['--project', project] : [])], {env})).json.result.map(
    (u: {username: string}) => u.username,
  )

describe('credentials files, dotenv files and setup re-runs', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let home: string
  let writes: string[]

  beforeAll(async () => {
    ;({emu, env, home, writes} = await emulatorWithCluster('creds', 'main'))
  })
  afterAll(() => emu.close())

  it('setup --dotenv writes a .env that does not exist yet (a flag name Node does not claim), with one audit line', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'dotenv-'))
    const dotenv = path.join(dir, '.env')
    const r = await runCli(['setup', '--project', 'fresh', '--ip', '203.0.113.7', '--dotenv', dotenv, '--json'], {env})
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(fs.statSync(dotenv).mode & 0o777).toBe(0o600)
    const text = fs.readFileSync(dotenv, 'utf8')
    expect(text).toMatch(/^MONGODB_URI=mongodb:\/\/app:[A-Za-z0-9]{32}@127\.0\.0\.1:27017$/m)
    expect(strays(dir, ['.env'])).toEqual([])
    const password = /MONGODB_PASSWORD=(.*)/.exec(text)![1]
    const audit = auditOf(env)
    expect(audit).not.toContain(password)
    expect(audit).toContain(`"action":"write dotenv file","target":"${dotenv}","result":"ok (user app)"`)
  })

  it('a dotenv merge keeps "export" prefixes and other lines, and replaces every duplicate of a key', async () => {
    const dotenv = path.join(fs.mkdtempSync(path.join(home, 'dotenv-')), '.env')
    fs.writeFileSync(
      dotenv,
      '# mine\nexport MONGODB_URI=old\nFOO=1\nMONGODB_PASSWORD=stale1\nexport MONGODB_PASSWORD="stale2"\n',
    )
    const r = await runCli(['setup', '--project', 'exported', '--no-ip', '--dotenv', dotenv, '--json'], {env})
    expect(r.code, r.stdout).toBe(0)
    const lines = fs.readFileSync(dotenv, 'utf8').split('\n')
    expect(lines[0]).toBe('# mine')
    expect(lines[1]).toMatch(/^export MONGODB_URI=mongodb:\/\/app:[A-Za-z0-9]{32}@/)
    expect(lines[2]).toBe('FOO=1')
    const password = /^MONGODB_PASSWORD=([A-Za-z0-9]{32})$/.exec(lines[3])![1]
    expect(lines[4]).toBe(`export MONGODB_PASSWORD=${password}`)
    expect(lines[5]).toBe('MONGODB_USERNAME=app')
    expect(lines[1]).toContain(`:${password}@`)
    expect(fs.readFileSync(dotenv, 'utf8')).not.toContain('stale')
  })

  it('setup re-run never rotates an existing password unasked: exit 6 naming --rotate-password, reuse from the dotenv, rotate on request', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'rerun-'))
    const file = path.join(dir, 'app.json')
    const args = ['setup', '--project', 'studymaster', '--no-ip', '--credentials-file', file, '--json']
    const first = await runCli(args, {env})
    expect(first.code, first.stdout).toBe(0)
    expect(first.json.result.steps.user).toBe('created')
    const password = JSON.parse(fs.readFileSync(file, 'utf8')).password

    const before = writes.length
    const again = await runCli(args, {env})
    expect(again.code, again.stdout).toBe(6)
    expect(again.json.error.code).toBe('USER_EXISTS')
    expect(again.json.error.details.flag).toBe('rotate-password')
    expect(again.json.error.hint).toContain('--rotate-password')
    expect(writes.length).toBe(before)
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).password).toBe(password)

    const rotated = await runCli([...args, '--rotate-password'], {env})
    expect(rotated.code, rotated.stdout).toBe(0)
    expect(rotated.json.result.steps.user).toBe('rotated')
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).password).not.toBe(password)

    // A dotenv that holds the password: reused silently, nothing rotated.
    const dotenv = path.join(dir, '.env')
    expect(
      (
        await runCli(
          ['setup', '--project', 'studymaster', '--username', 'web', '--no-ip', '--dotenv', dotenv, '--json'],
          {env},
        )
      ).code,
    ).toBe(0)
    const kept = fs.readFileSync(dotenv, 'utf8')
    const reuse = await runCli(
      ['setup', '--project', 'studymaster', '--username', 'web', '--no-ip', '--dotenv', dotenv, '--json'],
      {env},
    )
    expect(reuse.code, reuse.stdout).toBe(0)
    expect(reuse.json.result.steps.user).toBe('reused')
    expect(fs.readFileSync(dotenv, 'utf8')).toBe(kept)
    // Another user's setup into that file would lose web's password: refused before anything changes.
    const before2 = writes.length
    const other = await runCli(
      ['setup', '--project', 'studymaster', '--username', 'api', '--no-ip', '--dotenv', dotenv, '--json'],
      {env},
    )
    expect(other.code, other.stdout).toBe(2)
    expect(other.json.error.message).toContain('holds the password of database user web')
    expect(writes.length).toBe(before2)
    expect(fs.readFileSync(dotenv, 'utf8')).toBe(kept)
  })

  it('without a terminal setup needs --ip, --current-ip or --no-ip before anything is created; --no-ip warns after the spinner; --current-ip asks Atlas', async () => {
    const before = writes.length
    const bare = await runCli(['setup', '--project', 'nowhere', '--json'], {env})
    expect(bare.code).toBe(2)
    for (const flag of ['--ip', '--current-ip', '--no-ip']) expect(bare.json.error.message).toContain(flag)
    expect(writes.length).toBe(before)

    const none = await runCli(['setup', '--project', 'closed', '--no-ip', '--show-password'], {env})
    expect(none.code, none.stderr).toBe(0)
    const ready = none.stderr.indexOf('Ready:')
    expect(ready).toBeGreaterThan(-1)
    expect(none.stderr.indexOf('Warning: The access list of closed is empty', ready)).toBeGreaterThan(ready)
    expect(none.stdout).toContain('No address can connect yet')

    const current = await runCli(['setup', '--project', 'mine', '--current-ip', '--show-password', '--json'], {env})
    expect(current.code, current.stdout).toBe(0)
    expect(current.json.result.entries.added).toEqual(['127.0.0.1'])
    expect(current.json.warnings).toEqual([])
    const ip = await runCli(['ip', 'add', '--current-ip', '--project', 'closed', '--json'], {env})
    expect(ip.code, ip.stdout).toBe(0)
    expect(ip.json.result.added).toEqual(['127.0.0.1'])
    expect((await runCli(['ip', 'add', '--project', 'closed'], {env})).code).toBe(2)
  })

  it('one credentials file holds several users; readers take the one user, or need --db-user and list the users', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'team-'))
    const file = path.join(dir, 'team.json')
    expect((await runCli(['user', 'add', 'alice2', '--credentials-file', file], {env})).code).toBe(0)
    const alice = JSON.parse(fs.readFileSync(file, 'utf8'))
    expect(alice).toMatchObject({username: 'alice2', project: 'creds'})
    const bob = await runCli(['user', 'add', 'bob2', '--credentials-file', file], {env})
    expect(bob.code, bob.stderr).toBe(0)
    const team = JSON.parse(fs.readFileSync(file, 'utf8'))
    expect(team.users.map((u: {username: string}) => u.username)).toEqual(['alice2', 'bob2'])
    expect(team.users[0].password).toBe(alice.password)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(strays(dir, ['team.json'])).toEqual([])

    const rotated = await runCli(['user', 'rotate-password', 'alice2', '--credentials-file', file], {env})
    expect(rotated.code, rotated.stderr).toBe(0)
    const after = JSON.parse(fs.readFileSync(file, 'utf8')).users
    expect(after.map((u: {username: string}) => u.username)).toEqual(['alice2', 'bob2'])
    expect(after[0].password).not.toBe(alice.password)
    expect(after[1].password).toBe(team.users[1].password)

    const ambiguous = await runCli(
      ['db', 'export-spec', '--cluster', 'main', '--credentials-file', file, '--db', 'app', '--json'],
      {env},
    )
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.json.error.message).toContain('alice2, bob2')
    expect(ambiguous.json.error.message).toContain('--db-user')
    const unknown = await runCli(
      [
        'migrate',
        'verify',
        '--from',
        dir,
        '--cluster',
        'main',
        '--credentials-file',
        file,
        '--db-user',
        'carol',
        '--json',
      ],
      {env},
    )
    expect(unknown.code).toBe(2)
    expect(unknown.json.error.message).toContain('no user "carol"')
    const audit = auditOf(env)
    expect(audit.match(new RegExp(`"action":"write credentials file","target":"${file}"`, 'g'))).toHaveLength(3)
    for (const u of after) expect(audit).not.toContain(u.password)
  })

  it('an unwritable destination is exit 2 naming it before anything changes in Atlas', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'bad-'))
    const other = path.join(dir, 'notes.json')
    fs.writeFileSync(other, '{"mine": true}\n')
    const before = writes.length
    for (const [args, needle] of [
      [['user', 'add', 'eve', '--credentials-file', dir], 'is a folder'],
      [['user', 'add', 'eve', '--credentials-file', path.join(dir, 'missing', 'eve.json')], 'does not exist'],
      [['user', 'add', 'eve', '--credentials-file', other], 'has no username and password'],
      [['user', 'rotate-password', 'alice2', '--credentials-file', dir], 'is a folder'],
      [['setup', '--project', 'never', '--no-ip', '--dotenv', dir], 'is a folder'],
      [['setup', '--project', 'never', '--no-ip', '--dotenv', path.join(dir, 'missing', '.env')], 'does not exist'],
    ] as const) {
      const r = await runCli([...args, '--json'], {env})
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(2)
      expect(r.json.error.message).toContain(needle)
    }
    expect(writes.length).toBe(before)
    expect(fs.readFileSync(other, 'utf8')).toBe('{"mine": true}\n')
    expect(strays(dir, ['notes.json'])).toEqual([])
    expect(await usernames(env)).not.toContain('eve')
  })

  it('a read-only folder or file is exit 2 before anything changes (run as an unprivileged user)', async () => {
    // Root writes through any mode bits, so as root the CLI runs as nobody, with a home it may use.
    const root = process.getuid?.() === 0
    const dir = fs.mkdtempSync(path.join(home, 'ro-'))
    const h = root
      ? {
          dir,
          env: {
            ...env,
            HOME: dir,
            XDG_CONFIG_HOME: path.join(dir, 'config'),
            XDG_DATA_HOME: path.join(dir, 'data'),
            XDG_CACHE_HOME: path.join(dir, 'cache'),
          },
        }
      : {dir, env}
    fs.chmodSync(home, 0o755)
    fs.chmodSync(dir, 0o777)
    const folder = path.join(dir, 'locked')
    fs.mkdirSync(folder, {mode: 0o555})
    fs.chmodSync(folder, 0o555)
    const file = path.join(dir, 'readonly.json')
    fs.writeFileSync(file, '')
    fs.chmodSync(file, 0o444)
    const user = root ? {uid: 65534, gid: 65534} : undefined
    const before = writes.length
    for (const [args, needle] of [
      [
        ['user', 'add', 'gus', '--credentials-file', path.join(folder, 'gus.json')],
        `the folder ${folder} is not writable`,
      ],
      [['user', 'add', 'gus', '--credentials-file', file], 'not readable and writable'],
      [
        ['setup', '--project', 'never', '--no-ip', '--dotenv', path.join(folder, '.env')],
        `the folder ${folder} is not writable`,
      ],
    ] as const) {
      const r = await runCli([...args, '--json'], {env: h.env, user})
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2)
      expect(r.json.error.message).toContain(needle)
    }
    expect(writes.length).toBe(before)
  })

  it('a write that fails after the change undoes a new user, and a rotation says plainly the password was not kept; no temporary file is left', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'late-'))
    const file = path.join(dir, 'frank.json')
    expect((await runCli(['user', 'add', 'hank', '--show-password'], {env})).code).toBe(0)
    // The path turns into a folder while Atlas creates the user: the check passed, the write fails.
    emu.contract.onCheck = (x) =>
      x.method !== 'GET' && x.status < 300 && /databaseUsers/.test(x.path) && fs.mkdirSync(file, {recursive: true})
    const added = await runCli(['user', 'add', 'frank', '--credentials-file', file, '--json'], {env})
    expect(added.code, added.stdout).toBe(1)
    expect(added.json.error.code).toBe('CREDENTIALS_NOT_WRITTEN')
    expect(added.json.error.message).toContain('was deleted again')
    expect(await usernames(env)).not.toContain('frank')
    expect(strays(dir, ['frank.json'])).toEqual([])

    fs.rmSync(file, {recursive: true})
    const rotated = await runCli(['user', 'rotate-password', 'hank', '--credentials-file', file, '--json'], {env})
    emu.contract.onCheck = undefined
    expect(rotated.code, rotated.stdout).toBe(7)
    expect(rotated.json.error.code).toBe('PASSWORD_NOT_SAVED')
    expect(rotated.json.error.hint).toContain('atlasctl user rotate-password hank')
    expect(strays(dir, ['frank.json'])).toEqual([])
    expect(auditOf(env)).toContain(
      `"action":"write credentials file","target":"${file}","result":"failed EISDIR (user hank)"`,
    )
    // On a terminal the new password is shown once, so the rotation does not lock everyone out.
    fs.rmSync(file, {recursive: true})
    emu.contract.onCheck = (x) => x.method === 'PATCH' && fs.mkdirSync(file, {recursive: true})
    const tty = await runInPty(['user', 'rotate-password', 'hank', '--credentials-file', file], [], env)
    emu.contract.onCheck = undefined
    expect(tty.code, tty.output).toBe(7)
    expect(tty.output).toMatch(/Password of hank \(shown once, stored nowhere\): [A-Za-z0-9]{32}/)
    fs.rmSync(file, {recursive: true})

    // setup's dotenv: the user it just created is deleted again, and a re-run with a good path completes.
    const dotenv = path.join(dir, '.env')
    emu.contract.onCheck = (x) =>
      x.method === 'POST' && /databaseUsers/.test(x.path) && fs.mkdirSync(dotenv, {recursive: true})
    const setup = await runCli(['setup', '--project', 'late', '--no-ip', '--dotenv', dotenv, '--json'], {env})
    emu.contract.onCheck = undefined
    expect(setup.code, setup.stdout).toBe(1)
    expect(setup.json.error.code).toBe('CREDENTIALS_NOT_WRITTEN')
    expect(await usernames(env, 'late')).toEqual([])
    fs.rmSync(dotenv, {recursive: true})
    expect(strays(dir, ['frank.json'])).toEqual([])
    const again = await runCli(['setup', '--project', 'late', '--no-ip', '--dotenv', dotenv, '--json'], {env})
    expect(again.code, again.stdout).toBe(0)
    expect(again.json.result.steps).toMatchObject({project: 'reused', cluster: 'reused', user: 'created'})
  })

  it('on a terminal, setup offers the current address and asks before rotating an existing user', async () => {
    const h = tempHome()
    const e = {...h.env, ...emu.env, ATLASCTL_POLL_INTERVAL_MS: '50'}
    const dotenv = path.join(h.dir, '.env')
    expect((await runCli(['setup', '--project', 'tty', '--no-ip', '--show-password'], {env: e})).code).toBe(0)
    const r = await runInPty(
      [
        'setup',
        '--project',
        'tty',
        '--cluster',
        'Cluster0',
        '--tier',
        'M0',
        '--provider',
        'AWS',
        '--region',
        'US_EAST_1',
        '--username',
        'app',
        '--dotenv',
        dotenv,
      ],
      [
        {expect: "Allow connections from this machine's address 127\\.0\\.0\\.1\\?", send: `y${ENTER}`},
        {expect: 'Give it a new one\\?', send: `n${ENTER}`},
      ],
      e,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain('user app: reused')
    expect(r.output).toContain('--rotate-password')
    expect(fs.existsSync(dotenv)).toBe(false)
    const list = await runCli(['ip', 'list', '--project', 'tty', '--json'], {env: e})
    expect(list.json.result.map((x: {entry: string}) => x.entry)).toEqual(['127.0.0.1'])

    // 0.0.0.0/0 typed at the prompt is refused like the flag, before anything is created.
    const anywhere = await runInPty(
      [
        'setup',
        '--project',
        'tty-open',
        '--cluster',
        'Cluster0',
        '--tier',
        'M0',
        '--provider',
        'AWS',
        '--region',
        'US_EAST_1',
        '--username',
        'app',
        '--show-password',
      ],
      [
        {expect: 'Allow connections from', send: `n${ENTER}`},
        {expect: 'IP addresses or CIDR blocks', send: `0.0.0.0/0${ENTER}`},
      ],
      e,
    )
    expect(anywhere.code, anywhere.output).toBe(2)
    expect(anywhere.output).toContain('Refusing 0.0.0.0/0')
    expect(
      (await runCli(['project', 'list', '--json'], {env: e})).json.result.map((x: {name: string}) => x.name),
    ).not.toContain('tty-open')

    // Under a live spinner the empty access list is said after the spinner stops, so it stays on the screen.
    const closed = await runInPty(
      [
        'setup',
        '--project',
        'tty-closed',
        '--cluster',
        'Cluster0',
        '--tier',
        'M0',
        '--provider',
        'AWS',
        '--region',
        'US_EAST_1',
        '--username',
        'app',
        '--no-ip',
        '--show-password',
      ],
      [],
      e,
    )
    expect(closed.code, closed.output).toBe(0)
    const ready = closed.output.lastIndexOf('Ready: Cluster0')
    expect(ready, closed.output).toBeGreaterThan(-1)
    expect(closed.output.indexOf('The access list of tty-closed is empty', ready)).toBeGreaterThan(ready)
  })
})

describe('an interrupted setup never loses a password it did not save', () => {
  it('Ctrl-C during the cluster wait, with no file to save to, shows the new password (stdout, or details.credentials under --json)', async () => {
    const {startTestEmulator} = await import('../support/emulator.js')
    let created: () => void = () => {}
    const userCreated = () => new Promise<void>((resolve) => (created = resolve))
    const slow = await startTestEmulator({
      delays: {clusterCreateMs: 60_000},
      onExchange: (x) => x.operationId === 'createGroupDatabaseUser' && x.status === 201 && setTimeout(created, 300),
    })
    try {
      const env = {...tempHome().env, ...slow.env}
      const stored = (project: string) => {
        const g = Object.values(slow.state.groups).find((x) => x.name === project)!
        return slow.state.users[g.id]['admin/app'].password as string
      }
      const json = await runCli(['setup', '--project', 'cut1', '--no-ip', '--show-password', '--json'], {
        env,
        interrupt: {signal: 'SIGINT', when: userCreated()},
      })
      expect(json.code).toBe(130)
      expect(json.json.error.code).toBe('INTERRUPTED')
      expect(json.json.error.details.credentials).toMatchObject({username: 'app', password: stored('cut1')})

      const human = await runCli(['setup', '--project', 'cut2', '--no-ip', '--show-password'], {
        env,
        interrupt: {signal: 'SIGINT', when: userCreated()},
      })
      expect(human.code).toBe(130)
      expect(human.stdout).toContain(stored('cut2'))
      expect(human.stderr).toContain('its password is shown above')
      expect(human.stderr).not.toContain(stored('cut2'))
    } finally {
      await slow.close()
    }
  })
})

describe('credentials are reported usable once the M0 has taken the user change', () => {
  // Atlas shows an M0 UPDATING for about 20 s after a database-user change (recorded); 4 s here, on a test clock
  // that each GET moves 500 ms: 8 reads, more than a command that does not wait makes before it returns and is checked.
  let emu: TestEmulator
  let env: Record<string, string>
  beforeAll(async () => {
    const clock = new TestClock()
    emu = await startTestEmulator({
      delays: {...FAST_DELAYS, clusterUpdateMs: 4000},
      clock: clock.now,
      onExchange: (x) => x.method === 'GET' && clock.advance(500),
    })
    env = {...tempHome().env, ...emu.env}
  })
  afterAll(() => emu.close())
  const state = async () =>
    (await runCli(['cluster', 'describe', 'free', '--project', 'q', '--json'], {env})).json.result.state

  it('setup, user add --wait and user rotate-password --wait return when the M0 is IDLE again', async () => {
    expect(
      (
        await runCli(
          ['setup', '--project', 'q', '--cluster', 'free', '--username', 'a', '--no-ip', '--show-password', '--json'],
          {env},
        )
      ).code,
    ).toBe(0)
    // A re-run with a new user finds the M0 IDLE, then the new user sends it UPDATING.
    const again = await runCli(
      ['setup', '--project', 'q', '--cluster', 'free', '--username', 'b', '--no-ip', '--show-password', '--json'],
      {env},
    )
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(await state()).toBe('IDLE')

    const added = await runCli(['user', 'add', 'c', '--project', 'q', '--wait', '--show-password', '--json'], {env})
    expect(added.code, added.stdout + added.stderr).toBe(0)
    expect(added.json.result.connectionString).toMatch(/^mongodb:\/\/c:/)
    expect(await state()).toBe('IDLE')

    const rotated = await runCli(
      ['user', 'rotate-password', 'c', '--project', 'q', '--wait', '--show-password', '--json'],
      {env},
    )
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0)
    expect(await state()).toBe('IDLE')
    expect(emu.contract.violations).toEqual([])
  }, 60_000)
})
