import type {Db} from 'mongodb'
import {AtlasCtlError, ExitCode} from '../../lib/errors.js'
import {type Action, type Capabilities, type ServerState} from './plan.js'
import {type DbSpec, indexName} from './spec.js'

/** Reads what the planner needs: each collection's options and indexes. */
export async function readServerState(db: Db): Promise<ServerState> {
  const collections: ServerState['collections'] = {}
  for (const c of await db.listCollections({}, {nameOnly: false}).toArray()) {
    if (c.type !== 'collection' || c.name.startsWith('system.')) continue
    const indexes = await db.collection(c.name).listIndexes().toArray()
    collections[c.name] = {
      options: (c as {options?: Record<string, unknown>}).options ?? {},
      indexes: indexes.map(
        ({v: _v, ns: _ns, ...rest}) => rest as ServerState['collections'][string]['indexes'][number],
      ),
    }
  }
  return {collections}
}

/**
 * Probes what the server can store. collMod on a missing collection is NamespaceNotFound (26) where
 * collMod exists; a server without it (FerretDB v1) answers CommandNotFound (59).
 */
export async function probeCapabilities(db: Db): Promise<Capabilities> {
  const info = await db
    .admin()
    .command({buildInfo: 1})
    .catch((): Record<string, unknown> => ({}))
  const server = info.ferretdbVersion
    ? `FerretDB, compatible with MongoDB ${String(info.version ?? '?')}`
    : `MongoDB ${String(info.version ?? '?')}`
  try {
    await db.command({collMod: '__atlasctl_probe_missing__'})
    return {validators: true, server}
  } catch (error) {
    const code = (error as {code?: number}).code
    return {validators: code === 26, server}
  }
}

export interface ApplyResult {
  applied: Array<Action & {ok: true}>
  failed: Array<Action & {error: string; code?: number}>
}

function command(a: Action): Record<string, unknown> {
  switch (a.type) {
    case 'createCollection':
      return {create: a.collection, ...a.options}
    case 'collMod':
      return {
        collMod: a.collection,
        ...(a.validator ? {validator: a.validator} : {}),
        ...(a.validationLevel ? {validationLevel: a.validationLevel} : {}),
        ...(a.validationAction ? {validationAction: a.validationAction} : {}),
      }
    case 'createIndex':
      return {createIndexes: a.collection, indexes: [{key: a.keys, name: a.name, ...a.options}]}
    case 'dropIndex':
      return {dropIndexes: a.collection, index: a.name}
  }
}

/** Applies the actions in order; a refusal names the index or collection and the server's reason, and stops the rest of that collection. */
export async function applyActions(
  db: Db,
  actions: Action[],
  onAction: (a: Action, phase: 'start' | 'done' | 'failed') => void,
): Promise<ApplyResult> {
  const applied: ApplyResult['applied'] = []
  const failed: ApplyResult['failed'] = []
  const blocked = new Set<string>()
  for (const a of actions) {
    if (blocked.has(a.collection)) {
      failed.push({...a, error: 'not attempted: an earlier action on this collection failed'})
      continue
    }
    onAction(a, 'start')
    try {
      await db.command(command(a))
      applied.push({...a, ok: true})
      onAction(a, 'done')
    } catch (error) {
      const e = error as {code?: number; codeName?: string; message: string}
      failed.push({...a, error: `${e.codeName ?? 'error'}${e.code ? ` ${e.code}` : ''}: ${e.message}`, code: e.code})
      blocked.add(a.collection)
      onAction(a, 'failed')
    }
  }
  return {applied, failed}
}

export function describeAction(a: Action): string {
  switch (a.type) {
    case 'createCollection':
      return `create collection ${a.collection}${Object.keys(a.options).length ? ` ${JSON.stringify(a.options)}` : ''}`
    case 'collMod':
      return `set ${[a.validator ? 'validator' : '', a.validationLevel ? `validationLevel=${a.validationLevel}` : '', a.validationAction ? `validationAction=${a.validationAction}` : ''].filter(Boolean).join(', ')} on ${a.collection}`
    case 'createIndex':
      return `create index ${a.name} on ${a.collection} ${JSON.stringify(a.keys)}${Object.keys(a.options).length ? ` ${JSON.stringify(a.options)}` : ''}`
    case 'dropIndex':
      return `drop index ${a.name} on ${a.collection} (${a.reason})`
  }
}

export function applyFailure(result: ApplyResult): AtlasCtlError {
  return new AtlasCtlError(
    `The server refused ${result.failed.length} action(s): ${result.failed.map((f) => `${describeAction(f)}: ${f.error}`).join('; ')}`,
    ExitCode.failure,
    {code: 'SERVER_REFUSED', details: {failed: result.failed}},
  )
}

/** The spec of an existing database: collections, validators and indexes (without v, ns and _id_). */
export function exportSpec(database: string, state: ServerState): DbSpec {
  return {
    database,
    collections: Object.entries(state.collections)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, c]) => {
        const o = c.options
        return {
          name,
          ...(o.validator ? {validator: o.validator as Record<string, unknown>} : {}),
          ...(o.validationLevel ? {validationLevel: o.validationLevel as 'strict'} : {}),
          ...(o.validationAction ? {validationAction: o.validationAction as 'error'} : {}),
          ...(o.capped || o.timeseries || o.collation
            ? {
                options: {
                  ...(o.capped ? {capped: {size: Number(o.size), ...(o.max ? {max: Number(o.max)} : {})}} : {}),
                  ...(o.timeseries ? {timeseries: o.timeseries as never} : {}),
                  ...(o.collation ? {collation: o.collation as Record<string, unknown>} : {}),
                },
              }
            : {}),
          indexes: c.indexes
            .filter((i) => i.name !== '_id_')
            .map((i) => {
              const {name, key, ...rest} = i
              const keys = Object.fromEntries(
                Object.entries(key).map(([k, v]) => [k, typeof v === 'string' ? v : Number(v)]),
              ) as never
              const ix = {keys, name} as Record<string, unknown>
              for (const opt of [
                'unique',
                'sparse',
                'partialFilterExpression',
                'expireAfterSeconds',
                'collation',
                'hidden',
              ])
                if (rest[opt] !== undefined) ix[opt] = opt === 'expireAfterSeconds' ? Number(rest[opt]) : rest[opt]
              if (ix.name === indexName({keys})) delete ix.name
              return ix as DbSpec['collections'][number]['indexes'][number]
            }),
        }
      }),
  }
}
