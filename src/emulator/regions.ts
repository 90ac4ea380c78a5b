import type {Provider} from '../atlas/catalog.js'

/**
 * Regions that offer M0 in the emulator. Atlas offers M0 in a subset of regions
 * (listGroupClusterProviderRegions?tier=M0); this is a representative approximation.
 */
export const M0_REGIONS: Record<Provider, readonly string[]> = {
  AWS: [
    'US_EAST_1',
    'US_WEST_2',
    'EU_WEST_1',
    'EU_CENTRAL_1',
    'AP_SOUTHEAST_1',
    'AP_SOUTHEAST_2',
    'AP_SOUTH_1',
    'AP_NORTHEAST_1',
    'SA_EAST_1',
    'CA_CENTRAL_1',
  ],
  GCP: ['CENTRAL_US', 'WESTERN_EUROPE', 'EASTERN_ASIA_PACIFIC', 'SOUTHEASTERN_ASIA_PACIFIC'],
  AZURE: ['US_EAST_2', 'EUROPE_NORTH', 'EUROPE_WEST', 'ASIA_EAST'],
}

export const MONGODB_VERSIONS: Record<string, string> = {'7.0': '7.0.25', '8.0': '8.0.16'}
export const DEFAULT_MAJOR_VERSION = '8.0'
