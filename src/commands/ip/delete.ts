import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag} from '../../base/flags.js'
import {deleteEntries, parseEntry} from '../../services/access-list.js'

export type Result = {project: string; deleted: string[]}

export default class IpDelete extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['ip:rm', 'accessLists:delete', 'accessLists:rm']
  static override summary = "Remove entries from a project's access list (asks first unless --yes)."
  static override strict = false
  static override args = {
    entry: Args.string({required: true, description: 'Address or CIDR block; several may follow.'}),
  }
  static override flags = {project: projectFlag}
  static override examples = ['<%= config.bin %> ip delete 203.0.113.7 198.51.100.0/24 --yes']

  protected async execute(): Promise<Result> {
    const {argv, flags} = await this.parse(IpDelete)
    const entries = (argv as string[]).map(parseEntry)
    const project = await this.project(flags.project)
    const deleted = await deleteEntries(await this.atlas(), project, entries, (plan) => this.confirm(plan))
    return {project: project.name, deleted}
  }

  protected override render(r: Result): void {
    this.out.info(`Removed ${r.deleted.join(', ')}.`)
  }
}
