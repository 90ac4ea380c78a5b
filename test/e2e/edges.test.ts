import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempHome} from '../support/run-cli.js'

describe('the contract at the edges, through the binary', () => {
  it('a flag without its value, or an invalid option value, is exit 2 with one JSON error document', async () => {
    const {env} = tempHome()
    for (const args of [
      ['cluster', 'list', '--project'],
      ['cluster', 'create', '--provider'],
      ['cluster', 'create', '--provider', 'IBM'],
      ['cluster', 'list', '--project', 'a', '--project', 'b'],
    ]) {
      const human = await runCli(args, {env})
      expect(human.code, args.join(' ')).toBe(2)
      expect(human.stderr).toMatch(/^Error \(USAGE\): .*--(project|provider)/)
      const json = await runCli([...args, '--json'], {env})
      expect(json.code, args.join(' ')).toBe(2)
      expect(json.json, json.stdout).toMatchObject({status: 2, error: {code: 'USAGE'}})
      expect(json.stdout.trim().split('\n')).toHaveLength(1)
    }
  })

  it('no zod dump: config init names the flag and the form it needs, exit 2, and writes nothing', async () => {
    const {env} = tempHome()
    const keys = ['--public-key', 'abcdefgh', '--private-key', 'secret-0123456789']
    const cases: Array<[string[], string]> = [
      [['--org-id', 'xyz'], 'Invalid --org-id "xyz": it must be a 24-character hexadecimal id.'],
      [['--project-id', '123'], 'Invalid --project-id "123": it must be a 24-character hexadecimal id.'],
      [['--base-url', 'localhost:8080'], 'Invalid --base-url "localhost:8080": it must be an absolute http(s) URL'],
    ]
    for (const [extra, message] of cases) {
      const r = await runCli(['config', 'init', ...keys, ...extra, '--json'], {env})
      expect(r.code, r.stdout).toBe(2)
      expect(r.json.error.code).toBe('INVALID_VALUE')
      expect(r.json.error.message).toContain(message)
      const human = await runCli(['config', 'init', ...keys, ...extra], {env})
      expect(human.stderr).toContain(message)
      expect(human.stderr).not.toMatch(/UNEXPECTED|"origin"|invalid_format/)
    }
    const empty = await runCli(['config', 'init', '--public-key', '', '--private-key', 'x'], {env})
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('Invalid --public-key "": it must not be empty.')
    expect(fs.existsSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'config.json'))).toBe(false)
  })

  it('a base URL without a scheme is exit 2 naming the value, from a flag, the environment or a profile', async () => {
    const {env} = tempHome()
    const keys = {MONGODB_ATLAS_PUBLIC_API_KEY: 'abcdefgh', MONGODB_ATLAS_PRIVATE_API_KEY: 'secret-0123456789'}
    const set = await runCli(['config', 'set', 'baseUrl', 'localhost:8080', '--json'], {env})
    expect(set.code).toBe(2)
    expect(set.json.error.message).toContain('"localhost:8080"')
    const fromEnv = await runCli(['project', 'list', '--json'], {
      env: {...env, ...keys, ATLAS_BASE_URL: 'localhost:8080'},
    })
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.json.error).toMatchObject({code: 'INVALID_BASE_URL', details: {value: 'localhost:8080'}})
    // A profile written by hand holding such a URL: the file is invalid (exit 3), the key and the form named.
    const dir = path.join(env.XDG_CONFIG_HOME, 'atlasctl')
    fs.mkdirSync(dir, {recursive: true})
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({activeProfile: 'p', profiles: {p: {baseUrl: 'localhost:8080'}}}),
      {mode: 0o600},
    )
    const fromProfile = await runCli(['project', 'list', '--json'], {env: {...env, ...keys}})
    expect(fromProfile.code).toBe(3)
    expect(fromProfile.json.error.code).toBe('CONFIG_INVALID')
    expect(fromProfile.json.error.message).toContain('profiles.p.baseUrl: must be an absolute http(s) URL')
  })

  it('emulator stop gives the previously active profile back', async () => {
    const {env} = tempHome()
    const org = '5f1d7c6e0f3c2a1b4d5e6f70'
    expect((await runCli(['config', 'set', 'orgId', org, '--profile', 'work'], {env})).code).toBe(0)
    expect((await runCli(['config', 'use', 'work'], {env})).code).toBe(0)
    const started = await runCli(['emulator', 'start', '--detach', '--port', '0', '--fast', '--json'], {env})
    expect(started.code, started.stderr).toBe(0)
    try {
      expect((await runCli(['config', 'list', '--json'], {env})).json.result.active).toBe('local')
    } finally {
      const stopped = await runCli(['emulator', 'stop', '--json'], {env})
      expect(stopped.json.result).toMatchObject({stopped: true, activeProfile: 'work'})
    }
    expect((await runCli(['config', 'list', '--json'], {env})).json.result.active).toBe('work')
    const human = await runCli(['emulator', 'stop'], {env})
    expect(human.stderr).toContain('No emulator is running.')
  })

  it("config init --from-atlascli imports the official CLI's profiles from its config.toml, secrets never shown", async () => {
    const {env} = tempHome()
    const secret = '11111111-2222-3333-4444-555555555555'
    const clientSecret = 'mdb_sa_sk_0123456789abcdef'
    const dir = path.join(env.XDG_CONFIG_HOME, 'atlascli')
    fs.mkdirSync(dir, {recursive: true})
    fs.writeFileSync(
      path.join(dir, 'config.toml'),
      [
        'skip_update_check = true',
        '[default]',
        '  org_id = "5f1d7c6e0f3c2a1b4d5e6f70"',
        `  private_api_key = "${secret}"`,
        '  public_api_key = "abcdefgh"',
        '  service = "cloud"',
        '[gov]',
        '  auth_type = "service_account"',
        '  client_id = "mdb_sa_id_123"',
        `  client_secret = "${clientSecret}"`,
        '  project_id = "5f1d7c6e0f3c2a1b4d5e6f72"',
        '  service = "cloudgov"',
        '[om]',
        '  public_api_key = "omkey"',
        `  private_api_key = "${secret}"`,
        '  ops_manager_url = "https://om.example.com:8080/"',
        '[oauth]',
        '  access_token = "eyJ0b2tlbg"',
      ].join('\n'),
    )
    const r = await runCli(['config', 'init', '--from-atlascli', '--json'], {env})
    expect(r.code, r.stdout).toBe(0)
    expect(r.json.result).toMatchObject({
      active: 'default',
      imported: [
        {name: 'default', authType: 'apiKey', publicApiKey: 'abcdefgh', privateApiKey: '****5555', active: true},
        {name: 'gov', authType: 'serviceAccount', clientId: 'mdb_sa_id_123', baseUrl: 'https://cloud.mongodbgov.com'},
        {name: 'om', baseUrl: 'https://om.example.com:8080/'},
      ],
      skipped: [{name: 'oauth'}],
    })
    expect(r.json.result.skipped[0].reason).toContain('atlas auth login')
    const list = await runCli(['config', 'list'], {env})
    for (const out of [r.stdout, r.stderr, list.stdout, list.stderr]) {
      expect(out).not.toContain(secret)
      expect(out).not.toContain(clientSecret)
    }
    const saved = JSON.parse(fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'config.json'), 'utf8'))
    expect(saved.activeProfile).toBe('default')
    expect(saved.profiles.gov.clientSecret).toBe(clientSecret)
    // One profile, from a file elsewhere; a missing profile or file is exit 2 naming it.
    const moved = path.join(env.HOME, 'atlas.toml')
    fs.renameSync(path.join(dir, 'config.toml'), moved)
    const one = await runCli(
      ['config', 'init', '--from-atlascli', '--atlascli-config', moved, '--profile', 'gov', '--json'],
      {env},
    )
    expect(one.code, one.stdout).toBe(0)
    expect(one.json.result.imported.map((p: {name: string}) => p.name)).toEqual(['gov'])
    const none = await runCli(['config', 'init', '--from-atlascli', '--atlascli-config', moved, '--profile', 'x'], {
      env,
    })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('has no profile "x". Its profiles: default, gov, om, oauth.')
    const missing = await runCli(['config', 'init', '--from-atlascli'], {env})
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(path.join(dir, 'config.toml'))
    fs.writeFileSync(moved, `[p]\nprivate_api_key = "${secret}`)
    const broken = await runCli(['config', 'init', '--from-atlascli', '--atlascli-config', moved], {env})
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('is not valid TOML at line 2')
    expect(broken.stderr).not.toContain(secret)
  })
})
