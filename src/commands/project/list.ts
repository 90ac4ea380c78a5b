import {AtlasCommand} from '../../base/atlas-command.js'
import {listProjects, type ProjectSummary} from '../../services/projects.js'
import {table} from '../../ui/output.js'

export type Result = ProjectSummary[]

export default class ProjectList extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['project:ls', 'projects:list', 'projects:ls']
  static override summary = 'List the projects the credentials can see.'
  static override examples = ['<%= config.bin %> project list', '<%= config.bin %> project list --json']

  protected async execute(): Promise<ProjectSummary[]> {
    await this.parse(ProjectList)
    return listProjects(await this.atlas())
  }

  protected override async render(r: ProjectSummary[]): Promise<void> {
    if (r.length === 0) return this.out.info('No projects.')
    this.out.data(
      await table(
        ['name', 'id', 'clusters', 'created', 'tags'],
        r.map((p) => [
          p.name,
          p.id,
          p.clusterCount,
          p.created.slice(0, 10),
          p.tags.map((t) => `${t.key}=${t.value}`).join(' '),
        ]),
      ),
    )
  }
}
