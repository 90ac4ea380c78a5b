import {AtlasCommand} from '../../base/atlas-command.js'
import type {PauseResult} from '../../services/clusters/pause.js'
import {clusterName, describePause, pauseArgs, pauseFlags, runPause} from './pause.js'

export type Result = PauseResult

export default class ClusterResume extends AtlasCommand<Result> {
  static override summary = 'Resume a paused cluster.'
  static override description = [
    'Idempotent: a cluster that is not paused exits 0 without writing. The resume is a PATCH of "paused" alone, as',
    'Atlas requires; scale the cluster once it is IDLE again. Waits like pause (--wait, --timeout, --wait-idle).',
  ].join(' ')
  static override examples = [
    '<%= config.bin %> cluster resume api --project dev --wait',
    '<%= config.bin %> cluster resume api --json',
  ]
  static override args = pauseArgs
  static override flags = pauseFlags

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(ClusterResume)
    const settings = await this.settings({projectId: flags.project, clusterName: args.name})
    const name = clusterName(settings.clusterName)
    const project = await this.project(settings.projectId)
    return runPause(await this.atlas(), {
      project,
      name,
      paused: false,
      waitIdle: flags['wait-idle'],
      wait: this.shouldWait(flags.wait),
      timeoutMs: flags.timeout,
      resume: this.followUp(['cluster', 'describe', name, '--project', project.name]),
      json: this.jsonEnabled(),
      dataDir: this.config.dataDir,
      log: (line) => this.out.info(line),
    })
  }

  protected override render(r: Result): void {
    this.out.data(describePause(r))
  }
}
