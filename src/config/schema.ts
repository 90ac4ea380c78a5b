import {z} from 'zod'

const objectId = z.string().regex(/^[a-f0-9]{24}$/, 'must be a 24-character hexadecimal id')

export const profileSchema = z
  .object({
    authType: z.enum(['apiKey', 'serviceAccount']).optional(),
    publicApiKey: z.string().min(1).optional(),
    privateApiKey: z.string().min(1).optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    orgId: objectId.optional(),
    projectId: objectId.optional(),
    baseUrl: z.url({protocol: /^https?$/}).optional(),
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

export const DEFAULT_BASE_URL = 'https://cloud.mongodb.com'
