import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempHome} from '../support/run-cli.js'

const ORG = '5f1d7c6e0f3c2a1b4d5e6f70'
const SECRET = '9f8e7d6c-5b4a-3210-fedc-ba9876543210'

describe('config commands through the binary', () => {
  it('init --non-interactive, then list --json with secrets masked and the file 0600', async () => {
    const {env} = tempHome()
    const init = await runCli(
      [
        'config',
        'init',
        '--non-interactive',
        '--public-key',
        'abcdefgh',
        '--private-key',
        SECRET,
        '--org-id',
        ORG,
        '--json',
      ],
      {env},
    )
    expect(init.code).toBe(0)
    expect(init.json.result).toMatchObject({
      name: 'default',
      active: true,
      publicApiKey: 'abcdefgh',
      privateApiKey: '****3210',
      orgId: ORG,
    })
    const list = await runCli(['config', 'list', '--json'], {env})
    expect(list.code).toBe(0)
    expect(list.json.result.profiles).toHaveLength(1)
    expect(list.stdout + list.stderr + init.stdout + init.stderr).not.toContain(SECRET)
    const file = path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'config.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).profiles.default.privateApiKey).toBe(SECRET)
  })

  it('set, get, use and delete a second profile', async () => {
    const {env} = tempHome()
    expect((await runCli(['config', 'set', 'orgId', ORG, '--profile', 'ci'], {env})).code).toBe(0)
    expect((await runCli(['config', 'set', 'privateApiKey', SECRET, '--profile', 'ci'], {env})).code).toBe(0)
    const got = await runCli(['config', 'get', 'privateApiKey', '--profile', 'ci'], {env})
    expect(got.stdout.trim()).toBe('****3210')
    expect((await runCli(['config', 'get', 'orgId', '--profile', 'ci'], {env})).stdout.trim()).toBe(ORG)
    await runCli(['config', 'set', 'output', 'json', '--profile', 'other'], {env})
    expect((await runCli(['config', 'use', 'other', '--json'], {env})).json.result).toEqual({active: 'other'})
    const refused = await runCli(['config', 'delete', 'ci'], {env})
    expect(refused.code).toBe(2)
    // The active profile "other" stores output json, which every command honours: the refusal is its JSON document.
    expect(refused.json.status).toBe(2)
    expect(refused.stdout).toContain('--yes')
    expect((await runCli(['config', 'delete', 'ci', '--yes'], {env})).code).toBe(0)
    expect(
      (await runCli(['config', 'list', '--json'], {env})).json.result.profiles.map((p: {name: string}) => p.name),
    ).toEqual(['other'])
  })

  it("config init, set, use and delete, and the emulator's local profile, are in the audit log, without secrets", async () => {
    const {env} = tempHome()
    const other = 'other-secret-0123456789-abcdef'
    expect(
      (
        await runCli(
          ['config', 'init', '--non-interactive', '--public-key', 'abcdefgh', '--private-key', SECRET, '--org-id', ORG],
          {env},
        )
      ).code,
    ).toBe(0)
    expect((await runCli(['config', 'set', 'privateApiKey', other], {env})).code).toBe(0)
    expect((await runCli(['config', 'set', 'projectId', ORG, '--profile', 'ci'], {env})).code).toBe(0)
    expect((await runCli(['config', 'use', 'ci'], {env})).code).toBe(0)
    expect((await runCli(['config', 'use', 'default'], {env})).code).toBe(0)
    expect((await runCli(['config', 'delete', 'ci', '--yes'], {env})).code).toBe(0)
    const emulator = await runCli(['emulator', 'start', '--detach', '--port', '0', '--fast', '--json'], {env})
    expect(emulator.code, emulator.stderr).toBe(0)
    await runCli(['emulator', 'stop'], {env})

    const audit = await runCli(['audit', 'list', '--json'], {env})
    expect(audit.code).toBe(0)
    expect(
      audit.json.result.map(
        (e: {command: string; action: string; target: string; profile?: string; result: string}) => [
          e.command,
          e.action,
          e.target,
          e.profile,
          e.result,
        ],
      ),
    ).toEqual([
      ['config init', 'config init', 'profile default', 'default', 'ok'],
      ['config set', 'config set', 'profile default privateApiKey', 'default', 'ok'],
      ['config set', 'config set', `profile ci projectId=${ORG}`, 'ci', 'ok'],
      ['config use', 'config use', 'profile ci', 'ci', 'ok'],
      ['config use', 'config use', 'profile default', 'default', 'ok'],
      ['config delete', 'config delete', 'profile ci', 'ci', 'ok'],
      ['emulator start', 'config write', `profile local (baseUrl=${emulator.json.result.url}, active)`, 'local', 'ok'],
      ['emulator start', 'config use', 'profile default (emulator stopped)', 'default', 'ok'],
    ])
    const file = fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')
    for (const text of [audit.stdout, file]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain(other)
      expect(text).not.toContain(other.slice(-4))
    }
  })

  it('bad input is exit 2 naming the value, and nothing changes', async () => {
    const {env} = tempHome()
    const bad = await runCli(['config', 'set', 'orgId', 'nope', '--json'], {env})
    expect(bad.code).toBe(2)
    expect(bad.json.error.message).toContain('orgId')
    const unknownKey = await runCli(['config', 'set', 'colour', 'blue'], {env})
    expect(unknownKey.code).toBe(2)
    expect(unknownKey.stderr).toContain('colour')
    expect(fs.existsSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'config.json'))).toBe(false)
    const badFlag = await runCli(['config', 'list', '--bogus'], {env})
    expect(badFlag.code).toBe(2)
  })

  it('a missing value without a TTY fails at once naming the flag', async () => {
    const {env} = tempHome()
    const r = await runCli(['config', 'init', '--public-key', 'abcdefgh'], {env})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--private-key')
  })

  it('an unknown profile is exit 3 and lists the known profiles', async () => {
    const {env} = tempHome()
    await runCli(['config', 'set', 'orgId', ORG, '--profile', 'prod'], {env})
    await runCli(['config', 'set', 'orgId', ORG, '--profile', 'dev'], {env})
    const r = await runCli(['project', 'list', '--profile', 'staging', '--json'], {env})
    expect(r.code).toBe(3)
    expect(r.json.error.message).toContain('dev, prod')
    const viaEnv = await runCli(['cluster', 'list'], {env: {...env, ATLASCTL_PROFILE: 'staging'}})
    expect(viaEnv.code).toBe(3)
  })

  it('a malformed config file is reported by name and left untouched', async () => {
    const {env} = tempHome()
    const dir = path.join(env.XDG_CONFIG_HOME, 'atlasctl')
    fs.mkdirSync(dir, {recursive: true})
    fs.writeFileSync(path.join(dir, 'config.json'), '{broken', {mode: 0o600})
    const r = await runCli(['config', 'set', 'orgId', ORG], {env})
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(path.join(dir, 'config.json'))
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe('{broken')
  })

  it('a base URL without a scheme is exit 2 naming the value and where it came from', async () => {
    const {env} = tempHome()
    const set = await runCli(['config', 'set', 'baseUrl', 'example.com', '--json'], {env})
    expect(set.code).toBe(2)
    expect(set.json.error.message).toContain('"example.com"')
    const keys = {MONGODB_ATLAS_PUBLIC_API_KEY: 'abcdefgh', MONGODB_ATLAS_PRIVATE_API_KEY: SECRET}
    const fromEnv = await runCli(['project', 'list', '--json'], {env: {...env, ...keys, ATLAS_BASE_URL: 'example.com'}})
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.json.error).toMatchObject({
      code: 'INVALID_BASE_URL',
      details: {value: 'example.com', from: 'ATLAS_BASE_URL'},
    })
    expect(fromEnv.json.error.message).toContain('"example.com" (from ATLAS_BASE_URL)')
  })

  it('a refused connection is reported at once with the URL, each retry shown, and given up within seconds', async () => {
    const {env} = tempHome()
    // A port that nothing listens on.
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    await new Promise((resolve) => server.close(resolve))
    const url = `http://127.0.0.1:${port}`
    const e = {
      ...env,
      MONGODB_ATLAS_PUBLIC_API_KEY: 'abcdefgh',
      MONGODB_ATLAS_PRIVATE_API_KEY: SECRET,
      ATLAS_BASE_URL: url,
      ATLASCTL_RETRY_BASE_MS: '500',
    }
    const started = Date.now()
    const r = await runCli(['project', 'list', '--json'], {env: e})
    const wall = Date.now() - started
    expect(r.code).toBe(1)
    expect(r.json.error).toMatchObject({code: 'NETWORK'})
    expect(r.json.error.message).toContain(`${url} for listGroups: connection refused`)
    const retries = r.stderr
      .split('\n')
      .filter((l) => l.startsWith(`Warning: listGroups: connection refused at ${url}; retry `))
    expect(retries.length).toBeGreaterThanOrEqual(1)
    expect(retries[0]).toMatch(/retry 1\/5 in \d+ ms$/)
    expect(r.json.warnings).toHaveLength(retries.length)
    // The retries wait at most 3 s in all (the full backoff would be about 15 s); the rest is process start.
    expect(retries.reduce((sum, l) => sum + Number(/in (\d+) ms$/.exec(l)![1]), 0)).toBeLessThanOrEqual(3000)
    expect(wall).toBeLessThan(8000)
  })

  it('no credentials at all is exit 3 with a hint', async () => {
    const {env} = tempHome()
    const r = await runCli(['project', 'list'], {env})
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('emulator start')
  })
})
