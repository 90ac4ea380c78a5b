import {createRequire} from 'node:module'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

// The emulator's lists of providers, regions and tiers come from the vendored official spec.
const spec = createRequire(import.meta.url)('../atlas/spec/atlas-admin-v2.json') as {components: {schemas: Json}}
const schemas = spec.components.schemas

export const PROVIDERS = ['AWS', 'AZURE', 'GCP'] as const
export type Provider = (typeof PROVIDERS)[number]

const regionEnums: Json[] = schemas.CloudRegionConfig20240805.properties.regionName.oneOf
const byTitle = (prefix: string): string[] => regionEnums.find((e) => String(e.title).startsWith(prefix))?.enum ?? []

export const REGIONS: Record<Provider, readonly string[]> = {
  AWS: byTitle('AWS'),
  AZURE: byTitle('Azure'),
  GCP: byTitle('GCP'),
}

export const INSTANCE_SIZES: Record<Provider | 'TENANT', readonly string[]> = {
  AWS: schemas.AWSHardwareSpec20240805.properties.instanceSize.enum,
  AZURE: schemas.AzureHardwareSpec20240805.properties.instanceSize.enum,
  GCP: schemas.GCPHardwareSpec20240805.properties.instanceSize.enum,
  TENANT: schemas.TenantHardwareSpec20240805.enum ?? schemas.TenantHardwareSpec20240805.properties?.instanceSize?.enum ?? ['M0'],
}

export const ROLE_NAMES: readonly string[] = (schemas.DatabaseUserRole.properties.roleName.enum as string[]).filter((r) => !r.startsWith('<'))

/**
 * Regions that offer M0 in the emulator. Atlas offers M0 in a subset of regions
 * (listGroupClusterProviderRegions?tier=M0); this is a representative approximation.
 */
export const M0_REGIONS: Record<Provider, readonly string[]> = {
  AWS: ['US_EAST_1', 'US_WEST_2', 'EU_WEST_1', 'EU_CENTRAL_1', 'AP_SOUTHEAST_1', 'AP_SOUTHEAST_2', 'AP_SOUTH_1', 'AP_NORTHEAST_1', 'SA_EAST_1', 'CA_CENTRAL_1'],
  GCP: ['CENTRAL_US', 'WESTERN_EUROPE', 'EASTERN_ASIA_PACIFIC', 'SOUTHEASTERN_ASIA_PACIFIC'],
  AZURE: ['US_EAST_2', 'EUROPE_NORTH', 'EUROPE_WEST', 'ASIA_EAST'],
}

export const MONGODB_VERSIONS: Record<string, string> = {'7.0': '7.0.25', '8.0': '8.0.16'}
export const DEFAULT_MAJOR_VERSION = '8.0'
