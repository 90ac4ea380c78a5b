import {MissingValueError} from '../lib/errors.js'
import {AtlasCommand} from './atlas-command.js'

/** The MongoDB-side commands (migrate, db): AtlasCommand plus where they connect, from --uri or an Atlas cluster. */
export abstract class MongoCommand<T> extends AtlasCommand<T> {
  /** The target's connection string; with --cluster, its user and password come from a file or, on a terminal, a prompt. */
  protected async mongoTarget(flags: {
    uri?: string
    cluster?: string
    project?: string
    'credentials-file'?: string
    'db-user'?: string
  }): Promise<string> {
    const {targetUri} = await import('../services/mongo-target.js')
    if (flags.uri) return targetUri({uri: flags.uri})
    if (!flags.cluster) throw new MissingValueError('uri', 'target (--uri URI or --cluster NAME)')
    const project = await this.project(flags.project)
    return targetUri({
      cluster: flags.cluster,
      project,
      atlas: await this.atlas(),
      credentialsFile: flags['credentials-file'],
      dbUser: flags['db-user'],
      password: this.interactive
        ? async () => ({
            username:
              flags['db-user'] ?? (await this.prompt.input({flag: 'credentials-file', message: 'Database user:'})),
            password: await this.prompt.password({flag: 'credentials-file', message: 'Password:'}),
          })
        : undefined,
    })
  }
}
