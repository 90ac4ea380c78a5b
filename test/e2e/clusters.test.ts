import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestEmulator, type TestEmulator} from '../support/emulator.js'
import {runInPty} from '../support/pty.js'
import {runCli, tempHome} from '../support/run-cli.js'

describe('project and cluster commands against the emulator', () => {
  let emu: TestEmulator
  let env: Record<string, string>
  const calls: string[] = []

  beforeAll(async () => {
    emu = await startTestEmulator({onExchange: (x) => calls.push(`${x.method} ${x.operationId} ${x.status}`)})
    env = {...tempHome().env, ...emu.env}
  })
  afterAll(() => emu.close())

  it('creates, waits, lists, describes and deletes a cluster', async () => {
    expect((await runCli(['project', 'create', 'demo'], {env})).code).toBe(0)
    const created = await runCli(
      [
        'cluster',
        'create',
        'c1',
        '--project',
        'demo',
        '--tier',
        'M0',
        '--provider',
        'AWS',
        '--region',
        'US_EAST_1',
        '--tag',
        'team=a',
        '--wait',
        '--json',
      ],
      {env},
    )
    expect(created.code).toBe(0)
    expect(created.json.result).toMatchObject({
      created: true,
      waited: true,
      cluster: {
        name: 'c1',
        state: 'IDLE',
        tier: 'M0',
        kind: 'M0',
        provider: 'AWS',
        connectionString: 'mongodb://127.0.0.1:27017',
      },
    })
    // --json: exactly one document on stdout; progress went to stderr or nowhere.
    expect(created.json.status).toBe(0)
    expect(created.stderr).not.toContain('"status"')

    const list = await runCli(['cluster', 'list', '--project', 'demo', '--json'], {env})
    expect(list.json.result.map((c: {name: string; state: string}) => [c.name, c.state])).toEqual([['c1', 'IDLE']])
    const table = await runCli(['cluster', 'list', '--project', 'demo'], {env})
    expect(table.stdout).toMatch(/c1\s+│ IDLE/)

    const described = await runCli(['cluster', 'describe', '--project', 'demo'], {
      env: {...env, ATLAS_CLUSTER_NAME: 'c1'},
    })
    expect(described.code).toBe(0)
    expect(described.stdout).toContain('standard:   mongodb://127.0.0.1:27017')
    expect(described.stdout).toContain('team=a')

    const refused = await runCli(['cluster', 'delete', 'c1', '--project', 'demo'], {env})
    expect(refused.code).toBe(2)
    const deleted = await runCli(['cluster', 'delete', 'c1', '--project', 'demo', '--yes', '--wait', '--json'], {env})
    expect(deleted.code).toBe(0)
    expect(deleted.json.result).toMatchObject({deleted: true, waited: true})
    expect((await runCli(['cluster', 'describe', 'c1', '--project', 'demo'], {env})).code).toBe(4)
    expect((await runCli(['project', 'delete', 'demo', '--yes'], {env})).code).toBe(0)
    expect(emu.contract.violations).toEqual([])
  })

  it('--debug traces HTTP on stderr without the private key', async () => {
    const r = await runCli(['project', 'list', '--debug', '--json'], {env})
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('→ GET /api/atlas/v2/groups')
    expect(r.stderr).toContain('← 200 listGroups')
    expect(r.stdout + r.stderr).not.toContain(emu.credentials.privateKey)
    const failing = await runCli(['project', 'list', '--debug'], {
      env: {...env, MONGODB_ATLAS_PRIVATE_API_KEY: 'wrong-but-secret-key'},
    })
    expect(failing.code).toBe(3)
    expect(failing.stdout + failing.stderr).not.toContain('wrong-but-secret-key')
  })

  it('without a TTY a missing value is exit 2 naming the flag', async () => {
    await runCli(['project', 'create', 'flags'], {env})
    const noTier = await runCli(['cluster', 'create', 'c2', '--project', 'flags'], {env})
    expect(noTier.code).toBe(2)
    expect(noTier.stderr).toContain('--tier')
    const noName = await runCli(['cluster', 'create', '--project', 'flags', '--tier', 'M10'], {env})
    expect(noName.code).toBe(2)
    expect(noName.stderr).toContain('NAME')
    const noProject = await runCli(['cluster', 'create', 'c2', '--tier', 'M10', '--json'], {env})
    expect(noProject.code).toBe(2)
    expect(noProject.json.error.message).toContain('--project')
  })

  it('bad flags are exit 2 naming the value, before any write', async () => {
    await runCli(['project', 'create', 'bad'], {env})
    const before = calls.filter((c) => c.startsWith('POST')).length
    for (const [args, needle] of [
      [['--tier', 'M7'], 'M7'],
      [['--tier', 'M10', '--region', 'MARS_1'], 'MARS_1'],
      [['--tier', 'M10', '--tag', 'novalue'], 'novalue'],
      [['--tier', 'M10', '--timeout', '5 parsecs'], '5 parsecs'],
      // An option outside its list is the user's mistake too (oclif's own parse error).
      [['--tier', 'M10', '--provider', 'IBM'], 'IBM'],
    ] as const) {
      const r = await runCli(['cluster', 'create', 'c3', '--project', 'bad', ...args], {env})
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(needle)
    }
    const badName = await runCli(['cluster', 'create', 'bad_name', '--project', 'bad', '--tier', 'M10'], {env})
    expect(badName.code).toBe(2)
    // Atlas's project-name rule, checked before the create (it was Atlas's 400, after the request).
    const badProject = await runCli(['project', 'create', 'bad/name', '--json'], {env})
    expect(badProject.code).toBe(2)
    expect(badProject.json.error).toMatchObject({code: 'INVALID_PROJECT_NAME', details: {value: 'bad/name'}})
    expect(calls.filter((c) => c.startsWith('POST')).length).toBe(before)
  })

  it('sends only the requests the answer needs: cluster list by id 2 (in 3 exchanges), by name one lookup more', async () => {
    const project = await runCli(['project', 'create', 'counted', '--json'], {env})
    const id = project.json.result.id as string
    expect((await runCli(['cluster', 'create', 'c', '--project', id, '--tier', 'M10', '--json'], {env})).code).toBe(0)
    const counted = async (args: string[]) => {
      const [before, exchanges] = [calls.length, emu.stats.exchanges]
      const r = await runCli([...args, '--json'], {env})
      expect(r.code).toBe(0)
      return {ops: calls.slice(before).map((c) => c.split(' ')[1]), exchanges: emu.stats.exchanges - exchanges}
    }
    // The dedicated and M0 list, and the flex list: Atlas lists flex clusters only at /flexClusters.
    const byId = await counted(['cluster', 'list', '--project', id])
    expect(byId.ops.sort()).toEqual(['listGroupClusters', 'listGroupFlexClusters'])
    expect(byId.exchanges).toBe(3)
    const byName = await counted(['cluster', 'list', '--project', 'counted'])
    expect(byName.ops.sort()).toEqual(['getGroupByName', 'listGroupClusters', 'listGroupFlexClusters'])
    expect(byName.exchanges).toBe(4)
    expect((await counted(['cluster', 'describe', 'c', '--project', id])).ops).toEqual(['getGroupCluster'])
    // Without --if-not-exists no read before the create: Atlas's answer to a taken name is the conflict.
    const create = await counted(['cluster', 'create', 'd', '--project', id, '--tier', 'M10'])
    expect(create.ops).toEqual(['getGroup', 'createGroupCluster'])
    const taken = await runCli(['cluster', 'create', 'd', '--project', id, '--tier', 'M10', '--json'], {env})
    expect(taken.code).toBe(6)
    expect(taken.json.error.code).toBe('DUPLICATE_CLUSTER_NAME')
  })

  it('an unknown project id is exit 4, found out from the list that needed it', async () => {
    const r = await runCli(['cluster', 'list', '--project', 'aaaaaaaaaaaaaaaaaaaaaaaa', '--json'], {env})
    expect(r.code).toBe(4)
    expect(r.json.error.code).toBe('PROJECT_NOT_FOUND')
  })

  it('an unknown project is exit 4 with close matches', async () => {
    await runCli(['project', 'create', 'analytics'], {env})
    const r = await runCli(['cluster', 'list', '--project', 'analytcs', '--json'], {env})
    expect(r.code).toBe(4)
    expect(r.json.error.details.closeMatches).toContain('analytics')
  })

  it('--if-not-exists accepts the same spec and refuses a different one with exit 6', async () => {
    await runCli(['project', 'create', 'idem'], {env})
    const args = [
      'cluster',
      'create',
      'same',
      '--project',
      'idem',
      '--tier',
      'M10',
      '--region',
      'US_EAST_1',
      '--no-wait',
    ]
    expect((await runCli(args, {env})).code).toBe(0)
    const again = await runCli([...args, '--if-not-exists', '--json'], {env})
    expect(again.code).toBe(0)
    expect(again.json.result.created).toBe(false)
    const dup = await runCli(args, {env})
    expect(dup.code).toBe(6)
    const different = await runCli(
      ['cluster', 'create', 'same', '--project', 'idem', '--tier', 'M20', '--if-not-exists', '--no-wait'],
      {env},
    )
    expect(different.code).toBe(6)
    expect(different.stderr).toContain('tier M10 (wanted M20)')
  })

  it('a cluster that someone else creates between the check and the create is a conflict: exit 6', async () => {
    // Atlas answers the create with 400 DUPLICATE_CLUSTER_NAME; the other writer is played by the hook, which adds the
    // cluster right after the check of --if-not-exists found none (before its create can arrive).
    const raced = await startTestEmulator({
      onExchange: (x) => {
        if (x.operationId !== 'getGroupCluster' || x.status !== 404 || !x.path.endsWith('/clusters/race')) return
        const clusters = raced.state.clusters[x.path.split('/')[5]]
        clusters.race = structuredClone(clusters.first)
        clusters.race.doc.name = 'race'
      },
    })
    try {
      const renv = {...tempHome().env, ...raced.env}
      expect((await runCli(['project', 'create', 'p'], {env: renv})).code).toBe(0)
      expect((await runCli(['cluster', 'create', 'first', '--project', 'p', '--tier', 'M10'], {env: renv})).code).toBe(
        0,
      )
      const dup = await runCli(
        ['cluster', 'create', 'race', '--project', 'p', '--tier', 'M10', '--if-not-exists', '--json'],
        {env: renv},
      )
      expect(dup.code).toBe(6)
      expect(dup.json.error).toMatchObject({code: 'DUPLICATE_CLUSTER_NAME'})
      // The error and the audit log name the one operation, as the spec does.
      expect(dup.json.error.message).toContain('Atlas createGroupCluster failed: 400 DUPLICATE_CLUSTER_NAME')
      const audit = await runCli(['audit', 'list', '--json'], {env: renv})
      expect(
        audit.json.result
          .filter((l: {result: string}) => l.result === 'failed 400')
          .map((l: {action: string}) => l.action),
      ).toEqual(['POST createGroupCluster'])
      expect(raced.contract.violations).toEqual([])
    } finally {
      await raced.close()
    }
  })

  it('rolls back a project it created when the cluster fails', async () => {
    // AWS US_WEST_1 is a valid AWS region, but offers no M0: Atlas (the emulator) refuses the cluster.
    const r = await runCli(
      [
        'cluster',
        'create',
        'c4',
        '--project',
        'rollback-me',
        '--create-project',
        '--tier',
        'M0',
        '--region',
        'US_WEST_1',
        '--no-wait',
      ],
      {env},
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Rolled back: deleted project rollback-me')
    const projects = await runCli(['project', 'list', '--json'], {env})
    expect(projects.json.result.map((p: {name: string}) => p.name)).not.toContain('rollback-me')
  })

  it('termination protection is reported clearly and nothing is deleted', async () => {
    await runCli(['project', 'create', 'protected'], {env})
    await runCli(
      ['cluster', 'create', 'keep', '--project', 'protected', '--tier', 'M10', '--termination-protection', '--wait'],
      {env},
    )
    const r = await runCli(['cluster', 'delete', 'keep', '--project', 'protected', '--yes'], {env})
    expect(r.code).toBe(6)
    expect(r.stderr).toContain('termination protection')
    expect(
      (await runCli(['cluster', 'describe', 'keep', '--project', 'protected', '--json'], {env})).json.result.state,
    ).toBe('IDLE')
  })

  it('--wait --timeout gives exit 5 when the cluster is not ready in time', async () => {
    const slow = await startTestEmulator({delays: {clusterCreateMs: 60_000}})
    try {
      const e = {...tempHome().env, ...slow.env}
      await runCli(['project', 'create', 'slow'], {env: e})
      const r = await runCli(
        ['cluster', 'create', 'c5', '--project', 'slow', '--tier', 'M10', '--wait', '--timeout', '1s'],
        {env: e},
      )
      expect(r.code).toBe(5)
      expect(r.stderr).toContain('Cluster c5 is still CREATING (M10) after 1s.')
    } finally {
      await slow.close()
    }
  })

  it('a timed-out wait says what Atlas is still doing, names the command that follows it, and keeps the deadline to the poll', async () => {
    const slow = await startTestEmulator({
      delays: {clusterCreateMs: 60_000, clusterDeleteMs: 60_000, accessEntryMs: 60_000},
    })
    try {
      // Polls at 0 s and 2 s, then one at the deadline (3 s): not at 2 s, which the next interval would pass.
      const e = {...tempHome().env, ...slow.env, ATLASCTL_POLL_INTERVAL_MS: '2000'}
      await runCli(['project', 'create', 'slow'], {env: e})
      const started = Date.now()
      const r = await runCli(
        ['cluster', 'create', 't1', '--project', 'slow', '--tier', 'M10', '--wait', '--timeout', '3s'],
        {env: e},
      )
      const wall = Date.now() - started
      expect(r.code, r.stderr).toBe(5)
      expect(r.stderr).not.toContain('was not created')
      expect(r.stderr).toContain('Stopped waiting for cluster t1.')
      expect(r.stderr).toContain('Error (TIMEOUT): Cluster t1 is still CREATING (M10) after 3s.')
      expect(r.stderr).toContain('Watch it with: atlasctl cluster describe t1 --project slow')
      expect(wall).toBeGreaterThanOrEqual(3000)

      const json = await runCli(
        ['cluster', 'create', 't2', '--project', 'slow', '--tier', 'M10', '--wait', '--timeout', '2s', '--json'],
        {env: e},
      )
      expect(json.code).toBe(5)
      expect(json.json).toMatchObject({
        status: 5,
        error: {
          code: 'TIMEOUT',
          message: 'Cluster t2 is still CREATING (M10) after 2s.',
          details: {state: 'CREATING (M10)', resume: 'atlasctl cluster describe t2 --project slow'},
        },
      })
      // Measured inside the wait, so a slow process start on a busy machine does not count.
      expect(json.json.error.details.elapsedMs).toBeGreaterThanOrEqual(2000)
      expect(json.json.error.details.elapsedMs).toBeLessThan(2000 + 1000)
      // What Atlas usually takes, as recorded: named in the hint, and four times it is the default --timeout.
      expect(json.json.error.details).toMatchObject({expectedMs: 13 * 60_000, timeoutMs: 2000})
      expect(json.json.error.hint).toContain("Atlas usually takes about 13 minutes for an M10's creation")

      const deleting = await runCli(
        ['cluster', 'delete', 't1', '--project', 'slow', '--yes', '--wait', '--timeout', '1s', '--json'],
        {env: {...e, ATLASCTL_POLL_INTERVAL_MS: '300'}},
      )
      expect(deleting.code).toBe(5)
      expect(deleting.json.error).toMatchObject({
        message: 'Cluster t1 is still DELETING (M10) after 1s.',
        details: {resume: 'atlasctl cluster delete t1 --project slow --yes --wait', expectedMs: 4 * 60_000},
      })

      // The same one poller for access list entries.
      const ip = await runCli(
        ['ip', 'add', '203.0.113.7', '--project', 'slow', '--wait', '--timeout', '1s', '--json'],
        {env: {...e, ATLASCTL_POLL_INTERVAL_MS: '300'}},
      )
      expect(ip.code).toBe(5)
      expect(ip.json.error).toMatchObject({
        message: 'The access list is still 203.0.113.7 PENDING after 1s.',
        details: {resume: 'atlasctl ip add 203.0.113.7 --project slow --wait'},
      })
    } finally {
      await slow.close()
    }
  })

  it('Ctrl-C or SIGTERM during a wait says what is still running in Atlas and how to watch it; exit 130', async () => {
    let polled: () => void = () => {}
    const firstPoll = new Promise<void>((resolve) => (polled = resolve))
    const slow = await startTestEmulator({
      delays: {clusterCreateMs: 60_000},
      onExchange: (x) => x.path.endsWith('/clusters/s2') && x.method === 'GET' && x.status === 200 && polled(),
    })
    try {
      const e = {...tempHome().env, ...slow.env}
      await runCli(['project', 'create', 'sig'], {env: e})
      const human = await runCli(['cluster', 'create', 's1', '--project', 'sig', '--tier', 'M10', '--wait'], {
        env: e,
        interrupt: {signal: 'SIGINT', when: /CREATING/},
      })
      expect(human.code).toBe(130)
      expect(human.stderr).toContain(
        'Interrupted (SIGINT): cluster s1 is still CREATING (M10) in Atlas; nothing was cancelled there.',
      )
      expect(human.stderr).toContain('Watch it with: atlasctl cluster describe s1 --project sig')
      expect(human.stdout).toBe('')

      const json = await runCli(['cluster', 'create', 's2', '--project', 'sig', '--tier', 'M10', '--wait', '--json'], {
        env: e,
        interrupt: {signal: 'SIGTERM', when: firstPoll},
      })
      expect(json.code).toBe(130)
      expect(json.stdout.trim().split('\n')).toHaveLength(1)
      expect(json.json).toMatchObject({
        status: 130,
        error: {
          code: 'INTERRUPTED',
          message: 'Interrupted (SIGTERM): cluster s2 is still CREATING (M10) in Atlas; nothing was cancelled there.',
          hint: 'Watch it with: atlasctl cluster describe s2 --project sig',
          details: {
            signal: 'SIGTERM',
            inFlight: [
              {subject: 'cluster s2', state: 'CREATING (M10)', resume: 'atlasctl cluster describe s2 --project sig'},
            ],
          },
        },
        warnings: [],
      })
      expect(
        (await runCli(['cluster', 'describe', 's2', '--project', 'sig', '--json'], {env: e})).json.result.state,
      ).toBe('CREATING')

      // A person at a terminal: Ctrl-C over the spinner reaches the process group as SIGINT.
      const tty = await runInPty(
        [
          'cluster',
          'create',
          's3',
          '--project',
          'sig',
          '--tier',
          'M10',
          '--provider',
          'AWS',
          '--region',
          'US_EAST_1',
          '--mdb-version',
          '8.0',
          '--wait',
        ],
        [{expect: 'Cluster s3: CREATING', send: '\u0003'}],
        e,
      )
      expect(tty.failedStep, tty.output).toBeNull()
      expect(tty.code).toBe(130)
      expect(tty.output).toContain(
        'Interrupted (SIGINT): cluster s3 is still CREATING (M10) in Atlas; nothing was cancelled there.',
      )
      expect(tty.output).toContain('Watch it with: atlasctl cluster describe s3 --project sig')
    } finally {
      await slow.close()
    }
  })
})
