import {Help} from '@oclif/core'

/** oclif's help, collected instead of printed: under --json it is the help command's result. */
export class CollectedHelp extends Help {
  readonly lines: string[] = []

  protected override log(...args: string[]): void {
    this.lines.push(args.join(' '))
  }

  get text(): string {
    return `${this.lines.join('\n')}\n`
  }
}
