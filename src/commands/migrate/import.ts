import path from 'node:path'
import {Flags} from '@oclif/core'
import {MongoCommand} from '../../base/mongo-command.js'
import {nsFlags, targetFlags} from '../../base/flags.js'
import {MissingValueError, UsageError} from '../../lib/errors.js'
import {type ImportReport, importDump} from '../../services/migrate/import.js'
import {nsMapping, redactUri} from '../../services/migrate/source.js'
import {table} from '../../ui/output.js'
import {MultiProgress} from '../../ui/multi-progress.js'

export type Result = ImportReport

export default class MigrateImport extends MongoCommand<Result> {
  static override summary = 'Import a mongodump directory or archive into MongoDB or an Atlas cluster; resumable.'
  static override description =
    "Inserts in unordered batches, collections in parallel, retrying transient errors without duplicates (a replayed document is counted as already there); rebuilds indexes after the data (without v and ns; a refused index is reported by name). The whole dump is checked first (framing, every document, archive CRCs): a corrupt dump is exit 2 with nothing written. After a crash or Ctrl-C, the same command on the same dump continues from its checkpoint and says so; --restart starts over. An M0 target is checked against M0's limits before any write."
  static override examples = [
    '<%= config.bin %> migrate import --from dump --uri mongodb://localhost:27018',
    '<%= config.bin %> migrate import --archive shop.archive.gz --gzip --cluster main --project shop --credentials-file app.json',
    "<%= config.bin %> migrate import --from dump --uri $URI --ns-include 'shop.*' --ns-from 'shop.$c$' --ns-to 'shop_v2.$c$'",
  ]

  static override flags = {
    ...targetFlags,
    ...nsFlags,
    from: Flags.string({description: 'Dump directory.', exclusive: ['archive']}),
    archive: Flags.string({description: 'Archive file.'}),
    gzip: Flags.boolean({description: 'The archive is gzipped (directory files are recognised by .gz).'}),
    drop: Flags.boolean({
      description: 'Drop each target collection first (asks unless --yes; never on a resumed run).',
    }),
    'dry-run': Flags.boolean({default: false, description: 'Show what would be written; write nothing.'}),
    restart: Flags.boolean({
      description: 'Discard the checkpoint of an interrupted run of this import and start over.',
    }),
    parallel: Flags.integer({default: 4, min: 1, max: 32, description: 'Collections imported at once.'}),
    'm0-limits': Flags.boolean({
      description: 'Check the dump against Atlas M0 limits first (automatic for an M0 --cluster).',
    }),
  }

  protected async execute(): Promise<ImportReport> {
    const {flags} = await this.parse(MigrateImport)
    if (!flags.from && !flags.archive) throw new MissingValueError('from', 'source (--from DIR or --archive FILE)')
    const mapping = nsMapping(flags)
    let m0 = flags['m0-limits']
    if (flags.cluster) {
      const {resolveCluster} = await import('../../services/clusters/clusters.js')
      m0 ||= (await resolveCluster(await this.atlas(), await this.project(flags.project), flags.cluster)).tier === 'M0'
    }
    const uri = await this.mongoTarget(flags)
    if (flags.drop && !flags['dry-run'])
      await this.confirm('This drops each target collection before importing into it.')
    const {connect} = await import('../../mongo/connect.js')
    const client = await connect(uri, {retryWrites: true})
    const progress = new MultiProgress(this.jsonEnabled())
    const source = `${flags.archive ? 'archive ' : ''}${path.resolve(flags.archive ?? flags.from!)}`
    const target = redactUri(uri)
    try {
      const r = await importDump({
        client,
        target: uri,
        from: flags.from,
        archive: flags.archive,
        gzip: flags.gzip,
        mapping,
        drop: flags.drop,
        dryRun: flags['dry-run'],
        restart: flags.restart,
        parallel: flags.parallel,
        m0,
        checkpointDir: path.join(this.config.dataDir, 'migrate'),
        onProgress: (p) => progress.update(p),
        warn: (line) => this.out.warn(line),
      }).catch((error: unknown) => {
        // Exit 2 wrote nothing; anything else may have written part of the data, and is logged as such.
        if (!(error instanceof UsageError) && !flags['dry-run'])
          this.audit(
            'migrate import',
            `${target} from ${source}`,
            `failed: ${error instanceof Error ? error.message : String(error)}`,
          )
        throw error
      })
      progress.end()
      if (!r.dryRun)
        this.audit(
          'migrate import',
          `${target} ${r.namespaces.map((n) => `${n.source}→${n.target}`).join(', ')} from ${source}`,
          `ok: ${r.inserted} inserted, ${r.alreadyThere} already there, ${r.failed} refused, ${r.indexesRefused} index(es) refused${r.resumed ? ' (resumed)' : ''}`,
        )
      this.out.info(
        `${r.dryRun ? 'Would import' : 'Imported'} ${r.docs} documents${r.resumed ? ' (resumed from a checkpoint)' : ''}: ${r.inserted} inserted, ${r.alreadyThere} already there, ${r.failed} refused.`,
      )
      for (const ns of r.namespaces)
        for (const i of ns.indexes.refused) this.out.warn(`index ${i.name} on ${ns.target} was refused: ${i.reason}`)
      return r
    } finally {
      await client.close()
    }
  }

  protected override async render(r: ImportReport): Promise<void> {
    this.out.data(
      await table(
        ['source', 'target', 'documents', 'inserted', 'already there', 'refused', 'indexes'],
        r.namespaces.map((n) => [
          n.source,
          n.target,
          n.docs,
          n.inserted,
          n.alreadyThere,
          n.failed,
          `${n.indexes.created.length} built${n.indexes.refused.length ? `, ${n.indexes.refused.length} refused` : ''}`,
        ]),
      ),
    )
  }
}
