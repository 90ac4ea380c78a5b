import {describe, expect, it} from 'vitest'
import {parseDuration, parseExpiry} from '../../src/lib/duration.js'
import {UsageError} from '../../src/lib/errors.js'
import {closeMatches} from '../../src/lib/text.js'
import {createRequest, sameSpec, validateSpec} from '../../src/services/clusters/clusters.js'
import {clusterSummary} from '../support/clusters.js'
import {costDelta, planScale, type ScalePlan} from '../../src/services/clusters/scale.js'

const summary = clusterSummary
const raw = (tier: string, autoScaling?: object) => ({
  replicationSpecs: [
    {
      id: 'rs1',
      zoneName: 'Zone 1',
      regionConfigs: [
        {
          providerName: 'AWS',
          regionName: 'US_EAST_1',
          priority: 7,
          electableSpecs: {instanceSize: tier, nodeCount: 3},
          effectiveElectableSpecs: {instanceSize: tier},
          ...(autoScaling ? {autoScaling} : {}),
        },
        {
          providerName: 'AWS',
          regionName: 'US_WEST_2',
          priority: 6,
          electableSpecs: {instanceSize: tier, nodeCount: 2},
          readOnlySpecs: {instanceSize: tier, nodeCount: 1},
        },
      ],
    },
  ],
})
const opts = {adjustAutoscaling: false}
const patch = (p: ScalePlan) => {
  if (p.kind !== 'patch') throw new Error(`expected a patch, got ${p.kind}`)
  return p
}

describe('the scale transition table', () => {
  it('same tier: no-op', () => {
    expect(planScale(summary('M50'), raw('M50'), 'M50', opts)).toEqual({kind: 'noop', from: 'M50', to: 'M50'})
  })

  it('dedicated ↔ dedicated: PATCH of every region config, effective fields dropped', () => {
    const rcs = patch(planScale(summary('M10'), raw('M10'), 'M50', opts)).body.replicationSpecs?.[0]
    expect(rcs?.id).toBe('rs1')
    expect(rcs?.regionConfigs?.map((rc) => rc.electableSpecs?.instanceSize)).toEqual(['M50', 'M50'])
    expect(rcs?.regionConfigs?.[1].readOnlySpecs?.instanceSize).toBe('M50')
    expect(rcs?.regionConfigs?.[0]).not.toHaveProperty('effectiveElectableSpecs')
    expect(planScale(summary('M50'), raw('M50'), 'M30', opts).kind).toBe('patch')
  })

  it('a paused cluster: the same tier is a no-op, any other is refused (exit 6) until it is resumed', () => {
    const paused = summary('M10', {paused: true})
    expect(planScale(paused, raw('M10'), 'M10', opts).kind).toBe('noop')
    expect(() => planScale(paused, raw('M10'), 'M20', opts)).toThrow(
      expect.objectContaining({code: 'CLUSTER_PAUSED', exitCode: 6}),
    )
    expect(() => planScale(paused, raw('M10'), 'M7', opts)).toThrow(expect.objectContaining({exitCode: 2}))
  })

  it('M0 → FLEX and M0 → dedicated through the tenant upgrade; FLEX → dedicated through the flex upgrade', () => {
    expect(planScale(summary('M0'), undefined, 'FLEX', opts)).toMatchObject({
      kind: 'tenantUpgrade',
      body: {name: 'c', providerSettings: {providerName: 'FLEX', backingProviderName: 'AWS', instanceSizeName: 'FLEX'}},
    })
    expect(planScale(summary('M0'), undefined, 'M10', opts)).toMatchObject({
      kind: 'tenantUpgrade',
      body: {providerSettings: {providerName: 'AWS', instanceSizeName: 'M10', regionName: 'US_EAST_1'}},
    })
    expect(planScale(summary('FLEX'), undefined, 'M10', opts)).toMatchObject({
      kind: 'flexUpgrade',
      operation: 'tenantGroupFlexClusterUpgrade',
    })
  })

  it('M0 → dedicated names the provider, tier and region as the spec lists them, and refuses a region it does not', () => {
    expect(planScale(summary('M0', {provider: 'GCP', region: 'CENTRAL_US'}), undefined, 'M20', opts)).toMatchObject({
      body: {providerSettings: {providerName: 'GCP', instanceSizeName: 'M20', regionName: 'CENTRAL_US'}},
    })
    expect(planScale(summary('M0', {provider: 'AZURE', region: 'US_EAST_2'}), undefined, 'M10', opts)).toMatchObject({
      body: {providerSettings: {providerName: 'AZURE', instanceSizeName: 'M10', regionName: 'US_EAST_2'}},
    })
    expect(() => planScale(summary('M0', {region: 'MOON_1'}), undefined, 'M10', opts)).toThrow(/MOON_1/)
  })

  it('refuses dedicated → M0/FLEX, FLEX → M0, and tiers the provider lacks', () => {
    for (const [from, to] of [
      ['M10', 'M0'],
      ['M30', 'FLEX'],
      ['FLEX', 'M0'],
      ['M10', 'M90'],
      ['M10', 'M7'],
    ]) {
      expect(() => planScale(summary(from), raw(from), to, opts), `${from}→${to}`).toThrow(UsageError)
    }
    expect(() => planScale(summary('M10', {provider: 'AZURE'}), raw('M10'), 'M140', opts)).toThrow(/AZURE/)
  })

  it('respects compute auto-scaling bounds unless told to move them', () => {
    const bounds = {compute: {enabled: true, minInstanceSize: 'M10', maxInstanceSize: 'M40'}}
    expect(planScale(summary('M10'), raw('M10', bounds), 'M30', opts).kind).toBe('patch')
    expect(() => planScale(summary('M10'), raw('M10', bounds), 'M50', opts)).toThrow(
      /--adjust-autoscaling|auto-scaling/,
    )
    const moved = patch(planScale(summary('M10'), raw('M10', bounds), 'M50', {adjustAutoscaling: true}))
    expect(moved.autoscalingChanged).toBe(true)
    expect(moved.body.replicationSpecs?.[0].regionConfigs?.[0].autoScaling?.compute?.maxInstanceSize).toBe('M50')
  })

  it('prices the change', () => {
    expect(costDelta('M10', 'M50')).toEqual({fromMonthlyUsd: 58.4, toMonthlyUsd: 1460, deltaMonthlyUsd: 1401.6})
    expect(costDelta('M10', 'R700').deltaMonthlyUsd).toBeUndefined()
  })
})

describe('cluster specs', () => {
  it('builds TENANT, flex and dedicated requests', () => {
    expect(createRequest({name: 'a', provider: 'GCP', region: 'CENTRAL_US', tier: 'M0'})).toMatchObject({
      api: 'cluster',
      body: {
        replicationSpecs: [
          {regionConfigs: [{providerName: 'TENANT', backingProviderName: 'GCP', electableSpecs: {instanceSize: 'M0'}}]},
        ],
      },
    })
    expect(createRequest({name: 'a', provider: 'AWS', region: 'US_EAST_1', tier: 'FLEX'})).toMatchObject({
      api: 'flex',
      body: {providerSettings: {backingProviderName: 'AWS', regionName: 'US_EAST_1'}},
    })
    expect(
      createRequest({name: 'a', provider: 'AZURE', region: 'US_EAST_2', tier: 'M30', mongoDBMajorVersion: '8.0'}),
    ).toMatchObject({
      api: 'cluster',
      body: {
        mongoDBMajorVersion: '8.0',
        replicationSpecs: [
          {regionConfigs: [{providerName: 'AZURE', electableSpecs: {instanceSize: 'M30', nodeCount: 3}}]},
        ],
      },
    })
  })

  it('validates provider, region and tier together', () => {
    expect(() => validateSpec({name: 'a', provider: 'GCP', region: 'US_EAST_1', tier: 'M10'})).toThrow(/US_EAST_1.*GCP/)
    expect(() => validateSpec({name: '-a', provider: 'AWS', region: 'US_EAST_1', tier: 'M10'})).toThrow(/-a/)
    expect(() => validateSpec({name: 'a', provider: 'AWS', region: 'US_EAST_1', tier: 'M90'})).toThrow(/M90/)
    expect(
      sameSpec({...summary('M10')}, {name: 'c', provider: 'AWS', region: 'US_EAST_1', tier: 'M20'}).differences,
    ).toEqual(['tier M10 (wanted M20)'])
  })
})

describe('durations, expiries and close matches', () => {
  it('parses strictly', () => {
    expect(parseDuration('90s', 't')).toBe(90_000)
    expect(parseDuration('1h30m', 't')).toBe(5_400_000)
    expect(parseDuration('7d', 't')).toBe(604_800_000)
    for (const bad of ['', '10', '5 parsecs', 'h', '-1h', '0s', '1h 30m'])
      expect(() => parseDuration(bad, 'timeout'), bad).toThrow(/--timeout/)
  })

  it('parses expiries as durations or zoned dates in the future', () => {
    const now = Date.parse('2026-11-23T00:00:00Z')
    expect(parseExpiry('48h', 'expires', now).toISOString()).toBe('2026-11-25T00:00:00.000Z')
    expect(parseExpiry('2026-12-01T00:00Z', 'expires', now).toISOString()).toBe('2026-12-01T00:00:00.000Z')
    expect(() => parseExpiry('2026-11-01T00:00Z', 'expires', now)).toThrow(/past/)
    expect(() => parseExpiry('2026-12-01T00:00', 'expires', now)).toThrow(/--expires/)
    expect(() => parseExpiry('tomorrow', 'expires', now)).toThrow(/tomorrow/)
  })

  it('suggests close names', () => {
    expect(closeMatches('analytcs', ['analytics', 'billing', 'ana'])).toEqual(['ana', 'analytics'])
    expect(closeMatches('zzz', ['analytics'])).toEqual([])
  })
})
