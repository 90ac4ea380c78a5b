#!/usr/bin/env node
// Vendors the Atlas Admin API v2 operations atlasctl uses into src/atlas/spec/, so a fresh clone
// builds without ../shared. Starts from the shared 25-operation subset (and its validator-friendly
// copy) and adds the few extra operations we need from the full spec, with their components.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse} from 'yaml'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const shared = path.resolve(process.env.ATLASCTL_SHARED_DIR ?? path.join(root, '..', 'shared'), 'atlas-openapi')
const outDir = path.join(root, 'src', 'atlas', 'spec')

// Project API keys and project users are the events' team self-service (issue 17).
const EXTRA_OPERATIONS = [
  'getGroupByName',
  'updateGroup',
  'tenantGroupFlexClusterUpgrade',
  'getOrg',
  'createGroupApiKey',
  'listGroupApiKeys',
  'removeGroupApiKey',
  'deleteOrgApiKey',
  'addGroupUsers',
  'listGroupUsers',
  'removeGroupUser',
]

const readJson = (f) => JSON.parse(fs.readFileSync(path.join(shared, f), 'utf8'))
const full = parse(fs.readFileSync(path.join(shared, 'atlas-admin-v2-full.yaml'), 'utf8'), {maxAliasCount: -1})

function refsIn(node, out = new Set()) {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out)
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v)
      else refsIn(v, out)
    }
  }
  return out
}

// Keeps only the newest version of each media type, as the shared subset does.
function newestContent(content) {
  if (!content) return content
  const keys = Object.keys(content)
  const versioned = keys.filter((k) => /^application\/vnd\.atlas\.\d{4}-\d{2}-\d{2}\+json$/.test(k)).sort()
  if (versioned.length === 0) return content
  const keep = versioned.at(-1)
  return Object.fromEntries(keys.filter((k) => k === keep || !versioned.includes(k)).map((k) => [k, content[k]]))
}

function addExtras(target) {
  const added = []
  for (const [p, item] of Object.entries(full.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || !EXTRA_OPERATIONS.includes(op.operationId)) continue
      const copy = structuredClone(op)
      if (copy.requestBody?.content) copy.requestBody.content = newestContent(copy.requestBody.content)
      for (const r of Object.values(copy.responses ?? {})) if (r.content) r.content = newestContent(r.content)
      target.paths[p] ??= {}
      target.paths[p][method] = copy
      added.push(op.operationId)
    }
  }
  // Pull in every component the extras reach that the subset lacks.
  const queue = [...refsIn(EXTRA_OPERATIONS.length ? target.paths : {})]
  const seen = new Set()
  while (queue.length > 0) {
    const ref = queue.pop()
    if (seen.has(ref)) continue
    seen.add(ref)
    const [, , kind, name] = ref.split('/')
    target.components[kind] ??= {}
    if (!target.components[kind][name]) {
      const def = full.components[kind]?.[name]
      if (!def) throw new Error(`vendor-spec: ${ref} not found in the full spec`)
      target.components[kind][name] = structuredClone(def)
      queue.push(...refsIn(def))
    }
  }
  target.info['x-subset-of'].operations = [...target.info['x-subset-of'].operations, ...added].sort()
  target.info['x-atlasctl-extras'] = `added from the full spec by scripts/vendor-spec.mjs: ${added.sort().join(', ')}`
  return target
}

// One more validator-friendly edit, recorded like the others: the spec types ApiError.parameters
// items as objects, while the live API sends strings and numbers (see the docs' 429 sample).
function relaxErrorParameters(spec) {
  spec.components.schemas.ApiError.properties.parameters.items = {}
  spec.info['x-subset-of']['validator-friendly-changes'].push(
    'ApiError.parameters items: {type: object} -> {} (the live API sends strings and numbers, e.g. the documented 429 body) [atlasctl]',
  )
  return spec
}

// Where real Atlas (recorded, test/fixtures/atlas-recordings) answers with another status than the spec, the
// validator-friendly copy follows Atlas; each edit is recorded in its info.
const RECORDED_STATUSES = [
  [
    '/api/atlas/v2/groups',
    'post',
    '200',
    '201',
    'TestAtlasProjects: POST /groups answered 201 Created with a Location header',
  ],
  ['/api/atlas/v2/groups/{groupId}/accessList', 'post', '200', '201', 'TestAccessList: POST …/accessList answered 201'],
  [
    '/api/atlas/v2/groups/{groupId}',
    'delete',
    '204',
    '202',
    'TestAtlasProjects: DELETE /groups/{id} answered 202 with {}',
  ],
]
function recordedAtlas(spec) {
  for (const [p, method, from, to, evidence] of RECORDED_STATUSES) {
    const responses = spec.paths[p][method].responses
    responses[to] = responses[from]
    delete responses[from]
    spec.info['x-subset-of']['validator-friendly-changes'].push(
      `${method.toUpperCase()} ${p}: ${from} -> ${to} (${evidence}) [atlasctl, recorded]`,
    )
  }
  // A 202 delete carries {} with its versioned content type (recorded for clusters and projects).
  for (const [p, method] of [
    ['/api/atlas/v2/groups/{groupId}', 'delete'],
    ['/api/atlas/v2/groups/{groupId}/clusters/{clusterName}', 'delete'],
  ]) {
    for (const c of Object.values(spec.paths[p][method].responses['202'].content))
      c.schema = {type: 'object', maxProperties: 0}
    spec.info['x-subset-of']['validator-friendly-changes'].push(`DELETE ${p} 202: body {} [atlasctl, recorded]`)
  }
  // Atlas sends null for a nullable enum (adaptiveCapacity) and lower-case BI Connector read preferences (recorded).
  const nullable = (node) => {
    if (Array.isArray(node)) return node.forEach(nullable)
    if (!node || typeof node !== 'object') return
    if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null)
    Object.values(node).forEach(nullable)
  }
  nullable(spec.components.schemas)
  spec.info['x-subset-of']['validator-friendly-changes'].push(
    'nullable enums also allow null (Atlas sends adaptiveCapacity: null) [atlasctl, recorded]',
  )
  spec.components.schemas.BiConnector.properties.readPreference.enum.push('primary', 'secondary', 'analytics')
  spec.info['x-subset-of']['validator-friendly-changes'].push(
    'BiConnector.readPreference: also lower case (Atlas sends "secondary") [atlasctl, recorded]',
  )
  // A flex cluster read through the cluster API is a 400 (recorded in TestFlexCluster), which getGroupCluster's spec lacks.
  const cluster = spec.paths['/api/atlas/v2/groups/{groupId}/clusters/{clusterName}'].get.responses
  cluster['400'] = spec.paths['/api/atlas/v2/groups/{groupId}/clusters'].post.responses['400']
  spec.info['x-subset-of']['validator-friendly-changes'].push(
    'getGroupCluster: 400 added (CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API, TestFlexCluster) [atlasctl, recorded]',
  )
  // A PATCH of a database user may leave its roles out: the official CLI's password change sends none, and Atlas
  // answers 200 (recorded in TestDBUserWithFlags).
  const users = spec.components.schemas
  users.CloudDatabaseUserUpdate = {
    ...users.CloudDatabaseUser,
    required: users.CloudDatabaseUser.required.filter((k) => k !== 'roles'),
  }
  for (const c of Object.values(
    spec.paths['/api/atlas/v2/groups/{groupId}/databaseUsers/{databaseName}/{username}'].patch.requestBody.content,
  ))
    c.schema = {$ref: '#/components/schemas/CloudDatabaseUserUpdate'}
  spec.info['x-subset-of']['validator-friendly-changes'].push(
    'updateDatabaseUser request: roles not required (TestDBUserWithFlags) [atlasctl, recorded]',
  )
  return spec
}

fs.mkdirSync(outDir, {recursive: true})
for (const [from, to, edit] of [
  ['atlas-admin-v2-subset.json', 'atlas-admin-v2.json', (s) => s],
  [
    'atlas-admin-v2-subset.validator-friendly.json',
    'atlas-admin-v2.validator-friendly.json',
    (x) => recordedAtlas(relaxErrorParameters(x)),
  ],
]) {
  const spec = edit(addExtras(readJson(from)))
  fs.writeFileSync(path.join(outDir, to), JSON.stringify(spec, null, 1) + '\n')
  console.error(`vendor-spec: wrote src/atlas/spec/${to} (${spec.info['x-subset-of'].operations.length} operations)`)
}

// Every version the full spec lists for an operation, with its sunset date: the emulator serves each of them.
function allVersions(operationId) {
  for (const item of Object.values(full.paths)) {
    for (const op of Object.values(item)) {
      if (op?.operationId !== operationId) continue
      const found = new Map()
      const contents = [
        op.requestBody?.content,
        ...Object.entries(op.responses ?? {})
          .filter(([c]) => c.startsWith('2'))
          .map(([, r]) => r.content),
      ]
      for (const [type, c] of contents.flatMap((x) => Object.entries(x ?? {}))) {
        const v = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/.exec(type)?.[1]
        if (v) found.set(v, found.get(v) ?? c['x-sunset'])
      }
      return [...found]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([version, sunset]) => (sunset ? {version, sunset} : {version}))
    }
  }
  throw new Error(`vendor-spec: ${operationId} not found in the full spec`)
}

// The per-operation version table, shared by the client (Accept headers) and the emulator (406s).
const vendored = JSON.parse(fs.readFileSync(path.join(outDir, 'atlas-admin-v2.json'), 'utf8'))
const rows = []
for (const [p, item] of Object.entries(vendored.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!op?.operationId) continue
    const contents = [
      op.requestBody?.content,
      ...Object.entries(op.responses)
        .filter(([c]) => c.startsWith('2'))
        .map(([, r]) => r.content),
    ]
    const type = contents.flatMap((c) => Object.keys(c ?? {})).find((t) => t.startsWith('application/vnd.atlas.'))
    const version = /(\d{4}-\d{2}-\d{2})/.exec(type ?? '')?.[1]
    if (!version) throw new Error(`vendor-spec: no version for ${op.operationId}`)
    const success = Number(Object.keys(op.responses).find((c) => c.startsWith('2')))
    rows.push({
      operationId: op.operationId,
      method: method.toUpperCase(),
      path: p,
      version,
      versions: allVersions(op.operationId),
      success,
      // The spec's x-rolesRequirements: the emulator refuses a key that holds none of them.
      roles: op['x-rolesRequirements'] ?? [],
    })
  }
}
rows.sort((a, b) => a.operationId.localeCompare(b.operationId))
fs.writeFileSync(
  path.join(root, 'src', 'atlas', 'operations.generated.ts'),
  `// Generated by scripts/vendor-spec.mjs from src/atlas/spec/atlas-admin-v2.json. Do not edit.\n` +
    `export const OPERATIONS = ${JSON.stringify(rows, null, 2)
      .replace(/"(\w+)":/g, '$1:')
      .replace(/"/g, "'")} as const\n`,
)
console.error(`vendor-spec: wrote src/atlas/operations.generated.ts (${rows.length} operations)`)
