import {Command, Errors, Flags} from '@oclif/core'
import type {AtlasClient} from '../atlas/client.js'
import {AuditLog} from '../audit/log.js'
import {OUTPUT_FORMATS, type OutputFormat, outputFormat} from '../config/output-preference.js'
import {resolveSettings, type Settings} from '../config/settings.js'
import type {ConfigStore} from '../config/store.js'
import type {ProjectRef, ProjectSummary} from '../services/projects.js'
import {inFlight} from '../lib/wait.js'
import {
  AtlasCtlError,
  CancelledError,
  ExitCode,
  type ExitCodeValue,
  PartialFailureError,
  UsageError,
} from '../lib/errors.js'
import {describeIssues, type Issue} from '../lib/issues.js'
import {redactor} from '../lib/secrets.js'
import {commandLine} from '../lib/text.js'
import {Output} from '../ui/output.js'
import {Prompter} from '../ui/prompts.js'
import {closeFlags, flagNames} from './suggest.js'

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** The one --json document of a success; `result` is the command's exported Result type. */
export interface SuccessEnvelope {
  status: 0
  result: unknown
  warnings: string[]
}

/**
 * The one --json document of a failure. Read by name by the contract snapshot (scripts/cli-contract.ts).
 * @public
 */
export interface ErrorEnvelope {
  status: ExitCodeValue
  error: {code: string; message: string; hint?: string; details?: Record<string, unknown>}
  warnings: string[]
}

/** Maps anything thrown to the one error type the CLI renders. */
/** oclif wraps a flag's own parse error in "Parsing --flag" and a help pointer; the error already names the flag. */
const tidy = (message: string) =>
  message.replace(/^Parsing --[\w-]+ *\n\t/, '').replace(/\n\s*See more help with --help$/, '')

function toAtlasCtlError(error: unknown, knownFlags: string[]): AtlasCtlError {
  if (error instanceof AtlasCtlError) {
    error.message = tidy(error.message)
    return error
  }
  const e = error as Error & {oclif?: {exit?: number}; code?: string; issues?: Issue[]}
  if (e?.name === 'ExitPromptError') return new CancelledError()
  // Values are checked where they are given, naming the flag; a validation that still escapes is shown readably.
  if (e?.name === 'ZodError' && Array.isArray(e.issues))
    return new UsageError(`Invalid value: ${describeIssues(e.issues).join('; ')}.`, {code: 'INVALID_VALUE', cause: e})
  if (e instanceof Errors.CLIError || e?.oclif?.exit !== undefined) {
    // Every parse error (oclif's CLIParseError carries `parse`) is the user's: an invalid option value included.
    const exit = 'parse' in e ? ExitCode.usage : (e.oclif?.exit ?? ExitCode.failure)
    const unknown = 'flags' in e && Array.isArray(e.flags) ? e.flags.map(String) : undefined
    if (unknown) return unknownFlags(unknown, knownFlags)
    const message = tidy(e.message)
    return exit === ExitCode.usage
      ? new UsageError(message, {code: 'USAGE'})
      : new AtlasCtlError(message, exit as never, {code: 'CLI'})
  }
  return new AtlasCtlError(e?.message ?? String(error), ExitCode.failure, {code: 'UNEXPECTED', cause: error})
}

/** A mistyped flag: exit 2 with the closest flag the command has; nothing ran, since parsing comes first. */
function unknownFlags(unknown: string[], known: string[]): UsageError {
  const close = closeFlags(unknown, known)
  const guesses = Object.entries(close).map(([typed, flag]) => (unknown.length === 1 ? flag : `${flag} for ${typed}`))
  return new UsageError(
    `Nonexistent flag${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}.${guesses.length > 0 ? ` Did you mean ${guesses.join(', ')}?` : ''}`,
    {code: 'USAGE', hint: 'See the flags with --help.', details: {flags: unknown, suggestions: close}},
  )
}

/**
 * Whatever fails while the command line is read is the user's (exit 2): oclif throws a plain CLIError, with the
 * default exit 1, for a flag without its value or given twice.
 */
function commandLineError(error: unknown, knownFlags: string[]): unknown {
  if (error instanceof Errors.ExitError || !(error instanceof Error)) return error
  const e = toAtlasCtlError(error, knownFlags)
  return e.exitCode === ExitCode.failure && e.code === 'CLI'
    ? new UsageError(e.message, {code: 'USAGE', cause: error})
    : e
}

/**
 * The one base command: global flags, the JSON envelope, error rendering and exit codes.
 * Subclasses implement execute() (parse → service → typed result) and render() for humans.
 */
export abstract class AtlasCommand<T> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    profile: Flags.string({
      char: 'P',
      env: 'ATLASCTL_PROFILE',
      helpGroup: 'GLOBAL',
      description: 'Profile to use (default: the active profile).',
    }),
    // --force is the official Atlas CLI's name for it.
    yes: Flags.boolean({
      char: 'y',
      aliases: ['force'],
      helpGroup: 'GLOBAL',
      description: 'Answer yes to confirmations.',
    }),
    output: Flags.option({
      char: 'o',
      options: OUTPUT_FORMATS,
      exclusive: ['json'],
      helpGroup: 'GLOBAL',
      description:
        "Output format: table (for people), json (the same document as --json) or yaml. Default: the profile's output, else table.",
    })(),
    'non-interactive': Flags.boolean({
      env: 'ATLASCTL_NON_INTERACTIVE',
      helpGroup: 'GLOBAL',
      description: 'Never prompt; a missing value exits 2 naming its flag. Automatic without a TTY or when CI is set.',
    }),
    debug: Flags.boolean({
      env: 'ATLASCTL_DEBUG',
      helpGroup: 'GLOBAL',
      description: 'Trace HTTP requests on stderr, secrets redacted.',
    }),
  }

  /** Commands that create the profile named by --profile (config init, config set) skip the existence check. */
  static createsProfile = false

  protected out!: Output
  protected prompt!: Prompter
  protected globals!: {profile?: string; yes: boolean; nonInteractive: boolean; debug: boolean}
  private storePromise?: Promise<ConfigStore>
  private auditLog?: AuditLog
  private resolvedProfile?: string
  private clientCache?: AtlasClient
  private formatCache?: OutputFormat
  private yaml?: typeof import('yaml')

  override async init(): Promise<void> {
    await super.init()
    const ctor = this.constructor as typeof AtlasCommand
    const {flags} = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      args: ctor.args,
      strict: ctor.strict,
      enableJsonFlag: ctor.enableJsonFlag,
    }).catch((error: unknown) => {
      throw commandLineError(error, [...flagNames({...ctor.baseFlags, ...ctor.flags}), '--json', '--help'])
    })
    this.globals = {
      profile: flags.profile,
      yes: flags.yes,
      nonInteractive: flags['non-interactive'],
      debug: flags.debug,
    }
    const interactive =
      !flags['non-interactive'] && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY) && !process.env.CI
    await this.loadFormatter()
    this.out = new Output(this.jsonEnabled(), flags.debug)
    this.prompt = new Prompter(interactive)
    if (flags.profile && !ctor.createsProfile) (await this.store()).requireProfile(flags.profile)
    for (const signal of SIGNALS) process.once(signal, this.onSignal)
  }

  private readonly onSignal = (signal: NodeJS.Signals) => this.interrupted(signal)

  /** A run in a process that goes on (oclif's run() from code) leaves no handler behind that would report it. */
  protected override async finally(error: Error | undefined): Promise<unknown> {
    for (const signal of SIGNALS) process.off(signal, this.onSignal)
    return super.finally(error)
  }

  /**
   * A password Atlas now holds that the command has not shown or saved yet (setup without a file): an interruption
   * shows it where the result would have gone, or it would be lost.
   */
  protected undelivered(): {username: string; password: string; connectionString?: string} | undefined {
    return undefined
  }

  /** Ctrl-C or SIGTERM: what the waits in flight leave running in Atlas, in the one error envelope; exit 130. */
  private interrupted(signal: NodeJS.Signals): never {
    const running = inFlight()
    // An event provisioner may wait for a hundred clusters: name a few, count the rest; details list all.
    const shown = running.slice(0, 3)
    const more = running.length > shown.length ? `; and ${running.length - shown.length} more` : ''
    const message =
      running.length > 0
        ? `Interrupted (${signal}): ${shown.map((w) => `${w.subject} is still ${w.state} in Atlas`).join('; ')}${more}; nothing was cancelled there.`
        : `Interrupted (${signal}).`
    const resume = [...new Set(shown.flatMap((w) => (w.resume ? [w.resume] : [])))]
    // A spinner may be mid-line on a terminal.
    if (process.stderr.isTTY) process.stderr.write('\r\u001B[2K')
    else process.stderr.write('\n')
    const held = this.undelivered()
    if (held && !this.jsonEnabled())
      process.stdout.write(
        `Database user ${held.username} holds this password (shown once, stored nowhere): ${held.password}\n`,
      )
    const kept = held
      ? ` Database user ${held.username} exists; its password is ${this.jsonEnabled() ? 'in details.credentials' : 'shown above'}, and nowhere else.`
      : ''
    this.report(
      new CancelledError(`${message}${kept}`, {
        code: 'INTERRUPTED',
        hint: resume.length > 0 ? `Watch it with: ${resume.join(' ; ')}` : undefined,
        details: {signal, inFlight: running},
      }),
      held && {credentials: held},
    )
    process.exit(ExitCode.cancelled)
  }

  /**
   * --json, -o / --output, else the profile's stored output, else a table. Read from the command line, so that an
   * error in parsing is shown as asked too; a command whose own --output means something else (config init) keeps it.
   */
  protected get format(): OutputFormat {
    const ctor = this.constructor as typeof AtlasCommand
    this.formatCache ??= outputFormat({
      argv: this.argv,
      configDir: this.config.configDir,
      outputFlag: ctor.flags?.output === undefined,
    })
    return this.formatCache
  }

  /** Every format but the table is one machine-readable document, and quiet and unprompted like --json. */
  override jsonEnabled(): boolean {
    return (this.constructor as typeof AtlasCommand).enableJsonFlag && this.format !== 'table'
  }

  /** yaml is read only by runs that print it; loaded before anything prints, so the writers stay synchronous. */
  private async loadFormatter(): Promise<void> {
    if (this.jsonEnabled() && this.format === 'yaml') this.yaml ??= await import('yaml')
  }

  get interactive(): boolean {
    return this.prompt.interactive
  }

  protected abstract execute(): Promise<T>

  /** The human view of the result, on stdout. */
  protected render(_result: T): void | Promise<void> {}

  async run(): Promise<T> {
    const result = await this.execute()
    if (!this.jsonEnabled()) await this.render(result)
    return result
  }

  protected store(): Promise<ConfigStore> {
    this.storePromise ??= import('../config/store.js').then(({ConfigStore}) => ConfigStore.open(this.config.configDir))
    return this.storePromise
  }

  /**
   * One audit line per mutating action: Atlas writes come from the client, local ones from the command.
   * `profile` names the profile a config command changed, when that is not the one in use.
   */
  protected audit(
    action: string,
    target: string,
    result: string,
    extra: {requestId?: string; profile?: string} = {},
  ): void {
    this.auditLog ??= new AuditLog(this.config.configDir)
    this.auditLog.append({
      profile: extra.profile ?? this.resolvedProfile ?? this.globals?.profile,
      command: (this.id ?? '').replace(/:/g, ' '),
      action,
      target,
      result,
      requestId: extra.requestId,
    })
  }

  protected async settings(flags: {projectId?: string; orgId?: string; clusterName?: string} = {}): Promise<Settings> {
    const s = resolveSettings({store: await this.store(), profileFlag: this.globals.profile, flags})
    this.resolvedProfile = s.profile
    return s
  }

  protected async atlas(settings?: Settings): Promise<AtlasClient> {
    this.clientCache ??= await this.atlasFor(settings ?? (await this.settings()))
    return this.clientCache
  }

  /** A client for these credentials and base URL: config init tries keys that no profile holds yet. */
  protected async atlasFor(s: Pick<Settings, 'baseUrl' | 'credentials'>): Promise<AtlasClient> {
    const {createAtlasClient} = await import('../atlas/client.js')
    const {httpOptionsFromEnv} = await import('../atlas/env.js')
    return createAtlasClient({
      baseUrl: s.baseUrl,
      credentials: s.credentials,
      debug: this.globals.debug ? this.out.debug : undefined,
      userAgent: `atlasctl/${this.config.version}`,
      onWrite: (w) =>
        void this.audit(
          `${w.method} ${w.operation}`,
          w.path.replace(/^\/api\/atlas\/v2/, ''),
          w.status < 400 ? `ok ${w.status}` : `failed ${w.status}`,
          {requestId: w.requestId},
        ),
      // At once and on stderr, --json included: a wrong URL or a stopped emulator should not look like a hang.
      onConnectionRetry: (line) => this.out.warn(line),
      ...httpOptionsFromEnv(),
    })
  }

  /** --project, else the environment, else the profile; resolved by name or id. */
  protected async project(flag?: string): Promise<ProjectSummary> {
    const settings = await this.settings({projectId: flag})
    const client = await this.atlas(settings)
    const {resolveProject} = await import('../services/projects.js')
    return resolveProject(client, settings.projectId ?? (await this.pickProject(client)))
  }

  /** Runs `use` in the project of --project (or the environment, or the profile) for an answer that needs only its id. */
  protected async inProject<R>(flag: string | undefined, use: (project: ProjectRef) => Promise<R>): Promise<R> {
    const settings = await this.settings({projectId: flag})
    const client = await this.atlas(settings)
    const {inProject} = await import('../services/projects.js')
    return inProject(client, settings.projectId ?? (await this.pickProject(client)), use)
  }

  /** No project given: a terminal picks one of those the key sees; elsewhere the lookup's exit 2 names --project. */
  private async pickProject(client: AtlasClient): Promise<string | undefined> {
    if (!this.interactive) return undefined
    const {listProjects} = await import('../services/projects.js')
    const projects = await listProjects(client)
    if (projects.length === 0) return undefined
    return this.prompt.select({
      flag: 'project',
      message: 'Project',
      choices: projects.map((x) => ({name: `${x.name} (${x.clusterCount} clusters)`, value: x.id})),
    })
  }

  /**
   * A partial failure is reported, never hidden: the human report is rendered first (under --json the error's
   * details carry it), then exit 7 with the message and the command that finishes the job.
   */
  protected failPartly(
    result: T,
    message: string,
    o: {hint: string; details: Record<string, unknown>},
  ): Promise<never> {
    return this.failWith(result, new PartialFailureError(message, o))
  }

  /** The human report first, then the error and its exit code; under --json the error's details carry the report. */
  protected async failWith(result: T, error: AtlasCtlError): Promise<never> {
    if (!this.jsonEnabled()) await this.render(result)
    throw error
  }

  /** Shows the plan of a destructive change and asks; --yes skips the question, and without a terminal --yes is required. */
  protected async confirm(plan: string): Promise<void> {
    await this.prompt.confirmPlan(plan, {yes: this.globals.yes, json: this.jsonEnabled()})
  }

  /** A follow-up command for a hint, pasteable, with this run's --profile. */
  protected followUp(words: string[]): string {
    return commandLine(['atlasctl', ...words, ...(this.globals.profile ? ['--profile', this.globals.profile] : [])])
  }

  /** Waiting is the default on a terminal; --wait / --no-wait decide elsewhere. */
  protected shouldWait(flag: boolean | undefined): boolean {
    return flag ?? (this.interactive && !this.jsonEnabled())
  }

  /** Pretty on a terminal; one line in logs and pipes (cron appends one line per run). YAML is a block either way. */
  override logJson(json: unknown): void {
    if (this.yaml) process.stdout.write(this.yaml.stringify(json, {lineWidth: 0}))
    else process.stdout.write(`${JSON.stringify(json, null, process.stdout.isTTY ? 2 : undefined)}\n`)
  }

  protected override toSuccessJson(result: unknown): SuccessEnvelope {
    return {status: 0, result, warnings: this.out?.warnings ?? []}
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<never> {
    if (error instanceof Errors.ExitError) throw error
    const ctor = this.constructor as typeof AtlasCommand
    const e = toAtlasCtlError(error, [...flagNames({...ctor.baseFlags, ...ctor.flags}), '--json', '--help'])
    await this.loadFormatter()
    this.report(e)
    if (this.globals?.debug && e.stack)
      process.stderr.write(redactor.redact(`${(e.cause as Error)?.stack ?? e.stack}\n`))
    this.exit(e.exitCode)
  }

  /**
   * An error as the one document on stdout under --json (or -o json|yaml), else as a message and hint on stderr.
   * `shown` joins the details unredacted: a secret the user must see (a password nothing else holds).
   */
  private report(e: AtlasCtlError, shown?: Record<string, unknown>): void {
    writeError(e, {
      format: this.jsonEnabled() ? this.format : 'table',
      warnings: this.out?.warnings ?? [],
      yaml: this.yaml,
      shown,
    })
  }
}

/** The one rendering of an error, for the commands and for what runs before any command (an unknown one). */
export function writeError(
  e: AtlasCtlError,
  o: {format: OutputFormat; warnings: string[]; yaml?: typeof import('yaml'); shown?: Record<string, unknown>},
): void {
  if (o.format === 'table') {
    process.stderr.write(redactor.redact(`Error (${e.code}): ${e.message}\n${e.hint ? `Hint: ${e.hint}\n` : ''}`))
    return
  }
  const envelope: ErrorEnvelope = {
    status: e.exitCode,
    error: {code: e.code, message: e.message, hint: e.hint, details: e.details},
    warnings: o.warnings,
  }
  const doc: ErrorEnvelope = JSON.parse(redactor.redact(JSON.stringify(envelope)))
  if (o.shown) doc.error.details = {...doc.error.details, ...o.shown}
  process.stdout.write(
    o.format === 'yaml' && o.yaml ? o.yaml.stringify(doc, {lineWidth: 0}) : `${JSON.stringify(doc)}\n`,
  )
}
