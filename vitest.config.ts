import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Files in parallel: the e2e tests mostly wait on child processes and I/O, so 3 workers fit 2 cores.
    maxWorkers: 3,
    // A worker's files share its loaded modules (a third of the suite's CPU went to loading them again per file):
    // each test makes its own home, emulator and environment, and an in-process run restores what it changed.
    isolate: false,
    // Tests must not depend on order: each file's tests run shuffled (vitest prints the seed, and --sequence.seed=N
    // replays a failing order). Files keep vitest's order, the slowest of the last run first, so that none starts
    // last and runs alone; each file has a process of its own, and files already run side by side.
    sequence: {shuffle: {files: false, tests: true}},
  },
})
