import type {ClusterBody} from '../src/atlas/client.js'

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The M10 every Atlas-side bench creates, typed as a request body. */
export const benchCluster = (name: string): ClusterBody => ({
  name,
  clusterType: 'REPLICASET',
  replicationSpecs: [
    {
      regionConfigs: [
        {
          providerName: 'AWS',
          regionName: 'US_EAST_1',
          priority: 7,
          electableSpecs: {instanceSize: 'M10', nodeCount: 3},
        },
      ],
    },
  ],
})
