/** Shows the last four characters only: `****abcd`. */
export function mask(secret: string | undefined): string | undefined {
  if (secret === undefined || secret === '') return secret
  return `****${secret.length > 8 ? secret.slice(-4) : ''}`
}

/**
 * The one redactor: the --debug trace, error messages and the audit log all pass through it.
 * Secrets are registered as they become known (profile keys, generated passwords, tokens).
 */
export class Redactor {
  private readonly secrets = new Set<string>()

  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret)
  }

  redact(text: string): string {
    let out = text
    // Longest first, so a secret that contains another is replaced whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(mask(s) ?? '')
    return out
      .replace(/(Authorization:\s*)(Digest|Bearer|Basic)\s+[^\n]*/gi, '$1$2 [redacted]')
      .replace(
        /("?(?:password|access_token|client_secret|privateApiKey|clientSecret)"?\s*[:=]\s*)"[^"]*"/gi,
        '$1"[redacted]"',
      )
  }
}

export const redactor = new Redactor()
