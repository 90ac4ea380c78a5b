import {AtlasCtlError, CancelledError, MissingValueError, UsageError} from '../lib/errors.js'

export interface Choice<V> {
  name: string
  value: V
  description?: string
}

const context = {output: process.stderr}

/**
 * A prompt's `validate` from the flag's own parser: what it refuses is shown under the prompt and asked again,
 * so a typed answer and a flag are held to one rule.
 */
export function checkWith(parse: (value: string) => unknown): (value: string) => true | string {
  return (value) => {
    try {
      parse(value)
      return true
    } catch (error) {
      if (error instanceof AtlasCtlError) return error.message
      throw error
    }
  }
}

async function inquirer() {
  return import('@inquirer/prompts')
}

async function guard<V>(ask: () => Promise<V>): Promise<V> {
  try {
    return await ask()
  } catch (error) {
    if ((error as Error)?.name === 'ExitPromptError' || (error as Error)?.name === 'AbortPromptError')
      throw new CancelledError()
    throw error
  }
}

/** Every prompt names its flag; without a terminal a missing value fails at once with exit 2. */
export class Prompter {
  constructor(readonly interactive: boolean) {}

  private need(flag: string, message: string): void {
    if (!this.interactive)
      throw new MissingValueError(
        flag,
        message
          .replace(/\s*\(.*\)/g, '')
          .replace(/[:?]\s*$/, '')
          .toLowerCase(),
      )
  }

  async input(o: {
    flag: string
    message: string
    default?: string
    validate?: (v: string) => true | string
  }): Promise<string> {
    this.need(o.flag, o.message)
    const {input} = await inquirer()
    return guard(() => input({message: o.message, default: o.default, validate: o.validate}, context))
  }

  async password(o: {flag: string; message: string}): Promise<string> {
    this.need(o.flag, o.message)
    const {password} = await inquirer()
    return guard(() =>
      password({message: o.message, mask: '*', validate: (v) => (v.length > 0 ? true : 'required')}, context),
    )
  }

  async select<V>(o: {flag: string; message: string; choices: Array<Choice<V>>; default?: V}): Promise<V> {
    this.need(o.flag, o.message)
    const {select} = await inquirer()
    return guard(() => select<V>({message: o.message, choices: o.choices, default: o.default, pageSize: 12}, context))
  }

  async confirm(o: {message: string; default?: boolean}): Promise<boolean> {
    const {confirm} = await inquirer()
    return guard(() => confirm({message: o.message, default: o.default ?? false}, context))
  }

  /** The one confirmation for plans: --yes skips it; without a terminal and without --yes it is exit 2. */
  async confirmPlan(plan: string, o: {yes: boolean; json: boolean}): Promise<void> {
    if (!o.json) process.stderr.write(`${plan}\n`)
    if (o.yes) return
    if (!this.interactive)
      throw new UsageError('Refusing to proceed without confirmation: pass --yes (no terminal to ask on).', {
        code: 'CONFIRMATION_REQUIRED',
        details: {flag: 'yes'},
      })
    if (!(await this.confirm({message: 'Proceed?'}))) throw new CancelledError('Cancelled; nothing was changed.')
  }
}
