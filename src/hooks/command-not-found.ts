import type {Hook} from '@oclif/core'

/** An unknown command: "did you mean", nothing run, exit 2; under --json the one error document on stdout. */
const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  const {showUnknownCommand} = await import('../base/suggest.js')
  await showUnknownCommand(config, id.split(':'), argv ?? [])
}

export default hook
