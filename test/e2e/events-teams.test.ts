import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AtlasClient} from '../../src/atlas/client.js'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {eventYaml} from '../support/events.js'
import {runCli, tempHome} from '../support/run-cli.js'

describe('team self-service: project keys, invitations and their cleanup', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  let dir: string
  const calls: string[] = []

  beforeAll(async () => {
    emu = await startTestEmulator({onExchange: (x) => calls.push(`${x.operationId} ${x.path} ${x.status}`)})
    const h = tempHome()
    dir = h.dir
    env = {...h.env, ...emu.env}
  })
  afterAll(() => emu.close())

  const group = (name: string) => Object.values(emu.state.groups).find((g) => g.name === name)!
  const admin = () =>
    new AtlasClient({
      baseUrl: emu.url,
      credentials: {type: 'apiKey', publicKey: emu.credentials.publicKey, privateKey: emu.credentials.privateKey},
    })
  const withMembers = (yaml: string) =>
    yaml.replace(
      '{id: t1, name: Team t1, leader: lead-t1@example.org}',
      '{id: t1, name: Team t1, leader: lead-t1@example.org, members: [ann@example.org, bo@example.org]}',
    )

  it("a team's key works on its own project and is refused (403, exit 3) on another team's and on the org", async () => {
    const file = path.join(dir, 'k1.yaml')
    fs.writeFileSync(file, eventYaml('k1', 2))
    const out = path.join(dir, 'creds-k1')
    const r = await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes', '--json'], {env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.result.teams.map((t: {apiKey: {status: string}}) => t.apiKey.status)).toEqual(['created', 'created'])
    const bundleFile = path.join(out, 't1.json')
    const bundle = JSON.parse(fs.readFileSync(bundleFile, 'utf8'))
    expect(fs.statSync(bundleFile).mode & 0o777).toBe(0o600)
    const a = group('mh-k1-t1')
    const b = group('mh-k1-t2')
    expect(bundle.profile).toMatchObject({name: 'k1-t1', projectId: a.id, orgId: a.orgId, baseUrl: emu.url})
    // The key Atlas holds has one role, in its own project only.
    const key = emu.state.apiKeys.find((k) => k.publicKey === bundle.profile.publicApiKey)!
    expect(key.roles).toEqual([{groupId: a.id, roleName: 'GROUP_OWNER'}])
    // The private key is in the bundle only: not in the output or the audit log.
    const audit = fs.readFileSync(path.join(env.XDG_CONFIG_HOME, 'atlasctl', 'audit.log'), 'utf8')
    for (const text of [r.stdout, r.stderr, audit]) expect(text).not.toContain(bundle.profile.privateApiKey)

    // A team leader's machine: no admin keys in the environment, only the imported bundle.
    const leader = tempHome().env
    const imported = await runCli(['config', 'import', bundleFile, '--use', '--json'], {env: leader})
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout + imported.stderr).not.toContain(bundle.profile.privateApiKey)
    expect(imported.json.result).toMatchObject({name: 'k1-t1', active: true, projectId: a.id})
    const configFile = path.join(leader.XDG_CONFIG_HOME, 'atlasctl', 'config.json')
    expect(fs.statSync(configFile).mode & 0o777).toBe(0o600)
    const again = await runCli(['config', 'import', bundleFile, '--json'], {env: leader})
    expect(again.code, again.stderr).toBe(0)

    // Its own project: a database user and an access entry.
    const creds = path.join(dir, 'dev1.json')
    const user = await runCli(['user', 'add', 'dev1', '--credentials-file', creds, '--json'], {env: leader})
    expect(user.code, user.stdout).toBe(0)
    const ip = await runCli(['ip', 'add', '198.51.100.7', '--json'], {env: leader})
    expect(ip.code, ip.stdout).toBe(0)
    expect(Object.keys(emu.state.users[a.id])).toContain('admin/dev1')
    expect(Object.keys(emu.state.access[a.id])).toContain('198.51.100.7/32')

    // Another team's project: refused, and nothing there changes.
    const before = JSON.stringify([emu.state.users[b.id], emu.state.access[b.id], emu.state.clusters[b.id]])
    const list = await runCli(['cluster', 'list', '--project', b.id, '--json'], {env: leader})
    expect(list.code).toBe(3)
    expect(list.json.error).toMatchObject({code: 'USER_UNAUTHORIZED', details: {status: 403}})
    const del = await runCli(['cluster', 'delete', 't2', '--project', b.id, '--yes', '--json'], {env: leader})
    expect(del.code).toBe(3)
    const addThere = await runCli(
      ['user', 'add', 'intruder', '--project', b.id, '--credentials-file', path.join(dir, 'intruder.json'), '--json'],
      {env: leader},
    )
    expect(addThere.code).toBe(3)
    const byName = await runCli(['cluster', 'list', '--project', 'mh-k1-t2', '--json'], {env: leader})
    expect(byName.code).toBe(3)
    expect(JSON.stringify([emu.state.users[b.id], emu.state.access[b.id], emu.state.clusters[b.id]])).toBe(before)
    // The organization's calls are refused too, and the key sees only its own project.
    expect((await runCli(['project', 'create', 'mine', '--json'], {env: leader})).code).toBe(3)
    const projects = await runCli(['project', 'list', '--json'], {env: leader})
    expect(projects.json.result.map((p: {id: string}) => p.id)).toEqual([a.id])

    // Its own cluster: the leader may delete it (and waits for it to go, so the re-run below makes it again).
    const own = await runCli(['cluster', 'delete', 't1', '--yes', '--wait', '--json'], {env: leader})
    expect(own.code, own.stdout).toBe(0)

    // A re-run keeps the keys the bundles hold.
    const rerun = await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes', '--json'], {env})
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.json.result.teams.map((t: {apiKey: {status: string}}) => t.apiKey.status)).toEqual([
      'existed',
      'existed',
    ])
    expect(JSON.parse(fs.readFileSync(bundleFile, 'utf8')).profile.privateApiKey).toBe(bundle.profile.privateApiKey)
    // A lost bundle: nobody holds that key's private half any more, so it is replaced, not left behind.
    const lost = JSON.parse(fs.readFileSync(path.join(out, 't2.json'), 'utf8')).profile.publicApiKey
    fs.rmSync(path.join(out, 't2.json'))
    const replaced = await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes', '--json'], {env})
    expect(replaced.code, replaced.stderr).toBe(0)
    expect(replaced.json.result.teams[1].apiKey.status).toBe('replaced')
    expect(emu.state.apiKeys.some((k) => k.publicKey === lost)).toBe(false)
    const fresh = JSON.parse(fs.readFileSync(path.join(out, 't2.json'), 'utf8')).profile
    expect(emu.state.apiKeys.find((k) => k.publicKey === fresh.publicApiKey)?.roles).toEqual([
      {groupId: b.id, roleName: 'GROUP_OWNER'},
    ])
    expect(emu.contract.violations).toEqual([])
  })

  it('config import refuses a file without a profile (exit 2, naming the file and field)', async () => {
    const home = tempHome().env
    const file = path.join(dir, 'not-a-bundle.json')
    fs.writeFileSync(file, JSON.stringify({profile: {name: 'x', publicApiKey: 'abc'}}))
    const r = await runCli(['config', 'import', file, '--json'], {env: home})
    expect(r.code).toBe(2)
    expect(r.json.error.message).toContain(file)
    expect(r.json.error.message).toContain('profile.privateApiKey')
    expect(fs.existsSync(path.join(home.XDG_CONFIG_HOME, 'atlasctl', 'config.json'))).toBe(false)
  })

  it('invites leaders and members once, and cleanup removes only what the event made, twice in a row', async () => {
    const file = path.join(dir, 'k2.yaml')
    fs.writeFileSync(file, withMembers(eventYaml('k2', 2)))
    const out = path.join(dir, 'creds-k2')
    const args = ['event', 'provision', file, '--out', out, '--team-keys', '--invite', '--yes', '--json']
    const r = await runCli(args, {env})
    expect(r.code, r.stderr).toBe(0)
    const a = group('mh-k2-t1')
    const people = (id: string) =>
      Object.values(emu.state.projectUsers?.[id] ?? {})
        .map((u) => [u.username, u.roles.join(','), u.orgMembershipStatus])
        .sort()
    expect(people(a.id)).toEqual([
      ['ann@example.org', 'GROUP_READ_ONLY', 'PENDING'],
      ['bo@example.org', 'GROUP_READ_ONLY', 'PENDING'],
      ['lead-t1@example.org', 'GROUP_OWNER', 'PENDING'],
    ])
    expect(r.json.result.teams[0].invites).toEqual({
      added: ['lead-t1@example.org', 'ann@example.org', 'bo@example.org'],
      present: [],
    })
    const again = await runCli(args, {env})
    expect(again.code, again.stderr).toBe(0)
    expect(again.json.result.teams[0].invites.added).toEqual([])
    expect(people(a.id)).toHaveLength(3)

    // People's own: the leader makes a key with the team's key, an organizer invites a mentor by hand.
    const t1 = JSON.parse(fs.readFileSync(path.join(out, 't1.json'), 'utf8')).profile
    const asLeader = new AtlasClient({
      baseUrl: emu.url,
      credentials: {type: 'apiKey', publicKey: t1.publicApiKey, privateKey: t1.privateApiKey},
    })
    const theirs = await asLeader.ok(
      asLeader.api.POST('/api/atlas/v2/groups/{groupId}/apiKeys', {
        params: {path: {groupId: a.id}},
        body: {desc: 'my laptop', roles: ['GROUP_READ_ONLY']},
      }),
    )
    const client = admin()
    const mentor = await client.ok(
      client.api.POST('/api/atlas/v2/groups/{groupId}/users', {
        params: {path: {groupId: a.id}},
        body: {username: 'mentor@example.org', roles: ['GROUP_READ_ONLY']},
      }),
    )
    const teamKeys = ['t1', 't2'].map((t) => JSON.parse(fs.readFileSync(path.join(out, `${t}.json`), 'utf8')).profile)

    const plan = await runCli(['event', 'cleanup', 'k2', '--json'], {env})
    expect(plan.json.result.access).toEqual([
      {team: 't1', keys: 1, invites: 3},
      {team: 't2', keys: 1, invites: 1},
    ])
    calls.length = 0
    const cleaned = await runCli(['event', 'cleanup', 'k2', '--yes', '--json'], {env})
    expect(cleaned.code, cleaned.stderr).toBe(0)
    expect(cleaned.json.result.results.map((x: {removed: {keys: number; invites: number}}) => x.removed)).toEqual([
      expect.objectContaining({keys: 1, invites: 3}),
      expect.objectContaining({keys: 1, invites: 1}),
    ])
    // The event's keys are gone from the organization; the person's key stays, and their invitation was not touched.
    for (const k of teamKeys) expect(emu.state.apiKeys.some((x) => x.publicKey === k.publicApiKey)).toBe(false)
    expect(emu.state.apiKeys.some((x) => x.id === theirs.id)).toBe(true)
    expect(calls.filter((c) => c.startsWith('removeGroupUser'))).toHaveLength(4)
    expect(calls.some((c) => c.includes(mentor.id))).toBe(false)
    expect(calls.filter((c) => c.startsWith('deleteOrgApiKey')).some((c) => c.includes(theirs.id!))).toBe(false)

    calls.length = 0
    const twice = await runCli(['event', 'cleanup', 'k2', '--yes', '--json'], {env})
    expect(twice.code, twice.stderr).toBe(0)
    expect(twice.json.result).toMatchObject({teams: [], orphanKeys: []})
    expect(calls.filter((c) => !c.startsWith('list') && !c.startsWith('get'))).toEqual([])
    expect(emu.contract.violations).toEqual([])
  })

  it('an expired or rejected invitation is sent again; a pending one is not', async () => {
    const file = path.join(dir, 'k6.yaml')
    fs.writeFileSync(file, withMembers(eventYaml('k6', 1)))
    const args = ['event', 'provision', file, '--out', path.join(dir, 'creds-k6'), '--invite', '--yes', '--json']
    expect((await runCli(args, {env})).code).toBe(0)
    const g = group('mh-k6-t1')
    const users = () => Object.values(emu.state.projectUsers![g.id])
    const byName = (name: string) => users().find((u) => u.username === name)!
    // Ann's invitation ran out; Bo said no.
    byName('ann@example.org').invitationExpiresAt = new Date(Date.now() - 1000).toISOString()
    byName('bo@example.org').orgMembershipStatus = 'INVITATION_REJECTED'
    const again = await runCli(args, {env})
    expect(again.code, again.stderr).toBe(0)
    expect(again.json.result.teams[0].invites).toEqual({
      added: ['ann@example.org', 'bo@example.org'],
      present: ['lead-t1@example.org'],
    })
    expect(
      users()
        .map((u) => [u.username, u.orgMembershipStatus])
        .sort(),
    ).toEqual([
      ['ann@example.org', 'PENDING'],
      ['bo@example.org', 'PENDING'],
      ['lead-t1@example.org', 'PENDING'],
    ])
    const plan = await runCli(['event', 'cleanup', 'k6', '--json'], {env})
    expect(plan.json.result.access).toEqual([{team: 't1', keys: 0, invites: 3}])
    expect(emu.contract.violations).toEqual([])
  })

  it('a key whose project is already gone is deleted by cleanup; a bad leader email is exit 2 naming the file', async () => {
    const file = path.join(dir, 'k3.yaml')
    fs.writeFileSync(file, eventYaml('k3', 1))
    const out = path.join(dir, 'creds-k3')
    expect((await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes'], {env})).code).toBe(0)
    const publicKey = JSON.parse(fs.readFileSync(path.join(out, 't1.json'), 'utf8')).profile.publicApiKey
    // Someone tore the project down by hand: the key stays in the organization, with no role left.
    const g = group('mh-k3-t1')
    expect((await runCli(['cluster', 'delete', 't1', '--project', g.id, '--yes', '--wait'], {env})).code).toBe(0)
    expect((await runCli(['project', 'delete', g.id, '--yes'], {env})).code).toBe(0)
    expect(emu.state.apiKeys.find((k) => k.publicKey === publicKey)?.roles).toEqual([])
    const cleaned = await runCli(['event', 'cleanup', 'k3', '--yes', '--json'], {env})
    expect(cleaned.code, cleaned.stderr).toBe(0)
    expect(cleaned.json.result).toMatchObject({orphanKeys: [{team: 't1', publicKey}], orphanKeysRemoved: 1})
    expect(emu.state.apiKeys.some((k) => k.publicKey === publicKey)).toBe(false)

    // Provisioned again, torn down by hand again, then provisioned a third time: the second key goes with its record.
    expect((await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes'], {env})).code).toBe(0)
    const second = JSON.parse(fs.readFileSync(path.join(out, 't1.json'), 'utf8')).profile.publicApiKey
    const g2 = group('mh-k3-t1')
    expect((await runCli(['cluster', 'delete', 't1', '--project', g2.id, '--yes', '--wait'], {env})).code).toBe(0)
    expect((await runCli(['project', 'delete', g2.id, '--yes'], {env})).code).toBe(0)
    const third = await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes', '--json'], {env})
    expect(third.code, third.stderr).toBe(0)
    expect(emu.state.apiKeys.some((k) => k.publicKey === second)).toBe(false)
    expect(emu.state.apiKeys.filter((k) => k.desc?.startsWith('atlasctl event k3 team t1 '))).toHaveLength(1)

    const bad = path.join(dir, 'k4.yaml')
    fs.writeFileSync(bad, eventYaml('k4', 1).replace('lead-t1@example.org', 'Lead Person'))
    const refused = await runCli(['event', 'provision', bad, '--invite', '--yes', '--json'], {env})
    expect(refused.code).toBe(2)
    expect(refused.json.error.message).toContain(`${bad}:`)
    expect(refused.json.error.message).toContain('teams.0.leader: must be an email address')
    expect(Object.values(emu.state.groups).some((x) => x.name.startsWith('mh-k4-'))).toBe(false)
    // Without --invite, a leader is only a name: files from before invitations keep working.
    const plain = await runCli(['event', 'provision', bad, '--yes', '--json'], {env})
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.json.result).toMatchObject({done: 1, failed: 0})
  })

  it('cleanup resumes a paused, termination-protected dedicated cluster to remove it', async () => {
    const file = path.join(dir, 'k7.yaml')
    fs.writeFileSync(file, eventYaml('k7', 1))
    const out = path.join(dir, 'creds-k7')
    expect((await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes'], {env})).code).toBe(0)
    // The team made a protected M10 with its key, and paused it.
    const g = group('mh-k7-t1')
    const p = ['--project', g.id]
    const made = await runCli(
      ['cluster', 'create', 'big', ...p, '--tier', 'M10', '--termination-protection', '--wait'],
      {
        env,
      },
    )
    expect(made.code, made.stderr).toBe(0)
    expect((await runCli(['cluster', 'pause', 'big', ...p, '--wait', '--yes'], {env})).code).toBe(0)
    const cleaned = await runCli(['event', 'cleanup', 'k7', '--yes', '--json'], {env})
    expect(cleaned.code, cleaned.stderr).toBe(0)
    expect(cleaned.json.result.results[0]).toMatchObject({status: 'removed', removed: {clusters: 2, keys: 1}})
    expect(emu.state.groups[g.id]).toBeUndefined()
    expect(emu.state.apiKeys.filter((k) => k.desc?.startsWith('atlasctl event k7 '))).toEqual([])
    expect(emu.contract.violations).toEqual([])
  })

  it('a teardown that fails after the keys went is finished by a re-run', async () => {
    const slow = await startTestEmulator({delays: {...FAST_DELAYS, sharedDeleteMs: 4000}})
    try {
      const home = tempHome()
      const slowEnv = {...home.env, ...slow.env}
      const file = path.join(home.dir, 'k12.yaml')
      fs.writeFileSync(file, withMembers(eventYaml('k12', 1)))
      const provisioned = await runCli(['event', 'provision', file, '--team-keys', '--invite', '--yes'], {env: slowEnv})
      expect(provisioned.code, provisioned.stderr).toBe(0)
      const first = await runCli(['event', 'cleanup', 'k12', '--yes', '--timeout', '1s', '--json'], {env: slowEnv})
      expect(first.code).toBe(7)
      expect(Object.keys(slow.state.groups)).toHaveLength(1)
      const again = await runCli(['event', 'cleanup', 'k12', '--yes', '--json'], {env: slowEnv})
      expect(again.code, again.stderr).toBe(0)
      expect(again.json.result.results).toMatchObject([{team: 't1', status: 'removed'}])
      expect(Object.keys(slow.state.groups)).toEqual([])
      expect(slow.state.apiKeys.map((k) => k.publicKey)).toEqual([slow.credentials.publicKey])
      expect(slow.contract.violations).toEqual([])
    } finally {
      await slow.close()
    }
  })

  it("a project whose tags the team removed is still the event's: its key is not taken for an orphan's", async () => {
    const file = path.join(dir, 'k8.yaml')
    fs.writeFileSync(file, eventYaml('k8', 1))
    const out = path.join(dir, 'creds-k8')
    expect((await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes'], {env})).code).toBe(0)
    const g = group('mh-k8-t1')
    const t1 = JSON.parse(fs.readFileSync(path.join(out, 't1.json'), 'utf8')).profile
    const asLeader = new AtlasClient({
      baseUrl: emu.url,
      credentials: {type: 'apiKey', publicKey: t1.publicApiKey, privateKey: t1.privateApiKey},
    })
    await asLeader.ok(
      asLeader.api.PATCH('/api/atlas/v2/groups/{groupId}', {params: {path: {groupId: g.id}}, body: {tags: []}}),
    )
    const keyThere = () => emu.state.apiKeys.some((k) => k.publicKey === t1.publicApiKey)

    // The ledger records its id, so it is the team's; its end time went with its tags, so only --force removes it.
    const plan = await runCli(['event', 'cleanup', 'k8', '--json'], {env})
    expect(plan.json.result).toMatchObject({teams: [{team: 't1', projectId: g.id}], orphanKeys: []})
    expect(plan.json.result.access).toEqual([{team: 't1', keys: 1, invites: 0}])
    const refused = await runCli(['event', 'cleanup', 'k8', '--yes', '--json'], {env})
    expect(refused.code).not.toBe(0)
    expect(refused.json.error.code).toBe('EVENT_NOT_ENDED')
    expect(keyThere()).toBe(true)

    // Without its id in the ledger, it is not proven the event's: left as it is, and the run is not complete (exit 7).
    const ledgerFile = path.join(env.XDG_DATA_HOME, 'atlasctl', 'events', 'k8', 'ledger.json')
    const ledger = JSON.parse(fs.readFileSync(ledgerFile, 'utf8'))
    fs.writeFileSync(ledgerFile, JSON.stringify({...ledger, teams: {t1: {...ledger.teams.t1, projectId: undefined}}}))
    const unproven = await runCli(['event', 'cleanup', 'k8', '--yes', '--force', '--json'], {env})
    expect(unproven.code).toBe(7)
    expect(unproven.json.error.details.report).toMatchObject({
      unreadable: [{team: 't1', projectId: g.id}],
      orphanKeys: [],
    })
    expect(keyThere()).toBe(true)
    expect(emu.state.groups[g.id]).toBeDefined()

    fs.writeFileSync(ledgerFile, JSON.stringify(ledger))
    const forced = await runCli(['event', 'cleanup', 'k8', '--yes', '--force', '--json'], {env})
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.json.result.results).toMatchObject([{team: 't1', status: 'removed', removed: {clusters: 1, keys: 1}}])
    expect(emu.state.groups[g.id]).toBeUndefined()
    expect(keyThere()).toBe(false)
    expect(emu.contract.violations).toEqual([])
  })

  it("cleanup from another machine (no ledger) still deletes the event's keys, found by their description", async () => {
    const file = path.join(dir, 'k9.yaml')
    fs.writeFileSync(file, eventYaml('k9', 2))
    const out = path.join(dir, 'creds-k9')
    expect((await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes'], {env})).code).toBe(0)
    const ours = () => emu.state.apiKeys.filter((k) => k.desc?.startsWith('atlasctl event k9 team '))
    expect(ours()).toHaveLength(2)
    const elsewhere = {...tempHome().env, ...emu.env}
    const plan = await runCli(['event', 'cleanup', 'k9', '--json'], {env: elsewhere})
    expect(plan.json.result.access).toEqual([
      {team: 't1', keys: 1, invites: 0},
      {team: 't2', keys: 1, invites: 0},
    ])
    const cleaned = await runCli(['event', 'cleanup', 'k9', '--yes', '--json'], {env: elsewhere})
    expect(cleaned.code, cleaned.stderr).toBe(0)
    expect(cleaned.json.result.results.map((r: {removed: {keys: number}}) => r.removed.keys)).toEqual([1, 1])
    expect(ours()).toEqual([])
    expect(emu.contract.violations).toEqual([])
  })

  it('an orphan key that cannot be deleted is reported with its team (exit 7); the other teams are still reported', async () => {
    const file = path.join(dir, 'k10.yaml')
    fs.writeFileSync(file, eventYaml('k10', 2))
    const out = path.join(dir, 'creds-k10')
    expect((await runCli(['event', 'provision', file, '--out', out, '--team-keys', '--yes'], {env})).code).toBe(0)
    const g = group('mh-k10-t1')
    expect((await runCli(['cluster', 'delete', 't1', '--project', g.id, '--yes', '--wait'], {env})).code).toBe(0)
    expect((await runCli(['project', 'delete', g.id, '--yes'], {env})).code).toBe(0)
    // The ledger names an organization the key cannot reach: Atlas refuses the delete (403).
    const ledgerFile = path.join(env.XDG_DATA_HOME, 'atlasctl', 'events', 'k10', 'ledger.json')
    const ledger = JSON.parse(fs.readFileSync(ledgerFile, 'utf8'))
    ledger.teams.t1.apiKey.orgId = 'a'.repeat(24)
    fs.writeFileSync(ledgerFile, JSON.stringify(ledger))
    const cleaned = await runCli(['event', 'cleanup', 'k10', '--yes', '--json'], {env})
    expect(cleaned.code, cleaned.stderr).toBe(7)
    expect(cleaned.json.error.details.report).toMatchObject({
      orphanKeysRemoved: 0,
      failed: 1,
      results: [
        {team: 't2', status: 'removed'},
        {team: 't1', project: 'mh-k10-t1', status: 'failed', error: expect.stringContaining('could not be deleted')},
      ],
    })
    expect(emu.contract.violations).toEqual([])
  })

  it('a key whose create answer was lost is found by its description and deleted in the rollback', async () => {
    const lossy = await startTestEmulator()
    try {
      // Every key Atlas makes, its answer is lost: the team fails after its retries, and the last key is unknown by id.
      Object.assign(lossy.faults, {dropRate: 1, only: '/apiKeys', method: 'POST'})
      const home = tempHome()
      const file = path.join(home.dir, 'k11.yaml')
      fs.writeFileSync(file, eventYaml('k11', 1))
      const r = await runCli(['event', 'provision', file, '--team-keys', '--yes', '--json'], {
        env: {...home.env, ...lossy.env},
      })
      expect(r.code, r.stderr).toBe(7)
      expect(lossy.stats.faults).toBe(6)
      expect(r.json.error.details.report.teams[0]).toMatchObject({status: 'rolled-back'})
      expect(lossy.state.apiKeys.map((k) => k.publicKey)).toEqual([lossy.credentials.publicKey])
      expect(Object.keys(lossy.state.groups)).toEqual([])
    } finally {
      await lossy.close()
    }
  })

  it('a team rolled back after its key was made leaves no key behind', async () => {
    // Clusters that never get ready within --timeout: the run fails after the keys and invitations were made.
    let polls = 0
    const slow = await startTestEmulator({
      delays: {...FAST_DELAYS, m0CreateMs: 120_000},
      onExchange: (x) => x.method === 'GET' && x.path.endsWith('/clusters/t1') && x.status === 200 && polls++,
    })
    try {
      const home = tempHome()
      // Polls 400 ms apart: a 1 s wait is 3 polls, after the read that found the cluster not ready.
      const slowEnv: Record<string, string> = {...home.env, ...slow.env, ATLASCTL_POLL_INTERVAL_MS: '400'}
      const file = path.join(home.dir, 'k5.yaml')
      fs.writeFileSync(file, withMembers(eventYaml('k5', 1)))
      const args = ['event', 'provision', file, '--team-keys', '--invite', '--timeout', '1s', '--yes', '--json']
      const r = await runCli(args, {env: slowEnv})
      expect(r.code).toBe(7)
      expect(r.json.error.details.report.teams[0].status).toBe('rolled-back')
      // --timeout is kept: the wait is not begun again (it was, 6 times: 10 s for a 1 s timeout).
      expect(polls).toBeLessThanOrEqual(5)
      expect(slow.state.apiKeys.map((k) => k.publicKey)).toEqual([slow.credentials.publicKey])
      expect(Object.keys(slow.state.groups)).toEqual([])
      const ledger = JSON.parse(
        fs.readFileSync(path.join(slowEnv.XDG_DATA_HOME, 'atlasctl', 'events', 'k5', 'ledger.json'), 'utf8'),
      )
      expect(ledger.teams.t1.apiKey).toBeUndefined()
    } finally {
      await slow.close()
    }
  })
})
