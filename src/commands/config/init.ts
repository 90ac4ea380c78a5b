import {Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {DEFAULT_BASE_URL, type Profile} from '../../config/schema.js'
import {baseUrlFor, type Credentials} from '../../config/settings.js'
import {AtlasCtlError} from '../../lib/errors.js'
import {
  checkInitValues,
  importAtlasCliProfiles,
  type AtlasCliImport,
  initProfile,
  type MaskedProfile,
  promptCheck,
  targetProfile,
} from '../../services/profiles.js'
import {listOrgs, listProjects, type ProjectSummary} from '../../services/projects.js'

export type Result = MaskedProfile | AtlasCliImport

export default class ConfigInit extends AtlasCommand<Result> {
  static override createsProfile = true
  static override summary = 'Create or update a profile: credentials, org, default project, base URL.'
  static override description =
    'Runs a wizard for the values not given as flags. With --non-interactive (or without a TTY) every required value must be a flag. The profile becomes the active one.'
  static override examples = [
    '<%= config.bin %> config init',
    '<%= config.bin %> config init --from-atlascli',
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
    'from-atlascli': Flags.boolean({
      description:
        "Import the official Atlas CLI's profiles (API keys, service accounts, org, project, base URL) from its config.toml; with --profile, only that one.",
      exclusive: ['auth-type', 'public-key', 'private-key', 'client-id', 'client-secret'],
    }),
    'atlascli-config': Flags.string({
      description:
        "The Atlas CLI's config.toml (default $XDG_CONFIG_HOME/atlascli/config.toml, else ~/.config/atlascli/config.toml).",
      dependsOn: ['from-atlascli'],
    }),
  }

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(ConfigInit)
    if (flags['from-atlascli']) return this.importAtlasCli(flags['atlascli-config'])
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
        (await p.input({flag: 'public-key', message: 'Public API key:', validate: promptCheck('publicApiKey')}))
      profile.privateApiKey =
        flags['private-key'] ??
        existing.privateApiKey ??
        (await p.password({flag: 'private-key', message: 'Private API key:'}))
    } else {
      profile.clientId =
        flags['client-id'] ??
        existing.clientId ??
        (await p.input({flag: 'client-id', message: 'Client id:', validate: promptCheck('clientId')}))
      profile.clientSecret =
        flags['client-secret'] ??
        existing.clientSecret ??
        (await p.password({flag: 'client-secret', message: 'Client secret:'}))
    }
    profile.baseUrl = flags['base-url'] ?? existing.baseUrl
    const orgId = flags['org-id'] ?? existing.orgId
    const projectId = flags['project-id'] ?? existing.projectId
    const picked =
      this.interactive && !orgId ? await this.pickOrgAndProject(name, profile, flags['base-url']) : undefined
    const typed = async (flag: 'org-id' | 'project-id', key: 'orgId' | 'projectId', message: string) =>
      this.interactive
        ? (await p.input({flag, message, validate: (v) => v === '' || promptCheck(key)(v)})) || undefined
        : undefined
    profile.orgId = orgId ?? (picked ? picked.orgId : await typed('org-id', 'orgId', 'Organization id (optional):'))
    profile.projectId =
      projectId ??
      (picked ? picked.projectId : await typed('project-id', 'projectId', 'Default project id (optional):'))
    profile.output = flags.output ?? existing.output
    const saved = initProfile(store, {name, ...profile})
    this.audit('config init', `profile ${name}`, 'ok', {profile: name})
    this.out.info(`Saved profile "${name}" to ${store.file} (mode 0600) and made it active.`)
    return saved
  }

  /**
   * On a terminal, the organizations and projects these keys can see, to pick from instead of typing ids. Keys that
   * Atlas refuses, or an Atlas that cannot be reached, are said at once; the ids can still be typed.
   */
  private async pickOrgAndProject(
    name: string,
    profile: Profile,
    baseUrlFlag: string | undefined,
  ): Promise<{orgId?: string; projectId?: string} | undefined> {
    const credentials: Credentials | undefined =
      profile.authType === 'serviceAccount'
        ? {type: 'serviceAccount', clientId: profile.clientId!, clientSecret: profile.clientSecret!}
        : {type: 'apiKey', publicKey: profile.publicApiKey!, privateKey: profile.privateApiKey!}
    const {url} = baseUrlFor({flag: baseUrlFlag, profile, profileName: name})
    const client = await this.atlasFor({baseUrl: url, credentials})
    let orgs: Array<{id: string; name: string}>
    let projects: ProjectSummary[]
    try {
      ;[orgs, projects] = await Promise.all([listOrgs(client), listProjects(client)])
    } catch (error) {
      if (!(error instanceof AtlasCtlError)) throw error
      this.out.warn(`Could not list the organizations these keys see at ${url}: ${error.message}`)
      return undefined
    }
    if (orgs.length === 0) return undefined
    const orgId =
      orgs.length === 1
        ? orgs[0].id
        : await this.prompt.select({
            flag: 'org-id',
            message: 'Organization',
            choices: orgs.map((o) => ({name: `${o.name} (${o.id})`, value: o.id})),
          })
    if (orgs.length === 1) this.out.info(`Organization: ${orgs[0].name} (${orgId}), the only one these keys see.`)
    const inOrg = projects.filter((x) => x.orgId === orgId)
    const projectId = await this.prompt.select<string>({
      flag: 'project-id',
      message: 'Default project',
      choices: [
        ...inOrg.map((x) => ({name: `${x.name} (${x.id})`, value: x.id})),
        {name: 'None: pass --project to each command', value: ''},
      ],
    })
    return {orgId, projectId: projectId || undefined}
  }

  private async importAtlasCli(file: string | undefined): Promise<AtlasCliImport> {
    const {defaultAtlasCliConfig, readAtlasCliProfiles} = await import('../../services/atlascli.js')
    const found = await readAtlasCliProfiles(file ?? defaultAtlasCliConfig(), 'atlascli-config')
    const store = await this.store()
    const r = importAtlasCliProfiles(store, found, this.globals.profile)
    for (const p of r.imported) this.audit('config init', `profile ${p.name} (from ${r.file})`, 'ok', {profile: p.name})
    for (const s of r.skipped) this.out.warn(`Not imported: profile "${s.name}": ${s.reason}.`)
    this.out.info(`Saved to ${store.file} (mode 0600); profile "${r.active}" is active.`)
    return r
  }

  protected override render(r: Result): void {
    if ('imported' in r) {
      this.out.data(
        r.imported
          .map(
            (p) =>
              `${p.name}${p.active ? ' (active)' : ''}: ${p.authType}, org ${p.orgId ?? '-'}, project ${p.projectId ?? '-'}${p.baseUrl ? `, ${p.baseUrl}` : ''}`,
          )
          .join('\n'),
      )
      return
    }
    this.out.data(
      Object.entries(r)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    )
  }
}
