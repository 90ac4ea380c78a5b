import {z} from 'zod'

export const DEFAULT_BASE_URL = 'https://cloud.mongodb.com'

const objectId = z.string().regex(/^[a-f0-9]{24}$/, 'must be a 24-character hexadecimal id')
const nonEmpty = z.string().min(1, 'must not be empty')

/** What is wrong with an Atlas base URL, or undefined: it must be an absolute http(s) URL with a host. */
export function baseUrlProblem(value: string): string | undefined {
  const url = URL.canParse(value) ? new URL(value) : undefined
  return url && (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname
    ? undefined
    : `must be an absolute http(s) URL such as ${DEFAULT_BASE_URL}`
}

export const profileSchema = z
  .object({
    authType: z.enum(['apiKey', 'serviceAccount']).optional(),
    publicApiKey: nonEmpty.optional(),
    privateApiKey: nonEmpty.optional(),
    clientId: nonEmpty.optional(),
    clientSecret: nonEmpty.optional(),
    orgId: objectId.optional(),
    projectId: objectId.optional(),
    baseUrl: z
      .string()
      .check((ctx) => {
        const problem = baseUrlProblem(ctx.value)
        if (problem) ctx.issues.push({code: 'custom', message: problem, input: ctx.value})
      })
      .optional(),
    /** Every command's default output (-o): `human` is the older name of `table`. */
    output: z.enum(['human', 'json', 'table', 'yaml']).optional(),
    /** Per-project caps enforced before any write (the hackathon seed uses 5 and 20). */
    maxDbUsers: z.coerce.number().int().positive().optional(),
    maxAccessEntries: z.coerce.number().int().positive().optional(),
  })
  .strict()
export type Profile = z.infer<typeof profileSchema>
export type ProfileKey = keyof Profile

export const PROFILE_KEYS = Object.keys(profileSchema.shape) as ProfileKey[]
export const SECRET_KEYS: readonly ProfileKey[] = ['privateApiKey', 'clientSecret']

/** What is wrong with one profile value, as given on the command line or typed at a prompt; undefined if it is good. */
export function profileValueProblem(key: ProfileKey, value: string): string | undefined {
  const parsed = profileSchema.shape[key].safeParse(value)
  return parsed.success ? undefined : parsed.error.issues[0]?.message
}

export const profileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use letters, digits, ".", "_" or "-" (at most 64)')

export const configFileSchema = z
  .object({
    activeProfile: profileName.optional(),
    profiles: z.record(profileName, profileSchema).default({}),
  })
  .strict()
export type ConfigFile = z.infer<typeof configFileSchema>
