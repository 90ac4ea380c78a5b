import {UsageError} from '../lib/errors.js'
import type {Credentials} from '../services/users.js'
import {writeCredentialsFile} from '../services/users.js'

export interface CredentialOutput {
  credentialsFile?: string
  showPassword: boolean
  json: boolean
}

/** Where a new password may go: a 0600 file, the terminal once, or (asked for) the output. Never a log. */
export function checkPasswordDestination(o: CredentialOutput, generated: boolean): void {
  if (!generated || o.credentialsFile || o.showPassword) return
  if (!process.stdout.isTTY || o.json) {
    throw new UsageError('The generated password would be lost: pass --credentials-file FILE (written 0600), or --show-password to print it.', {
      code: 'PASSWORD_DESTINATION',
      details: {flag: 'credentials-file'},
    })
  }
}

/** Writes the bundle if asked; returns the password for the result only when the user asked to see it. */
export function deliverCredentials(creds: Credentials, o: CredentialOutput): {credentialsFile?: string; password?: string; connectionString?: string} {
  if (o.credentialsFile) writeCredentialsFile(o.credentialsFile, creds)
  const masked = creds.connectionString?.replace(`:${encodeURIComponent(creds.password)}@`, ':****@')
  return {credentialsFile: o.credentialsFile, connectionString: masked, ...(o.showPassword ? {password: creds.password, connectionString: creds.connectionString} : {})}
}

/** The once-only terminal display (stdout is a TTY and the password went nowhere else). */
export function passwordLines(creds: Credentials, o: CredentialOutput): string[] {
  if (o.credentialsFile || o.showPassword || o.json || !process.stdout.isTTY) return []
  return [`Password (shown once, stored nowhere): ${creds.password}`, ...(creds.connectionString ? [`Connection string: ${creds.connectionString}`] : [])]
}

export function credentialReport(headline: string, r: {credentialsFile?: string; password?: string}, shownOnce: string[]): string {
  return [headline, ...(r.credentialsFile ? [`Credentials written to ${r.credentialsFile} (mode 0600).`] : []), ...(r.password ? [`Password: ${r.password}`] : []), ...shownOnce].join('\n')
}
