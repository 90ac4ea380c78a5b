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

export const ROLE_NAMES: readonly string[] = (schemas.DatabaseUserRole.properties.roleName.enum as string[]).filter(
  (r) => !r.startsWith('<'),
)

export type RoleName = components['schemas']['DatabaseUserRole']['roleName']

/** A built-in role the spec lists (the spec's list, read at run time, is the one the type is made from). */
export function isRoleName(name: string): name is RoleName {
  return ROLE_NAMES.includes(name)
}
