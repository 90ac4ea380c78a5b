import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {credentialFlags, projectFlag, timeoutFlag, userWaitFlag} from '../../base/flags.js'
import {parseAtlasExpiry} from '../../lib/duration.js'
import {UsageError} from '../../lib/errors.js'
import {
  addUser,
  DEFAULT_ROLE,
  deleteUser,
  keepPassword,
  parseRole,
  type UserSummary,
  waitUntilUsable,
  writeCredentialsFile,
} from '../../services/users.js'
import {
  checkPasswordDestination,
  credentialReport,
  passwordLines,
  showUnsavedPassword,
  shownCredentials,
  waitForCredentials,
} from '../../ui/credentials.js'

export type Result = {
  user: UserSummary
  project: string
  credentialsFile?: string
  connectionString?: string
  password?: string
}

export default class UserAdd extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['dbusers:create']
  static override summary = 'Create a database user with a generated password.'
  static override description =
    'The password is crypto-random (32 letters and digits) unless --password-stdin is given. It is shown once on a terminal, or written with --credentials-file (mode 0600, with a ready connection string; other users in the file are kept); it never appears in logs or --debug traces. --show-password prints it (also in --json).'
  static override examples = [
    '<%= config.bin %> user add alice --project my-project --role readWrite@app --cluster main --credentials-file alice.json',
    '<%= config.bin %> user add ci-bot --role read@app.events --expires 48h --credentials-file bot.json',
    'vault read -field=pw secret/db | <%= config.bin %> user add svc --password-stdin',
  ]

  static override args = {username: Args.string({required: true, description: 'User name.'})}
  static override flags = {
    project: projectFlag,
    role: Flags.string({
      multiple: true,
      description: `ROLE@DB or ROLE@DB.COLLECTION (ROLE alone: ROLE@admin); repeatable (default ${DEFAULT_ROLE}).`,
    }),
    cluster: Flags.string({
      multiple: true,
      description: 'Limit the user to this cluster; repeatable (default: every cluster of the project).',
    }),
    expires: Flags.string({
      aliases: ['deleteAfter'],
      description:
        'Atlas deletes the user after this: a duration (48h) or a date-time (2026-12-01T00:00Z), at most 7 days.',
    }),
    description: Flags.string({description: 'A note on the user (at most 100 characters).'}),
    'password-stdin': Flags.boolean({description: 'Read the password from stdin instead of generating one.'}),
    ...credentialFlags,
    'max-users': Flags.integer({
      min: 1,
      description: "Refuse when the project already has this many users (default: the profile's maxDbUsers).",
    }),
    wait: userWaitFlag,
    timeout: timeoutFlag,
  }

  /** The password lines for the terminal; kept out of the result, so no JSON or log ever holds them. */
  private shownOnce: string[] = []

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(UserAdd)
    const roles = (flags.role ?? [DEFAULT_ROLE]).map(parseRole)
    const expires = flags.expires ? parseAtlasExpiry(flags.expires, 'expires') : undefined
    const timeoutMs = flags.timeout
    if (flags.description && flags.description.length > 100)
      throw new UsageError('--description has at most 100 characters.', {details: {flag: 'description'}})
    const output = {
      credentialsFile: flags['credentials-file'],
      showPassword: flags['show-password'],
      json: this.jsonEnabled(),
    }
    checkPasswordDestination(output, !flags['password-stdin'])
    const password = flags['password-stdin'] ? await readPassword() : undefined
    const settings = await this.settings({projectId: flags.project})
    const project = await this.project(flags.project)
    const client = await this.atlas()
    const r = await addUser(client, {
      project,
      username: args.username,
      roles,
      clusters: flags.cluster ?? [],
      expires,
      description: flags.description,
      password,
      maxUsers: flags['max-users'] ?? settings.limits.maxDbUsers,
    })
    const file = output.credentialsFile
    if (file)
      await keepPassword(
        r.credentials,
        file,
        () => writeCredentialsFile(file, r.credentials, (...a) => this.audit(...a)),
        () => deleteUser(client, project, args.username),
      ).catch(showUnsavedPassword({json: this.jsonEnabled()}))
    const credentials = this.shouldWait(flags.wait)
      ? await waitForCredentials(
          {
            json: this.jsonEnabled(),
            username: args.username,
            timeoutMs,
            resume: this.followUp(['cluster', 'list', '--project', project.name]),
          },
          r,
          (w) => waitUntilUsable(client, project, r, w),
        )
      : r.credentials
    // The password is kept already; this adds a connection string that an M0 still being created had not had.
    if (file && credentials.connectionString !== r.credentials.connectionString)
      writeCredentialsFile(file, credentials, (...a) => this.audit(...a))
    this.shownOnce = passwordLines(credentials, output)
    return {user: r.user, project: project.name, ...shownCredentials(credentials, output)}
  }

  protected override render(r: Result): void {
    this.out.data(
      credentialReport(
        `Created user ${r.user.username} in ${r.project}: ${r.user.roles.join(', ')}${r.user.clusters.length ? ` on ${r.user.clusters.join(', ')}` : ''}${r.user.expires ? `, expires ${r.user.expires}` : ''}.`,
        r,
        this.shownOnce,
      ),
    )
  }
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  const pw = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
  if (pw.length < 8)
    throw new UsageError('The password from stdin must have at least 8 characters.', {
      details: {flag: 'password-stdin'},
    })
  return pw
}
