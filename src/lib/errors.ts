// Exit codes are part of the CLI's contract (README, "Exit codes").
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  timeout: 5,
  conflict: 6,
  partial: 7,
  checkFailed: 8,
  cancelled: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface ErrorOptions {
  code?: string
  hint?: string
  cause?: unknown
  details?: Record<string, unknown>
}

/** An error the CLI renders as one clear message with a hint, and maps to an exit code. */
export class AtlasCtlError extends Error {
  readonly exitCode: ExitCodeValue
  readonly code: string
  readonly hint?: string
  readonly details?: Record<string, unknown>

  constructor(message: string, exitCode: ExitCodeValue, options: ErrorOptions = {}) {
    super(message, {cause: options.cause})
    this.name = new.target.name
    this.exitCode = exitCode
    this.code =
      options.code ??
      new.target.name
        .replace(/Error$/, '')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toUpperCase()
    this.hint = options.hint
    this.details = options.details
  }
}

export class UsageError extends AtlasCtlError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.usage, options)
  }
}

export class AuthError extends AtlasCtlError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.auth, options)
  }
}

export class NotFoundError extends AtlasCtlError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.notFound, options)
  }
}

export class TimeoutError extends AtlasCtlError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.timeout, options)
  }
}

export class ConflictError extends AtlasCtlError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.conflict, options)
  }
}

/** Some of the work was done and some was not; the message names what is left and the command that finishes it. */
export class PartialFailureError extends AtlasCtlError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.partial, {code: 'PARTIAL_FAILURE', ...options})
  }
}

/** A diagnosis found a fault (atlasctl doctor): the report names each failed check and its fix. */
export class CheckFailedError extends AtlasCtlError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.checkFailed, {code: 'CHECK_FAILED', ...options})
  }
}

export class CancelledError extends AtlasCtlError {
  constructor(message = 'Cancelled.', options?: ErrorOptions) {
    super(message, ExitCode.cancelled, options)
  }
}

/** A value is missing and there is no terminal to ask for it. An upper-case name is a positional argument. */
export class MissingValueError extends UsageError {
  constructor(flag: string, what?: string) {
    const how = /^[A-Z_]+$/.test(flag) ? `the ${flag} argument` : `--${flag}`
    super(`Missing ${what ?? 'value'}: pass ${how} (no terminal to prompt on).`, {
      code: 'MISSING_FLAG',
      details: {flag},
    })
  }
}
