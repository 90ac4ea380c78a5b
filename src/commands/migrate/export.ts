import {Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {AtlasCtlError, ExitCode, UsageError} from '../../lib/errors.js'
import {type ExportReport, exportDump} from '../../services/migrate/export.js'
import {redactUri} from '../../services/migrate/source.js'
import {table} from '../../ui/output.js'
import {MultiProgress} from '../../ui/multi-progress.js'

export type Result = ExportReport

export default class MigrateExport extends AtlasCommand<Result> {
  static override summary = 'Export a MongoDB database to a mongodump directory or archive, streaming.'
  static override description =
    'Writes DIR/<db>/<collection>.bson and .metadata.json (indexes, options, uuid), or a mongodump archive; mongorestore reads what it writes. Memory stays constant whatever the size; collections are exported in parallel.'
  static override examples = [
    '<%= config.bin %> migrate export --uri mongodb://localhost:27017 --out dump',
    '<%= config.bin %> migrate export --uri mongodb://localhost:27017 --db shop --archive shop.archive.gz --gzip',
  ]

  static override flags = {
    uri: Flags.string({required: true, description: 'Source MongoDB connection string.'}),
    out: Flags.string({description: 'Dump directory (default: dump).', exclusive: ['archive']}),
    archive: Flags.string({description: 'Write one archive file instead of a directory.'}),
    db: Flags.string({description: 'Only this database.'}),
    collection: Flags.string({description: 'Only this collection (needs --db).', dependsOn: ['db']}),
    query: Flags.string({
      description: 'Only documents matching this filter (Extended JSON), e.g. \'{"status":"active"}\'.',
    }),
    gzip: Flags.boolean({description: 'Compress (each file, or the whole archive).'}),
    parallel: Flags.integer({default: 4, min: 1, max: 32, description: 'Collections exported at once.'}),
  }

  protected async execute(): Promise<ExportReport> {
    const {flags} = await this.parse(MigrateExport)
    const {BSON} = await import('mongodb')
    let query
    if (flags.query) {
      try {
        query = BSON.EJSON.parse(flags.query, {relaxed: true})
      } catch (error) {
        throw new UsageError(`Invalid --query ${flags.query}: ${(error as Error).message}`, {details: {flag: 'query'}})
      }
    }
    const {connect} = await import('../../mongo/connect.js')
    const client = await connect(flags.uri)
    const progress = new MultiProgress(this.jsonEnabled())
    const out = flags.archive ?? flags.out ?? 'dump'
    const what = `${flags.archive ? 'archive ' : ''}${out} from ${redactUri(flags.uri)}${flags.db ? ` --db ${flags.db}` : ''}${flags.collection ? ` --collection ${flags.collection}` : ''}`
    try {
      const r = await exportDump({
        client,
        out: flags.archive ? undefined : out,
        archive: flags.archive,
        gzip: flags.gzip,
        db: flags.db,
        collection: flags.collection,
        query,
        parallel: flags.parallel,
        toolVersion: `atlasctl-${this.config.version}`,
        totals: progress.live,
        onProgress: (p) => progress.update(p),
      }).catch((error: unknown) => {
        // A bad filter or --out (exit 2, 4) wrote nothing; a failure after that may have left part of a dump.
        const nothingWritten =
          error instanceof AtlasCtlError && (error.exitCode === ExitCode.usage || error.exitCode === ExitCode.notFound)
        if (!nothingWritten)
          this.audit('migrate export', what, `failed: ${error instanceof Error ? error.message : String(error)}`)
        throw error
      })
      progress.end()
      this.audit('migrate export', what, `ok: ${r.docs} documents from ${r.collections.length} collections`)
      this.out.info(
        `Exported ${r.docs} documents (${(r.bytes / 1048576).toFixed(1)} MB) from ${r.collections.length} collections in ${r.seconds.toFixed(1)} s.`,
      )
      return r
    } finally {
      await client.close()
    }
  }

  protected override async render(r: ExportReport): Promise<void> {
    this.out.data(
      await table(
        ['namespace', 'type', 'documents', 'MB'],
        r.collections.map((c) => [c.ns, c.type, c.docs, (c.bytes / 1048576).toFixed(2)]),
      ),
    )
  }
}
