import fs from 'node:fs'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {durationFlag, timeoutFlag} from '../../base/flags.js'
import {parseDuration} from '../../lib/duration.js'
import {ConflictError} from '../../lib/errors.js'
import {commandLine} from '../../lib/text.js'
import {type CleanupReport, executeCleanup, planCleanup} from '../../services/events/cleanup.js'
import {readEventFile} from '../../services/events/event-file.js'
import {checkExportDir, prepareExportDir, readManifest, type TeamExport} from '../../services/events/export-first.js'
import {Ledger} from '../../services/events/ledger.js'
import {withLock} from '../../lib/lock.js'
import {pollIntervalFromEnv} from '../../lib/wait.js'
import {table} from '../../ui/output.js'

export type Result = CleanupReport & {
  /** With --export-first: where each team is exported (DIR/<team>), and per planned team whether a verified export is there already. */
  exportFirst?: {dir: string; teams: Array<{team: string; exported: boolean}>}
}

export default class EventCleanup extends AtlasCommand<Result> {
  static override summary = 'Tear an event down: shows the plan (a dry run) unless --yes.'
  static override description =
    "Finds the event's projects by their tags, then per team: deletes the API keys and invitations the event made (those its ledger records; a person's are kept), turns termination protection off, deletes the clusters and waits, deletes users and access entries, and deletes the project (retrying while clusters drain). Teams still inside their event (endsAt plus --grace) are removed only with --force. Continues past failures, reports per team, exits 7 (PARTIAL_FAILURE) if any team could not be read or removed; safe to re-run. Given the event file instead of the id, its cleanup policy applies: --auto then removes only when cleanup.auto is true and the grace period has passed."
  static override examples = [
    '<%= config.bin %> event cleanup mh26',
    '<%= config.bin %> event cleanup mh26 --yes --grace 7d',
    '0 * * * * <%= config.bin %> event cleanup event.yaml --auto --json >> cleanup.log',
    '<%= config.bin %> event cleanup mh26 --export-first ./mh26-export --yes',
  ]

  static override args = {event: Args.string({required: true, description: 'Event id, or the event file.'})}
  static override flags = {
    team: Flags.string({description: 'Only this team.'}),
    'older-than': durationFlag({description: 'Only projects created longer ago than this (e.g. 48h).'}),
    grace: Flags.string({description: "Remove nothing until this long after the event's end (e.g. 7d)."}),
    auto: Flags.boolean({description: 'With an event file: execute if its cleanup.auto is true (for cron).'}),
    force: Flags.boolean({description: 'Also remove teams whose event (plus --grace) has not ended yet.'}),
    'export-first': Flags.string({
      description:
        "Export each team's clusters to DIR/<team> (mongodump layout, gzip, verified) before deleting them; a team whose export fails is kept.",
      helpValue: 'DIR',
    }),
    timeout: timeoutFlag,
  }

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(EventCleanup)
    const timeoutMs = flags.timeout
    const file =
      fs.existsSync(args.event) && fs.statSync(args.event).isFile() ? await readEventFile(args.event) : undefined
    const eventId = file?.id ?? args.event
    // The folder is checked before any request: a bad one is exit 2 with nothing changed.
    const exportDir = flags['export-first'] ? path.resolve(flags['export-first']) : undefined
    if (exportDir) checkExportDir(exportDir, eventId)
    const grace = flags.grace ?? file?.cleanup.grace
    const filter = {
      team: flags.team,
      olderThanMs: flags['older-than'],
      graceMs: grace ? parseDuration(grace, 'grace') : undefined,
    }
    const client = await this.atlas()
    // The ledger knows which keys and invitations the event made; read again under the lock before anything changes.
    const plan = await planCleanup(client, eventId, filter, new Ledger(this.config.dataDir, eventId).data)
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
    const cleaned: CleanupReport =
      execute && (plan.teams.length > 0 || plan.orphanKeys.length > 0)
        ? await withLock(
            path.join(this.config.dataDir, 'locks'),
            `event-${eventId}`,
            () => {
              if (exportDir) prepareExportDir(exportDir, eventId)
              return executeCleanup(client, plan, {
                timeoutMs,
                pollMs: pollIntervalFromEnv(),
                onProgress: (line) => this.out.info(line),
                ledger: new Ledger(this.config.dataDir, eventId),
                exportFirst: exportDir ? {dir: exportDir, toolVersion: `atlasctl-${this.config.version}`} : undefined,
              })
            },
            `event ${eventId}`,
          )
        : {...plan, executed: false, results: [], failed: 0, orphanKeysRemoved: 0}
    // The exports are local writes: one audit line per team, as migrate export writes one.
    for (const x of cleaned.results)
      if (exportDir && (x.export?.status === 'exported' || x.stage === 'export'))
        this.audit(
          'event export',
          path.join(exportDir, x.team),
          x.export
            ? `ok: ${x.export.clusters.reduce((a, c) => a + c.docs, 0)} documents, verified`
            : `failed: ${x.error}`,
        )
    const report: Result = exportDir
      ? {
          ...cleaned,
          exportFirst: {
            dir: exportDir,
            teams: plan.teams.map((t) => ({
              team: t.team,
              exported: Boolean(readManifest(exportDir, t.team, t.projectId)),
            })),
          },
        }
      : cleaned
    if (report.failed > 0 || report.unreadable.length > 0) {
      const kept = report.results.filter((r) => r.stage === 'export')
      const parts = [
        kept.length > 0
          ? `${kept.length} of ${plan.teams.length} teams were kept because their export failed (${kept.map((r) => r.team).join(', ')})`
          : '',
        report.failed > kept.length
          ? `${report.failed - kept.length} of ${plan.teams.length} teams could not be removed`
          : '',
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

  protected override async render(r: Result): Promise<void> {
    if (!r.executed) {
      if (r.teams.length === 0) this.out.data(`Nothing to remove for event ${r.event}.`)
      else
        this.out.data(
          `Would remove (dry run; --yes executes):\n${await table(
            ['team', 'project', 'clusters', 'users', 'access entries', 'API keys', 'invitations'],
            r.teams.map((t, i) => [
              t.team,
              t.project,
              t.clusters.map((c) => `${c.name}${c.terminationProtection ? ' (protected)' : ''}`).join(' '),
              t.users,
              t.accessEntries,
              r.access[i]?.keys ?? 0,
              r.access[i]?.invites ?? 0,
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
            `${exportLine(x.export)}${
              x.status === 'removed'
                ? `removed ${x.removed!.clusters} clusters, ${x.removed!.users} users, ${x.removed!.entries} entries, ${x.removed!.keys} API keys, ${x.removed!.invites} invitations`
                : x.stage === 'export'
                  ? `kept, export failed: ${x.error}`
                  : `failed: ${x.error}`
            }`,
          ]),
        ),
      )
    }
    for (const k of r.orphanKeys)
      this.out.info(
        `${r.executed ? 'deleted' : 'would delete'} the API key ${k.publicKey ?? ''} of ${k.team}, whose project is already gone`,
      )
    if (!r.executed && r.exportFirst)
      for (const e of r.exportFirst.teams)
        this.out.info(
          e.exported
            ? `${e.team}: a verified export is in ${path.join(r.exportFirst.dir, e.team)} already`
            : `would export ${e.team} to ${path.join(r.exportFirst.dir, e.team)} first, and keep it if that fails`,
        )
    for (const s of r.skipped) this.out.info(`kept ${s.team}: ${s.reason}`)
    if (!r.executed)
      for (const l of r.live)
        this.out.info(
          `${l.team} is still inside its event (${l.until ? `until ${l.until}` : 'no end time tagged'}): removing it needs --force`,
        )
    for (const u of r.unreadable) this.out.info(`could not read ${u.team} (${u.project}): ${u.error}`)
  }
}

function exportLine(e: TeamExport | undefined): string {
  if (!e) return ''
  const docs = e.clusters.reduce((a, c) => a + c.docs, 0)
  if (e.status === 'exported') return `exported ${docs} documents to ${e.dir} (verified); `
  if (e.status === 'existing') return `export in ${e.dir} (verified earlier); `
  return 'no cluster to export; '
}
