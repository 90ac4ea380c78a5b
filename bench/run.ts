import {emulatorThroughputBench} from './emulator.js'
import {eventsBench, eventsKillBench} from './events.js'
import {migrateBench} from './migrate.js'
import {requestsBench} from './requests.js'
import {startupBench} from './startup.js'
import {waitBench} from './wait.js'

// `npm run bench [name...]`: figures as one JSON document on stdout.
const all = {
  startup: async () => startupBench(),
  requests: () => requestsBench(),
  emulator: () => emulatorThroughputBench(),
  wait: () => waitBench(),
  events: () => eventsBench(100),
  'events-faults': () => eventsBench(100, 'errorRate=0.1,dropRate=0.05,seed=7'),
  'events-kill': () => eventsKillBench(),
  migrate: () => migrateBench(),
} as const
const wanted = process.argv.slice(2).filter((a): a is keyof typeof all => a in all)
const results: Record<string, unknown> = {
  machine: {node: process.version, cpus: (await import('node:os')).cpus().length},
}
for (const name of wanted.length > 0 ? wanted : (Object.keys(all) as Array<keyof typeof all>)) {
  process.stderr.write(`bench: ${name}…\n`)
  results[name] = await all[name]()
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
