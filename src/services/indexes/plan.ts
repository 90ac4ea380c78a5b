import {type CollectionSpec, type DbSpec, indexName, type IndexSpec} from './spec.js'

interface ServerIndex {
  name: string
  key: Record<string, unknown>
  [option: string]: unknown
}

export interface ServerState {
  collections: Record<string, {options: Record<string, unknown>; indexes: ServerIndex[]}>
}

export interface Capabilities {
  /** Whether the server can store validators (create with validator, collMod). */
  validators: boolean
  server: string
}

export type Action =
  | {type: 'createCollection'; collection: string; options: Record<string, unknown>}
  | {
      type: 'collMod'
      collection: string
      validator?: Record<string, unknown>
      validationLevel?: string
      validationAction?: string
    }
  | {
      type: 'createIndex'
      collection: string
      name: string
      keys: Record<string, unknown>
      options: Record<string, unknown>
    }
  | {type: 'dropIndex'; collection: string; name: string; reason: 'conflict' | 'prune'}

interface Conflict {
  collection: string
  name: string
  wanted: Record<string, unknown>
  existing: Record<string, unknown>
}

export interface Plan {
  database: string
  actions: Action[]
  conflicts: Conflict[]
  /** Parts of the spec this plan does not apply, and why: never silently dropped. */
  unsupported: Array<{collection: string; what: string; reason: string}>
}

export interface PlanOptions {
  replace: boolean
  prune: boolean
  skipValidators: boolean
}

const INDEX_OPTIONS = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'collation',
  'hidden',
] as const

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(typeof v === 'bigint' ? Number(v) : v)
}
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b)

function indexOptions(ix: IndexSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of INDEX_OPTIONS) if (ix[k] !== undefined && ix[k] !== false) out[k] = ix[k]
  return out
}

/** Same fields in the same order with the same kinds (a server may send 1 as 1.0). */
function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const x = Object.entries(a)
  const y = Object.entries(b)
  return (
    x.length === y.length &&
    x.every(([k, v], i) => y[i][0] === k && String(Number(y[i][1]) || y[i][1]) === String(Number(v) || v))
  )
}

/** Does the server's index match the spec's? Keys in order, options as given (a server may expand collation). */
function indexMatches(want: IndexSpec, have: ServerIndex): boolean {
  if (!sameKeys(want.keys, have.key)) return false
  for (const k of INDEX_OPTIONS) {
    const w = want[k]
    const h = have[k]
    if (k === 'collation' && w && h) {
      if (
        Object.entries(w as Record<string, unknown>).some(([ck, cv]) => !same(cv, (h as Record<string, unknown>)[ck]))
      )
        return false
      continue
    }
    if (!same(w === false ? undefined : w, h === false ? undefined : h)) return false
  }
  return true
}

function validatorActions(
  c: CollectionSpec,
  options: Record<string, unknown> | undefined,
): Partial<Extract<Action, {type: 'collMod'}>> | undefined {
  const diff: Record<string, unknown> = {}
  if (c.validator !== undefined && !same(c.validator, options?.validator ?? {})) diff.validator = c.validator
  if (c.validationLevel !== undefined && c.validationLevel !== (options?.validationLevel ?? 'strict'))
    diff.validationLevel = c.validationLevel
  if (c.validationAction !== undefined && c.validationAction !== (options?.validationAction ?? 'error'))
    diff.validationAction = c.validationAction
  return Object.keys(diff).length > 0 ? diff : undefined
}

/** The planner: a pure function from the spec and the server's state to the actions, in the order to apply them. */
export function planIndexes(spec: DbSpec, state: ServerState, caps: Capabilities, o: PlanOptions): Plan {
  const actions: Action[] = []
  const conflicts: Conflict[] = []
  const unsupported: Plan['unsupported'] = []
  for (const c of spec.collections) {
    const current = state.collections[c.name]
    const wantsValidation =
      c.validator !== undefined || c.validationLevel !== undefined || c.validationAction !== undefined
    const validationOk = wantsValidation && !o.skipValidators && caps.validators
    if (wantsValidation && !validationOk) {
      unsupported.push({
        collection: c.name,
        what: 'validator',
        reason: o.skipValidators
          ? 'skipped (--skip-validators)'
          : `not supported by this server (${caps.server}); --skip-validators applies the rest`,
      })
    }
    if (!current) {
      const options: Record<string, unknown> = {}
      if (c.options?.capped)
        Object.assign(options, {
          capped: true,
          size: c.options.capped.size,
          ...(c.options.capped.max ? {max: c.options.capped.max} : {}),
        })
      if (c.options?.timeseries) options.timeseries = c.options.timeseries
      if (c.options?.collation) options.collation = c.options.collation
      if (validationOk) {
        if (c.validator) options.validator = c.validator
        if (c.validationLevel) options.validationLevel = c.validationLevel
        if (c.validationAction) options.validationAction = c.validationAction
      }
      actions.push({type: 'createCollection', collection: c.name, options})
    } else if (validationOk) {
      const diff = validatorActions(c, current.options)
      if (diff) actions.push({type: 'collMod', collection: c.name, ...diff})
    }

    const have = current?.indexes ?? []
    const wanted = new Set<string>()
    for (const ix of c.indexes) {
      const name = indexName(ix)
      wanted.add(name)
      const byName = have.find((h) => h.name === name)
      const byKeys = have.find((h) => h.name !== name && h.name !== '_id_' && sameKeys(ix.keys, h.key))
      const create = {type: 'createIndex' as const, collection: c.name, name, keys: ix.keys, options: indexOptions(ix)}
      if (byName && indexMatches(ix, byName)) continue
      const clash = byName ?? byKeys
      if (clash) {
        conflicts.push({collection: c.name, name, wanted: {keys: ix.keys, ...indexOptions(ix)}, existing: {...clash}})
        if (o.replace)
          actions.push({type: 'dropIndex', collection: c.name, name: clash.name, reason: 'conflict'}, create)
        continue
      }
      actions.push(create)
    }
    if (o.prune)
      for (const h of have)
        if (h.name !== '_id_' && !wanted.has(h.name))
          actions.push({type: 'dropIndex', collection: c.name, name: h.name, reason: 'prune'})
  }
  return {database: spec.database, actions, conflicts, unsupported}
}
