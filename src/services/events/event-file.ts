import fs from 'node:fs'
import {z} from 'zod'
import {PROVIDERS, REGIONS} from '../../atlas/catalog.js'
import {parseDuration} from '../../lib/duration.js'
import {UsageError} from '../../lib/errors.js'
import {describeIssues} from '../../lib/issues.js'
import {closeMatches} from '../../lib/text.js'
import {readSpecFile} from '../../lib/spec-file.js'
import {parseEntry} from '../access-list.js'

/** Atlas caps an organization's projects; a file far beyond that is a mistake, refused before it is parsed in full. */
const MAX_TEAMS = 1000
// 1,000 teams with leaders and ten members each fit in about 350 KB; parsing is what costs, so cap the bytes first.
const MAX_EVENT_FILE_BYTES = 512 * 1024

const slug = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/,
    'use 1-40 letters, digits, ".", "_" or "-", starting with a letter or digit',
  )
const zoned = z
  .string()
  .refine(
    (v) => !Number.isNaN(Date.parse(v)) && /T.*(Z|[+-]\d{2}:?\d{2})$/.test(v),
    'must be an ISO date-time with a zone, e.g. 2026-12-01T18:00Z',
  )
const duration = z.string().refine((v) => {
  try {
    return parseDuration(v, 'grace') > 0
  } catch {
    return false
  }
}, 'must be a duration such as 48h or 7d')
const entry = z.string().refine((v) => {
  try {
    return !parseEntry(v).anywhere
  } catch {
    return false
  }
}, 'must be an IP address or CIDR block (0.0.0.0/0 is openNetworkAccess: true)')

/** Leaders and members are names in the bundles; with `--invite` they are Atlas users, named by their email. */
const named = z.string().trim().min(1)
const invitee = z.email('must be an email address (the Atlas user that --invite adds to the project)')

const schemaFor = (person: typeof named | typeof invitee) =>
  z
    .object({
      id: slug,
      name: z.string().min(1).max(200),
      endsAt: zoned,
      defaults: z
        .object({
          provider: z.enum(PROVIDERS).default('AWS'),
          region: z.string().min(1).default('US_EAST_1'),
          tier: z.enum(['M0', 'FLEX']).default('M0'),
          openNetworkAccess: z.boolean().default(false),
          accessList: z.array(entry).default([]),
          maxDbUsers: z.number().int().min(1).max(100).default(5),
          maxAccessEntries: z.number().int().min(1).max(200).default(20),
        })
        .strict()
        .default({
          provider: 'AWS',
          region: 'US_EAST_1',
          tier: 'M0',
          openNetworkAccess: false,
          accessList: [],
          maxDbUsers: 5,
          maxAccessEntries: 20,
        }),
      cleanup: z
        .object({auto: z.boolean().default(false), grace: duration.optional()})
        .strict()
        .default({auto: false}),
      teams: z
        .array(
          z
            .object({
              id: slug,
              name: z.string().min(1).max(200),
              leader: person.optional(),
              members: z.array(person).default([]),
            })
            .strict()
            .superRefine((t, ctx) => {
              // One role per person in a project: the leader's.
              const seen = new Set(t.leader ? [t.leader.toLowerCase()] : [])
              t.members.forEach((m, i) => {
                if (seen.has(m.toLowerCase()))
                  ctx.addIssue({code: 'custom', path: ['members', i], message: `${m} is listed twice in team ${t.id}`})
                seen.add(m.toLowerCase())
              })
            }),
        )
        .min(1, 'list at least one team')
        .max(MAX_TEAMS, `at most ${MAX_TEAMS} teams per event`),
    })
    .strict()
    .superRefine((e, ctx) => {
      const {provider, region} = e.defaults
      if (!REGIONS[provider].includes(region)) {
        const close = closeMatches(region, [...REGIONS[provider]])
        ctx.addIssue({
          code: 'custom',
          path: ['defaults', 'region'],
          message: `"${region}" is not a ${provider} region${close.length ? `; did you mean ${close.join(', ')}?` : ''}`,
        })
      }
      const seen = new Set<string>()
      // Derived names are cut to Atlas's limits; two teams must never land on one project.
      const projects = new Map<string, string>()
      e.teams.forEach((t, i) => {
        if (seen.has(t.id.toLowerCase()))
          ctx.addIssue({code: 'custom', path: ['teams', i, 'id'], message: `duplicate team id "${t.id}"`})
        seen.add(t.id.toLowerCase())
        const name = projectNameFor(e.id, t.id).toLowerCase()
        const other = projects.get(name)
        if (other !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['teams', i, 'id'],
            message: `team "${t.id}" would share the project ${projectNameFor(e.id, t.id)} with team "${other}" (project names are cut to 64 characters); use shorter event or team ids`,
          })
        else projects.set(name, t.id)
      })
    })
const eventSchema = schemaFor(named)
/** `--invite` needs every leader and member to be an email; files without invitations keep any names. */
const inviteSchema = schemaFor(invitee)
export type EventFile = z.infer<typeof eventSchema>
export type Team = EventFile['teams'][number]

export async function readEventFile(file: string, o: {invite?: boolean} = {}): Promise<EventFile> {
  return readSpecFile(file, o.invite ? inviteSchema : eventSchema, 'event file', MAX_EVENT_FILE_BYTES)
}

/**
 * A CSV roster (`id,name,leader,members` with members separated by ";") plus the event's flags.
 * Errors name the line.
 */
const ROSTER_FLAGS: Record<string, string> = {
  id: 'event-id',
  name: 'event-name',
  endsAt: 'ends-at',
  openNetworkAccess: 'open-network-access',
}

export function readRoster(
  file: string,
  event: {id: string; name?: string; endsAt: string; defaults?: Partial<EventFile['defaults']>},
  o: {invite?: boolean} = {},
): EventFile {
  let text: string
  try {
    if (fs.statSync(file).size > MAX_EVENT_FILE_BYTES)
      throw new UsageError(
        `The roster ${file} is larger than ${MAX_EVENT_FILE_BYTES / 1024} KB; an event has at most ${MAX_TEAMS} teams.`,
        {code: 'BAD_INPUT_FILE', details: {file}},
      )
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`Cannot read roster ${file}: ${(error as Error).message}`, {code: 'BAD_INPUT_FILE'})
  }
  const lines = text.split(/\r?\n/)
  if (lines.length > MAX_TEAMS + 1000)
    throw new UsageError(`The roster ${file} has ${lines.length} lines; an event has at most ${MAX_TEAMS} teams.`, {
      code: 'BAD_INPUT_FILE',
      details: {file},
    })
  const header = lines[0]?.split(',').map((h) => h.trim().toLowerCase()) ?? []
  if (!header.includes('id') || !header.includes('name'))
    throw new UsageError(`${file}:1: the header must name the columns id,name[,leader][,members].`, {
      code: 'BAD_INPUT_FILE',
    })
  const teams: unknown[] = []
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return
    const cells = line.split(',').map((c) => c.trim())
    if (cells.length > header.length)
      throw new UsageError(`${file}:${i + 2}: ${cells.length} columns, the header has ${header.length}.`, {
        code: 'BAD_INPUT_FILE',
      })
    const row = Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']))
    teams.push({
      id: row.id,
      name: row.name,
      ...(row.leader ? {leader: row.leader} : {}),
      members: row.members
        ? row.members
            .split(';')
            .map((m) => m.trim())
            .filter(Boolean)
        : [],
    })
  })
  const parsed = (o.invite ? inviteSchema : eventSchema).safeParse({
    id: event.id,
    name: event.name ?? event.id,
    endsAt: event.endsAt,
    defaults: event.defaults,
    teams,
  })
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues, {
      where: (issue) => {
        const [first, index, ...rest] = issue.path
        if (first === 'teams' && typeof index === 'number')
          return `${file}:${index + 2}: ${rest.map(String).join('.') || 'row'}`
        // The roster's event settings come from flags: name the flag.
        const key = first === 'defaults' ? String(index) : String(first)
        return `--${ROSTER_FLAGS[key] ?? key}`
      },
    })
    throw new UsageError(`Invalid roster:\n  ${problems.join('\n  ')}`, {
      code: 'BAD_INPUT_FILE',
      details: {issues: problems},
    })
  }
  return parsed.data
}

/** `mh-{eventId}-{teamId}`, sanitized to Atlas's project name rules (at most 64 characters). */
export function projectNameFor(eventId: string, teamId: string): string {
  return `mh-${eventId}-${teamId}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64)
}

/** Cluster names: letters, digits and hyphens; the team's own project keeps them unique. */
export function clusterNameFor(teamId: string): string {
  const s = teamId
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/^-+/, '')
    .slice(0, 23)
  return /^[A-Za-z0-9]/.test(s) ? s : `team-${s}`.slice(0, 23)
}

export const userNameFor = (teamId: string) => `${teamId}-admin`.slice(0, 64)

/** Tag values may hold letters, digits, spaces and ; @ _ - . + only: a compact UTC time. */
export const endsAtTag = (iso: string) =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
export const parseEndsAtTag = (tag: string) =>
  new Date(tag.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'))
