import {afterAll, describe, expect, it} from 'vitest'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {startTestEmulator, TestClock, type TestEmulator} from '../support/emulator.js'
import {defaultEndpointSets} from '../../src/emulator/ratelimit.js'
import {compareAnswer, loadScenarios, replayScenario, type StepResult} from '../support/replay.js'

// How many in-scope recorded Atlas answers the emulator must reproduce (v1.0 steps are out of scope): all of them. A
// polled step waits for its recorded answer, so no step depends on the machine's pace.
const MATCH_FLOOR = 121
// Every transition long enough that the step after a write still sees what Atlas answered there (CREATING, UPDATING,
// DELETING, PENDING), and a 20 ms poll each phase of an upgrade. The emulator runs on a test clock that only a poll
// moves (20 ms a poll), so no step depends on the machine's pace and the replay never sleeps through a delay.
const REPLAY_DELAYS = {
  clusterCreateMs: 300,
  clusterUpdateMs: 300,
  clusterDeleteMs: 300,
  accessEntryMs: 100,
  // An M0 shows UPDATING from a user change until its creation is done and then this long: within a poll's 5 s.
  userSyncMs: 100,
  tenantUpgradeAsM0Ms: 60,
  tenantUpgradeMs: 300,
}

describe('the emulator, held to recorded real Atlas traffic', () => {
  const emulators: TestEmulator[] = []
  afterAll(async () => {
    for (const e of emulators) await e.close()
  })

  it('the comparison tells a real deviation from a difference in values', () => {
    const real = {status: 200, body: {id: 'a1', stateName: 'IDLE', paused: false, tags: []}}
    expect(
      compareAnswer(real, 200, {id: 'b2', stateName: 'IDLE', paused: true, tags: [{key: 'k', value: 'v'}]}),
    ).toEqual([])
    expect(compareAnswer(real, 201, {id: 'b2', stateName: 'CREATING', tags: {}, extra: 1})).toEqual([
      'status 201, Atlas 200',
      'missing paused',
      'extra extra',
      'types differ: tags object≠array',
      'stateName CREATING, Atlas IDLE',
    ])
  })

  it('the rate-limit capacities are the ones Atlas gave in Ratelimit-Limit', () => {
    const recorded = loadScenarios()
      .flatMap((s) => s.steps)
      .filter((st) => st.real?.headers?.['ratelimit-limit'] && st.req.path.startsWith('/api/atlas/v2/'))
    expect(recorded.length).toBeGreaterThan(50)
    const sets = defaultEndpointSets()
    const wrong = recorded
      .map((st) => [
        st.req.path,
        sets.find((set) => set.match.test(st.req.path))?.spec.capacity,
        Number(st.real?.headers?.['ratelimit-limit']),
      ])
      .filter(([, ours, atlas]) => ours !== atlas)
    expect(wrong).toEqual([])
  })

  it('replays every vendored exchange and reports how many match', async () => {
    const results: StepResult[] = []
    for (const scenario of loadScenarios()) {
      const clock = new TestClock()
      const emu = await startTestEmulator({delays: {...FAST_DELAYS, ...REPLAY_DELAYS}, clock: clock.now})
      emulators.push(emu)
      results.push(...(await replayScenario(emu.url, emu.credentials, scenario, async (ms) => clock.advance(ms))))
    }
    const inScope = results.filter((r) => !r.outOfScope)
    const matched = inScope.filter((r) => r.match).length
    const lines = inScope.filter((r) => !r.match).map((r) => `  ${r.scenario} ${r.request}: ${r.problems.join('; ')}`)
    const outOfScope = results
      .filter((r) => r.outOfScope)
      .map((r) => `  ${r.scenario} ${r.request}: out of scope (${r.outOfScope})`)
    console.log(
      `replay: ${matched} of ${inScope.length} in-scope recorded Atlas answers match (${outOfScope.length} out of scope)\n${[...lines, ...outOfScope].join('\n')}`,
    )
    expect(results.length).toBeGreaterThan(100)
    expect(matched).toBeGreaterThanOrEqual(MATCH_FLOOR)
  }, 240_000)
})
