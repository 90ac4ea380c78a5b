import {Flags} from '@oclif/core'
import type {AtlasClient} from '../atlas/client.js'
import {AtlasCommand} from '../base/atlas-command.js'
import {orgIdFlag, timeoutFlag} from '../base/flags.js'
import {type Provider, PROVIDERS, REGIONS} from '../atlas/catalog.js'
import {UsageError} from '../lib/errors.js'
import {checkSecretDestination} from '../lib/secret-file.js'
import {describePrice} from '../lib/prices.js'
import {commandLine} from '../lib/text.js'
import {checkAnywhere, currentAddress, type EntrySpec, parseEntry} from '../services/access-list.js'
import {CLUSTER_NAME} from '../services/clusters/clusters.js'
import {listOrgs, resolveOrgId} from '../services/projects.js'
import {
  checkDotenvOwner,
  existingUserConflict,
  existingUserWithoutPassword,
  type ExistingUserChoice,
  runSetup,
  type SetupResult,
} from '../services/setup.js'
import {DEFAULT_ROLE, keepPassword, parseRole} from '../services/users.js'
import {checkPasswordDestination, passwordLines, showUnsavedPassword, shownCredentials} from '../ui/credentials.js'
import {checkWith} from '../ui/prompts.js'
import {reportWait, startProgress} from '../ui/spinner.js'

export type Result = Omit<SetupResult, 'credentials'> & {
  connectionString?: string
  password?: string
  credentialsFile?: string
  passwordKnown: boolean
}

export default class Setup extends AtlasCommand<Result> {
  static override summary =
    'One command from nothing to a connection string: project, free cluster, database user, access list.'
  static override description =
    'Creates or reuses a project, creates the cluster (M0 by default), a database user with a generated password, and the access list entries you name; waits for the cluster; then prints the connection string or writes MONGODB_URI, MONGODB_USERNAME and MONGODB_PASSWORD to --dotenv FILE (mode 0600; other lines kept). Steps already done are reused, so a re-run completes a half-finished setup. An existing user keeps its password unless --rotate-password (or a yes on the terminal) asks for a new one. Without a terminal it needs --ip, --current-ip or --no-ip. On a terminal it asks for what is missing.'
  static override examples = [
    '<%= config.bin %> setup',
    '<%= config.bin %> setup --project studymaster --ip 203.0.113.7 --dotenv .env',
    '<%= config.bin %> setup --project studymaster --current-ip --dotenv .env --rotate-password',
    '<%= config.bin %> setup --project hack --tier M0 --provider GCP --region CENTRAL_US --ip 0.0.0.0/0 --allow-anywhere --dotenv .env --json',
  ]

  static override flags = {
    project: Flags.string({char: 'p', description: 'Project name, created if missing (default: quickstart).'}),
    'org-id': orgIdFlag,
    cluster: Flags.string({description: 'Cluster name (default: Cluster0).'}),
    tier: Flags.string({description: 'M0 (default), FLEX, or M10 and up.'}),
    provider: Flags.option({options: PROVIDERS, description: 'Cloud provider (default AWS).'})(),
    region: Flags.string({description: 'Atlas region (default US_EAST_1 on AWS).'}),
    username: Flags.string({description: 'Database user (default: app).'}),
    role: Flags.string({multiple: true, description: `ROLE@DB[.COLLECTION]; repeatable (default ${DEFAULT_ROLE}).`}),
    'rotate-password': Flags.boolean({
      description: 'Give an existing database user a new password (apps using the old one must get the new one).',
    }),
    ip: Flags.string({
      multiple: true,
      exclusive: ['no-ip'],
      description: 'Access list entry (address or CIDR); repeatable.',
    }),
    'current-ip': Flags.boolean({
      exclusive: ['no-ip'],
      description: "Add this machine's public address, as Atlas sees it, to the access list.",
    }),
    'no-ip': Flags.boolean({description: 'Add no access list entry (nothing can connect until "atlasctl ip add").'}),
    'allow-anywhere': Flags.boolean({description: 'Allow --ip 0.0.0.0/0.'}),
    dotenv: Flags.string({
      description:
        'Write MONGODB_URI, MONGODB_USERNAME and MONGODB_PASSWORD to this .env file (mode 0600; other lines kept).',
    }),
    'credentials-file': Flags.string({
      description: 'Also write a credential bundle (JSON, mode 0600; other users in it are kept).',
    }),
    'show-password': Flags.boolean({description: 'Print the password (and include it in --json).'}),
    timeout: timeoutFlag,
  }

  private shownOnce: string[] = []
  private held?: {username: string; password: string; connectionString?: string}

  protected override undelivered() {
    return this.held
  }

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(Setup)
    const p = this.prompt
    if (!p.interactive && !flags.ip && !flags['current-ip'] && !flags['no-ip']) {
      throw new UsageError(
        'Missing the access list: pass --ip ADDRESS, --current-ip, or --no-ip (no terminal to ask on). Without an entry nothing can connect to the cluster. Nothing was created.',
        {code: 'MISSING_FLAG', details: {flag: 'ip', flags: ['ip', 'current-ip', 'no-ip']}},
      )
    }
    const given = (flags.ip ?? []).map(parseEntry)
    const roles = (flags.role ?? [DEFAULT_ROLE]).map(parseRole)
    const timeoutMs = flags.timeout
    const output = {
      credentialsFile: flags['credentials-file'],
      showPassword: flags['show-password'] || Boolean(flags.dotenv),
      json: this.jsonEnabled(),
    }
    if (flags.dotenv) checkSecretDestination(flags.dotenv, 'dotenv')
    checkPasswordDestination(output, true)

    // Keys Atlas refuses are said before the first question, not after every answer has been typed.
    if (p.interactive) await listOrgs(await this.atlas(await this.settings({orgId: flags['org-id']})))

    const ask = <V>(value: V | undefined, fallback: V, question: () => Promise<V>): Promise<V> =>
      value !== undefined ? Promise.resolve(value) : p.interactive ? question() : Promise.resolve(fallback)
    const projectName = await ask(flags.project, 'quickstart', () =>
      p.input({flag: 'project', message: 'Project name:', default: 'quickstart'}),
    )
    const name = await ask(flags.cluster, 'Cluster0', () =>
      p.input({
        flag: 'cluster',
        message: 'Cluster name:',
        default: 'Cluster0',
        validate: (v) => (CLUSTER_NAME.test(v) ? true : 'letters, digits and hyphens'),
      }),
    )
    const tier = (
      await ask(flags.tier, 'M0', () =>
        p.select({
          flag: 'tier',
          message: 'Tier',
          choices: ['M0', 'FLEX', 'M10'].map((t) => ({name: `${t.padEnd(5)} ${describePrice(t)}`, value: t})),
          default: 'M0',
        }),
      )
    ).toUpperCase()
    const provider = await ask<Provider>(flags.provider, 'AWS', () =>
      p.select({
        flag: 'provider',
        message: 'Cloud provider',
        choices: PROVIDERS.map((x) => ({name: x, value: x})),
        default: 'AWS',
      }),
    )
    const defaultRegion = {AWS: 'US_EAST_1', GCP: 'CENTRAL_US', AZURE: 'US_EAST_2'}[provider]
    const region = await ask(flags.region, defaultRegion, () =>
      p.select({
        flag: 'region',
        message: `${provider} region`,
        choices: REGIONS[provider].map((r) => ({name: r, value: r})),
        default: defaultRegion,
      }),
    )
    const username = await ask(flags.username, 'app', () =>
      p.input({flag: 'username', message: 'Database user:', default: 'app'}),
    )

    if (flags.dotenv) checkDotenvOwner(flags.dotenv, username)

    const settings = await this.settings({orgId: flags['org-id']})
    const client = await this.atlas(settings)
    const entries = flags['current-ip']
      ? [...given, await currentAddress(client)]
      : flags.ip || flags['no-ip']
        ? given
        : await this.askEntries(client)
    // Typed at the prompt or given as a flag; either way before anything is created.
    if (checkAnywhere(entries, flags['allow-anywhere']).length > 0)
      this.out.warn('0.0.0.0/0 lets any address reach the cluster (the password still applies).')
    const userInput = {projectName, username, dotenv: flags.dotenv}
    const unknownPassword = !flags['rotate-password'] && (await existingUserWithoutPassword(client, userInput))
    const existingUser: ExistingUserChoice = flags['rotate-password']
      ? 'rotate'
      : unknownPassword
        ? await this.askRotate(username, projectName)
        : 'refuse'
    // Before the spinner, whose failure line says "run the same command again": that would not help here.
    if (unknownPassword && existingUser === 'refuse') throw existingUserConflict(userInput)

    const progress = await startProgress(`Setting up ${projectName}/${name}`, {json: this.jsonEnabled()})
    try {
      const r = await runSetup(client, {
        projectName,
        orgId: () => resolveOrgId(client, settings.orgId),
        spec: {name, provider, region, tier},
        username,
        roles,
        entries,
        dotenv: flags.dotenv,
        credentialsFile: flags['credentials-file'],
        existingUser,
        // A re-run reuses every step done and waits again; it must not rotate the password a second time.
        wait: {
          timeoutMs,
          onProgress: reportWait(progress, `Cluster ${name}`),
          resume: commandLine(['atlasctl', 'setup', ...this.argv.filter((w) => w !== '--rotate-password')]),
        },
        maxUsers: settings.limits.maxDbUsers,
        maxEntries: settings.limits.maxAccessEntries,
        log: (line) => progress.update(line),
        report: (...a) => this.audit(...a),
        keep: (...a) => keepPassword(...a).catch(showUnsavedPassword({json: this.jsonEnabled(), progress})),
        hold: (c) => (this.held = {username: c.username, password: c.password, connectionString: c.connectionString}),
      })
      progress.succeed(`Ready: ${r.cluster.name} (${r.cluster.tier}) in ${r.project.name}.`)
      // After the spinner has stopped, so the warning stays on the screen (and is in --json's warnings).
      if (r.accessListEmpty)
        this.out.warn(
          `The access list of ${r.project.name} is empty: nothing can connect to ${r.cluster.name} yet. Add this machine with "atlasctl ip add --current-ip --project ${r.project.name}".`,
        )
      const {credentials, ...rest} = r
      if (!credentials) {
        this.out.warn(
          `Database user ${username} already existed; its password was kept and is not known here (Atlas never returns one)${flags.dotenv || flags['credentials-file'] ? ', so no password was written' : ''}. For a new one: "atlasctl setup --project ${r.project.name} --rotate-password${flags.dotenv ? ` --dotenv ${flags.dotenv}` : ''}".`,
        )
        return {...rest, passwordKnown: false}
      }
      const shown = {...output, showPassword: flags['show-password']}
      this.shownOnce = flags.dotenv ? [] : passwordLines(credentials, shown)
      return {...rest, ...shownCredentials(credentials, shown), passwordKnown: true}
    } catch (error) {
      progress.fail('Setup stopped; run the same command again to continue where it stopped.')
      throw error
    }
  }

  /** On a terminal: offer this machine's address (as Atlas sees it), else ask for entries. */
  private async askEntries(client: AtlasClient): Promise<EntrySpec[]> {
    const p = this.prompt
    const current = await currentAddress(client).catch((error: Error) => {
      this.out.warn(`Could not learn this machine's public address from Atlas (${error.message}).`)
      return undefined
    })
    if (
      current &&
      (await p.confirm({message: `Allow connections from this machine's address ${current.value}?`, default: true}))
    )
      return [current]
    const entries = (v: string) =>
      v
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(parseEntry)
    const typed = await p.input({
      flag: 'ip',
      message: 'IP addresses or CIDR blocks that may connect (space-separated; empty for none):',
      default: '',
      validate: checkWith(entries),
    })
    return entries(typed)
  }

  /** The user exists and its password is unknown: a terminal may choose a new one; elsewhere --rotate-password must. */
  private async askRotate(username: string, projectName: string): Promise<ExistingUserChoice> {
    if (!this.prompt.interactive) return 'refuse'
    const yes = await this.prompt.confirm({
      message: `User ${username} exists in ${projectName}; its password is not known here. Give it a new one? (apps using the old one will need the new one)`,
      default: false,
    })
    return yes ? 'rotate' : 'keep'
  }

  protected override render(r: Result): void {
    this.out.data(
      [
        `project ${r.project.name}: ${r.steps.project}; cluster ${r.cluster.name} (${r.cluster.tier}): ${r.steps.cluster}; user ${r.user}: ${r.steps.user}; access list: ${r.steps.accessList}.`,
        ...(r.dotenv && r.passwordKnown
          ? [`Wrote MONGODB_URI, MONGODB_USERNAME and MONGODB_PASSWORD to ${r.dotenv} (mode 0600).`]
          : []),
        ...(r.credentialsFile ? [`Credentials written to ${r.credentialsFile} (mode 0600).`] : []),
        ...(r.password
          ? [`Password: ${r.password}`, `Connection string: ${r.connectionString}`]
          : this.shownOnce.length > 0
            ? this.shownOnce
            : [
                `Connection string${r.passwordKnown ? '' : ' (without the password)'}: ${r.connectionString ?? '(none yet)'}`,
              ]),
        ...(r.accessListEmpty ? ['No address can connect yet: the access list is empty (see the warning above).'] : []),
      ].join('\n'),
    )
  }
}
