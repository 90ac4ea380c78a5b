import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag} from '../../base/flags.js'
import {deleteUser, requireUser, type UserSummary} from '../../services/users.js'

export type Result = UserSummary

export default class UserDelete extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['user:rm', 'dbusers:delete', 'dbusers:rm']
  static override summary = 'Delete a database user (asks first unless --yes).'
  static override args = {username: Args.string({required: true, description: 'User name.'})}
  static override flags = {project: projectFlag}
  static override examples = ['<%= config.bin %> user delete alice --yes']

  protected async execute(): Promise<UserSummary> {
    const {args, flags} = await this.parse(UserDelete)
    const project = await this.project(flags.project)
    const client = await this.atlas()
    await requireUser(client, project, args.username)
    await this.confirm(`This deletes database user "${args.username}" from project "${project.name}".`)
    return deleteUser(client, project, args.username)
  }

  protected override render(u: UserSummary): void {
    this.out.info(`Deleted user ${u.username}.`)
  }
}
