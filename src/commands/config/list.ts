import {AtlasCommand} from '../../base/atlas-command.js'
import {listProfiles} from '../../services/profiles.js'
import {table} from '../../ui/output.js'

export type Result = ReturnType<typeof listProfiles>

export default class ConfigList extends AtlasCommand<Result> {
  static override summary = 'List profiles, secrets masked.'
  static override examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --json']

  protected async execute(): Promise<Result> {
    await this.parse(ConfigList)
    return listProfiles(await this.store())
  }

  protected override async render(r: Result): Promise<void> {
    if (r.profiles.length === 0) return this.out.info('No profiles yet: run "atlasctl config init".')
    this.out.data(
      await table(
        ['', 'profile', 'auth', 'key / client', 'secret', 'org', 'project', 'base URL'],
        r.profiles.map((p) => [
          p.active ? '*' : '',
          p.name,
          p.authType ?? (p.publicApiKey ? 'apiKey' : ''),
          p.publicApiKey ?? p.clientId,
          p.privateApiKey ?? p.clientSecret,
          p.orgId,
          p.projectId,
          p.baseUrl,
        ]),
      ),
    )
  }
}
