import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag, timeoutFlag, waitFlag} from '../../base/flags.js'
import {MissingValueError, UsageError} from '../../lib/errors.js'
import {readSpecFile} from '../../lib/spec-file.js'
import {type ChangeInput, scaleCluster, type ScaleResult} from '../../services/clusters/scale.js'
import {
  type Evaluation,
  evaluateSchedule,
  PAUSED,
  reconcileSchedule,
  scheduleSchema,
} from '../../services/clusters/schedule.js'
import {reportWait, startProgress} from '../../ui/spinner.js'

export type Result = ScaleResult & {schedule?: Evaluation}

export default class ClusterScale extends AtlasCommand<Result> {
  static override aliases = ['scale']
  static override summary =
    'Scale a cluster to a tier, safely from cron; or to the tier a schedule file says should hold now.'
  static override description = [
    'Idempotent: a cluster already at the tier exits 0 without writing. Checks first that the cluster is IDLE (else exit 6,',
    'or --wait-idle), not paused, and that the transition exists: dedicated ↔ dedicated by PATCH, M0 → FLEX or dedicated and',
    'FLEX → dedicated by the tenant upgrade endpoints; dedicated → M0/FLEX is refused. A host-local lock keeps two runs from',
    'both writing. The cluster and project come from flags or ATLAS_CLUSTER_NAME and ATLAS_PROJECT_ID. With --schedule FILE',
    'each run reconciles to the tier the schedule gives for now, pausing and resuming the cluster where a window says',
    '"paused", so a 15-minute cron entry heals a missed run (docs/scheduling.md).',
  ].join(' ')
  static override examples = [
    '<%= config.bin %> scale --tier M50',
    '<%= config.bin %> cluster scale api --project prod --tier M30 --dry-run',
    '*/15 * * * * <%= config.bin %> scale --schedule /etc/atlasctl/billing.yaml --json >> /var/log/atlas-scale.log 2>&1',
  ]

  static override args = {
    name: Args.string({description: "Cluster name (default: ATLAS_CLUSTER_NAME, or the schedule's cluster)."}),
  }
  static override flags = {
    project: projectFlag,
    tier: Flags.string({description: 'Target tier, e.g. M50, FLEX.', exclusive: ['schedule']}),
    schedule: Flags.string({
      description: 'YAML schedule: a base tier and windows (cron + duration, or dates) mapped to tiers or "paused".',
    }),
    at: Flags.string({
      description: 'Evaluate the schedule at this ISO time instead of now (for checking a schedule).',
      dependsOn: ['schedule'],
    }),
    'dry-run': Flags.boolean({
      default: false,
      description: 'Print the planned request, the tier change and the cost delta; change nothing.',
    }),
    'wait-idle': Flags.boolean({description: 'If the cluster is busy, wait until it is IDLE instead of exiting 6.'}),
    'adjust-autoscaling': Flags.boolean({
      description: 'Move compute auto-scaling bounds to include the new tier (otherwise refused).',
    }),
    wait: waitFlag,
    timeout: timeoutFlag,
  }

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(ClusterScale)
    const timeoutMs = flags.timeout
    const schedule = flags.schedule ? await readSpecFile(flags.schedule, scheduleSchema, 'schedule file') : undefined
    let evaluation: Evaluation | undefined
    if (schedule) {
      const at = flags.at ? new Date(flags.at) : new Date()
      if (Number.isNaN(at.getTime()))
        throw new UsageError(`Invalid --at "${flags.at}": use an ISO date-time such as 2026-12-01T02:00Z.`, {
          details: {flag: 'at'},
        })
      evaluation = evaluateSchedule(schedule, at)
      this.out.info(`Schedule: ${evaluation.tier} (${evaluation.reason}).`)
    }
    const tier = flags.tier?.toUpperCase() ?? evaluation?.tier
    if (!tier) throw new MissingValueError('tier', 'target tier (or --schedule FILE)')
    const settings = await this.settings({
      projectId: flags.project ?? schedule?.project,
      clusterName: args.name ?? schedule?.cluster,
    })
    const project = await this.project(settings.projectId)
    if (!settings.clusterName) throw new MissingValueError('NAME', 'cluster name (or ATLAS_CLUSTER_NAME)')
    const name = settings.clusterName
    const wait = this.shouldWait(flags.wait)
    const progress = await startProgress(tier === PAUSED ? `Pausing ${name}` : `Scaling ${name} to ${tier}`, {
      json: this.jsonEnabled(),
    })
    const waitOptions = {
      timeoutMs,
      onProgress: reportWait(progress, `Cluster ${name}`),
      resume: this.followUp(['cluster', 'describe', name, '--project', project.name]),
    }
    const change: ChangeInput = {
      project,
      cluster: name,
      dryRun: flags['dry-run'],
      waitIdle: flags['wait-idle'] ? waitOptions : false,
      wait: wait ? waitOptions : false,
      lockDir: path.join(this.config.dataDir, 'locks'),
      log: (line) => this.out.info(line),
    }
    const options = {adjustAutoscaling: flags['adjust-autoscaling']}
    try {
      const client = await this.atlas()
      const result = evaluation
        ? await reconcileSchedule(client, {...change, evaluation, file: flags.schedule!, options})
        : await scaleCluster(client, {...change, tier, options})
      progress.stop()
      return {...result, schedule: evaluation}
    } catch (error) {
      progress.fail(`Did not ${tier === PAUSED ? 'pause' : 'scale'} ${name}.`)
      throw error
    }
  }

  protected override render(r: Result): void {
    const cost =
      r.cost.deltaMonthlyUsd !== undefined && r.from !== r.to
        ? ` (${r.cost.deltaMonthlyUsd >= 0 ? '+' : '-'}$${Math.abs(r.cost.deltaMonthlyUsd).toFixed(0)}/month)`
        : ''
    if (r.action === 'noop')
      return this.out.data(`${r.cluster} is already ${r.paused ? `paused (${r.to})` : r.to}; nothing to do.`)
    const shift = `${r.from} → ${r.to}${cost}`
    const pausing = (s: Result['steps'][number]) => s.action === 'pause' || s.action === 'resume'
    if (r.dryRun) {
      const would = (s: Result['steps'][number]) =>
        `Would ${pausing(s) ? `${s.action} ${r.cluster}` : `scale ${r.cluster}: ${shift}`} with ${s.operation}:\n${JSON.stringify(s.body, null, 2)}`
      return this.out.data(r.steps.map(would).join('\n'))
    }
    const done = r.steps.map((s) => (pausing(s) ? `${s.action}d` : shift)).join(', then ')
    const next = r.pending ? `; then ${r.pending.join(', ')} on the next run` : ''
    this.out.data(`${r.cluster}: ${done}, ${r.waited ? `now ${r.state}` : `requested (UPDATING)${next}`}.`)
  }
}
