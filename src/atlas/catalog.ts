import {createRequire} from 'node:module'
import type {components} from './openapi.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

// Providers, regions, tiers and roles, read from the vendored official spec (shared by the CLI and the emulator).
const spec = createRequire(import.meta.url)('./spec/atlas-admin-v2.json') as {components: {schemas: Json}}
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
  TENANT: schemas.TenantHardwareSpec20240805.enum ??
    schemas.TenantHardwareSpec20240805.properties?.instanceSize?.enum ?? ['M0'],
}

export type InstanceSize = NonNullable<components['schemas']['HardwareSpec20240805']['instanceSize']>

/** A tier the spec lists for the provider. */
export function isInstanceSize(provider: Provider | 'TENANT', size: string | undefined): size is InstanceSize {
  return size !== undefined && INSTANCE_SIZES[provider].includes(size)
}

export const ROLE_NAMES: readonly string[] = (schemas.DatabaseUserRole.properties.roleName.enum as string[]).filter(
  (r) => !r.startsWith('<'),
)

export type RoleName = components['schemas']['DatabaseUserRole']['roleName']

/** A built-in role the spec lists (the spec's list, read at run time, is the one the type is made from). */
export function isRoleName(name: string): name is RoleName {
  return ROLE_NAMES.includes(name)
}

type Schemas = components['schemas']
// The legacy tenant upgrade names a dedicated tier in providerSettings, whose enums differ per provider.
interface LegacySettings {
  AWS: Schemas['AWSCloudProviderSettings']
  AZURE: Schemas['AzureCloudProviderSettings']
  GCP: Schemas['CloudGCPProviderSettings']
}
const LEGACY_SCHEMA = {
  AWS: 'AWSCloudProviderSettings',
  AZURE: 'AzureCloudProviderSettings',
  GCP: 'CloudGCPProviderSettings',
} as const
type Listed<P extends Provider, F extends 'instanceSizeName' | 'regionName'> = NonNullable<LegacySettings[P][F]> &
  string
export type DedicatedSettings = {
  [P in Provider]: {
    providerName: P
    instanceSizeName: Listed<P, 'instanceSizeName'>
    regionName: Listed<P, 'regionName'>
  }
}[Provider]

function listed<P extends Provider, F extends 'instanceSizeName' | 'regionName'>(
  provider: P,
  field: F,
  value: string,
): value is Listed<P, F> {
  // Each schema is allOf [the parent, its own properties].
  const own: Json = schemas[LEGACY_SCHEMA[provider]].allOf.find((part: Json) => part.properties).properties
  return (own[field].enum as string[]).includes(value)
}

function settingsOf<P extends Provider>(providerName: P, size: string, region: string) {
  if (!listed(providerName, 'instanceSizeName', size) || !listed(providerName, 'regionName', region)) return undefined
  return {providerName, instanceSizeName: size, regionName: region}
}

/** Dedicated providerSettings for a tenant upgrade, or undefined when the spec lists no such tier or region. */
export function dedicatedSettings(provider: Provider, size: string, region: string): DedicatedSettings | undefined {
  switch (provider) {
    case 'AWS':
      return settingsOf('AWS', size, region)
    case 'AZURE':
      return settingsOf('AZURE', size, region)
    case 'GCP':
      return settingsOf('GCP', size, region)
  }
}
