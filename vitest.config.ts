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
    // Tests must not depend on order; vitest prints the seed, and --sequence.seed=N replays a failing order.
    sequence: {shuffle: true},
  },
})
