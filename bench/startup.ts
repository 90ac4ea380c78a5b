import {execFileSync} from 'node:child_process'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {median} from './stats.js'

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')

function time(args: string[], runs: number): number {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    execFileSync(process.execPath, args, {stdio: 'ignore', env: {...process.env, NODE_ENV: 'production'}})
    samples.push(performance.now() - t)
  }
  return median(samples)
}

/** Start-up of `--version` and `cluster --help` against bare `node -e 0`; target ≤ 1.6×. */
export function startupBench(runs = 12) {
  time([BIN, '--version'], 2) // warm the file cache
  const node = time(['-e', '0'], runs)
  const version = time([BIN, '--version'], runs)
  const help = time([BIN, 'cluster', '--help'], runs)
  return {
    runs,
    nodeMs: Math.round(node),
    versionMs: Math.round(version),
    clusterHelpMs: Math.round(help),
    versionRatio: Number((version / node).toFixed(2)),
    clusterHelpRatio: Number((help / node).toFixed(2)),
    target: '≤ 1.6× node -e 0',
  }
}
