import {Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {type AuditEntry, AuditLog} from '../../audit/log.js'
import {parseDuration} from '../../lib/duration.js'
import {UsageError} from '../../lib/errors.js'
import {table} from '../../ui/output.js'

export type Result = AuditEntry[]

export default class AuditList extends AtlasCommand<Result> {
  static override summary = 'Show the audit log: every mutating action atlasctl took, without secrets.'
  static override flags = {
    since: Flags.string({description: 'Only entries newer than this: a duration (24h, 7d) or an ISO date-time.'}),
  }
  static override examples = ['<%= config.bin %> audit list --since 24h', '<%= config.bin %> audit list --json']

  protected async execute(): Promise<AuditEntry[]> {
    const {flags} = await this.parse(AuditList)
    let since: Date | undefined
    if (flags.since) {
      since = /^\d{4}-/.test(flags.since)
        ? new Date(flags.since)
        : new Date(Date.now() - parseDuration(flags.since, 'since'))
      if (Number.isNaN(since.getTime()))
        throw new UsageError(`Invalid --since "${flags.since}": use a duration (24h) or an ISO date-time.`, {
          details: {flag: 'since'},
        })
    }
    return new AuditLog(this.config.configDir).read(since)
  }

  protected override async render(r: AuditEntry[]): Promise<void> {
    if (r.length === 0) return this.out.info('No audit entries.')
    this.out.data(
      await table(
        ['time', 'profile', 'command', 'action', 'target', 'result', 'request id'],
        r.map((e) => [e.time, e.profile, e.command, e.action, e.target, e.result, e.requestId]),
      ),
    )
  }
}
