import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag} from '../../base/flags.js'
import {type EntrySummary, listEntries} from '../../services/access-list.js'
import {table} from '../../ui/output.js'

export type Result = EntrySummary[]

export default class IpList extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['ip:ls', 'accessLists:list', 'accessLists:ls']
  static override summary = "List a project's IP access list."
  static override flags = {project: projectFlag}
  static override examples = ['<%= config.bin %> ip list --project my-project']

  protected async execute(): Promise<EntrySummary[]> {
    const {flags} = await this.parse(IpList)
    const project = await this.project(flags.project)
    return listEntries(await this.atlas(), project.id)
  }

  protected override async render(r: EntrySummary[]): Promise<void> {
    if (r.length === 0) return this.out.info('The access list is empty: no address can connect.')
    this.out.data(
      await table(
        ['entry', 'comment', 'expires'],
        r.map((e) => [e.entry, e.comment, e.expires]),
      ),
    )
  }
}
