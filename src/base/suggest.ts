import type {Interfaces} from '@oclif/core'
import {UsageError} from '../lib/errors.js'
import {matchDistance} from '../lib/text.js'

/** The commands (and topics) closest to the words typed, named as typed: `clusters lst` suggests `clusters list`, not `cluster list`. */
function closeCommands(typed: string, config: Interfaces.Config): string[] {
  const first = typed.split(' ')[0]
  const ranked = new Map<string, {name: string; d: number}>()
  for (const c of config.commands) {
    if (c.hidden || ranked.has(c.id) || c.aliases.includes(c.id)) continue
    const names = [c.id, ...c.aliases].map((n) => n.replaceAll(':', ' '))
    const scored = names.flatMap((name) => {
      const d = matchDistance(typed, name)
      return d === undefined ? [] : [{name, d}]
    })
    if (scored.length === 0) continue
    const d = Math.min(...scored.map((s) => s.d))
    // Named with the topic closest to the one typed (accessList → accessLists list); the canonical one on a tie.
    const topicDistance = (n: string) =>
      n.split(' ')[0] === first ? -1 : (matchDistance(first, n.split(' ')[0]) ?? Infinity)
    const name = names.reduce((best, n) => (topicDistance(n) < topicDistance(best) ? n : best))
    ranked.set(c.id, {name, d})
  }
  // A mistyped topic (`clustr`) is close to no command: the declared topics too, not the official CLI's names for them.
  const topics = Object.entries(config.pjson.oclif.topics ?? {}).filter(([, t]) => !t.hidden)
  for (const [topic] of typed.includes(' ') ? [] : topics) {
    const d = matchDistance(typed, topic)
    if (d !== undefined) ranked.set(topic, {name: topic, d})
  }
  const sorted = [...ranked.values()].sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
  // Only the nearly best: a typo of `list` is not also a hint for `delete`.
  return sorted
    .filter((r) => r.d <= sorted[0].d + 1)
    .slice(0, 3)
    .map((r) => r.name)
}

/** An unknown command or topic: exit 2 with the commands it is close to. Nothing runs. */
export function unknownCommand(config: Interfaces.Config, words: string[]): UsageError {
  const typed = words.join(' ')
  // The words may end in arguments (`user ad bob`): the longest prefix with a close command decides.
  let suggestions: string[] = []
  for (let n = words.length; n > 0 && suggestions.length === 0; n--)
    suggestions = closeCommands(words.slice(0, n).join(' '), config)
  return new UsageError(
    `Unknown command "${typed}".${suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : ''}`,
    {
      code: 'COMMAND_NOT_FOUND',
      hint: `Nothing was run. See the commands with: ${config.bin} help${suggestions[0] ? `; this one with: ${config.bin} ${suggestions[0]} --help` : ''}`,
      details: {command: typed, suggestions},
    },
  )
}

/**
 * The words of a help subject that name no command or topic (`clustr`, `cluster lst`), else undefined. Words after a
 * command are its arguments; a line that starts with a flag has no subject to check.
 */
export function unknownSubject(config: Interfaces.Config, argv: string[]): string[] | undefined {
  const words: string[] = []
  for (const word of argv) {
    if (word.startsWith('-')) break
    words.push(word)
    const id = words.join(':')
    if (config.findCommand(id)) return undefined
    // An alias's topic (accessLists) is no declared topic, but it leads to commands.
    if (!config.findTopic(id) && !config.commandIDs.some((c) => c.startsWith(`${id}:`))) return words
  }
  return undefined
}

/** The names a command's flags answer to, as typed: --name, its aliases, --no-name, -c. */
export function flagNames(
  flags: Record<string, {char?: string; aliases?: string[]; allowNo?: boolean; hidden?: boolean}>,
): string[] {
  return Object.entries(flags).flatMap(([name, f]) =>
    f.hidden
      ? []
      : [
          `--${name}`,
          ...(f.aliases ?? []).map((a) => `--${a}`),
          ...(f.allowNo ? [`--no-${name}`] : []),
          ...(f.char ? [`-${f.char}`] : []),
        ],
  )
}

/** The closest flag to each unknown one typed, for "Did you mean"; long names only, a one-letter flag is too short to guess. */
export function closeFlags(unknown: string[], known: string[]): Record<string, string> {
  const long = known.filter((k) => k.startsWith('--'))
  return Object.fromEntries(
    unknown.flatMap((u) => {
      const name = u.split('=')[0]
      const best = long
        .map((k) => ({k, d: matchDistance(name.replace(/^-+/, ''), k.slice(2))}))
        .filter((x): x is {k: string; d: number} => x.d !== undefined)
        .sort((a, b) => a.d - b.d)[0]
      return best ? [[name, best.k]] : []
    }),
  )
}

/**
 * An unknown command caught before any command runs (the not-found hook, --help): its error in the format asked for
 * (--json, -o, the profile's output), exit 2. What it needs is loaded only on this path.
 */
export async function showUnknownCommand(config: Interfaces.Config, words: string[], argv: string[]): Promise<void> {
  const [{writeError}, {outputFormat}] = await Promise.all([
    import('./atlas-command.js'),
    import('../config/output-preference.js'),
  ])
  const format = outputFormat({argv, configDir: config.configDir})
  const error = unknownCommand(config, words)
  writeError(error, {format, warnings: [], yaml: format === 'yaml' ? await import('yaml') : undefined})
  process.exitCode = error.exitCode
}
