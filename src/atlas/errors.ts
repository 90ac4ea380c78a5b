import {AtlasCtlError, type ExitCodeValue, ExitCode} from '../lib/errors.js'

export interface AtlasErrorBody {
  detail?: string | null
  error?: number
  errorCode?: string
  parameters?: unknown[]
  reason?: string
}

const HINTS: Record<number, string> = {
  400: 'Atlas rejected the request as invalid; check the values named above.',
  401: "Check the API keys (or service account) of the profile, and that this machine's IP is on the API key's access list.",
  402: 'The organization has no payment method; add one in the Atlas UI, or use an M0 or FLEX tier.',
  403: 'The API key lacks the role this needs (see "Roles" in the docs), or the call comes from outside its access list.',
  404: 'Check the name or id; "atlasctl project list" and "atlasctl cluster list" show what exists.',
  409: 'It already exists or is busy; re-run with the existing name, or wait until it is IDLE.',
  429: 'Atlas is rate limiting this key; wait a minute, or lower the concurrency.',
}

// Atlas answers these with 400, yet they are conflicts with what exists: a duplicate cluster name (quoted,
// mongodb/mongodb-atlas-cli PR 1967) is exit 6 as a 409 would be.
const CONFLICT_CODES = new Set(['DUPLICATE_CLUSTER_NAME'])

/** The status a caller should treat the answer as: a conflict code counts as 409. */
const effectiveStatus = (status: number, errorCode?: string) =>
  errorCode && CONFLICT_CODES.has(errorCode) ? 409 : status

function exitFor(status: number): ExitCodeValue {
  if (status === 400) return ExitCode.usage
  if (status === 401 || status === 403) return ExitCode.auth
  if (status === 404) return ExitCode.notFound
  if (status === 409) return ExitCode.conflict
  return ExitCode.failure
}

/** Atlas's answer to a flex cluster read or changed through the cluster API (recorded). */
export const FLEX_IN_CLUSTER_API = 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API'

export const ALREADY_DELETING = 'CLUSTER_ALREADY_REQUESTED_DELETION'

/** An Atlas API error response, with its status, errorCode and detail. */
export class AtlasApiError extends AtlasCtlError {
  constructor(
    readonly status: number,
    readonly body: AtlasErrorBody,
    readonly operation: string,
    readonly retries: number,
    readonly requestId?: string,
  ) {
    const detail = body.detail ?? body.reason ?? `HTTP ${status}`
    const suffix = status === 429 && retries > 0 ? ` (retried ${retries} times)` : ''
    const treatedAs = effectiveStatus(status, body.errorCode)
    super(
      `Atlas ${operation} failed: ${status} ${body.errorCode ?? ''}${body.errorCode ? ': ' : ''}${detail}${suffix}`,
      exitFor(treatedAs),
      {
        code: body.errorCode ?? `HTTP_${status}`,
        hint: HINTS[treatedAs] ?? (status >= 500 ? 'Atlas had a server error; retry later.' : undefined),
        details: {status, errorCode: body.errorCode, detail: body.detail, requestId},
      },
    )
  }

  get errorCode(): string | undefined {
    return this.body.errorCode
  }
}
