import type {Hook} from '@oclif/core'

/**
 * An unknown command: "did you mean", nothing run, exit 2. Shown like any command's error: under --json (or -o, or
 * the profile's output) the one error document on stdout. Its modules load only on this path.
 */
const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  const [{unknownCommand}, {writeError}, {outputFormat}] = await Promise.all([
    import('../base/suggest.js'),
    import('../base/atlas-command.js'),
    import('../config/output-preference.js'),
  ])
  const words = id.split(':')
  const format = outputFormat({argv: argv ?? [], configDir: config.configDir})
  const yaml = format === 'yaml' ? await import('yaml') : undefined
  const error = unknownCommand(config, words)
  writeError(error, {format, warnings: [], yaml})
  process.exitCode = error.exitCode
}

export default hook
