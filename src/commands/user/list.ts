import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag} from '../../base/flags.js'
import {listUsers, type UserSummary} from '../../services/users.js'
import {table} from '../../ui/output.js'

export type Result = UserSummary[]

export default class UserList extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['user:ls', 'dbusers:list', 'dbusers:ls']
  static override summary = 'List the database users of a project.'
  static override flags = {project: projectFlag}
  static override examples = ['<%= config.bin %> user list --project my-project --json']

  protected async execute(): Promise<UserSummary[]> {
    const {flags} = await this.parse(UserList)
    const project = await this.project(flags.project)
    return listUsers(await this.atlas(), project.id)
  }

  protected override async render(r: UserSummary[]): Promise<void> {
    if (r.length === 0) return this.out.info('No database users.')
    this.out.data(
      await table(
        ['user', 'roles', 'clusters', 'expires'],
        r.map((u) => [u.username, u.roles.join(' '), u.clusters.join(' ') || '(all)', u.expires ?? '']),
      ),
    )
  }
}
