import {z} from 'zod'

const keys = z
  .record(
    z.string().min(1),
    z.union([z.literal(1), z.literal(-1), z.literal('text'), z.literal('2dsphere'), z.literal('hashed')], {
      message: 'a key is 1, -1, "text", "2dsphere" or "hashed"',
    }),
  )
  .refine((k) => Object.keys(k).length > 0, 'keys must name at least one field')
  .refine(
    (k) =>
      Object.keys(k).every(
        (f) => !f.includes('$**') || (Object.keys(k).length === 1 && (f === '$**' || f.endsWith('.$**'))),
      ),
    'a wildcard key ($** or path.$**) stands alone',
  )

// What createIndexes accepts in partialFilterExpression ($in since MongoDB 6.0); anything else ($where, $ne, $regex, $expr…) the server refuses.
const FIELD_OPERATORS = new Set(['$eq', '$exists', '$gt', '$gte', '$lt', '$lte', '$type', '$in'])

/** The operators a partial index filter may hold: one issue per disallowed key, with its path. */
export function partialFilterIssues(
  filter: unknown,
  path: Array<string | number>,
): Array<{path: Array<string | number>; message: string}> {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    return [{path, message: 'a partial filter is an object'}]
  const out: Array<{path: Array<string | number>; message: string}> = []
  for (const [k, v] of Object.entries(filter)) {
    const at = [...path, k]
    if (k === '$and' || k === '$or') {
      if (!Array.isArray(v) || v.length === 0) out.push({path: at, message: `${k} is a non-empty list of filters`})
      else v.forEach((sub, i) => out.push(...partialFilterIssues(sub, [...at, i])))
    } else if (k.startsWith('$')) {
      out.push({
        path: at,
        message: `"${k}" is not allowed in a partial index filter (allowed: field equality, ${[...FIELD_OPERATORS].join(', ')}, $and, $or)`,
      })
    } else if (
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.keys(v).some((o) => o.startsWith('$'))
    ) {
      for (const [op, arg] of Object.entries(v)) {
        if (!FIELD_OPERATORS.has(op))
          out.push({
            path: [...at, op],
            message: `"${op}" is not allowed in a partial index filter (allowed: field equality, ${[...FIELD_OPERATORS].join(', ')}, $and, $or)`,
          })
        else if (op === '$exists' && arg !== true)
          out.push({path: [...at, op], message: 'a partial index filter allows only $exists: true'})
      }
    }
  }
  return out
}

const indexSchema = z
  .object({
    keys,
    name: z.string().min(1).max(127).optional(),
    unique: z.boolean().optional(),
    sparse: z.boolean().optional(),
    partialFilterExpression: z
      .record(z.string(), z.unknown())
      .superRefine((f, ctx) => {
        for (const issue of partialFilterIssues(f, []))
          ctx.addIssue({code: 'custom', path: issue.path, message: issue.message})
      })
      .optional(),
    expireAfterSeconds: z.number().int().min(0).max(2_147_483_647).optional(),
    collation: z.record(z.string(), z.unknown()).optional(),
    hidden: z.boolean().optional(),
  })
  .strict()
  .refine((i) => i.expireAfterSeconds === undefined || Object.keys(i.keys).length === 1, {
    message: 'expireAfterSeconds (TTL) needs a single-field index',
    path: ['expireAfterSeconds'],
  })
  .refine((i) => !(i.sparse && i.partialFilterExpression), {
    message: 'sparse and partialFilterExpression cannot be combined',
    path: ['sparse'],
  })

const BSON_TYPES = [
  'double',
  'string',
  'object',
  'array',
  'binData',
  'objectId',
  'bool',
  'date',
  'null',
  'regex',
  'javascript',
  'int',
  'timestamp',
  'long',
  'decimal',
  'minKey',
  'maxKey',
  'number',
]
const SCHEMA_KEYWORDS = new Set([
  'bsonType',
  'type',
  'required',
  'properties',
  'patternProperties',
  'additionalProperties',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minProperties',
  'maxProperties',
  'dependencies',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'title',
  'description',
])

/** MongoDB's $jsonSchema dialect (draft 4 with bsonType, without $ref/default/format): one issue per bad node, with its path. */
function jsonSchemaIssues(
  node: unknown,
  path: Array<string | number>,
): Array<{path: Array<string | number>; message: string}> {
  if (typeof node !== 'object' || node === null || Array.isArray(node))
    return [{path, message: 'a JSON Schema is an object'}]
  const out: Array<{path: Array<string | number>; message: string}> = []
  for (const [k, v] of Object.entries(node)) {
    const at = [...path, k]
    if (!SCHEMA_KEYWORDS.has(k)) out.push({path: at, message: `"${k}" is not a $jsonSchema keyword`})
    else if (
      k === 'bsonType' &&
      !(typeof v === 'string'
        ? BSON_TYPES.includes(v)
        : Array.isArray(v) && v.length > 0 && v.every((t) => BSON_TYPES.includes(t)))
    )
      out.push({path: at, message: `bsonType must be one of ${BSON_TYPES.join(', ')}`})
    else if (k === 'required' && !(Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')))
      out.push({path: at, message: 'required is a non-empty list of field names'})
    else if (
      (k === 'properties' || k === 'patternProperties') &&
      (typeof v !== 'object' || v === null || Array.isArray(v))
    )
      out.push({path: at, message: `${k} is an object of schemas`})
    else if (k === 'properties' || k === 'patternProperties')
      for (const [p, s] of Object.entries(v as object)) out.push(...jsonSchemaIssues(s, [...at, p]))
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && !(Array.isArray(v) && v.length > 0))
      out.push({path: at, message: `${k} is a non-empty list of schemas`})
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf')
      (v as unknown[]).forEach((s, i) => out.push(...jsonSchemaIssues(s, [...at, i])))
    else if (k === 'items' && !Array.isArray(v)) out.push(...jsonSchemaIssues(v, at))
    else if (k === 'not') out.push(...jsonSchemaIssues(v, at))
    else if (k === 'enum' && !(Array.isArray(v) && v.length > 0))
      out.push({path: at, message: 'enum is a non-empty list'})
    else if (
      [
        'minimum',
        'maximum',
        'minLength',
        'maxLength',
        'minItems',
        'maxItems',
        'minProperties',
        'maxProperties',
        'multipleOf',
      ].includes(k) &&
      typeof v !== 'number'
    )
      out.push({path: at, message: `${k} is a number`})
  }
  return out
}

const validator = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  if (v.$jsonSchema !== undefined)
    for (const issue of jsonSchemaIssues(v.$jsonSchema, ['$jsonSchema']))
      ctx.addIssue({code: 'custom', path: issue.path, message: issue.message})
})

const collectionSchema = z
  .object({
    name: z
      .string()
      .regex(/^[^$\0]{1,120}$/, 'a collection name has no "$" and at most 120 characters')
      .refine((n) => !n.startsWith('system.'), 'system.* collections are reserved'),
    validator: validator.optional(),
    validationLevel: z.enum(['off', 'strict', 'moderate']).optional(),
    validationAction: z.enum(['error', 'warn']).optional(),
    options: z
      .object({
        capped: z
          .object({size: z.number().int().positive(), max: z.number().int().positive().optional()})
          .strict()
          .optional(),
        timeseries: z
          .object({
            timeField: z.string().min(1),
            metaField: z.string().min(1).optional(),
            granularity: z.enum(['seconds', 'minutes', 'hours']).optional(),
          })
          .strict()
          .optional(),
        collation: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    indexes: z.array(indexSchema).default([]),
  })
  .strict()

export const dbSpecSchema = z
  .object({
    database: z
      .string()
      .regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'a database name has at most 63 characters and none of /\\. "$*<>:|?'),
    collections: z.array(collectionSchema).min(1),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = new Set<string>()
    spec.collections.forEach((c, i) => {
      if (names.has(c.name))
        ctx.addIssue({code: 'custom', path: ['collections', i, 'name'], message: `duplicate collection "${c.name}"`})
      names.add(c.name)
      const idx = new Set<string>()
      c.indexes.forEach((ix, j) => {
        const n = indexName(ix)
        if (idx.has(n))
          ctx.addIssue({code: 'custom', path: ['collections', i, 'indexes', j], message: `duplicate index name "${n}"`})
        idx.add(n)
      })
    })
  })

export type DbSpec = z.infer<typeof dbSpecSchema>
export type CollectionSpec = z.infer<typeof collectionSchema>
export type IndexSpec = z.infer<typeof indexSchema>

/** MongoDB's default index name: field_value pairs joined by underscores. */
export function indexName(ix: Pick<IndexSpec, 'keys' | 'name'>): string {
  return (
    ix.name ??
    Object.entries(ix.keys)
      .map(([k, v]) => `${k}_${v}`)
      .join('_')
  )
}
