import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {orgIdFlag, timeoutFlag} from '../../base/flags.js'
import {PROVIDERS} from '../../atlas/catalog.js'
import {MissingValueError} from '../../lib/errors.js'
import {commandLine} from '../../lib/text.js'
import {
  clusterNameFor,
  type EventFile,
  projectNameFor,
  readEventFile,
  readRoster,
} from '../../services/events/event-file.js'
import {Ledger} from '../../services/events/ledger.js'
import {provisionEvent, type ProvisionReport} from '../../services/events/provision.js'
import {LEADER_ROLES, MEMBER_ROLES} from '../../services/team-access.js'
import {pollIntervalFromEnv} from '../../lib/wait.js'
import {withLock} from '../../lib/lock.js'
import {AdaptiveLimit} from '../../lib/pool.js'
import {resolveOrgId} from '../../services/projects.js'
import {table} from '../../ui/output.js'
import {BatchProgress} from '../../ui/progress-bar.js'

export type Result = ProvisionReport

export default class EventProvision extends AtlasCommand<Result> {
  static override summary =
    'Give every team of a hackathon its own project, free cluster, database user and access list.'
  static override description =
    "Reads an event file (YAML; docs/examples/event.yaml) or a CSV roster, shows the plan and asks first (--yes skips; required without a TTY). Teams run in a bounded pool that slows down on Atlas rate limits; a failing team is rolled back alone. A local ledger makes it resumable: re-run after a crash or Ctrl-C and it continues without duplicates. Each team's credentials go to DIR/<team>.json (mode 0600), the only place passwords are written."
  static override examples = [
    '<%= config.bin %> event provision event.yaml --out ./credentials',
    '<%= config.bin %> event provision --roster teams.csv --event-id mh26 --ends-at 2026-12-01T18:00Z --out ./credentials --yes --json',
  ]

  static override args = {file: Args.string({description: 'Event file (YAML or JSON).'})}
  static override flags = {
    roster: Flags.string({
      description: 'CSV roster (id,name,leader,members) instead of an event file.',
      exclusive: ['file'],
    }),
    'event-id': Flags.string({description: 'With --roster: the event id.'}),
    'event-name': Flags.string({description: 'With --roster: the event name.'}),
    'ends-at': Flags.string({description: 'With --roster: when the event ends (ISO, with zone).'}),
    provider: Flags.option({options: PROVIDERS, description: 'With --roster: cloud provider (default AWS).'})(),
    region: Flags.string({description: 'With --roster: region (default US_EAST_1).'}),
    'open-network-access': Flags.boolean({description: "With --roster: add 0.0.0.0/0 to every team's access list."}),
    out: Flags.string({
      description:
        "Folder for the credential bundles (default: the folder the event's last run used, else $XDG_DATA_HOME/atlasctl/events/<event>/credentials).",
    }),
    concurrency: Flags.integer({
      min: 1,
      max: 32,
      default: 4,
      description: 'Teams provisioned at once to start with; halves on 429s, grows back.',
    }),
    'max-concurrency': Flags.integer({min: 1, max: 64, default: 16, description: 'The most teams at once.'}),
    'team-keys': Flags.boolean({
      description: `Also give each team a project API key (role ${LEADER_ROLES.join(', ')} in its project only), written to its bundle as a profile: atlasctl config import <bundle>.`,
    }),
    invite: Flags.boolean({
      description: `Also add each team's leader (${LEADER_ROLES.join(', ')}) and members (${MEMBER_ROLES.join(', ')}) to its project; Atlas emails them an invitation.`,
    }),
    'org-id': orgIdFlag,
    timeout: timeoutFlag,
  }

  protected async execute(): Promise<ProvisionReport> {
    const {args, flags} = await this.parse(EventProvision)
    const timeoutMs = flags.timeout
    let event: EventFile
    if (flags.roster) {
      if (!flags['event-id']) throw new MissingValueError('event-id', 'event id for the roster')
      if (!flags['ends-at']) throw new MissingValueError('ends-at', 'event end time for the roster')
      event = readRoster(
        flags.roster,
        {
          id: flags['event-id'],
          name: flags['event-name'],
          endsAt: flags['ends-at'],
          defaults: {provider: flags.provider, region: flags.region, openNetworkAccess: flags['open-network-access']},
        },
        {invite: flags.invite},
      )
    } else {
      if (!args.file) throw new MissingValueError('FILE', 'event file (or --roster CSV)')
      event = await readEventFile(args.file, {invite: flags.invite})
    }
    const ledgerDir = this.config.dataDir
    const earlier = Ledger.peekOutDir(ledgerDir, event.id)
    // Re-runs find the bundles where the last run put them, wherever they are started from.
    const outDir = path.resolve(flags.out ?? earlier ?? Ledger.defaultOutDir(ledgerDir, event.id))
    const d = event.defaults
    await this.confirm(
      [
        `Event ${event.id} (${event.name}), ends ${event.endsAt}: ${event.teams.length} teams.`,
        `Per team: project ${projectNameFor(event.id, event.teams[0].id)} (tagged event=${event.id}, team=<id>), ${d.tier} cluster ${clusterNameFor(event.teams[0].id)} on ${d.provider} ${d.region}, one database user, access list: ${d.openNetworkAccess ? '0.0.0.0/0 (open network access)' : d.accessList.join(', ') || 'none'}.`,
        ...(flags['team-keys']
          ? [
              `Team keys: one project API key per team (${LEADER_ROLES.join(', ')} in its project only), kept in its bundle as a profile.`,
            ]
          : []),
        ...(flags.invite
          ? [
              `Invitations: ${event.teams.reduce((n, t) => n + (t.leader ? 1 : 0) + t.members.length, 0)} people, leaders as ${LEADER_ROLES.join(', ')}, members as ${MEMBER_ROLES.join(', ')} of their team's project.`,
            ]
          : []),
        `Credentials: ${outDir}/<team>.json (mode 0600)${earlier && earlier !== outDir ? `; bundles of earlier runs (${earlier}) are carried over` : ''}.`,
      ].join('\n'),
    )
    const settings = await this.settings({orgId: flags['org-id']})
    const client = await this.atlas(settings)
    const limit = new AdaptiveLimit(flags.concurrency, flags['max-concurrency'])
    client.onRateLimited(() => limit.rateLimited())
    const orgId = await resolveOrgId(client, settings.orgId)
    // One run per event at a time: two would race on the ledger and hand out mismatched passwords.
    const report = await withLock(
      path.join(this.config.dataDir, 'locks'),
      `event-${event.id}`,
      async () => {
        const ledger = new Ledger(ledgerDir, event.id)
        ledger.useOutDir(outDir)
        const bar = new BatchProgress(event.teams.length, this.jsonEnabled())
        try {
          return await provisionEvent(client, {
            event,
            outDir,
            ledger,
            limit,
            orgId,
            waitTimeoutMs: timeoutMs,
            pollMs: pollIntervalFromEnv(),
            onProgress: (p) => bar.update(p),
            report: (...a) => this.audit(...a),
            resume: commandLine(['atlasctl', 'event', 'provision', ...this.argv]),
            teamKeys: flags['team-keys'],
            invite: flags.invite,
            baseUrl: settings.baseUrl,
          })
        } finally {
          bar.end()
        }
      },
      `event ${event.id}`,
    )
    const rotated = report.teams.filter((t) => t.passwordRotated).map((t) => t.team)
    if (rotated.length > 0)
      this.out.warn(
        `No bundle held the password of ${rotated.join(', ')}, and Atlas never shows one: ${rotated.length === 1 ? 'that user was' : 'those users were'} given a new password, now in ${outDir}. Anyone on the old one must use the new bundle.`,
      )
    if (report.failed > 0) {
      const ready =
        report.done === 0 ? 'none is ready' : `the other ${report.done} ${report.done === 1 ? 'is' : 'are'} ready`
      return this.failPartly(
        report,
        `${report.failed} of ${event.teams.length} teams failed; ${ready}. What existed before this run was left alone.`,
        {
          hint: `Fix the cause shown per team, then re-run: atlasctl event provision ${args.file ?? `--roster ${flags.roster} --event-id ${event.id} --ends-at ${event.endsAt}`} --out ${outDir}`,
          details: {report},
        },
      )
    }
    return report
  }

  protected override async render(r: ProvisionReport): Promise<void> {
    this.out.data(
      await table(
        ['team', 'project', 'cluster', 'user', 'status', 'credentials'],
        r.teams.map((t) => [
          t.team,
          t.project,
          t.cluster,
          t.username,
          t.status === 'done' && t.passwordRotated
            ? 'done (new password)'
            : t.status === 'done' && t.reused
              ? 'done (existed)'
              : t.error
                ? `${t.status}: ${t.error}`
                : t.status,
          t.bundle ? path.basename(t.bundle) : '',
        ]),
      ),
    )
    for (const t of r.teams) {
      const parts = [
        t.apiKey ? `API key ${t.apiKey.publicKey} ${t.apiKey.status}` : '',
        t.invites
          ? `invited ${t.invites.added.length}${t.invites.present.length ? `, ${t.invites.present.length} already in the project` : ''}`
          : '',
      ].filter(Boolean)
      if (parts.length > 0) this.out.info(`${t.team}: ${parts.join('; ')}`)
    }
    this.out.info(
      `${r.done} ready, ${r.failed} failed; ${r.rateLimited} rate-limited requests were retried; up to ${r.maxConcurrency} teams at once.`,
    )
  }
}
