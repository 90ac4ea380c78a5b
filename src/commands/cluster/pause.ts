import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import type {AtlasClient} from '../../atlas/client.js'
import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag, timeoutFlag, waitFlag} from '../../base/flags.js'
import {MissingValueError} from '../../lib/errors.js'
import {pauseCluster, type PauseResult} from '../../services/clusters/pause.js'
import type {ProjectSummary} from '../../services/projects.js'
import {reportWait, startProgress} from '../../ui/spinner.js'

export type Result = PauseResult

function clusterName(name: string | undefined): string {
  if (!name) throw new MissingValueError('NAME', 'cluster name (or ATLAS_CLUSTER_NAME)')
  return name
}

/** Pause and resume run this one path, with the spinner and waits of scale, to the one cron-safe cluster change. */
async function runPause(
  client: AtlasClient,
  o: {
    project: ProjectSummary
    name: string
    paused: boolean
    waitIdle: boolean
    wait: boolean
    timeoutMs?: number
    resume: string
    json: boolean
    dataDir: string
    log: (line: string) => void
  },
): Promise<Result> {
  const progress = await startProgress(`${o.paused ? 'Pausing' : 'Resuming'} ${o.name}`, {json: o.json})
  const waitOptions = {timeoutMs: o.timeoutMs, onProgress: reportWait(progress, `Cluster ${o.name}`), resume: o.resume}
  try {
    const result = await pauseCluster(client, {
      project: o.project,
      cluster: o.name,
      paused: o.paused,
      waitIdle: o.waitIdle ? waitOptions : false,
      wait: o.wait ? waitOptions : false,
      lockDir: path.join(o.dataDir, 'locks'),
      log: o.log,
    })
    progress.stop()
    return result
  } catch (error) {
    progress.fail(`Did not ${o.paused ? 'pause' : 'resume'} ${o.name}.`)
    throw error
  }
}

function describePause(r: Result): string {
  if (r.action === 'noop') return `${r.cluster} is ${r.paused ? 'already paused' : 'not paused'}; nothing to do.`
  const done = r.action === 'pause' ? 'paused' : 'resumed'
  return r.waited ? `${r.cluster} is ${done} (${r.state}).` : `${r.cluster}: ${r.action} requested (UPDATING).`
}

export default class ClusterPause extends AtlasCommand<Result> {
  static override summary = 'Pause a dedicated cluster: it stops, and so does its compute billing, until resumed.'
  static override description = [
    'Idempotent: a paused cluster exits 0 without writing. M0 and flex clusters cannot pause (exit 2, before any',
    'write). Checks first that the cluster is IDLE (else exit 6, or --wait-idle); the host-local lock of scale keeps',
    'two runs from both writing. A paused cluster takes no connections until "cluster resume".',
  ].join(' ')
  static override examples = [
    '<%= config.bin %> cluster pause api --project dev --wait',
    '<%= config.bin %> cluster pause api --json',
  ]
  static override args = {name: Args.string({description: 'Cluster name (default: ATLAS_CLUSTER_NAME).'})}
  static override flags = {
    project: projectFlag,
    'wait-idle': Flags.boolean({description: 'If the cluster is busy, wait until it is IDLE instead of exiting 6.'}),
    wait: waitFlag,
    timeout: timeoutFlag,
  }

  /** The state this command asks for: cluster resume is this command with false. */
  protected readonly paused: boolean = true

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(this.constructor as typeof ClusterPause)
    const settings = await this.settings({projectId: flags.project, clusterName: args.name})
    const name = clusterName(settings.clusterName)
    const project = await this.project(settings.projectId)
    return runPause(await this.atlas(), {
      project,
      name,
      paused: this.paused,
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
