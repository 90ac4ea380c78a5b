import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {outputFormat} from '../../src/config/output-preference.js'
import {closeFlags} from '../../src/base/suggest.js'

/** A config dir whose file holds these profiles' `output`, "a" active; or this raw text. */
function configDir(contents: string | Record<string, string | undefined>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-output-'))
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    typeof contents === 'string'
      ? contents
      : JSON.stringify({
          activeProfile: 'a',
          profiles: Object.fromEntries(Object.entries(contents).map(([k, output]) => [k, {output}])),
        }),
  )
  return dir
}

describe('the output format: --json, -o / --output, the profile, else a table', () => {
  const none = fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-output-'))
  const f = (argv: string[], dir = none, o: {outputFlag?: boolean; env?: NodeJS.ProcessEnv} = {}) =>
    outputFormat({argv, configDir: dir, env: o.env ?? {}, outputFlag: o.outputFlag})

  it('reads every spelling of the switch, and nothing after --', () => {
    expect(f([])).toBe('table')
    expect(f(['--json'])).toBe('json')
    expect(f(['-o', 'yaml'])).toBe('yaml')
    expect(f(['-oyaml'])).toBe('yaml')
    expect(f(['-o=json'])).toBe('json')
    expect(f(['--output', 'json'])).toBe('json')
    expect(f(['--output=yaml'])).toBe('yaml')
    expect(f(['--', '--json'])).toBe('table')
    // An invalid value is the parser's exit 2; until then nothing was asked for.
    expect(f(['-o', 'xml'])).toBe('table')
    expect(f(['-o', 'yaml'], none, {env: {ATLASCTL_CONTENT_TYPE: 'json'}})).toBe('json')
  })

  it("the profile's stored output: the active one, or --profile's, or ATLASCTL_PROFILE's; human is table", () => {
    const dir = configDir({a: 'json', b: 'yaml', c: 'human', d: undefined})
    expect(f([], dir)).toBe('json')
    expect(f(['--profile', 'b'], dir)).toBe('yaml')
    expect(f(['-P', 'c'], dir)).toBe('table')
    expect(f(['--profile=d'], dir)).toBe('table')
    expect(f([], dir, {env: {ATLASCTL_PROFILE: 'b'}})).toBe('yaml')
    expect(f(['-o', 'table'], dir)).toBe('table')
  })

  it('a missing or malformed file says nothing (the store reports it); a command whose --output is its own keeps it', () => {
    expect(f([], configDir('{not json'))).toBe('table')
    expect(f([], configDir(JSON.stringify({activeProfile: 'a', profiles: {a: {output: 'xml'}}})))).toBe('table')
    expect(f(['--output', 'json'], none, {outputFlag: false})).toBe('table')
    expect(f(['--json'], none, {outputFlag: false})).toBe('json')
  })
})

describe('did you mean, for flags', () => {
  it('suggests the closest long flag, aliases included, and nothing for what is far off', () => {
    const known = ['--project', '--projectId', '-p', '--wait', '--watch', '--no-wait', '--json']
    expect(closeFlags(['--projet', '--wiat', '--zzzzzzzz'], known)).toEqual({
      '--projet': '--project',
      '--wiat': '--wait',
    })
    expect(closeFlags(['--jsn=1'], known)).toEqual({'--jsn': '--json'})
  })
})
