export interface EventOptions {
  endsAt?: string
  /** Lines under `defaults:` (indented); open network access when not given. */
  defaults?: string[]
  /** Team ids; t1…tN when not given. */
  teams?: string[]
}

/** An event file with `teams` teams, as the events tests write it. */
export function eventYaml(id: string, teams: number, o: EventOptions = {}): string {
  const ids = o.teams ?? Array.from({length: teams}, (_, i) => `t${i + 1}`)
  return [
    `id: ${id}`,
    `name: Event ${id}`,
    `endsAt: ${o.endsAt ?? '2026-01-01T00:00Z'}`,
    'defaults:',
    ...(o.defaults ?? ['  openNetworkAccess: true']),
    'teams:',
    ...ids.map((t) => `  - {id: ${t}, name: Team ${t}, leader: lead-${t}@example.org}`),
    '',
  ].join('\n')
}
