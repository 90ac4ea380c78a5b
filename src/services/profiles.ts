import {z} from 'zod'
import {type Profile, type ProfileKey, profileName, profileSchema, SECRET_KEYS} from '../config/schema.js'
import {assertProfileKey, type ConfigStore, parseProfileValue} from '../config/store.js'
import {ConflictError, UsageError} from '../lib/errors.js'
import {mask, redactor} from '../lib/secrets.js'
import {readSpecFile} from '../lib/spec-file.js'

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

export interface InitInput extends Profile {
  name: string
}

export function initProfile(store: ConfigStore, input: InitInput): MaskedProfile {
  const {name, ...profile} = input
  redactor.add(profile.privateApiKey)
  redactor.add(profile.clientSecret)
  if (profile.authType === 'apiKey' && !(profile.publicApiKey && profile.privateApiKey)) {
    throw new UsageError('An API key profile needs both --public-key and --private-key.')
  }
  if (profile.authType === 'serviceAccount' && !(profile.clientId && profile.clientSecret)) {
    throw new UsageError('A service-account profile needs both --client-id and --client-secret.')
  }
  store.saveProfile(name, profile, {activate: true})
  return maskProfile(name, store.requireProfile(name), true)
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
