import fs from 'node:fs'
import {createRequire} from 'node:module'
import type {Ajv, ErrorObject, SchemaObject, ValidateFunction} from 'ajv'
import type addFormats from 'ajv-formats'
import type {$Read, $Write, operations} from '../atlas/openapi.js'
import {OPERATIONS} from '../atlas/operations.generated.js'
import {ApiProblem} from './http.js'

/**
 * A body as the validator takes it: writeOnly properties as they are; readOnly ones not required, but typed where
 * they come (a document sent back whole carries its ids). openapi-fetch's Writable<> would type them never.
 */
type Sent<T> =
  T extends $Read<infer U>
    ? Sent<U>
    : T extends $Write<infer U>
      ? Sent<U>
      : T extends Array<infer E>
        ? Array<Sent<E>>
        : T extends object
          ? {[K in keyof T as NonNullable<T[K]> extends $Read<unknown> ? never : K]: Sent<T[K]>} & {
              [K in keyof T as NonNullable<T[K]> extends $Read<unknown> ? K : never]?: Sent<T[K]>
            }
          : T
type Body<K extends keyof operations> = operations[K] extends {requestBody: {content: infer C}}
  ? Sent<C[keyof C]>
  : never

/** The 2023-02-01 cluster shape (AdvancedClusterDescription) gives one disk size for the whole cluster. */
interface OneDiskSize {
  diskSizeGB?: number
}

/** Each request body as the spec types it, for the operations that take one. */
export interface RequestBodies {
  createGroup: Body<'createGroup'>
  updateGroup: Body<'updateGroup'>
  createGroupAccessListEntry: Body<'createGroupAccessListEntry'>
  createGroupCluster: Body<'createGroupCluster'> & OneDiskSize
  updateGroupCluster: Body<'updateGroupCluster'> & OneDiskSize
  upgradeGroupClusterTenantUpgrade: Body<'upgradeGroupClusterTenantUpgrade'>
  createGroupDatabaseUser: Body<'createGroupDatabaseUser'>
  /** The validator-friendly copy lets a PATCH leave the roles out (recorded). */
  updateGroupDatabaseUser: Omit<Body<'updateGroupDatabaseUser'>, 'roles'> &
    Partial<Pick<Body<'updateGroupDatabaseUser'>, 'roles'>>
  createGroupFlexCluster: Body<'createGroupFlexCluster'>
  tenantGroupFlexClusterUpgrade: Body<'tenantGroupFlexClusterUpgrade'>
  createGroupApiKey: Body<'createGroupApiKey'>
  addGroupUsers: Body<'addGroupUsers'>
}
type BodyOperationId = keyof RequestBodies

/** What the emulator checks on top of an operation's request schema. */
const ADDITIONS: Partial<Record<BodyOperationId, SchemaObject>> = {
  // The 2023-02-01 shape, served too, has one disk size for the cluster.
  createGroupCluster: {properties: {diskSizeGB: {type: 'number'}}},
  updateGroupCluster: {properties: {diskSizeGB: {type: 'number'}}},
  // GroupUpdate leaves out the project-name rule; a rename keeps to it.
  updateGroup: {properties: {name: {$ref: 'request#/components/schemas/Group/properties/name'}}},
}

const SPEC = new URL('../atlas/spec/atlas-admin-v2.validator-friendly.json', import.meta.url)

interface Spec extends SchemaObject {
  paths: Record<string, Record<string, {requestBody?: {content: Record<string, unknown>}}>>
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The validator-friendly spec as requests read it. */
function requestSpec(): Spec {
  return JSON.parse(fs.readFileSync(SPEC, 'utf8'), (key: string, value: unknown) => {
    if (!isObject(value)) return value
    const {properties} = value
    // readOnly properties are not required in a request (OpenAPI 3.0).
    if (Array.isArray(value.required) && isObject(properties))
      value.required = value.required.filter((k) => !(isObject(properties[k]) && properties[k].readOnly === true))
    // ajv's discriminator picks the branch by each one's pinned value and takes no mapping.
    if (isObject(value.discriminator)) delete value.discriminator.mapping
    // The spec's address patterns refuse compressed IPv6 and a plain slash; the model checks addresses as Atlas does.
    if (key === 'NetworkPermissionEntry' && isObject(properties))
      for (const f of ['ipAddress', 'cidrBlock']) if (isObject(properties[f])) delete properties[f].pattern
    return value
  })
}

let ajv: Ajv | undefined
let spec: Spec | undefined

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

/** Compiled on an operation's first request, so that the emulator starts without reading the spec. */
function compile<K extends BodyOperationId>(operationId: K): ValidateFunction<RequestBodies[K]> {
  spec ??= requestSpec()
  if (!ajv) {
    // Loaded with the first body to check, so that the emulator starts without ajv (about 80 ms).
    const load = createRequire(import.meta.url)
    const ajvModule: typeof import('ajv') = load('ajv')
    const formats: typeof addFormats = load('ajv-formats')
    ajv = new ajvModule.Ajv({strict: false, verbose: true, discriminator: true})
    formats.default(ajv)
    for (const f of ['int32', 'int64', 'double', 'float']) ajv.addFormat(f, true)
    ajv.addSchema(spec, 'request')
  }
  const op = OPERATIONS.find((o) => o.operationId === operationId)
  const method = op?.method.toLowerCase() ?? ''
  const type = Object.keys(spec.paths[op?.path ?? '']?.[method]?.requestBody?.content ?? {})[0]
  if (!op || !type) throw new Error(`The spec has no request body for ${operationId}.`)
  const ref = {$ref: `request#/${pointer('paths', op.path, method, 'requestBody', 'content', type, 'schema')}`}
  const added = ADDITIONS[operationId]
  return ajv.compile<RequestBodies[K]>(added ? {allOf: [ref, added]} : ref)
}

const lazy = <K extends BodyOperationId>(operationId: K) => {
  let validate: ValidateFunction<RequestBodies[K]> | undefined
  return () => (validate ??= compile(operationId))
}
const validators: {[K in BodyOperationId]: () => ValidateFunction<RequestBodies[K]>} = {
  createGroup: lazy('createGroup'),
  updateGroup: lazy('updateGroup'),
  createGroupAccessListEntry: lazy('createGroupAccessListEntry'),
  createGroupCluster: lazy('createGroupCluster'),
  updateGroupCluster: lazy('updateGroupCluster'),
  upgradeGroupClusterTenantUpgrade: lazy('upgradeGroupClusterTenantUpgrade'),
  createGroupDatabaseUser: lazy('createGroupDatabaseUser'),
  updateGroupDatabaseUser: lazy('updateGroupDatabaseUser'),
  createGroupFlexCluster: lazy('createGroupFlexCluster'),
  tenantGroupFlexClusterUpgrade: lazy('tenantGroupFlexClusterUpgrade'),
  createGroupApiKey: lazy('createGroupApiKey'),
  addGroupUsers: lazy('addGroupUsers'),
}

/** A JSON pointer as Atlas names a field: `replicationSpecs[0].regionConfigs[0].regionName`. */
const fieldName = (instancePath: string, ...more: string[]) =>
  [
    ...instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')),
    ...more,
  ].reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), '')

/** Atlas's answer to the first structural failure: 400 naming the field. */
function problem(errors: ErrorObject[], codes: Record<string, string>): ApiProblem {
  const [e] = errors
  let field = fieldName(e.instancePath)
  let value: unknown = e.data
  let code = 'INVALID_ATTRIBUTE'
  if (e.keyword === 'required') {
    field = fieldName(e.instancePath, String(e.params.missingProperty))
    code = 'MISSING_ATTRIBUTE'
  } else if (e.keyword === 'discriminator') {
    field = fieldName(e.instancePath, String(e.params.tag))
    value = e.params.tagValue
    code = value === undefined ? 'MISSING_ATTRIBUTE' : e.params.error === 'mapping' ? 'INVALID_ENUM_VALUE' : code
  } else if (e.keyword === 'enum' && errors.length === 1) {
    // One enum failed, not every branch of an anyOf (a region name is an attribute: atlas-cli reads INVALID_ATTRIBUTE for it).
    code = 'INVALID_ENUM_VALUE'
  }
  const name = field || 'body'
  const detail =
    code === 'MISSING_ATTRIBUTE'
      ? `The required attribute ${name} was not specified.`
      : code === 'INVALID_ENUM_VALUE'
        ? `An invalid enumeration value ${String(value)} was specified for ${name}.`
        : `Invalid attribute ${name} specified: ${e.message ?? 'invalid'}.`
  // A code of Atlas's own (INVALID_CLUSTER_NAME), like an enum's, carries the value rather than the field.
  const own = codes[field]
  return new ApiProblem(400, own ?? code, detail, own || code === 'INVALID_ENUM_VALUE' ? [value] : [name])
}

/**
 * The body of a request, checked against the spec's request schema: types, required fields, enums, lengths and
 * patterns. Atlas's business rules stay in the model. `codes` gives a field Atlas's own code (a cluster's name).
 */
export function requestBody<K extends BodyOperationId>(
  operationId: K,
  body: unknown,
  codes: Record<string, string> = {},
): RequestBodies[K] {
  const validate = validators[operationId]()
  // An absent body reads as {}, so the required fields are named.
  const value = body ?? {}
  if (validate(value)) return value
  throw problem(validate.errors ?? [], codes)
}
