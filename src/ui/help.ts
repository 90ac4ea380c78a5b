import {CommandHelp, Help, type Interfaces} from '@oclif/core'

type Formatter = {render: (input: string) => string}

/** oclif runs every line of help through ejs, which compiles a function per string: only a template needs it. */
function templatesOnly(formatter: Formatter): void {
  const render = formatter.render
  formatter.render = (input) => (input.includes('<%') ? render(input) : input)
}

class AtlasctlCommandHelp extends CommandHelp {
  constructor(...args: ConstructorParameters<typeof CommandHelp>) {
    super(...args)
    templatesOnly(this)
  }
}

/**
 * oclif's help (package.json's helpClass, for --help and -h), except that a mistyped subject gets the unknown
 * command's "did you mean" and exit 2, in the output format asked for, instead of a bare "not found".
 */
export default class AtlasctlHelp extends Help {
  override CommandHelpClass = AtlasctlCommandHelp

  constructor(config: Interfaces.Config, opts?: Partial<Interfaces.HelpOptions>) {
    super(config, opts)
    templatesOnly(this)
  }

  override async showHelp(argv: string[]): Promise<void> {
    const {showUnknownCommand, unknownSubject} = await import('../base/suggest.js')
    const unknown = unknownSubject(this.config, argv)
    return unknown ? showUnknownCommand(this.config, unknown, argv) : super.showHelp(argv)
  }
}

/** The help, collected instead of printed: under --json it is the help command's result. */
export class CollectedHelp extends AtlasctlHelp {
  readonly lines: string[] = []

  protected override log(...args: string[]): void {
    this.lines.push(args.join(' '))
  }

  get text(): string {
    return `${this.lines.join('\n')}\n`
  }
}
