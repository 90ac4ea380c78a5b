import {z} from 'zod'
import {
  type Profile,
  type ProfileKey,
  profileName,
  profileSchema,
  profileValueProblem,
  SECRET_KEYS,
} from '../config/schema.js'
import {assertProfileKey, type ConfigStore, parseProfileValue} from '../config/store.js'
import {ConflictError, UsageError} from '../lib/errors.js'
import {mask, redactor} from '../lib/secrets.js'
import {readSpecFile} from '../lib/spec-file.js'
import type {AtlasCliProfiles} from './atlascli.js'

export type MaskedProfile = Profile & {name: string; active: boolean}

function maskProfile(name: string, profile: Profile, active: boolean): MaskedProfile {
  const out: Record<string, unknown> = {name, active, ...profile}
  for (const key of SECRET_KEYS) if (out[key] !== undefined) out[key] = mask(out[key] as string)
  return out as MaskedProfile
}

export function listProfiles(store: ConfigStore): {active?: string; profiles: MaskedProfile[]; file: string} {
  const active = store.activeProfile
  return {
    active,
    file: store.file,
    profiles: Object.entries(store.profiles()).map(([n, p]) => maskProfile(n, p, n === active)),
  }
}

/** The profile a config command works on: --profile, else the active one, else "default". */
export function targetProfile(store: ConfigStore, flag?: string): string {
  return flag ?? store.activeProfile ?? 'default'
}

export function getValue(
  store: ConfigStore,
  name: string,
  key: string,
): {profile: string; key: string; value?: string} {
  const profile = store.requireProfile(name)
  assertProfileKey(key)
  const raw = profile[key as ProfileKey]
  const text = raw === undefined ? undefined : String(raw)
  return {profile: name, key, value: SECRET_KEYS.includes(key as ProfileKey) ? mask(text) : text}
}

export function setValue(
  store: ConfigStore,
  name: string,
  key: string,
  value: string,
): {profile: string; key: string; value?: string} {
  const secret = SECRET_KEYS.includes(key as ProfileKey)
  // Registered first, so that not even an error about the value can show it.
  if (secret) redactor.add(value)
  const patch = parseProfileValue(key, value)
  const current = store.getProfile(name) ?? {}
  store.saveProfile(name, {...current, ...patch})
  return {profile: name, key, value: secret ? mask(value) : value}
}

/** The flag of each value config init takes: its errors and prompts name it. */
const INIT_FLAGS = {
  publicApiKey: 'public-key',
  privateApiKey: 'private-key',
  clientId: 'client-id',
  clientSecret: 'client-secret',
  orgId: 'org-id',
  projectId: 'project-id',
  baseUrl: 'base-url',
} as const satisfies Partial<Record<ProfileKey, string>>
export type InitKey = keyof typeof INIT_FLAGS

/** A prompt's check of a typed value: the same check as its flag's, its problem shown under the prompt. */
export const promptCheck =
  (key: InitKey) =>
  (value: string): true | string =>
    profileValueProblem(key, value) ?? true

/** Values given as flags, checked before anything is asked or written: exit 2 naming the flag and the form it needs. */
export function checkInitValues(values: Partial<Record<InitKey, string>>): void {
  for (const key of Object.keys(INIT_FLAGS) as InitKey[]) {
    const value = values[key]
    const problem = value === undefined ? undefined : profileValueProblem(key, value)
    if (!problem) continue
    const flag = INIT_FLAGS[key]
    const secret = SECRET_KEYS.includes(key)
    throw new UsageError(`Invalid --${flag}${secret ? '' : ` "${value}"`}: it ${problem}.`, {
      code: 'INVALID_VALUE',
      details: {flag, ...(secret ? {} : {value})},
    })
  }
}

export interface InitInput extends Profile {
  name: string
}

export function initProfile(store: ConfigStore, input: InitInput): MaskedProfile {
  const {name, ...profile} = input
  redactor.add(profile.privateApiKey)
  redactor.add(profile.clientSecret)
  checkInitValues(profile)
  if (profile.authType === 'apiKey' && !(profile.publicApiKey && profile.privateApiKey)) {
    throw new UsageError('An API key profile needs both --public-key and --private-key.')
  }
  if (profile.authType === 'serviceAccount' && !(profile.clientId && profile.clientSecret)) {
    throw new UsageError('A service-account profile needs both --client-id and --client-secret.')
  }
  store.saveProfile(name, profile, {activate: true})
  return maskProfile(name, store.requireProfile(name), true)
}

export interface AtlasCliImport {
  /** The Atlas CLI config file read. */
  file: string
  imported: MaskedProfile[]
  skipped: Array<{name: string; reason: string}>
  active: string
}

/**
 * The Atlas CLI's profiles saved as atlasctl profiles of the same names (values it has replace those held here);
 * `only` imports one. The one named by `only`, else "default", else the first, becomes active.
 */
export function importAtlasCliProfiles(store: ConfigStore, found: AtlasCliProfiles, only?: string): AtlasCliImport {
  const wanted = only ? found.profiles.filter((p) => p.name === only) : found.profiles
  const skipped = only ? found.skipped.filter((s) => s.name === only) : found.skipped
  if (wanted.length === 0) {
    const known = [...found.profiles, ...found.skipped].map((p) => p.name)
    throw new UsageError(
      only && !known.includes(only)
        ? `The Atlas CLI config ${found.file} has no profile "${only}". Its profiles: ${known.join(', ') || '(none)'}.`
        : `No profile in ${found.file} can be imported: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ') || 'it has none'}.`,
      {code: 'NOTHING_TO_IMPORT', details: {file: found.file, skipped}},
    )
  }
  const active = only ?? (wanted.some((p) => p.name === 'default') ? 'default' : wanted[0].name)
  for (const {name, profile} of wanted) {
    checkInitValues(profile)
    store.saveProfile(name, {...store.getProfile(name), ...profile}, {activate: name === active})
  }
  return {
    file: found.file,
    imported: wanted.map(({name}) => maskProfile(name, store.requireProfile(name), name === active)),
    skipped,
    active,
  }
}

/** A file that carries a ready profile: an event's team bundle (`event provision --team-keys`). */
const bundleProfileSchema = z.looseObject({
  profile: profileSchema
    .pick({publicApiKey: true, privateApiKey: true, orgId: true, projectId: true, baseUrl: true})
    .required()
    .extend({name: profileName}),
})

export interface ImportInput {
  file: string
  /** The profile's name; default: the one the file gives. */
  name?: string
  /** Replace a profile of that name that holds other keys. */
  force?: boolean
  activate?: boolean
}

/** Saves the file's profile (the store stays 0600); importing the same file again changes nothing. */
export async function importProfile(store: ConfigStore, input: ImportInput): Promise<MaskedProfile> {
  const {profile} = await readSpecFile(input.file, bundleProfileSchema, 'credential bundle', 64 * 1024)
  redactor.add(profile.privateApiKey)
  const {name: given, ...keys} = profile
  const name = input.name ?? given
  if (input.name !== undefined && !profileName.safeParse(input.name).success)
    throw new UsageError(`Invalid --name "${input.name}": use letters, digits, ".", "_" or "-" (at most 64).`, {
      code: 'INVALID_PROFILE_NAME',
      details: {flag: 'name', value: input.name},
    })
  const existing = store.getProfile(name)
  if (existing && existing.publicApiKey !== keys.publicApiKey && !input.force)
    throw new ConflictError(`Profile "${name}" exists with other credentials; it was left as it is.`, {
      code: 'PROFILE_EXISTS',
      hint: `Import under another name (--name ${name}-2), or replace it with --force.`,
      details: {profile: name},
    })
  // A re-import keeps the profile's other settings; a replaced profile starts afresh.
  const kept = existing?.publicApiKey === keys.publicApiKey ? existing : {}
  store.saveProfile(name, {...kept, authType: 'apiKey', ...keys}, {activate: input.activate})
  return maskProfile(name, store.requireProfile(name), store.activeProfile === name)
}
