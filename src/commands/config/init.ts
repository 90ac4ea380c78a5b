import {Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {DEFAULT_BASE_URL, type Profile} from '../../config/schema.js'
import {checkInitValues, initProfile, type MaskedProfile, targetProfile} from '../../services/profiles.js'

export type Result = MaskedProfile

export default class ConfigInit extends AtlasCommand<Result> {
  static override createsProfile = true
  static override summary = 'Create or update a profile: credentials, org, default project, base URL.'
  static override description =
    'Runs a wizard for the values not given as flags. With --non-interactive (or without a TTY) every required value must be a flag. The profile becomes the active one.'
  static override examples = [
    '<%= config.bin %> config init',
    '<%= config.bin %> config init --profile prod --non-interactive --public-key abcdefgh --private-key $KEY --org-id 5f1d7c6e0f3c2a1b4d5e6f70',
  ]

  static override flags = {
    'auth-type': Flags.option({options: ['apiKey', 'serviceAccount'] as const, description: 'How to authenticate.'})(),
    'public-key': Flags.string({description: 'API key: the public key.'}),
    'private-key': Flags.string({description: 'API key: the private key (stored in the profile file, mode 0600).'}),
    'client-id': Flags.string({description: 'Service account: the client id.'}),
    'client-secret': Flags.string({description: 'Service account: the client secret.'}),
    'org-id': Flags.string({description: 'Organization id.'}),
    'project-id': Flags.string({description: 'Default project id.'}),
    'base-url': Flags.string({description: `Atlas base URL (default ${DEFAULT_BASE_URL}).`}),
    output: Flags.option({options: ['human', 'json'] as const, description: 'Default output format.'})(),
  }

  protected async execute(): Promise<MaskedProfile> {
    const {flags} = await this.parse(ConfigInit)
    checkInitValues({
      publicApiKey: flags['public-key'],
      privateApiKey: flags['private-key'],
      clientId: flags['client-id'],
      clientSecret: flags['client-secret'],
      orgId: flags['org-id'],
      projectId: flags['project-id'],
      baseUrl: flags['base-url'],
    })
    const store = await this.store()
    const name = targetProfile(store, this.globals.profile)
    const existing = store.getProfile(name) ?? {}
    const p = this.prompt
    const authType =
      flags['auth-type'] ??
      (flags['client-id'] ? 'serviceAccount' : flags['public-key'] ? 'apiKey' : existing.authType) ??
      (await p.select({
        flag: 'auth-type',
        message: 'Authenticate with',
        choices: [
          {name: 'API key pair (HTTP digest)', value: 'apiKey' as const},
          {name: 'Service account (OAuth2 client credentials)', value: 'serviceAccount' as const},
        ],
      }))
    const profile: Profile = {...existing, authType}
    if (authType === 'apiKey') {
      profile.publicApiKey =
        flags['public-key'] ??
        existing.publicApiKey ??
        (await p.input({flag: 'public-key', message: 'Public API key:'}))
      profile.privateApiKey =
        flags['private-key'] ??
        existing.privateApiKey ??
        (await p.password({flag: 'private-key', message: 'Private API key:'}))
    } else {
      profile.clientId =
        flags['client-id'] ?? existing.clientId ?? (await p.input({flag: 'client-id', message: 'Client id:'}))
      profile.clientSecret =
        flags['client-secret'] ??
        existing.clientSecret ??
        (await p.password({flag: 'client-secret', message: 'Client secret:'}))
    }
    const optional = async (flag: string, value: string | undefined, current: string | undefined, message: string) =>
      value ?? (current !== undefined || !this.interactive ? current : (await p.input({flag, message})) || undefined)
    profile.orgId = await optional('org-id', flags['org-id'], existing.orgId, 'Organization id (optional):')
    profile.projectId = await optional(
      'project-id',
      flags['project-id'],
      existing.projectId,
      'Default project id (optional):',
    )
    profile.baseUrl = flags['base-url'] ?? existing.baseUrl
    profile.output = flags.output ?? existing.output
    const saved = initProfile(store, {name, ...profile})
    this.audit('config init', `profile ${name}`, 'ok', {profile: name})
    this.out.info(`Saved profile "${name}" to ${store.file} (mode 0600) and made it active.`)
    return saved
  }

  protected override render(r: MaskedProfile): void {
    this.out.data(
      Object.entries(r)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    )
  }
}
