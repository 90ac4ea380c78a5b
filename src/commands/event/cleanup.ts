import fs from 'node:fs'
import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {durationFlag, timeoutFlag} from '../../base/flags.js'
import {parseDuration} from '../../lib/duration.js'
import {ConflictError} from '../../lib/errors.js'
import {commandLine} from '../../lib/text.js'
import {type CleanupReport, executeCleanup, planCleanup} from '../../services/events/cleanup.js'
import {readEventFile} from '../../services/events/event-file.js'
import {pollIntervalFromEnv} from '../../lib/wait.js'
import {table} from '../../ui/output.js'

export type Result = CleanupReport

export default class EventCleanup extends AtlasCommand<Result> {
  static override summary = 'Tear an event down: shows the plan (a dry run) unless --yes.'
  static override description =
    "Finds the event's projects by their tags, then per team: turns termination protection off, deletes the clusters and waits, deletes users and access entries, and deletes the project (retrying while clusters drain). Teams still inside their event (endsAt plus --grace) are removed only with --force. Continues past failures, reports per team, exits 7 (PARTIAL_FAILURE) if any team could not be read or removed; safe to re-run. Given the event file instead of the id, its cleanup policy applies: --auto then removes only when cleanup.auto is true and the grace period has passed."
  static override examples = [
    '<%= config.bin %> event cleanup mh26',
    '<%= config.bin %> event cleanup mh26 --yes --grace 7d',
    '0 * * * * <%= config.bin %> event cleanup event.yaml --auto --json >> cleanup.log',
  ]

  // Here --force keeps its own meaning (teams still inside their event): it is no alias of --yes.
  static override baseFlags = {...AtlasCommand.baseFlags, yes: {...AtlasCommand.baseFlags.yes, aliases: []}}

  static override args = {event: Args.string({required: true, description: 'Event id, or the event file.'})}
  static override flags = {
    team: Flags.string({description: 'Only this team.'}),
    'older-than': durationFlag({description: 'Only projects created longer ago than this (e.g. 48h).'}),
    grace: Flags.string({description: "Remove nothing until this long after the event's end (e.g. 7d)."}),
    auto: Flags.boolean({description: 'With an event file: execute if its cleanup.auto is true (for cron).'}),
    force: Flags.boolean({description: 'Also remove teams whose event (plus --grace) has not ended yet.'}),
    timeout: timeoutFlag,
  }

  protected async execute(): Promise<CleanupReport> {
    const {args, flags} = await this.parse(EventCleanup)
    const timeoutMs = flags.timeout
    const file =
      fs.existsSync(args.event) && fs.statSync(args.event).isFile() ? await readEventFile(args.event) : undefined
    const eventId = file?.id ?? args.event
    const grace = flags.grace ?? file?.cleanup.grace
    const filter = {
      team: flags.team,
      olderThanMs: flags['older-than'],
      graceMs: grace ? parseDuration(grace, 'grace') : undefined,
    }
    const client = await this.atlas()
    const plan = await planCleanup(client, eventId, filter)
    const execute = this.globals.yes || (flags.auto && Boolean(file?.cleanup.auto))
    if (flags.auto && !file?.cleanup.auto)
      this.out.info(
        file
          ? 'cleanup.auto is off in the event file: showing the plan only.'
          : '--auto needs the event file: showing the plan only.',
      )
    // The same command, filters and --force included; the JSON switch is the caller's business.
    const finish = commandLine(['atlasctl', 'event', 'cleanup', ...this.argv.filter((w) => w !== '--json')])
    if (execute && plan.live.length > 0 && !flags.force) {
      throw new ConflictError(
        `${plan.live.length} of ${plan.teams.length} teams are still inside their event: ${plan.live.map((l) => `${l.team} (${l.until ? `until ${l.until}` : 'no end time tagged'})`).join(', ')}. Nothing was removed.`,
        {
          code: 'EVENT_NOT_ENDED',
          hint: `Wait until it has ended, or pass --force to remove them now: ${finish} --force`,
          details: {live: plan.live},
        },
      )
    }
    const report: CleanupReport =
      execute && plan.teams.length > 0
        ? await executeCleanup(client, plan, {
            timeoutMs,
            pollMs: pollIntervalFromEnv(),
            onProgress: (line) => this.out.info(line),
          })
        : {...plan, executed: false, results: [], failed: 0}
    if (report.failed > 0 || report.unreadable.length > 0) {
      const parts = [
        report.failed > 0 ? `${report.failed} of ${plan.teams.length} teams could not be removed` : '',
        report.unreadable.length > 0
          ? `${report.unreadable.length} could not be read and were not touched (${report.unreadable.map((u) => u.team).join(', ')})`
          : '',
      ].filter(Boolean)
      return this.failPartly(report, `${parts.join('; ')}.`, {
        hint: `Re-run to finish the job: ${finish}`,
        details: {report},
      })
    }
    return report
  }

  protected override async render(r: CleanupReport): Promise<void> {
    if (!r.executed) {
      if (r.teams.length === 0) this.out.data(`Nothing to remove for event ${r.event}.`)
      else
        this.out.data(
          `Would remove (dry run; --yes executes):\n${await table(
            ['team', 'project', 'clusters', 'users', 'access entries'],
            r.teams.map((t) => [
              t.team,
              t.project,
              t.clusters.map((c) => `${c.name}${c.terminationProtection ? ' (protected)' : ''}`).join(' '),
              t.users,
              t.accessEntries,
            ]),
          )}`,
        )
    } else {
      this.out.data(
        await table(
          ['team', 'project', 'result'],
          r.results.map((x) => [
            x.team,
            x.project,
            x.status === 'removed'
              ? `removed ${x.removed!.clusters} clusters, ${x.removed!.users} users, ${x.removed!.entries} entries`
              : `failed: ${x.error}`,
          ]),
        ),
      )
    }
    for (const s of r.skipped) this.out.info(`kept ${s.team}: ${s.reason}`)
    if (!r.executed)
      for (const l of r.live)
        this.out.info(
          `${l.team} is still inside its event (${l.until ? `until ${l.until}` : 'no end time tagged'}): removing it needs --force`,
        )
    for (const u of r.unreadable) this.out.info(`could not read ${u.team} (${u.project}): ${u.error}`)
  }
}
