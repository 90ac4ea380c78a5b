import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'
import {emulatorWithCluster, type TestEmulator} from '../support/emulator.js'
import {runCli, tempHome} from '../support/run-cli.js'

// People who know the official Atlas CLI type its names first (issue 16).
describe("the official Atlas CLI's names, help, did-you-mean and output formats, through the binary", () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let writes: string[]
  // --projectId instead of the environment's project.
  let bare: Record<string, string>

  beforeAll(async () => {
    ;({emu, env, writes} = await emulatorWithCluster('team', 'main'))
    bare = {...env, ATLAS_PROJECT_ID: ''}
  })
  afterAll(() => emu.close())

  it('topic aliases and --projectId: clusters list, dbusers ls, accessLists list, projects list', async () => {
    const clusters = await runCli(['clusters', 'list', '--projectId', 'team', '--json'], {env: bare})
    expect(clusters.code, clusters.stderr).toBe(0)
    expect(clusters.json.result.map((c: {name: string}) => c.name)).toEqual(['main'])
    for (const args of [
      ['dbusers', 'ls', '--projectId', 'team'],
      ['accessLists', 'list', '--projectId', 'team'],
      ['cluster', 'ls', '--projectId', 'team'],
      ['projects', 'list'],
    ]) {
      const r = await runCli([...args, '--json'], {env: bare})
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
      expect(r.json.status).toBe(0)
    }
  })

  it('clusters create --watch, then cluster rm --force --watch: the official spelling of --wait and --yes', async () => {
    const created = await runCli(['clusters', 'create', 'spare', '--tier', 'M10', '--watch', '--json'], {env})
    expect(created.code, created.stderr).toBe(0)
    expect(created.json.result).toMatchObject({cluster: {state: 'IDLE'}, waited: true})
    const removed = await runCli(['cluster', 'rm', 'spare', '--force', '--watch', '--json'], {env})
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(removed.json.result).toMatchObject({deleted: true, waited: true})
    expect((await runCli(['clusters', 'describe', 'spare', '--json'], {env})).code).toBe(4)
  })

  it('dbusers create --role atlasAdmin means atlasAdmin@admin; --deleteAfter is --expires', async () => {
    const r = await runCli(
      ['dbusers', 'create', 'ops', '--role', 'atlasAdmin', '--deleteAfter', '48h', '--show-password', '--json'],
      {env},
    )
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.json.result.user.roles).toEqual(['atlasAdmin@admin'])
    expect(r.json.result.user.expires).toBeTruthy()
    const typo = await runCli(['user', 'add', 'x', '--role', 'atlasAdmn', '--json'], {env})
    expect(typo.code).toBe(2)
    expect(typo.json.error.message).toContain('"atlasAdmn"')
    expect(typo.json.error.message).toContain('Did you mean atlasAdmin?')
  })

  it('a mistyped command or flag: the suggestion, exit 2, nothing run; --json gives one error document', async () => {
    const before = writes.length
    const command = await runCli(['clusters', 'lst', '--json'], {env})
    expect(command.code).toBe(2)
    expect(command.stdout.trim().split('\n')).toHaveLength(1)
    expect(command.json).toMatchObject({
      status: 2,
      error: {code: 'COMMAND_NOT_FOUND', details: {command: 'clusters lst', suggestions: ['clusters list']}},
      warnings: [],
    })
    const human = await runCli(['user', 'ad', 'bob'], {env})
    expect(human.code).toBe(2)
    expect(human.stdout).toBe('')
    expect(human.stderr).toContain('Did you mean "user add"?')
    const flag = await runCli(['cluster', 'delete', 'main', '--yes', '--watc'], {env})
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain('Nonexistent flag: --watc. Did you mean --watch?')
    expect(writes.length).toBe(before)
    expect((await runCli(['cluster', 'describe', 'main', '--json'], {env})).json.result.state).toBe('IDLE')
  })

  it('-h everywhere, and a help command whose --json carries the text', async () => {
    const short = await runCli(['accessLists', 'ls', '-h'], {env})
    expect(short.code).toBe(0)
    expect(short.stdout).toContain('$ atlasctl accessLists ls')
    expect((await runCli(['-h'], {env})).stdout).toContain('TOPICS')
    const help = await runCli(['help', 'cluster', 'create', '--json'], {env})
    expect(help.code).toBe(0)
    expect(help.json.result.help).toContain('$ atlasctl cluster create')
    expect((await runCli(['help'], {env})).stdout).toContain('COMMANDS')
    const typo = await runCli(['help', 'clustr'], {env})
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain('Did you mean "cluster"?')
    const flagged = await runCli(['clustr', '--help'], {env})
    expect(flagged.code).toBe(2)
    expect(flagged.stderr).toContain('Did you mean "cluster"?')
    const json = await runCli(['cluster', 'lst', '-h', '--json'], {env})
    expect(json.code).toBe(2)
    expect(json.json.error.details.suggestions).toEqual(['cluster list'])
  })

  it("-o json|table|yaml is the one output switch; the profile's stored output is every command's default", async () => {
    const yaml = await runCli(['cluster', 'list', '-o', 'yaml'], {env})
    expect(yaml.code, yaml.stderr).toBe(0)
    expect(parseYaml(yaml.stdout)).toMatchObject({status: 0, result: [{name: 'main'}]})
    expect((await runCli(['cluster', 'list', '--output=json'], {env})).json.result[0].name).toBe('main')
    expect((await runCli(['cluster', 'list', '-o', 'json', '--json'], {env})).code).toBe(2)

    const home = {...env, ...tempHome().env}
    expect((await runCli(['config', 'set', 'output', 'json', '--profile', 'ci'], {env: home})).code).toBe(0)
    const stored = await runCli(['cluster', 'list'], {env: home})
    expect(stored.json.result[0].name).toBe('main')
    // Errors too: one document, and parse errors included.
    const missing = await runCli(['cluster', 'describe', 'nope'], {env: home})
    expect(missing.code).toBe(4)
    expect(missing.json.error.code).toBe('CLUSTER_NOT_FOUND')
    expect((await runCli(['cluster', 'list', '--bogus'], {env: home})).json.status).toBe(2)
    expect((await runCli(['clustr'], {env: home})).json.error.code).toBe('COMMAND_NOT_FOUND')
    const table = await runCli(['cluster', 'list', '-o', 'table'], {env: home})
    expect(table.json).toBeUndefined()
    expect(table.stdout).toContain('main')
    expect((await runCli(['config', 'set', 'output', 'yaml'], {env: home})).code).toBe(0)
    expect(parseYaml((await runCli(['config', 'get', 'output'], {env: home})).stdout).result.value).toBe('yaml')
  })
})

const installed = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0

describe('shell completion scripts, through the binary', () => {
  const script = (shell: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-completion-')), `atlasctl.${shell}`)
    return runCli(['completion', shell], {env: tempHome().env}).then((r) => {
      expect(r.code, r.stderr).toBe(0)
      fs.writeFileSync(file, r.stdout)
      return file
    })
  }
  const cases: Array<[string, string[]]> = [
    ['atlasctl clu', ['cluster', 'clusters']],
    ['atlasctl clusters l', ['list', 'ls']],
    ['atlasctl cluster list --proj', ['--project', '--projectId']],
    ['atlasctl cluster list -o ', ['json', 'table', 'yaml']],
    ['atlasctl setup --provider ', ['AWS', 'AZURE', 'GCP']],
  ]

  it('bash: commands, aliases, flags and option values', async () => {
    const file = await script('bash')
    const calls = cases
      .map(([line]) => {
        const words = line.split(' ')
        return `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _atlasctl_complete; echo "\${COMPREPLY[*]}"`
      })
      .join('\n')
    const out = execFileSync('bash', ['-c', `source ${file}\n${calls}`], {encoding: 'utf8'})
      .trim()
      .split('\n')
    expect(out.map((l) => l.split(' ').sort())).toEqual(cases.map(([, want]) => want))
  })

  it.skipIf(!installed('zsh'))(`zsh${installed('zsh') ? '' : ' (skipped: zsh is not installed)'}`, async () => {
    const file = await script('zsh')
    const calls = cases
      .map(
        ([line]) =>
          `words=(${line
            .split(' ')
            .map((w) => `'${w}'`)
            .join(' ')}); CURRENT=\${#words}; _atlasctl; print`,
      )
      .join('\n')
    // compadd offers every candidate and zsh filters by the typed prefix: stand-ins print what was offered.
    const stubs = 'compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -rn -- "$* "; }; _files() { :; }'
    const out = execFileSync('zsh', ['-f', '-c', `${stubs}\nsource ${file}\n${calls}`], {encoding: 'utf8'}).split('\n')
    cases.forEach(([line, want], i) => {
      const prefix = line.split(' ').at(-1) ?? ''
      expect(
        out[i]
          .trim()
          .split(' ')
          .filter((w) => w.startsWith(prefix))
          .sort(),
        line,
      ).toEqual(want)
    })
  })

  it.skipIf(!installed('fish'))(`fish${installed('fish') ? '' : ' (skipped: fish is not installed)'}`, async () => {
    const file = await script('fish')
    const out = cases.map(([line]) =>
      execFileSync('fish', ['-N', '-c', `source ${file}; complete -C'${line}'`], {encoding: 'utf8'})
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0])
        .sort(),
    )
    expect(out).toEqual(cases.map(([, want]) => want))
  })
})
