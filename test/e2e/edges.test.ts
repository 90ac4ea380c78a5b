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
})
