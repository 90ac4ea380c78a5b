import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {type Profile, type ProfileKey, profileName, profileValueProblem} from '../config/schema.js'
import {UsageError} from '../lib/errors.js'
import {redactor} from '../lib/secrets.js'

/** Where the official Atlas CLI keeps its profiles on Linux: $XDG_CONFIG_HOME/atlascli/config.toml. */
export function defaultAtlasCliConfig(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'atlascli', 'config.toml')
}

export interface AtlasCliProfiles {
  file: string
  profiles: Array<{name: string; profile: Profile}>
  /** Profiles that cannot be imported, with why; never a secret. */
  skipped: Array<{name: string; reason: string}>
}

const GOV_BASE_URL = 'https://cloud.mongodbgov.com'

/** The Atlas CLI's key for each profile value. */
const KEYS: Array<[string, ProfileKey]> = [
  ['public_api_key', 'publicApiKey'],
  ['private_api_key', 'privateApiKey'],
  ['client_id', 'clientId'],
  ['client_secret', 'clientSecret'],
  ['org_id', 'orgId'],
  ['project_id', 'projectId'],
  ['ops_manager_url', 'baseUrl'],
]

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

/** One Atlas CLI profile as an atlasctl profile, or why it cannot be one. */
function convert(table: Record<string, unknown>): Profile | string {
  const profile: Profile = {}
  for (const [theirs, ours] of KEYS) {
    const value = text(table[theirs])
    if (value === undefined) continue
    if (ours === 'privateApiKey' || ours === 'clientSecret') redactor.add(value)
    const problem = profileValueProblem(ours, value)
    if (problem) return `its ${theirs} ${problem}`
    Object.assign(profile, {[ours]: value})
  }
  if (!profile.baseUrl && table.service === 'cloudgov') profile.baseUrl = GOV_BASE_URL
  const account = profile.clientId && profile.clientSecret
  const keys = profile.publicApiKey && profile.privateApiKey
  // A profile may hold both; the Atlas CLI's auth_type says which one it uses.
  const preferAccount = table.auth_type === 'service_account' || !keys
  if (account && preferAccount) return {...profile, authType: 'serviceAccount'}
  if (keys) return {...profile, authType: 'apiKey'}
  return table.access_token || table.refresh_token
    ? 'it holds an "atlas auth login" token; atlasctl needs API keys or a service account'
    : 'it holds no API key pair or service account (the Atlas CLI may keep them in the system keychain)'
}

/** The profiles of the Atlas CLI's config.toml that atlasctl can use; a missing or malformed file is exit 2. */
export async function readAtlasCliProfiles(file: string, flag: string): Promise<AtlasCliProfiles> {
  let source: string
  try {
    source = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`Cannot read the Atlas CLI config ${file}: ${(error as NodeJS.ErrnoException).code}.`, {
      code: 'BAD_INPUT_FILE',
      hint: `Pass its location with --${flag}.`,
      details: {flag, file},
    })
  }
  // Only when asked for: no other command pays for the parser.
  const {parse, TomlError} = await import('smol-toml')
  let doc: Record<string, unknown>
  try {
    doc = parse(source)
  } catch (error) {
    // Never the parser's message: it quotes the line, which may hold a key.
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : ''
    throw new UsageError(`The Atlas CLI config ${file} is not valid TOML${where}.`, {
      code: 'BAD_INPUT_FILE',
      details: {flag, file},
    })
  }
  const out: AtlasCliProfiles = {file, profiles: [], skipped: []}
  // Top-level values are the Atlas CLI's own settings (telemetry, mongosh path); each table is a profile.
  for (const [name, value] of Object.entries(doc)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue
    const profile = profileName.safeParse(name).success
      ? convert(value as Record<string, unknown>)
      : 'its name is not a valid profile name (letters, digits, ".", "_" or "-")'
    if (typeof profile === 'string') out.skipped.push({name, reason: profile})
    else out.profiles.push({name, profile})
  }
  return out
}
