import {Flags} from '@oclif/core'
import {MongoCommand} from '../../base/mongo-command.js'
import {targetFlags} from '../../base/flags.js'
import {AtlasCtlError, ExitCode} from '../../lib/errors.js'
import {readSpecFile} from '../../lib/spec-file.js'
import {
  applyActions,
  applyFailure,
  describeAction,
  probeCapabilities,
  readServerState,
} from '../../services/indexes/apply.js'
import {type Plan, planIndexes} from '../../services/indexes/plan.js'
import {dbSpecSchema} from '../../services/indexes/spec.js'
import {redactUri} from '../../services/migrate/source.js'
import {table} from '../../ui/output.js'
import {startProgress} from '../../ui/spinner.js'

export type Result = Plan & {dryRun: boolean; applied: number; server: string}

export default class DbInitIndexes extends MongoCommand<Result> {
  static override summary = 'Create collections, validators and indexes from a spec file; idempotent.'
  static override description =
    "Reads the spec (YAML or JSON; docs/examples/audio-pipeline.yaml), reads the server's current state, and plans: create collections, set validators (collMod), create indexes. An index whose name exists with other keys or options is a conflict, refused (exit 6) unless --replace. A second run finds nothing to do and writes nothing. Parts the server cannot store (validators on FerretDB) are reported, never dropped silently; --skip-validators applies the rest."
  static override examples = [
    '<%= config.bin %> db init-indexes --spec db.yaml --uri mongodb://localhost:27017 --dry-run',
    '<%= config.bin %> db init-indexes --spec db.yaml --cluster prod-main --project prod --credentials-file deploy.json --json',
  ]

  static override flags = {
    ...targetFlags,
    spec: Flags.string({required: true, description: 'The spec file (YAML or JSON).'}),
    'dry-run': Flags.boolean({default: false, description: 'Print the plan; change nothing.'}),
    replace: Flags.boolean({description: 'Drop and recreate indexes whose definition conflicts with the spec.'}),
    prune: Flags.boolean({description: 'Drop indexes the spec does not list (asks first unless --yes).'}),
    'skip-validators': Flags.boolean({description: 'Leave validators out (for servers that cannot store them).'}),
  }

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(DbInitIndexes)
    const spec = await readSpecFile(flags.spec, dbSpecSchema, 'index spec')
    const uri = await this.mongoTarget(flags)
    const {connect} = await import('../../mongo/connect.js')
    const client = await connect(uri)
    try {
      const db = client.db(spec.database)
      const [state, caps] = await Promise.all([readServerState(db), probeCapabilities(db)])
      const plan = planIndexes(spec, state, caps, {
        replace: flags.replace,
        prune: flags.prune,
        skipValidators: flags['skip-validators'],
      })
      const result: Result = {...plan, dryRun: flags['dry-run'], applied: 0, server: caps.server}
      if (plan.conflicts.length > 0 && !flags.replace) {
        if (!this.jsonEnabled()) await this.render(result)
        throw new AtlasCtlError(
          `${plan.conflicts.length} index(es) exist with other keys or options: ${plan.conflicts.map((c) => `${c.collection}.${c.name}`).join(', ')}. Nothing was changed.`,
          ExitCode.conflict,
          {code: 'INDEX_CONFLICT', hint: 'Pass --replace to drop and recreate them.', details: {plan}},
        )
      }
      const blocking = plan.unsupported.filter((u) => !u.reason.startsWith('skipped'))
      if (blocking.length > 0 && !flags['dry-run']) {
        if (!this.jsonEnabled()) await this.render(result)
        throw new AtlasCtlError(
          `This server cannot store: ${blocking.map((u) => `${u.what} of ${u.collection}`).join(', ')}. Nothing was changed.`,
          ExitCode.conflict,
          {code: 'UNSUPPORTED_BY_SERVER', hint: 'Pass --skip-validators to apply the rest.', details: {plan}},
        )
      }
      if (flags['dry-run'] || plan.actions.length === 0) return result
      const drops = plan.actions.flatMap((a) =>
        a.type === 'dropIndex' && a.reason === 'prune' ? [`${a.collection}.${a.name}`] : [],
      )
      if (drops.length > 0) await this.confirm(`This drops ${drops.join(', ')}.`)
      const progress = await startProgress(`Applying ${plan.actions.length} action(s) to ${spec.database}`, {
        json: this.jsonEnabled(),
      })
      const applied = await applyActions(db, plan.actions, (a, phase) => {
        if (phase === 'start') progress.update(`${describeAction(a)}…`)
        // One line per action taken, once its outcome is known.
        if (phase !== 'start')
          this.audit(
            `mongo ${a.type}`,
            `${redactUri(uri)} ${spec.database}.${a.collection}${'name' in a ? ` ${a.name}` : ''}`,
            phase === 'failed' ? 'failed' : 'ok',
          )
      })
      progress.stop()
      if (applied.failed.length > 0) throw applyFailure(applied)
      return {...result, applied: applied.applied.length}
    } finally {
      await client.close()
    }
  }

  protected override async render(r: Result): Promise<void> {
    if (r.actions.length === 0 && r.conflicts.length === 0) this.out.data(`${r.database}: nothing to do.`)
    else if (r.actions.length > 0)
      this.out.data(
        `${r.applied > 0 ? 'Applied' : 'Plan'} for ${r.database} (${r.server}):\n${await table(
          ['action', 'collection', 'details'],
          r.actions.map((a) => [a.type, a.collection, describeAction(a)]),
        )}`,
      )
    for (const c of r.conflicts)
      this.out.info(
        `conflict: ${c.collection}.${c.name} wants ${JSON.stringify(c.wanted)}, has ${JSON.stringify(c.existing)}`,
      )
    for (const u of r.unsupported) this.out.info(`not applied: ${u.what} of ${u.collection}: ${u.reason}`)
  }
}
