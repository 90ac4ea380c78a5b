import {AuthError, UsageError} from '../lib/errors.js'
import {redactor} from '../lib/secrets.js'
import {baseUrlProblem, DEFAULT_BASE_URL, type Profile} from './schema.js'
import type {ConfigStore} from './store.js'

type Source = 'flag' | 'env' | 'profile' | 'default'

export type Credentials =
  | {type: 'apiKey'; publicKey: string; privateKey: string}
  | {type: 'serviceAccount'; clientId: string; clientSecret: string}

export interface Settings {
  profile?: string
  credentials?: Credentials
  orgId?: string
  projectId?: string
  clusterName?: string
  baseUrl: string
  limits: {maxDbUsers?: number; maxAccessEntries?: number}
  sources: Partial<Record<'credentials' | 'orgId' | 'projectId' | 'clusterName' | 'baseUrl', Source>>
}

/** The environment names of the official Atlas CLI first, then the short ones cron scripts use. */
const ENV_NAMES = {
  publicApiKey: ['MONGODB_ATLAS_PUBLIC_API_KEY', 'ATLAS_PUBLIC_KEY'],
  privateApiKey: ['MONGODB_ATLAS_PRIVATE_API_KEY', 'ATLAS_PRIVATE_KEY'],
  clientId: ['MONGODB_ATLAS_CLIENT_ID'],
  clientSecret: ['MONGODB_ATLAS_CLIENT_SECRET'],
  orgId: ['MONGODB_ATLAS_ORG_ID', 'ATLAS_ORG_ID'],
  projectId: ['MONGODB_ATLAS_PROJECT_ID', 'ATLAS_PROJECT_ID'],
  clusterName: ['ATLAS_CLUSTER_NAME'],
  baseUrl: ['MONGODB_ATLAS_OPS_MANAGER_URL', 'ATLAS_BASE_URL'],
} as const

function fromEnv(env: NodeJS.ProcessEnv, key: keyof typeof ENV_NAMES): string | undefined {
  for (const name of ENV_NAMES[key]) {
    const v = env[name]
    if (v !== undefined && v !== '') return v
  }
  return undefined
}

export interface SettingsInput {
  store: ConfigStore
  /** --profile (or ATLASCTL_PROFILE, which oclif folds into the flag). */
  profileFlag?: string
  flags?: {projectId?: string; orgId?: string; clusterName?: string; baseUrl?: string}
  env?: NodeJS.ProcessEnv
}

/** An absolute http(s) URL; anything else (e.g. `example.com`) is exit 2 naming the value and where it came from. */
function checkBaseUrl(value: string, from: string): void {
  const problem = baseUrlProblem(value)
  if (problem)
    throw new UsageError(`Invalid Atlas base URL "${value}" (from ${from}): it ${problem}.`, {
      code: 'INVALID_BASE_URL',
      details: {value, from},
    })
}

/** The base URL: flag > environment > profile > default, checked (exit 2 naming the value and where it came from). */
export function baseUrlFor(o: {flag?: string; profile: Profile; profileName?: string; env?: NodeJS.ProcessEnv}): {
  url: string
  source: Source
} {
  const env = o.env ?? process.env
  const e = fromEnv(env, 'baseUrl')
  const [url, source]: [string, Source] = o.flag
    ? [o.flag, 'flag']
    : e
      ? [e, 'env']
      : o.profile.baseUrl
        ? [o.profile.baseUrl, 'profile']
        : [DEFAULT_BASE_URL, 'default']
  const from = {
    flag: '--base-url',
    env: ENV_NAMES.baseUrl.find((n) => env[n]) ?? 'the environment',
    profile: `profile "${o.profileName}"`,
    default: 'the default',
  }[source]
  checkBaseUrl(url, from)
  return {url: url.replace(/\/+$/, ''), source}
}

/** Precedence: flag > environment > profile > default. */
export function resolveSettings({store, profileFlag, flags = {}, env = process.env}: SettingsInput): Settings {
  let profileName = profileFlag
  let profile: Profile = {}
  if (profileName) {
    profile = store.requireProfile(profileName)
  } else {
    profileName = store.activeProfile
    if (profileName) profile = store.getProfile(profileName) ?? {}
  }

  const sources: Settings['sources'] = {}
  const pick = (key: 'orgId' | 'projectId' | 'clusterName', profileValue?: string): string | undefined => {
    const flag = flags[key]
    if (flag) return ((sources[key] = 'flag'), flag)
    const e = fromEnv(env, key)
    if (e) return ((sources[key] = 'env'), e)
    if (profileValue) return ((sources[key] = 'profile'), profileValue)
    return undefined
  }

  const envKeys = {
    pub: fromEnv(env, 'publicApiKey'),
    priv: fromEnv(env, 'privateApiKey'),
    id: fromEnv(env, 'clientId'),
    secret: fromEnv(env, 'clientSecret'),
  }
  let credentials: Credentials | undefined
  if (envKeys.id && envKeys.secret) {
    credentials = {type: 'serviceAccount', clientId: envKeys.id, clientSecret: envKeys.secret}
    sources.credentials = 'env'
  } else if (envKeys.pub && envKeys.priv) {
    credentials = {type: 'apiKey', publicKey: envKeys.pub, privateKey: envKeys.priv}
    sources.credentials = 'env'
  } else if (envKeys.pub || envKeys.priv || envKeys.id || envKeys.secret) {
    throw new AuthError(
      'Incomplete credentials in the environment: set both halves of the API key pair or of the service account.',
      {
        hint: `API keys: ${ENV_NAMES.publicApiKey[0]} and ${ENV_NAMES.privateApiKey[0]}; service accounts: ${ENV_NAMES.clientId[0]} and ${ENV_NAMES.clientSecret[0]}.`,
      },
    )
  } else if (profile.authType === 'serviceAccount' && profile.clientId && profile.clientSecret) {
    credentials = {type: 'serviceAccount', clientId: profile.clientId, clientSecret: profile.clientSecret}
    sources.credentials = 'profile'
  } else if (profile.publicApiKey && profile.privateApiKey) {
    credentials = {type: 'apiKey', publicKey: profile.publicApiKey, privateKey: profile.privateApiKey}
    sources.credentials = 'profile'
  }
  if (credentials?.type === 'apiKey') redactor.add(credentials.privateKey)
  if (credentials?.type === 'serviceAccount') redactor.add(credentials.clientSecret)

  const {url: baseUrl, source} = baseUrlFor({flag: flags.baseUrl, profile, profileName, env})
  sources.baseUrl = source
  return {
    profile: profileName,
    credentials,
    orgId: pick('orgId', profile.orgId),
    projectId: pick('projectId', profile.projectId),
    clusterName: pick('clusterName'),
    baseUrl,
    limits: {maxDbUsers: profile.maxDbUsers, maxAccessEntries: profile.maxAccessEntries},
    sources,
  }
}
