import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {credentialFlags, projectFlag, timeoutFlag, userWaitFlag} from '../../base/flags.js'
import {
  keepPassword,
  rotatePassword,
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

export default class UserRotatePassword extends AtlasCommand<Result> {
  static override summary = 'Give a database user a new generated password.'
  static override args = {username: Args.string({required: true, description: 'User name.'})}
  static override flags = {project: projectFlag, ...credentialFlags, wait: userWaitFlag, timeout: timeoutFlag}
  static override examples = ['<%= config.bin %> user rotate-password alice --credentials-file alice.json']

  private shownOnce: string[] = []

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(UserRotatePassword)
    const output = {
      credentialsFile: flags['credentials-file'],
      showPassword: flags['show-password'],
      json: this.jsonEnabled(),
    }
    checkPasswordDestination(output, true)
    const timeoutMs = flags.timeout
    const project = await this.project(flags.project)
    const client = await this.atlas()
    const r = await rotatePassword(client, project, args.username)
    const file = output.credentialsFile
    if (file)
      await keepPassword(r.credentials, file, () =>
        writeCredentialsFile(file, r.credentials, (...a) => this.audit(...a)),
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
    this.shownOnce = passwordLines(credentials, output)
    return {user: r.user, project: project.name, ...shownCredentials(credentials, output)}
  }

  protected override render(r: Result): void {
    this.out.data(credentialReport(`New password set for ${r.user.username} in ${r.project}.`, r, this.shownOnce))
  }
}
