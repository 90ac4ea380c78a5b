import type {ClusterSummary} from '../../src/services/clusters/clusters.js'

/** An IDLE AWS US_EAST_1 cluster at `tier`, as the planners' unit tests start from. */
export function clusterSummary(tier: string, extra: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name: 'c',
    projectId: 'p',
    state: 'IDLE',
    tier,
    kind: tier === 'M0' ? 'M0' : tier === 'FLEX' ? 'FLEX' : 'dedicated',
    provider: 'AWS',
    region: 'US_EAST_1',
    paused: false,
    terminationProtection: false,
    tags: [],
    connectionStrings: {},
    ...extra,
  }
}
