import {Args} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'

export type Result = {deleted: string}

export default class ConfigDelete extends AtlasCommand<Result> {
  static override summary = 'Delete a profile and its stored credentials.'
  static override args = {name: Args.string({required: true, description: 'Profile name.'})}
  static override examples = ['<%= config.bin %> config delete old --yes']

  protected async execute(): Promise<{deleted: string}> {
    const {args} = await this.parse(ConfigDelete)
    const store = await this.store()
    store.requireProfile(args.name)
    await this.confirm(`This deletes profile "${args.name}" and its credentials from ${store.file}.`)
    store.deleteProfile(args.name)
    this.audit('config delete', `profile ${args.name}`, 'ok', {profile: args.name})
    return {deleted: args.name}
  }

  protected override render(r: {deleted: string}): void {
    this.out.info(`Deleted profile "${r.deleted}".`)
  }
}
