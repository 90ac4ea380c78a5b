import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {runInPty} from '../support/pty.js'
import {runCli, tempHome} from '../support/run-cli.js'

const ENTER = '\r'
const DOWN = '\u001b[B'

describe('wizards on a terminal', () => {
  let emu: TestEmulator
  let env: Record<string, string>

  beforeAll(async () => {
    emu = await startTestEmulator()
    env = {...tempHome().env, ...emu.env, ATLASCTL_POLL_INTERVAL_MS: '50'}
    await runCli(['project', 'create', 'wiz'], {env})
  })
  afterAll(() => emu.close())

  it('cluster create asks for each value, shows prices and a review, then creates and waits', async () => {
    const r = await runInPty(
      ['cluster', 'create'],
      [
        {expect: 'Project', send: ENTER}, // the first project: wiz
        {expect: 'Cluster name', send: `wizard1${ENTER}`},
        {expect: 'Cloud provider', send: `${DOWN}${ENTER}`}, // AZURE
        {expect: 'AZURE region', send: ENTER}, // the default, US_EAST_2
        {expect: 'Tier \\(prices as of', send: `${DOWN}${DOWN}${ENTER}`}, // M0, FLEX, M10
        {expect: 'MongoDB version', send: ENTER},
        {expect: 'Tags', send: `team=wiz${ENTER}`},
        {expect: 'termination protection', send: `n${ENTER}`},
        {expect: 'Proceed\\?', send: `y${ENTER}`},
      ],
      env,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain('free forever (512 MB storage, shared CPU, one per project)')
    expect(r.output).toMatch(/M10\s+about \$0\.08\/h, \$58\/month/)
    expect(r.output).toContain('cluster wizard1: M10 on AZURE US_EAST_2, MongoDB 8.0')
    expect(r.output).toContain('mongodb://127.0.0.1:27017')
    const described = await runCli(['cluster', 'describe', 'wizard1', '--project', 'wiz', '--json'], {env})
    expect(described.json.result).toMatchObject({
      tier: 'M10',
      provider: 'AZURE',
      region: 'US_EAST_2',
      state: 'IDLE',
      tags: [{key: 'team', value: 'wiz'}],
    })
  })

  it('answering no at the review creates nothing', async () => {
    const r = await runInPty(
      ['cluster', 'create', 'never', '--project', 'wiz', '--provider', 'AWS', '--region', 'US_EAST_1'],
      [
        {expect: 'Tier', send: ENTER},
        {expect: 'Tags', send: ENTER},
        {expect: 'termination protection', send: `n${ENTER}`},
        {expect: 'Proceed\\?', send: `n${ENTER}`},
      ],
      env,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code).toBe(130)
    expect(r.output).toContain('nothing was changed')
    expect((await runCli(['cluster', 'describe', 'never', '--project', 'wiz'], {env})).code).toBe(4)
  })

  it('config init asks for the keys and masks the private one', async () => {
    // It lists the orgs the keys see: an address on this machine where nothing listens, never Atlas itself.
    const home = {...tempHome().env, ATLAS_BASE_URL: 'http://127.0.0.1:1', ATLASCTL_MAX_RETRIES: '0'}
    const r = await runInPty(
      ['config', 'init', '--profile', 'typed'],
      [
        {expect: 'Authenticate with', send: ENTER},
        {expect: 'Public API key', send: `pubkey01${ENTER}`},
        {expect: 'Private API key', send: `very-secret-private-key${ENTER}`},
        {expect: 'Organization id', send: `5f1d7c6e0f3c2a1b4d5e6f70${ENTER}`},
        {expect: 'Default project id', send: ENTER},
      ],
      home,
    )
    expect(r.failedStep, r.output).toBeNull()
    expect(r.code, r.output).toBe(0)
    expect(r.output).not.toContain('very-secret-private-key')
    expect(r.output).toContain('****-key')
  })
})
