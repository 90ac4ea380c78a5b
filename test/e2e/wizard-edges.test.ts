import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {runInPty} from '../support/pty.js'
import {runCli, tempHome} from '../support/run-cli.js'

const ENTER = '\r'
const CTRL_C = '\u0003'

/** The profile config init wrote, read from the file itself. */
function savedProfile(env: Record<string, string>, name: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'config.json'), 'utf8')).profiles[name]
}

describe('wizards check each answer as it is typed', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let projectId: string

  beforeAll(async () => {
    emu = await startTestEmulator()
    env = {...tempHome().env, ...emu.env, ATLASCTL_POLL_INTERVAL_MS: '50'}
    projectId = (await runCli(['project', 'create', 'edgy', '--json'], {env})).json.result.id
    await runCli(['cluster', 'create', 'c0', '--project', 'edgy', '--tier', 'M10', '--wait'], {env})
  })
  afterAll(() => emu.close())

  it('config init asks again for an empty public key, then offers the org and the projects the keys see', async () => {
    const home = {...tempHome().env, ATLAS_BASE_URL: emu.url}
    const c = emu.credentials
    const r = await runInPty(
      ['config', 'init', '--profile', 'picked'],
      [
        {expect: 'Authenticate with', send: ENTER},
        {expect: 'Public API key', send: ENTER},
        {expect: 'must not be empty', send: `${c.publicKey}${ENTER}`},
        {expect: 'Private API key', send: `${c.privateKey}${ENTER}`},
        {expect: 'Default project', send: ENTER}, // the first: edgy
      ],
      home,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain(`(${c.orgId}), the only one these keys see`)
    expect(r.output).toContain(`edgy (${projectId})`)
    expect(r.output).not.toContain(c.privateKey)
    expect(savedProfile(home, 'picked')).toMatchObject({publicApiKey: c.publicKey, orgId: c.orgId, projectId})
  })

  it('config init without a reachable Atlas says so, and asks again for a malformed org id', async () => {
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as net.AddressInfo
    await new Promise((resolve) => server.close(resolve))
    const home = {...tempHome().env, ATLAS_BASE_URL: `http://127.0.0.1:${port}`, ATLASCTL_MAX_RETRIES: '0'}
    const org = '5f1d7c6e0f3c2a1b4d5e6f70'
    const r = await runInPty(
      ['config', 'init', '--profile', 'typed'],
      [
        {expect: 'Authenticate with', send: ENTER},
        {expect: 'Public API key', send: `pubkey01${ENTER}`},
        {expect: 'Private API key', send: `very-secret-private-key${ENTER}`},
        {expect: 'Organization id', send: `xyz${ENTER}`},
        {expect: 'must be a 24-character hexadecimal id', send: `\u0015${org}${ENTER}`},
        {expect: 'Default project id', send: ENTER},
      ],
      home,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain(`Could not list the organizations these keys see at http://127.0.0.1:${port}`)
    expect(savedProfile(home, 'typed')).toMatchObject({orgId: org})
    expect(savedProfile(home, 'typed').projectId).toBeUndefined()
  })

  it('cluster create asks again for a tag without "="', async () => {
    const r = await runInPty(
      ['cluster', 'create', 'tagged', '--project', 'edgy', '--provider', 'AWS', '--region', 'US_EAST_1'],
      [
        {expect: 'Tier', send: ENTER},
        {expect: 'Tags', send: `team${ENTER}`},
        {expect: 'Invalid --tag "team": use key=value', send: `=x${ENTER}`},
        {expect: 'termination protection', send: `n${ENTER}`},
        {expect: 'Proceed\\?', send: `n${ENTER}`},
      ],
      env,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(130)
    expect(r.output).toContain('tags: team=x')
  })

  it('setup asks again for an address such as 10.0.0.0/33, before anything is created', async () => {
    const r = await runInPty(
      ['setup', '--project', 'edgy-setup', '--cluster', 'c1', '--tier', 'M0', '--provider', 'AWS'],
      [
        {expect: 'Region|region', send: ENTER},
        {expect: 'Database user', send: ENTER},
        {expect: "this machine's address", send: `n${ENTER}`},
        {expect: 'IP addresses or CIDR blocks', send: `10.0.0.0/33${ENTER}`},
        {expect: 'Invalid access list entry "10\\.0\\.0\\.0/33"', send: CTRL_C},
      ],
      env,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(130)
    expect((await runCli(['project', 'list', '--json'], {env})).json.result.map((p: {name: string}) => p.name)).toEqual(
      ['edgy'],
    )
  })

  it('setup checks the credentials before its first question', async () => {
    const r = await runInPty(['setup'], [], {...env, MONGODB_ATLAS_PRIVATE_API_KEY: 'wrong-private-key'})
    expect(r.code, r.output).toBe(3)
    expect(r.output).not.toContain('Project name')
  })

  it('a missing project on a terminal offers a picker', async () => {
    const r = await runInPty(['cluster', 'list'], [{expect: 'Project', send: ENTER}], env)
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain('edgy (1 clusters)')
    expect(r.output).toContain('c0')
    expect(r.output).not.toContain('no terminal to prompt on')
  })
})
