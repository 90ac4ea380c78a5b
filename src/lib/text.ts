function distance(a: string, b: string): number {
  const dp = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]
    dp[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return dp[b.length]
}

/** How far `candidate` is from `wanted`, case aside: 0 when one holds the other; undefined when too far to suggest. */
export function matchDistance(wanted: string, candidate: string): number | undefined {
  const w = wanted.toLowerCase()
  const c = candidate.toLowerCase()
  const d = c.includes(w) || w.includes(c) ? 0 : distance(w, c)
  return d <= Math.max(2, Math.floor(w.length / 3)) ? d : undefined
}

/** Names close to `wanted` (by edit distance or substring), best first, for "did you mean" hints. */
export function closeMatches(wanted: string, candidates: string[], max = 3): string[] {
  return candidates
    .map((c) => ({c, d: matchDistance(wanted, c) ?? Infinity}))
    .filter(({d}) => d !== Infinity)
    .sort((a, b) => a.d - b.d)
    .slice(0, max)
    .map(({c}) => c)
}

/** A command line a user can paste into a POSIX shell: words with shell characters are single-quoted. */
export function commandLine(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ')
}
