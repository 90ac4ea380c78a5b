import {Args} from '@oclif/core'
import {AtlasCommand} from '../base/atlas-command.js'
import {completionScript, type Shell, SHELLS} from '../ui/completion.js'

export type Result = {shell: Shell; script: string}

export default class Completion extends AtlasCommand<Result> {
  static override summary =
    'Print a shell completion script for bash, zsh or fish: commands, aliases, flags and their values.'
  static override description =
    'The script holds the command list, so completing runs nothing and needs no network; print it again after an upgrade.'
  static override args = {shell: Args.string({options: SHELLS, default: 'bash', description: 'The shell.'})}
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_<%= config.bin %>"',
    '<%= config.bin %> completion fish > ~/.config/fish/completions/<%= config.bin %>.fish',
  ]

  protected async execute(): Promise<Result> {
    const {args} = await this.parse(Completion)
    const shell = SHELLS.find((s) => s === args.shell) ?? 'bash'
    // config.commands lists each alias as a command of its own: `clusters ls` completes too.
    const commands = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        words: c.id.replaceAll(':', ' '),
        flags: Object.entries(c.flags)
          .filter(([, f]) => !f.hidden)
          .map(([name, f]) => ({
            name,
            char: f.char,
            aliases: f.aliases,
            allowNo: f.type === 'boolean' && f.allowNo,
            options: f.type === 'option' ? f.options : undefined,
          })),
      }))
    return {shell, script: completionScript(shell, this.config.bin, commands)}
  }

  protected override render(r: Result): void {
    this.out.data(r.script)
  }
}
