import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {PROFILE_KEYS, SECRET_KEYS} from '../../config/schema.js'
import {setValue, targetProfile} from '../../services/profiles.js'

export type Result = ReturnType<typeof setValue>

export default class ConfigSet extends AtlasCommand<Result> {
  static override createsProfile = true
  static override summary = 'Set one value of a profile (creating the profile if needed).'
  static override args = {
    key: Args.string({required: true, description: `One of: ${PROFILE_KEYS.join(', ')}.`}),
    value: Args.string({required: true, description: 'The new value.'}),
  }
  static override examples = [
    '<%= config.bin %> config set projectId 5f1d7c6e0f3c2a1b4d5e6f70',
    '<%= config.bin %> config set output json --profile ci',
  ]

  protected async execute(): Promise<Result> {
    const {args} = await this.parse(ConfigSet)
    const store = await this.store()
    const r = setValue(store, targetProfile(store, this.globals.profile), args.key, args.value)
    // A secret's value is never logged, not even masked.
    this.audit(
      'config set',
      `profile ${r.profile} ${SECRET_KEYS.some((k) => k === args.key) ? r.key : `${r.key}=${r.value}`}`,
      'ok',
      {profile: r.profile},
    )
    return r
  }

  protected override render(r: Result): void {
    this.out.info(`Set ${r.key} = ${r.value} in profile "${r.profile}".`)
  }
}
