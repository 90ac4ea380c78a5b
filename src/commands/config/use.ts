import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'

export type Result = {active: string}

export default class ConfigUse extends AtlasCommand<Result> {
  static override summary = 'Make a profile the active one.'
  static override args = {name: Args.string({required: true, description: 'Profile name.'})}
  static override examples = ['<%= config.bin %> config use prod']

  protected async execute(): Promise<{active: string}> {
    const {args} = await this.parse(ConfigUse)
    ;(await this.store()).use(args.name)
    this.audit('config use', `profile ${args.name}`, 'ok', {profile: args.name})
    return {active: args.name}
  }

  protected override render(r: {active: string}): void {
    this.out.info(`Active profile: ${r.active}`)
  }
}
