/** A validation issue as zod reports it; structural, so that lib needs no zod. */
export interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

const dotted = (i: Issue) => (i.path.length > 0 ? i.path.map(String).join('.') : '(top level)')

/** The one readable form of validation issues, one `where: message` line each: a user never sees zod's raw dump. */
export function describeIssues(
  issues: readonly Issue[],
  o: {where?: (issue: Issue) => string; limit?: number} = {},
): string[] {
  const shown = issues.slice(0, o.limit ?? issues.length).map((i) => `${(o.where ?? dotted)(i)}: ${i.message}`)
  const more = issues.length - shown.length
  return more > 0 ? [...shown, `and ${more} more`] : shown
}
