import type {PauseResult} from '../../services/clusters/pause.js'
import ClusterPause from './pause.js'

export type Result = PauseResult

export default class ClusterResume extends ClusterPause {
  static override summary = 'Resume a paused cluster.'
  static override description = [
    'Idempotent: a cluster that is not paused exits 0 without writing. The resume is a PATCH of "paused" alone, as',
    'Atlas requires; scale the cluster once it is IDLE again. Waits like pause (--wait, --timeout, --wait-idle).',
  ].join(' ')
  static override examples = [
    '<%= config.bin %> cluster resume api --project dev --wait',
    '<%= config.bin %> cluster resume api --json',
  ]

  // oclif's parse copies a command's own statics only.
  static override args = ClusterPause.args
  static override flags = ClusterPause.flags

  protected override readonly paused = false
}
