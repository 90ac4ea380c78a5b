import fs from 'node:fs'
import path from 'node:path'

/** The store's file in the config directory (conf's `configName` plus `.json`). */
export const CONFIG_FILE_NAME = 'config.json'

/** What `-o` / `--output` and the profile's `output` accept; `human`, the stored name from before, means table. */
export const OUTPUT_FORMATS = ['json', 'table', 'yaml'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

const isFormat = (v: unknown): v is OutputFormat => OUTPUT_FORMATS.some((f) => f === v)

/**
 * The profile's stored `output` (config set output json), read straight from the file: every command asks, and the
 * store (conf, zod) costs more than the command line it serves. A missing or malformed file says nothing here; the
 * store reports a malformed one when a command opens it.
 */
function storedOutputFormat(configDir: string, profile: string | undefined): OutputFormat | undefined {
  let file: {activeProfile?: unknown; profiles?: Record<string, {output?: unknown}>}
  try {
    file = JSON.parse(fs.readFileSync(path.join(configDir, CONFIG_FILE_NAME), 'utf8'))
  } catch {
    return undefined
  }
  const name = profile ?? file?.activeProfile
  const stored = typeof name === 'string' ? file?.profiles?.[name]?.output : undefined
  if (stored === 'human') return 'table'
  return isFormat(stored) ? stored : undefined
}

/**
 * The format and profile named on a command line, read from argv so that an error before (or in) parsing is shown in
 * the format asked for. `outputFlag` is false for a command whose own --output means something else.
 */
function formatFromArgv(argv: readonly string[], outputFlag = true): {format?: OutputFormat; profile?: string} {
  let format: OutputFormat | undefined
  let profile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    if (a === '--json') format = 'json'
    else if (a === '--profile' || a === '-P') profile = argv[++i]
    else if (a.startsWith('--profile=')) profile = a.slice('--profile='.length)
    else if (outputFlag) {
      const value =
        a === '--output' || a === '-o'
          ? argv[++i]
          : a.startsWith('--output=')
            ? a.slice('--output='.length)
            : /^-o[^-]/.test(a)
              ? a.slice(a[2] === '=' ? 3 : 2)
              : undefined
      if (isFormat(value) && format !== 'json') format = value
    }
  }
  return {format, profile}
}

/** The command line's choice, else the profile's, else a table; --json (or ATLASCTL_CONTENT_TYPE=json) wins. */
export function outputFormat(o: {
  argv: readonly string[]
  configDir: string
  outputFlag?: boolean
  env?: NodeJS.ProcessEnv
}): OutputFormat {
  const env = o.env ?? process.env
  if (env.ATLASCTL_CONTENT_TYPE?.toLowerCase() === 'json') return 'json'
  const given = formatFromArgv(o.argv, o.outputFlag)
  return (
    given.format ?? storedOutputFormat(o.configDir, given.profile ?? (env.ATLASCTL_PROFILE || undefined)) ?? 'table'
  )
}
