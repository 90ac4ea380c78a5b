import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {median} from './stats.js'

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')

/** CPU time of this process's finished children, in ms (Linux: cutime + cstime, in 10 ms ticks); else undefined. */
function childrenCpuMs(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
    return (Number(fields[13]) + Number(fields[14])) * 10
  } catch {
    return undefined
  }
}

function once(args: string[]): {wall: number; cpu?: number} {
  const cpu = childrenCpuMs()
  const t = performance.now()
  execFileSync(process.execPath, args, {stdio: 'ignore', env: {...process.env, NODE_ENV: 'production'}})
  const after = childrenCpuMs()
  return {wall: performance.now() - t, cpu: cpu === undefined || after === undefined ? undefined : after - cpu}
}

/**
 * Start-up of `--version` and `cluster --help` against bare `node -e 0`; target ≤ 1.6×. The three run in turn, each
 * round, so a machine that speeds up or slows down during the run moves all three alike. The CPU-time ratio (summed
 * over the runs) is the steadier figure on a shared machine; the wall-time ratio is what a user waits.
 */
export function startupBench(runs = 30) {
  const cases = {node: ['-e', '0'], version: [BIN, '--version'], help: [BIN, 'cluster', '--help']}
  type Name = keyof typeof cases
  const wall: Record<Name, number[]> = {node: [], version: [], help: []}
  const cpu: Record<Name, number | undefined> = {node: 0, version: 0, help: 0}
  for (const args of Object.values(cases)) once(args) // warm the file cache
  for (let i = 0; i < runs; i++)
    for (const name of Object.keys(cases) as Name[]) {
      const r = once(cases[name])
      wall[name].push(r.wall)
      cpu[name] = cpu[name] === undefined || r.cpu === undefined ? undefined : cpu[name] + r.cpu
    }
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || !b ? undefined : Number((a / b).toFixed(2))
  return {
    runs,
    nodeMs: Math.round(median(wall.node)),
    versionMs: Math.round(median(wall.version)),
    clusterHelpMs: Math.round(median(wall.help)),
    versionRatio: ratio(median(wall.version), median(wall.node)),
    clusterHelpRatio: ratio(median(wall.help), median(wall.node)),
    versionCpuRatio: ratio(cpu.version, cpu.node),
    clusterHelpCpuRatio: ratio(cpu.help, cpu.node),
    target: '≤ 1.6× node -e 0',
  }
}
