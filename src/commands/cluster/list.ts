import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag} from '../../base/flags.js'
import {type ClusterSummary, listClusters} from '../../services/clusters/clusters.js'
import {table} from '../../ui/output.js'

export type Result = ClusterSummary[]

export default class ClusterList extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['cluster:ls', 'clusters:list', 'clusters:ls']
  static override summary = 'List the clusters of a project (dedicated, M0 and FLEX).'
  static override flags = {project: projectFlag}
  static override examples = [
    '<%= config.bin %> cluster list --project my-project',
    'ATLAS_PROJECT_ID=5f1d… <%= config.bin %> cluster list --json',
  ]

  protected async execute(): Promise<ClusterSummary[]> {
    const {flags} = await this.parse(ClusterList)
    const client = await this.atlas()
    return this.inProject(flags.project, (project) => listClusters(client, project.id))
  }

  protected override async render(r: ClusterSummary[]): Promise<void> {
    if (r.length === 0) return this.out.info('No clusters in this project.')
    this.out.data(
      await table(
        ['name', 'state', 'tier', 'provider', 'region', 'version', 'tags'],
        r.map((c) => [
          c.name,
          c.paused ? `${c.state} (paused)` : c.state,
          c.tier,
          c.provider,
          c.region,
          c.mongoDBVersion,
          c.tags.map((t) => `${t.key}=${t.value}`).join(' '),
        ]),
      ),
    )
  }
}
