import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {startTestEmulator, TestClock, type TestEmulator} from '../support/emulator.js'
import {eventYaml} from '../support/events.js'
import {runInPty} from '../support/pty.js'
import {runCli, tempHome} from '../support/run-cli.js'

// While Atlas creates the clusters, the bar says how many teams wait on it; it used to sit at "0 done".
describe('event provision progress', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let dir: string

  beforeAll(async () => {
    // M0s that take long enough to be seen waiting, on a test clock that each GET moves 500 ms: the teams wait on
    // Atlas for a few polls, not for seconds. The rest fast (an M0's user sync would otherwise take 5 s).
    const clock = new TestClock()
    emu = await startTestEmulator({
      delays: {...FAST_DELAYS, m0CreateMs: 2500},
      clock: clock.now,
      onExchange: (x) => x.method === 'GET' && clock.advance(500),
    })
    const h = tempHome()
    dir = h.dir
    env = {...h.env, ...emu.env}
  })
  afterAll(() => emu.close())

  it('on a terminal: teams waiting on Atlas, then ready, with the elapsed time', async () => {
    const file = path.join(dir, 'p1.yaml')
    fs.writeFileSync(file, eventYaml('p1', 2))
    const tty = await runInPty(
      ['event', 'provision', file, '--out', path.join(dir, 'creds-p1'), '--yes'],
      [
        {expect: '0 ready, 2 waiting on Atlas, 0 failed of 2', send: ''},
        {expect: '2 ready, 0 waiting on Atlas, 0 failed of 2', send: ''},
      ],
      env,
    )
    expect(tty.failedStep, tty.output).toBeNull()
    expect(tty.code, tty.output).toBe(0)
    expect(tty.output).toMatch(/\[=+-*\] 0 ready, 2 waiting on Atlas, 0 failed of 2 \(\d+s\)/)
  })

  it('through a pipe: a plain line per team, no bar', async () => {
    const file = path.join(dir, 'p2.yaml')
    fs.writeFileSync(file, eventYaml('p2', 2))
    const r = await runCli(['event', 'provision', file, '--out', path.join(dir, 'creds-p2'), '--yes'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('] t1: ready')
    expect(r.stderr).not.toContain('waiting on Atlas')
    expect(r.stderr).not.toContain('\u001b[')
  })
})
