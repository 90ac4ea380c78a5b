import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import type {ConfigStore} from '../config/store.js'
import {DEMO_DELAYS, FAST_DELAYS, RECORDED_DELAYS, scaleDelays} from '../emulator/delays.js'
import type {EmulatorOptions, RunningEmulator} from '../emulator/server.js'
import {AtlasCtlError, ExitCode, UsageError} from '../lib/errors.js'
import {processAlive} from '../lib/process.js'

const LOCAL_PROFILE = 'local'
export const DEFAULT_EMULATOR_PORT = 8520
const RUNTIME_FILE = 'emulator.json'

export interface EmulatorRuntime {
  pid: number
  url: string
  port: number
  dataDir?: string
  profile: string
  /** The profile that was active before this emulator made "local" active: stopping gives it back. */
  previousProfile?: string
  startedAt: string
}

export interface StartSettings {
  port: number
  dataDir?: string
  fast: boolean
  /** Atlas's recorded durations (minutes for a dedicated cluster), multiplied by timeScale. */
  realistic?: boolean
  timeScale?: number
  rateLimits: 'realistic' | 'off'
  faults?: string
  backingUri?: string
}

/** `errorRate=0.1,dropRate=0.05,latencyMs=20,seed=7` → fault options, strictly. */
function parseFaults(spec: string, where = '--faults'): NonNullable<EmulatorOptions['faults']> {
  const out: Record<string, number> = {}
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [k, v] = part.split('=')
    const n = Number(v)
    if (
      !['errorRate', 'dropRate', 'latencyMs', 'seed'].includes(k) ||
      v === undefined ||
      !Number.isFinite(n) ||
      n < 0
    ) {
      throw new UsageError(
        `Invalid fault setting "${part}" in ${where}: use errorRate=0..1, dropRate=0..1, latencyMs=N, seed=N.`,
      )
    }
    if ((k === 'errorRate' || k === 'dropRate') && n > 1)
      throw new UsageError(`${k} in ${where} must be between 0 and 1 (got ${v}).`)
    out[k] = n
  }
  return out
}

function emulatorOptions(s: StartSettings): EmulatorOptions {
  return {
    port: s.port,
    dataDir: s.dataDir ? path.resolve(s.dataDir) : undefined,
    delays: scaleDelays(s.fast ? FAST_DELAYS : s.realistic ? RECORDED_DELAYS : DEMO_DELAYS, s.timeScale ?? 1),
    rateLimits: s.rateLimits,
    faults: s.faults ? parseFaults(s.faults) : undefined,
    backingUri: s.backingUri,
  }
}

function readRuntime(configDir: string): EmulatorRuntime | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(configDir, RUNTIME_FILE), 'utf8')) as EmulatorRuntime
  } catch {
    return undefined
  }
}

const alive = processAlive

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/__emulator/health`, {signal: AbortSignal.timeout(2000)})
    return res.ok
  } catch {
    return false
  }
}

/** Runs the emulator in this process and points the `local` profile at it. */
export async function runEmulator(
  s: StartSettings,
  store: ConfigStore,
  configDir: string,
): Promise<{emulator: RunningEmulator; runtime: EmulatorRuntime; stop: () => Promise<void>}> {
  const running = readRuntime(configDir)
  if (running && running.pid !== process.pid && alive(running.pid)) {
    throw new AtlasCtlError(
      `An emulator is already running at ${running.url} (pid ${running.pid}).`,
      ExitCode.conflict,
      {code: 'EMULATOR_RUNNING', hint: 'Run "atlasctl emulator stop" first.'},
    )
  }
  const {startEmulator} = await import('../emulator/server.js')
  let emulator: RunningEmulator
  try {
    emulator = await startEmulator(emulatorOptions(s))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new AtlasCtlError(`Port ${s.port} is in use.`, ExitCode.conflict, {
        code: 'PORT_IN_USE',
        hint: 'Pass another --port (0 picks a free one).',
      })
    throw error
  }
  const c = emulator.credentials
  // A restart after a crash: "local" is still active, and the profile before it is in the stale runtime file.
  const previousProfile =
    store.activeProfile === LOCAL_PROFILE ? running?.previousProfile : (store.activeProfile ?? undefined)
  store.saveProfile(
    LOCAL_PROFILE,
    {authType: 'apiKey', publicApiKey: c.publicKey, privateApiKey: c.privateKey, orgId: c.orgId, baseUrl: emulator.url},
    {activate: true},
  )
  const runtime: EmulatorRuntime = {
    pid: process.pid,
    url: emulator.url,
    port: emulator.port,
    dataDir: s.dataDir && path.resolve(s.dataDir),
    profile: LOCAL_PROFILE,
    previousProfile,
    startedAt: new Date().toISOString(),
  }
  const file = path.join(configDir, RUNTIME_FILE)
  fs.writeFileSync(file, JSON.stringify(runtime, null, 2), {mode: 0o600})
  const stop = async () => {
    await emulator.close()
    if (readRuntime(configDir)?.pid === process.pid) fs.rmSync(file, {force: true})
  }
  return {emulator, runtime, stop}
}

/** Starts `atlasctl emulator start` again as a detached process and waits until it answers. */
export async function startDetached(
  argv: string[],
  binPath: string,
  configDir: string,
  logFile: string,
): Promise<EmulatorRuntime> {
  const running = readRuntime(configDir)
  if (running && alive(running.pid) && (await healthy(running.url))) {
    throw new AtlasCtlError(
      `An emulator is already running at ${running.url} (pid ${running.pid}).`,
      ExitCode.conflict,
      {code: 'EMULATOR_RUNNING', hint: 'Run "atlasctl emulator stop" first.'},
    )
  }
  fs.mkdirSync(path.dirname(logFile), {recursive: true})
  const log = fs.openSync(logFile, 'a', 0o600)
  const child = spawn(
    process.execPath,
    [binPath, 'emulator', 'start', ...argv.filter((a) => a !== '--detach' && a !== '--json')],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: {...process.env, ATLASCTL_NON_INTERACTIVE: '1'},
    },
  )
  child.unref()
  fs.closeSync(log)
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const rt = readRuntime(configDir)
    if (rt && rt.pid === child.pid && (await healthy(rt.url))) return rt
    if (child.exitCode !== null || !alive(child.pid!)) break
    await sleep(100)
  }
  throw new AtlasCtlError(`The emulator did not start; see ${logFile}.`, ExitCode.failure, {
    code: 'EMULATOR_START_FAILED',
  })
}

/**
 * Gives back the profile that was active before the emulator, if "local" is still the active one and that profile
 * still exists; answers the profile made active, or undefined when nothing changed.
 */
export function restoreProfile(store: ConfigStore, rt: Pick<EmulatorRuntime, 'previousProfile'>): string | undefined {
  const previous = rt.previousProfile
  if (store.activeProfile !== LOCAL_PROFILE || !previous || !store.getProfile(previous)) return undefined
  store.use(previous)
  return previous
}

/** Stops the emulator; its own process gives the previous profile back, and this does if that process could not. */
export async function stopEmulator(
  configDir: string,
  store: ConfigStore,
): Promise<{stopped: boolean; pid?: number; url?: string; activeProfile?: string; restored?: string}> {
  const rt = readRuntime(configDir)
  if (!rt) return {stopped: false, activeProfile: store.activeProfile}
  if (alive(rt.pid)) {
    process.kill(rt.pid, 'SIGTERM')
    const deadline = Date.now() + 10_000
    while (alive(rt.pid) && Date.now() < deadline) await sleep(50)
    if (alive(rt.pid)) process.kill(rt.pid, 'SIGKILL')
  }
  fs.rmSync(path.join(configDir, RUNTIME_FILE), {force: true})
  const restored = restoreProfile(store, rt)
  return {stopped: true, pid: rt.pid, url: rt.url, activeProfile: store.activeProfile, restored}
}

export async function emulatorStatus(configDir: string): Promise<{running: boolean} & Partial<EmulatorRuntime>> {
  const rt = readRuntime(configDir)
  if (!rt) return {running: false}
  const running = alive(rt.pid) && (await healthy(rt.url))
  return {...rt, running}
}
