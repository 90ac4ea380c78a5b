import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag, timeoutFlag, waitFlag} from '../../base/flags.js'
import {ConflictError} from '../../lib/errors.js'
import {type ClusterSummary, deleteCluster, resolveCluster, waitForCluster} from '../../services/clusters/clusters.js'
import {reportWait, startProgress} from '../../ui/spinner.js'

export type Result = {cluster: ClusterSummary; deleted: boolean; waited: boolean}

export default class ClusterDelete extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['cluster:rm', 'clusters:delete', 'clusters:rm']
  static override summary = 'Delete a cluster (asks first unless --yes).'
  static override args = {name: Args.string({description: 'Cluster name (default: ATLAS_CLUSTER_NAME).'})}
  static override flags = {project: projectFlag, wait: waitFlag, timeout: timeoutFlag}
  static override examples = ['<%= config.bin %> cluster delete demo --project my-project --yes --wait']

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(ClusterDelete)
    const timeoutMs = flags.timeout
    const project = await this.project(flags.project)
    const settings = await this.settings({projectId: flags.project, clusterName: args.name})
    const client = await this.atlas()
    const cluster = await resolveCluster(client, project, settings.clusterName)
    if (cluster.terminationProtection) {
      throw new ConflictError(`Cluster "${cluster.name}" has termination protection on; nothing was deleted.`, {
        code: 'TERMINATION_PROTECTION',
        hint: 'Turn it off in the Atlas UI or API, then delete again.',
      })
    }
    await this.confirm(
      `This deletes cluster "${cluster.name}" (${cluster.tier}, ${cluster.state}) in project "${project.name}" and all its data.`,
    )
    if (cluster.state !== 'DELETING') await deleteCluster(client, cluster)
    if (!this.shouldWait(flags.wait)) return {cluster: {...cluster, state: 'DELETING'}, deleted: true, waited: false}
    const progress = await startProgress(`Deleting cluster ${cluster.name}`, {json: this.jsonEnabled()})
    await waitForCluster(
      client,
      project.id,
      cluster.name,
      {state: 'GONE'},
      {
        timeoutMs,
        onProgress: reportWait(progress, `Cluster ${cluster.name}`),
        // Deleting again skips the DELETE of a DELETING cluster and waits.
        resume: this.followUp(['cluster', 'delete', cluster.name, '--project', project.name, '--yes', '--wait']),
      },
    )
    progress.succeed(`Cluster ${cluster.name} is deleted.`)
    return {cluster: {...cluster, state: 'DELETED'}, deleted: true, waited: true}
  }

  protected override render(r: Result): void {
    this.out.info(
      r.waited ? `Deleted cluster ${r.cluster.name}.` : `Deletion of ${r.cluster.name} requested; it is DELETING.`,
    )
  }
}
