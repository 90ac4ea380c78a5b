import {Args} from '@oclif/core'
import {AtlasCommand} from '../base/atlas-command.js'
import {unknownCommand, unknownSubject} from '../base/suggest.js'
import {CollectedHelp} from '../ui/help.js'

export type Result = {help: string}

export default class HelpCommand extends AtlasCommand<Result> {
  static override summary = 'Show help for atlasctl, a topic or a command (as --help and -h do).'
  static override strict = false
  static override args = {command: Args.string({description: 'A topic or command, in words: cluster create.'})}
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help cluster create']

  protected async execute(): Promise<Result> {
    const {argv} = await this.parse(HelpCommand)
    const words = argv.map(String).filter((w) => !w.startsWith('-'))
    // A mistyped subject gets the unknown command's "did you mean", not oclif's bare "not found".
    const unknown = unknownSubject(this.config, words)
    if (unknown) throw unknownCommand(this.config, unknown)
    const help = new CollectedHelp(this.config)
    await help.showHelp(words)
    return {help: help.text}
  }

  protected override render(r: Result): void {
    this.out.data(r.help)
  }
}
