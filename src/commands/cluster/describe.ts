import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag} from '../../base/flags.js'
import {type ClusterSummary, resolveCluster} from '../../services/clusters/clusters.js'

export type Result = ClusterSummary

export default class ClusterDescribe extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['clusters:describe']
  static override summary = 'Show a cluster: state, tier, provider and region, version, connection strings, tags.'
  static override args = {name: Args.string({description: 'Cluster name (default: ATLAS_CLUSTER_NAME).'})}
  static override flags = {project: projectFlag}
  static override examples = ['<%= config.bin %> cluster describe demo --project my-project']

  protected async execute(): Promise<ClusterSummary> {
    const {args, flags} = await this.parse(ClusterDescribe)
    const settings = await this.settings({projectId: flags.project, clusterName: args.name})
    const client = await this.atlas(settings)
    return this.inProject(flags.project, (project) => resolveCluster(client, project, settings.clusterName))
  }

  protected override render(c: ClusterSummary): void {
    const lines = [
      `name:       ${c.name}`,
      `state:      ${c.state}${c.paused ? ' (paused)' : ''}`,
      `tier:       ${c.tier}`,
      `provider:   ${c.provider}`,
      `region:     ${c.region}`,
      `version:    ${c.mongoDBVersion ?? ''}`,
      `protection: ${c.terminationProtection ? 'termination protection on' : 'off'}`,
      `tags:       ${c.tags.map((t) => `${t.key}=${t.value}`).join(' ')}`,
      ...Object.entries(c.connectionStrings)
        .filter(([, v]) => typeof v === 'string')
        .map(([k, v]) => `${`${k}:`.padEnd(12)}${v}`),
    ]
    this.out.data(lines.join('\n'))
  }
}
