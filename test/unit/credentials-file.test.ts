import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  checkCredentialsDestination,
  mergeCredentialsFile,
  pickCredentials,
  readCredentialsEntries,
} from '../../src/lib/credentials-file.js'
import {mergeEnvFile, readEnvFile} from '../../src/lib/secret-file.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'atlasctl-credfile-'))

describe('credentials files', () => {
  it('reads the old single-user format and event bundles; several users need a name', () => {
    const dir = tmp()
    const f = path.join(dir, 'old.json')
    fs.writeFileSync(f, JSON.stringify({event: 'hack', team: 't1', username: 'team1', password: 'pw-team1'}))
    expect(pickCredentials(f)).toMatchObject({username: 'team1', password: 'pw-team1'})
    mergeCredentialsFile(f, {username: 'team2', password: 'pw-team2', project: 'p'})
    const data = JSON.parse(fs.readFileSync(f, 'utf8'))
    expect(data.users).toEqual([
      {event: 'hack', team: 't1', username: 'team1', password: 'pw-team1'},
      {username: 'team2', password: 'pw-team2', project: 'p'},
    ])
    expect(pickCredentials(f, 'team2').password).toBe('pw-team2')
    expect(() => pickCredentials(f)).toThrow('holds several users (team1, team2): pass --db-user NAME')
    expect(() => pickCredentials(f, 'x')).toThrow('no user "x"; it holds: team1, team2')
    // The same name in the same project is replaced where it stands.
    mergeCredentialsFile(f, {username: 'team1', password: 'new', project: undefined})
    expect(readCredentialsEntries(f).map((e) => [e.username, e.password])).toEqual([
      ['team1', 'new'],
      ['team2', 'pw-team2'],
    ])
    // The same name in two projects: the target's project decides.
    mergeCredentialsFile(f, {username: 'team2', password: 'pw-other', project: 'q'})
    expect(pickCredentials(f, 'team2', 'q').password).toBe('pw-other')
    expect(pickCredentials(f, 'team2', 'p').password).toBe('pw-team2')
    expect(() => pickCredentials(f, 'team2', 'r')).toThrow('holds user "team2" for projects p, q')
    expect(() => pickCredentials(f)).toThrow('(team1, team2 (p), team2 (q))')
    expect(fs.readdirSync(dir)).toEqual(['old.json'])
  })

  it('refuses, before any change, a file that is something else; an empty or missing file is a new one', () => {
    const dir = tmp()
    fs.writeFileSync(path.join(dir, 'other.json'), '[1, 2]')
    expect(() => checkCredentialsDestination(path.join(dir, 'other.json'))).toThrow('has no username and password')
    fs.writeFileSync(path.join(dir, 'empty.json'), '')
    expect(() => checkCredentialsDestination(path.join(dir, 'empty.json'))).not.toThrow()
    expect(() => checkCredentialsDestination(path.join(dir, 'new.json'))).not.toThrow()
    expect(() => checkCredentialsDestination(dir)).toThrow('it is a folder')
  })
})

describe('dotenv files', () => {
  it('keeps export prefixes, replaces every duplicate, and reads back what it wrote', () => {
    const f = path.join(tmp(), '.env')
    fs.writeFileSync(f, 'export A=1\nB=2\n  export A = 3\n')
    mergeEnvFile(f, {A: 'x"y$z', C: 'c'})
    expect(fs.readFileSync(f, 'utf8')).toBe('export A="x\\"y\\$z"\nB=2\n  export A="x\\"y\\$z"\nC=c\n')
    expect(readEnvFile(f)).toEqual({A: 'x"y$z', B: '2', C: 'c'})
    expect(fs.statSync(f).mode & 0o777).toBe(0o600)
    // A symlinked .env is written where it points; the link stays a link.
    const real = path.join(tmp(), 'shared.env')
    fs.writeFileSync(real, 'KEEP=1\n')
    const link = path.join(path.dirname(f), 'linked.env')
    fs.symlinkSync(real, link)
    mergeEnvFile(link, {A: 'b'})
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(real, 'utf8')).toBe('KEEP=1\nA=b\n')
  })
})
