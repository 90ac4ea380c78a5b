import fs from 'node:fs'
import path from 'node:path'
import type Conf from 'conf'
import {AuthError, NotFoundError, UsageError} from '../lib/errors.js'
import {describeIssues, type Issue} from '../lib/issues.js'
import {CONFIG_FILE_NAME} from './output-preference.js'
import {
  type ConfigFile,
  configFileSchema,
  type Profile,
  type ProfileKey,
  profileSchema,
  profileValueProblem,
  SECRET_KEYS,
} from './schema.js'

function invalidFile(file: string, issues: readonly Issue[]): AuthError {
  return new AuthError(
    `The config file ${file} is invalid: ${describeIssues(issues).join('; ')}. It was left unchanged.`,
    {
      code: 'CONFIG_INVALID',
      hint: 'Fix the named keys, or move the file and run "atlasctl config init".',
    },
  )
}

/**
 * Profiles and credentials in one `conf` file (mode 0600). The file is validated before conf
 * touches it, so a malformed file is reported and left exactly as it was.
 */
export class ConfigStore {
  readonly file: string
  private conf?: Conf<ConfigFile>

  private constructor(readonly dir: string) {
    this.file = path.join(dir, CONFIG_FILE_NAME)
  }

  static async open(dir: string): Promise<ConfigStore> {
    const store = new ConfigStore(dir)
    store.check()
    const {default: ConfCtor} = await import('conf')
    store.conf = new ConfCtor<ConfigFile>({
      cwd: dir,
      configName: 'config',
      configFileMode: 0o600,
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
    })
    return store
  }

  private check(): void {
    let text: string
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new AuthError(
        `The config file ${this.file} is not valid JSON (${(error as Error).message}). It was left unchanged.`,
        {
          code: 'CONFIG_INVALID',
          hint: `Fix or move the file, then run "atlasctl config init".`,
        },
      )
    }
    const parsed = configFileSchema.safeParse(json)
    if (!parsed.success) throw invalidFile(this.file, parsed.error.issues)
  }

  private get data(): ConfigFile {
    const parsed = configFileSchema.safeParse(this.conf!.store)
    if (!parsed.success) throw invalidFile(this.file, parsed.error.issues)
    return parsed.data
  }

  get activeProfile(): string | undefined {
    return this.data.activeProfile
  }

  profileNames(): string[] {
    return Object.keys(this.data.profiles).sort()
  }

  profiles(): Record<string, Profile> {
    return this.data.profiles
  }

  getProfile(name: string): Profile | undefined {
    return this.data.profiles[name]
  }

  /** The profile, or exit 3 naming the profiles that exist. */
  requireProfile(name: string): Profile {
    const profile = this.getProfile(name)
    if (!profile) {
      const known = this.profileNames()
      throw new AuthError(
        `Unknown profile "${name}". Known profiles: ${known.length > 0 ? known.join(', ') : '(none)'}.`,
        {
          code: 'PROFILE_NOT_FOUND',
          hint:
            known.length > 0
              ? `Pass one of them with --profile, or run "atlasctl config init --profile ${name}".`
              : 'Run "atlasctl config init".',
          details: {profile: name, known},
        },
      )
    }
    return profile
  }

  saveProfile(name: string, profile: Profile, options: {activate?: boolean} = {}): void {
    const parsed = profileSchema.safeParse(profile)
    // Commands check each value as it is given, naming its flag; this is the last line of defence, still readable.
    if (!parsed.success)
      throw new UsageError(`Invalid profile "${name}": ${describeIssues(parsed.error.issues).join('; ')}.`, {
        code: 'INVALID_VALUE',
        details: {profile: name},
      })
    const valid = parsed.data
    const data = this.data
    data.profiles[name] = valid
    if (options.activate || !data.activeProfile) data.activeProfile = name
    this.write(data)
  }

  use(name: string): void {
    this.requireProfile(name)
    this.write({...this.data, activeProfile: name})
  }

  deleteProfile(name: string): void {
    this.requireProfile(name)
    const data = this.data
    delete data.profiles[name]
    if (data.activeProfile === name) delete data.activeProfile
    this.write(data)
  }

  private write(data: ConfigFile): void {
    if (!this.conf) throw new NotFoundError('config store is not open')
    this.conf.store = data
    fs.chmodSync(this.dir, 0o700)
    // conf creates the file with configFileMode; an older file keeps its mode, so tighten it.
    fs.chmodSync(this.file, 0o600)
  }
}

export function assertProfileKey(key: string): void {
  const shape = profileSchema.shape as Record<string, unknown>
  if (!(key in shape)) {
    throw new UsageError(`Unknown config key "${key}". Known keys: ${Object.keys(shape).join(', ')}.`, {details: {key}})
  }
}

export function parseProfileValue(key: string, value: string): Partial<Profile> {
  assertProfileKey(key)
  const problem = profileValueProblem(key as ProfileKey, value)
  if (problem) {
    // Names the value, except a secret's.
    const shown = SECRET_KEYS.some((k) => k === key) ? '' : ` "${value}"`
    throw new UsageError(`Invalid value${shown} for ${key}: ${problem}.`, {code: 'INVALID_VALUE', details: {key}})
  }
  return profileSchema.parse({[key]: value})
}
