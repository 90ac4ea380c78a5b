/** The checks, in the order they run: Atlas's view first, then the network and the server. */
export type CheckId =
  | 'cluster'
  | 'access-list'
  | 'user'
  | 'user-scope'
  | 'user-roles'
  | 'dns'
  | 'tcp'
  | 'tls'
  | 'auth'
  | 'ping'
  | 'm0-limits'

export interface Check {
  id: CheckId
  status: 'pass' | 'fail' | 'skip'
  /** What was found; for a skip, why it did not run. */
  summary: string
  /** For a failure: what to do. */
  fix?: string
  /** For a failure: the fix as a command, where one exists. */
  command?: string
  /** For a skip: the earlier checks it needs that failed. */
  needs?: CheckId[]
}

/** M0's limits (Atlas documents them; see docs/doctor.md). */
export const M0_LIMITS = {connections: 500, storageBytes: 512 * 1024 * 1024}

export type Recorder = {
  add(c: Check): void
  /** The named checks that failed; a check that needs one of them is skipped. */
  failed(...ids: CheckId[]): CheckId[]
  skip(id: CheckId, needs: CheckId[]): void
}
