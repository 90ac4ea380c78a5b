import {Help} from '@oclif/core'

/**
 * oclif's help (package.json's helpClass, for --help and -h), except that a mistyped subject gets the unknown
 * command's "did you mean" and exit 2, in the output format asked for, instead of a bare "not found".
 */
export default class AtlasctlHelp extends Help {
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
