import {Args, Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {importProfile, type MaskedProfile} from '../../services/profiles.js'

export type Result = MaskedProfile

export default class ConfigImport extends AtlasCommand<Result> {
  static override createsProfile = true
  static override summary = 'Save the profile a file carries, such as a team bundle of "event provision --team-keys".'
  static override description =
    'Reads the file\'s "profile" (API keys, org, project, base URL) and saves it under its name, or --name. The secrets are never printed, and the config file stays mode 0600. Importing the same file again changes nothing; a profile of that name with other keys is kept unless --force.'
  static override examples = [
    '<%= config.bin %> config import ./credentials/team-1.json --use',
    '<%= config.bin %> config import team-1.json --name hack --json',
  ]

  static override args = {file: Args.string({required: true, description: 'The file (JSON) with a "profile".'})}
  static override flags = {
    name: Flags.string({description: 'Profile name (default: the name in the file).'}),
    use: Flags.boolean({description: 'Make it the active profile.'}),
    force: Flags.boolean({description: 'Replace a profile of that name that holds other keys.'}),
  }

  protected async execute(): Promise<Result> {
    const {args, flags} = await this.parse(ConfigImport)
    const store = await this.store()
    const r = await importProfile(store, {file: args.file, name: flags.name, force: flags.force, activate: flags.use})
    this.audit('config import', `profile ${r.name} from ${args.file}`, 'ok', {profile: r.name})
    return r
  }

  protected override render(r: Result): void {
    this.out.info(
      `Saved profile "${r.name}" (key ${r.publicApiKey}, project ${r.projectId})${r.active ? ', now active' : `; use it with --profile ${r.name} or "atlasctl config use ${r.name}"`}.`,
    )
  }
}
