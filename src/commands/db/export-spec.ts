import fs from 'node:fs'
import {Flags} from '@oclif/core'
import {MongoCommand} from '../../base/mongo-command.js'
import {targetFlags} from '../../base/flags.js'
import {MissingValueError} from '../../lib/errors.js'
import {exportSpec, readServerState} from '../../services/indexes/apply.js'
import type {DbSpec} from '../../services/indexes/spec.js'

export type Result = {file?: string; spec: DbSpec}

export default class DbExportSpec extends MongoCommand<Result> {
  static override summary = 'Write the spec (collections, validators, indexes) of an existing database.'
  static override description =
    'Feed the file to "db init-indexes" to recreate a local database\'s indexes and validators on Atlas.'
  static override examples = [
    '<%= config.bin %> db export-spec --uri mongodb://localhost:27017 --db studymaster --out db.yaml',
  ]

  static override flags = {
    ...targetFlags,
    db: Flags.string({description: 'Database to export.'}),
    out: Flags.string({description: 'File to write (.yaml or .json); stdout when omitted.'}),
  }

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(DbExportSpec)
    if (!flags.db) throw new MissingValueError('db', 'database name')
    const uri = await this.mongoTarget(flags)
    const {connect} = await import('../../mongo/connect.js')
    const client = await connect(uri)
    try {
      const spec = exportSpec(flags.db, await readServerState(client.db(flags.db)))
      if (flags.out) {
        const text = flags.out.endsWith('.json')
          ? `${JSON.stringify(spec, null, 2)}\n`
          : (await import('yaml')).stringify(spec)
        fs.writeFileSync(flags.out, text)
      }
      return {file: flags.out, spec}
    } finally {
      await client.close()
    }
  }

  protected override async render(r: Result): Promise<void> {
    if (r.file)
      this.out.info(`Wrote the spec of ${r.spec.database} (${r.spec.collections.length} collections) to ${r.file}.`)
    else this.out.data((await import('yaml')).stringify(r.spec))
  }
}
