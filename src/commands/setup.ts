import {Flags} from '@oclif/core'
import {AtlasCommand} from '../base/atlas-command.js'
import {timeoutFlag} from '../base/flags.js'
import {type Provider, PROVIDERS, REGIONS} from '../atlas/catalog.js'
import {parseDuration} from '../lib/duration.js'
import {UsageError} from '../lib/errors.js'
import {describePrice} from '../lib/prices.js'
import {commandLine} from '../lib/text.js'
import {parseEntry} from '../services/access-list.js'
import {CLUSTER_NAME} from '../services/clusters.js'
import {resolveOrgId} from '../services/projects.js'
import {runSetup, type SetupResult} from '../services/setup.js'
import {DEFAULT_ROLE, parseRole} from '../services/users.js'
import {checkPasswordDestination, deliverCredentials, passwordLines} from '../ui/credentials.js'
import {reportWait, startProgress} from '../ui/spinner.js'

type Result = Omit<SetupResult, 'credentials'> & {connectionString?: string; password?: string; credentialsFile?: string}

export default class Setup extends AtlasCommand<Result> {
  static override summary = 'One command from nothing to a connection string: project, free cluster, database user, access list.'
  static override description =
    'Creates or reuses a project, creates the cluster (M0 by default), a database user with a generated password, and the access list entries you name; waits for the cluster; then prints the connection string or writes MONGODB_URI, MONGODB_USERNAME and MONGODB_PASSWORD to --env-file (mode 0600; other lines kept). Steps already done are reused, so a re-run completes a half-finished setup. On a terminal it asks for what is missing.'
  static override examples = [
    '<%= config.bin %> setup',
    '<%= config.bin %> setup --project studymaster --ip 203.0.113.7 --env-file .env',
    '<%= config.bin %> setup --project hack --tier M0 --provider GCP --region CENTRAL_US --ip 0.0.0.0/0 --allow-anywhere --env-file .env --json',
  ]

  static override flags = {
    project: Flags.string({char: 'p', description: 'Project name, created if missing (default: quickstart).'}),
    'org-id': Flags.string({description: 'Organization for a new project (default: the profile\'s, or the only one).'}),
    cluster: Flags.string({description: 'Cluster name (default: Cluster0).'}),
    tier: Flags.string({description: 'M0 (default), FLEX, or M10 and up.'}),
    provider: Flags.option({options: PROVIDERS, description: 'Cloud provider (default AWS).'})(),
    region: Flags.string({description: 'Atlas region (default US_EAST_1 on AWS).'}),
    username: Flags.string({description: 'Database user (default: app).'}),
    role: Flags.string({multiple: true, description: `ROLE@DB[.COLLECTION]; repeatable (default ${DEFAULT_ROLE}).`}),
    ip: Flags.string({multiple: true, description: 'Access list entry (address or CIDR); repeatable.'}),
    'allow-anywhere': Flags.boolean({description: 'Allow --ip 0.0.0.0/0.'}),
    'env-file': Flags.string({description: 'Write MONGODB_URI, MONGODB_USERNAME and MONGODB_PASSWORD here (mode 0600; other lines kept).'}),
    'credentials-file': Flags.string({description: 'Also write a credential bundle (JSON, mode 0600).'}),
    'show-password': Flags.boolean({description: 'Print the password (and include it in --json).'}),
    timeout: timeoutFlag,
  }

  private shownOnce: string[] = []

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(Setup)
    const p = this.prompt
    const ask = <V>(value: V | undefined, fallback: V, question: () => Promise<V>): Promise<V> => (value !== undefined ? Promise.resolve(value) : p.interactive ? question() : Promise.resolve(fallback))
    const projectName = await ask(flags.project, 'quickstart', () => p.input({flag: 'project', message: 'Project name:', default: 'quickstart'}))
    const name = await ask(flags.cluster, 'Cluster0', () => p.input({flag: 'cluster', message: 'Cluster name:', default: 'Cluster0', validate: (v) => (CLUSTER_NAME.test(v) ? true : 'letters, digits and hyphens')}))
    const tier = (await ask(flags.tier, 'M0', () => p.select({flag: 'tier', message: 'Tier', choices: ['M0', 'FLEX', 'M10'].map((t) => ({name: `${t.padEnd(5)} ${describePrice(t)}`, value: t})), default: 'M0'}))).toUpperCase()
    const provider = await ask<Provider>(flags.provider, 'AWS', () => p.select({flag: 'provider', message: 'Cloud provider', choices: PROVIDERS.map((x) => ({name: x, value: x})), default: 'AWS'}))
    const defaultRegion = {AWS: 'US_EAST_1', GCP: 'CENTRAL_US', AZURE: 'US_EAST_2'}[provider]
    const region = await ask(flags.region, defaultRegion, () => p.select({flag: 'region', message: `${provider} region`, choices: REGIONS[provider].map((r) => ({name: r, value: r})), default: defaultRegion}))
    const username = await ask(flags.username, 'app', () => p.input({flag: 'username', message: 'Database user:', default: 'app'}))
    const ips = flags.ip ?? (p.interactive ? (await p.input({flag: 'ip', message: 'IP addresses or CIDR blocks that may connect (space-separated; empty for none):', default: ''})).split(/[\s,]+/).filter(Boolean) : [])
    const entries = ips.map(parseEntry)
    if (entries.some((e) => e.anywhere) && !flags['allow-anywhere']) throw new UsageError('Refusing 0.0.0.0/0: it opens the project to the whole internet. Pass --allow-anywhere if you mean it.', {code: 'ANYWHERE_REFUSED', details: {flag: 'allow-anywhere'}})
    if (entries.some((e) => e.anywhere)) this.out.warn('0.0.0.0/0 lets any address reach the cluster (the password still applies).')
    const roles = (flags.role ?? [DEFAULT_ROLE]).map(parseRole)
    const timeoutMs = parseDuration(flags.timeout, 'timeout')
    const output = {credentialsFile: flags['credentials-file'], showPassword: flags['show-password'] || Boolean(flags['env-file']), json: this.jsonEnabled()}
    checkPasswordDestination(output, true)

    const settings = await this.settings({orgId: flags['org-id']})
    const client = await this.atlas(settings)
    const progress = await startProgress(`Setting up ${projectName}/${name}`, {json: this.jsonEnabled()})
    try {
      const r = await runSetup(client, {
        projectName, orgId: () => resolveOrgId(client, settings.orgId),
        spec: {name, provider, region, tier}, username, roles, entries, envFile: flags['env-file'],
        // A re-run reuses every step done and waits again.
        wait: {timeoutMs, onProgress: reportWait(progress, `Cluster ${name}`), resume: commandLine(['atlasctl', 'setup', ...this.argv])},
        maxUsers: settings.limits.maxDbUsers, maxEntries: settings.limits.maxAccessEntries,
        log: (line) => progress.update(line),
      })
      progress.succeed(`Ready: ${r.cluster.name} (${r.cluster.tier}) in ${r.project.name}.`)
      const {credentials, ...rest} = r
      const shown = {...output, showPassword: flags['show-password']}
      this.shownOnce = flags['env-file'] ? [] : passwordLines(credentials, shown)
      return {...rest, ...deliverCredentials(credentials, shown)}
    } catch (error) {
      progress.fail('Setup stopped; run the same command again to continue where it stopped.')
      throw error
    }
  }

  protected override render(r: Result): void {
    this.out.data([
      `project ${r.project.name}: ${r.steps.project}; cluster ${r.cluster.name} (${r.cluster.tier}): ${r.steps.cluster}; user ${r.user}: ${r.steps.user}; access list: ${r.steps.accessList}.`,
      ...(r.envFile ? [`Wrote MONGODB_URI, MONGODB_USERNAME and MONGODB_PASSWORD to ${r.envFile} (mode 0600).`] : []),
      ...(r.credentialsFile ? [`Credentials written to ${r.credentialsFile} (mode 0600).`] : []),
      ...(r.password ? [`Password: ${r.password}`, `Connection string: ${r.connectionString}`] : this.shownOnce.length > 0 ? this.shownOnce : [`Connection string: ${r.connectionString ?? '(none yet)'}`]),
    ].join('\n'))
  }
}
