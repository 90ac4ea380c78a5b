import {describe, expect, it} from 'vitest'
import {runCli, tempHome} from '../support/run-cli.js'

const handlers = () => ['SIGINT', 'SIGTERM'].map((s) => process.listenerCount(s))

// Commands run in a process that goes on (the tests' in-process runs, or oclif's run() from code): a finished
// command leaves no SIGINT or SIGTERM handler behind that would report it as interrupted later. (A library may
// install one of its own on first use; what must not happen is one more per run.)
describe('a command run in a process that goes on', () => {
  it('removes its signal handlers when it finishes, on success and on error', async () => {
    const env = tempHome().env
    const runs = [
      ['config', 'list', '--json'],
      ['cluster', 'list', '--project', 'x', '--json'],
    ]
    for (const args of runs) await runCli(args, {env})
    const settled = handlers()
    for (let i = 0; i < 3; i++)
      for (const args of runs) {
        const r = await runCli(args, {env})
        expect(r.json, r.stderr).toBeDefined()
      }
    expect(handlers()).toEqual(settled)
  })
})
