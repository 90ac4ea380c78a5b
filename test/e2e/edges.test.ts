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
})
