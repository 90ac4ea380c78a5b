import {checkCredentialsDestination} from '../lib/credentials-file.js'
import {UsageError} from '../lib/errors.js'
import type {ClusterWaitOptions} from '../services/clusters/clusters.js'
import {type AddUserResult, type Credentials, UnsavedPasswordError, updatesOnUserChange} from '../services/users.js'
import {type Progress, reportWait, startProgress} from './spinner.js'

export interface CredentialOutput {
  credentialsFile?: string
  showPassword: boolean
  json: boolean
}

/**
 * Where a new password may go: a 0600 file, the terminal once, or (asked for) the output. Never a log.
 * Checked before anything changes in Atlas, including that the file can be written.
 */
export function checkPasswordDestination(o: CredentialOutput, generated: boolean): void {
  if (o.credentialsFile) checkCredentialsDestination(o.credentialsFile)
  if (!generated || o.credentialsFile || o.showPassword) return
  if (!process.stdout.isTTY || o.json) {
    throw new UsageError(
      'The generated password would be lost: pass --credentials-file FILE (written 0600), or --show-password to print it.',
      {
        code: 'PASSWORD_DESTINATION',
        details: {flag: 'credentials-file'},
      },
    )
  }
}

/** The result's view of the credentials: the password only when the user asked to see it. */
export function shownCredentials(
  creds: Credentials,
  o: CredentialOutput,
): {credentialsFile?: string; password?: string; connectionString?: string} {
  const masked = creds.connectionString?.replace(`:${encodeURIComponent(creds.password)}@`, ':****@')
  return {
    credentialsFile: o.credentialsFile,
    connectionString: masked,
    ...(o.showPassword ? {password: creds.password, connectionString: creds.connectionString} : {}),
  }
}

/** The once-only terminal display (stdout is a TTY and the password went nowhere else). */
export function passwordLines(creds: Credentials, o: CredentialOutput): string[] {
  if (o.credentialsFile || o.showPassword || o.json || !process.stdout.isTTY) return []
  return [
    `Password (shown once, stored nowhere): ${creds.password}`,
    ...(creds.connectionString ? [`Connection string: ${creds.connectionString}`] : []),
  ]
}

/**
 * Rethrows `error`; first, a password that Atlas holds and no file could keep (UnsavedPasswordError) is shown once
 * on a terminal, never in a pipe or log. Use: `await keepPassword(…).catch(showUnsavedPassword({json}))`.
 */
export function showUnsavedPassword(o: {json: boolean; progress?: Progress}): (error: unknown) => never {
  return (error) => {
    // Under --json stdout holds only the JSON document, so the terminal is reached through stderr.
    const terminal =
      !o.json && process.stdout.isTTY ? process.stdout : process.stderr.isTTY ? process.stderr : undefined
    if (error instanceof UnsavedPasswordError) {
      // A spinner redrawing its line could erase the only copy of the password.
      o.progress?.stop()
      terminal?.write(
        `Password of ${error.credentials.username} (shown once, stored nowhere): ${error.credentials.password}\n`,
      )
    }
    throw error
  }
}

export function credentialReport(
  headline: string,
  r: {credentialsFile?: string; password?: string},
  shownOnce: string[],
): string {
  return [
    headline,
    ...(r.credentialsFile ? [`Credentials written to ${r.credentialsFile} (mode 0600).`] : []),
    ...(r.password ? [`Password: ${r.password}`] : []),
    ...shownOnce,
  ].join('\n')
}

/** Waits, with a spinner, until the clusters a user reaches have taken the change; answers the credentials then. */
export async function waitForCredentials(
  o: {json: boolean; username: string; timeoutMs?: number; resume: string},
  r: AddUserResult,
  wait: (w: ClusterWaitOptions) => Promise<Credentials>,
): Promise<Credentials> {
  if (!r.clusters.some(updatesOnUserChange)) return r.credentials
  const progress = await startProgress(`Waiting until the clusters of ${o.username} take the change`, {json: o.json})
  try {
    const creds = await wait({timeoutMs: o.timeoutMs, resume: o.resume, onProgress: reportWait(progress, 'Cluster')})
    progress.succeed(`The credentials of ${o.username} are usable.`)
    return creds
  } catch (error) {
    progress.fail(`Stopped waiting for the clusters of ${o.username}.`)
    throw error
  }
}
