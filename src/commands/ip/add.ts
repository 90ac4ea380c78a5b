import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {projectFlag, timeoutFlag, waitFlag} from '../../base/flags.js'
import {parseAtlasExpiry} from '../../lib/duration.js'
import {MissingValueError} from '../../lib/errors.js'
import {
  addEntries,
  type AddEntriesResult,
  checkAnywhere,
  currentAddress,
  parseEntry,
  waitActive,
} from '../../services/access-list.js'
import {reportWait, startProgress} from '../../ui/spinner.js'

export type Result = AddEntriesResult & {project: string; active: boolean}

export default class IpAdd extends AtlasCommand<Result> {
  // The official Atlas CLI's names (atlas clusters list, atlas dbusers rm, ...).
  static override aliases = ['accessLists:create']
  static override summary = "Add IP addresses or CIDR blocks to a project's access list (idempotent)."
  static override strict = false
  static override args = {
    entry: Args.string({description: 'IPv4/IPv6 address or CIDR block; several may follow (or --current-ip).'}),
  }
  static override flags = {
    project: projectFlag,
    'current-ip': Flags.boolean({description: "Add this machine's public address, as Atlas sees it."}),
    comment: Flags.string({description: 'A comment on the entries (at most 80 characters).'}),
    expires: Flags.string({
      aliases: ['deleteAfter'],
      description: 'Atlas removes the entries after this: a duration (8h) or a date-time, at most 7 days.',
    }),
    'allow-anywhere': Flags.boolean({
      description: 'Allow 0.0.0.0/0 (or ::/0): the whole internet. Refused without it.',
    }),
    'max-entries': Flags.integer({
      min: 1,
      description: "Refuse when the list would pass this many entries (default: the profile's maxAccessEntries).",
    }),
    wait: waitFlag,
    timeout: timeoutFlag,
  }
  static override examples = [
    '<%= config.bin %> ip add 203.0.113.7 198.51.100.0/24 --comment office --wait',
    '<%= config.bin %> ip add --current-ip --expires 8h',
    '<%= config.bin %> ip add 0.0.0.0/0 --allow-anywhere --expires 8h',
  ]

  protected async execute(): Promise<Result> {
    const {argv, flags} = await this.parse(IpAdd)
    const given = (argv as string[]).map(parseEntry)
    if (given.length === 0 && !flags['current-ip'])
      throw new MissingValueError('ENTRY', 'access list entry (an address, a CIDR block, or --current-ip)')
    const timeoutMs = flags.timeout
    const expires = flags.expires ? parseAtlasExpiry(flags.expires, 'expires') : undefined
    const open = checkAnywhere(given, flags['allow-anywhere'])
    if (open.length > 0)
      this.out.warn(
        `${open.join(', ')} lets any address reach this project's clusters (passwords still apply)${expires ? '' : '; consider --expires'}.`,
      )
    const settings = await this.settings({projectId: flags.project})
    const project = await this.project(flags.project)
    const client = await this.atlas()
    const entries = flags['current-ip'] ? [...given, await currentAddress(client)] : given
    const r = await addEntries(client, {
      project,
      entries,
      comment: flags.comment,
      deleteAfterDate: expires,
      maxEntries: flags['max-entries'] ?? settings.limits.maxAccessEntries,
    })
    let active = false
    if (this.shouldWait(flags.wait) && entries.length > 0) {
      const progress = await startProgress('Waiting for the access list', {json: this.jsonEnabled()})
      await waitActive(
        client,
        project.id,
        entries.map((e) => e.value),
        {
          timeoutMs,
          onProgress: reportWait(progress, 'Access list'),
          resume: this.followUp(['ip', 'add', ...entries.map((e) => e.value), '--project', project.name, '--wait']),
        },
      )
      progress.succeed('Access list entries are ACTIVE.')
      active = true
    }
    return {...r, project: project.name, active}
  }

  protected override render(r: Result): void {
    this.out.data([...r.added.map((e) => `added     ${e}`), ...r.existing.map((e) => `existing  ${e}`)].join('\n'))
  }
}
