import {Flags} from '@oclif/core'
import {MongoCommand} from '../../base/mongo-command.js'
import {nsFlags, targetFlags} from '../../base/flags.js'
import {AtlasCtlError, ExitCode, MissingValueError} from '../../lib/errors.js'
import {verifyMigration, type VerifyRow} from '../../services/migrate/verify.js'
import {MultiProgress} from '../../ui/multi-progress.js'
import {table} from '../../ui/output.js'
import {nsMapping} from '../../services/migrate/source.js'

export type Result = VerifyRow[]

export default class MigrateVerify extends MongoCommand<Result> {
  static override summary = 'Compare a source (dump or server) with the target: counts, content hashes, indexes.'
  static override description =
    'The content hash is computed client-side and does not depend on document order (dbHash is not available on M0). Exits 1 on any difference.'
  static override examples = [
    '<%= config.bin %> migrate verify --from dump --uri mongodb://localhost:27018',
    '<%= config.bin %> migrate verify --source-uri mongodb://localhost:27017 --cluster main --credentials-file app.json --json',
  ]

  static override flags = {
    ...targetFlags,
    ...nsFlags,
    from: Flags.string({description: 'Source dump directory.', exclusive: ['archive', 'source-uri']}),
    archive: Flags.string({description: 'Source archive file.', exclusive: ['source-uri']}),
    gzip: Flags.boolean({description: 'The archive is gzipped.'}),
    'source-uri': Flags.string({description: 'Source server.'}),
  }

  protected async execute(): Promise<VerifyRow[]> {
    const {flags} = await this.parse(MigrateVerify)
    if (!flags.from && !flags.archive && !flags['source-uri'])
      throw new MissingValueError('from', 'source (--from DIR, --archive FILE or --source-uri URI)')
    const uri = await this.mongoTarget(flags)
    const {connect} = await import('../../mongo/connect.js')
    const target = await connect(uri)
    const sourceClient = flags['source-uri'] ? await connect(flags['source-uri']) : undefined
    const progress = new MultiProgress(this.jsonEnabled())
    try {
      const rows = await verifyMigration({
        target,
        sourceClient,
        from: flags.from,
        archive: flags.archive,
        gzip: flags.gzip,
        mapping: nsMapping(flags),
        onProgress: (p) => progress.update(p),
      })
      progress.end()
      const bad = rows.filter((r) => !r.ok)
      if (bad.length > 0) {
        if (!this.jsonEnabled()) await this.render(rows)
        throw new AtlasCtlError(
          `${bad.length} of ${rows.length} collections differ: ${bad.map((r) => r.target).join(', ')}.`,
          ExitCode.failure,
          {code: 'VERIFY_MISMATCH', details: {rows}},
        )
      }
      return rows
    } finally {
      await target.close()
      await sourceClient?.close()
    }
  }

  protected override async render(rows: VerifyRow[]): Promise<void> {
    this.out.data(
      await table(
        ['source', 'target', 'count', 'hash', 'indexes', 'result'],
        rows.map((r) => [
          r.source,
          r.target,
          r.sourceCount === r.targetCount ? r.sourceCount : `${r.sourceCount} ≠ ${r.targetCount}`,
          r.sourceHash === r.targetHash ? 'same' : 'differs',
          r.indexesMatch ? 'same' : 'differ',
          r.ok ? 'ok' : 'DIFFERENT',
        ]),
      ),
    )
  }
}
