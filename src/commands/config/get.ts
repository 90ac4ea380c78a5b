import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {PROFILE_KEYS} from '../../config/schema.js'
import {getValue, targetProfile} from '../../services/profiles.js'

export type Result = ReturnType<typeof getValue>

export default class ConfigGet extends AtlasCommand<Result> {
  static override summary = 'Print one value of a profile (secrets masked).'
  static override args = {key: Args.string({required: true, description: `One of: ${PROFILE_KEYS.join(', ')}.`})}
  static override examples = [
    '<%= config.bin %> config get orgId',
    '<%= config.bin %> config get privateApiKey --profile prod',
  ]

  protected async execute(): Promise<Result> {
    const {args} = await this.parse(ConfigGet)
    const store = await this.store()
    return getValue(store, targetProfile(store, this.globals.profile), args.key)
  }

  protected override render(r: Result): void {
    this.out.data(r.value ?? '')
  }
}
