import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {DigestClient} from 'digest-fetch'
import {ROOT} from './run-cli.js'

const RECORDINGS = path.join(ROOT, 'test', 'fixtures', 'atlas-recordings')

interface Step {
  snap?: string
  req: {method: string; path: string; accept?: string; body?: unknown}
  real?: {status: number; headers?: Record<string, string>; body?: unknown}
  capture?: Record<string, string>
  poll?: boolean
  auth?: 'none' | 'badPublicKey' | 'badPrivateKey'
  setup?: boolean
  /** The same request in a form the emulator serves (for v1.0: the v2 endpoint). */
  mapped?: {path?: string; accept?: string; body?: unknown}
}

export interface Scenario {
  scenario: string
  steps: Step[]
}

export interface StepResult {
  scenario: string
  step: string
  request: string
  match: boolean
  problems: string[]
  /** Why the step is not compared: the emulator does not serve that API. */
  outOfScope?: string
}

// The emulator serves the v2 Admin API only; v1.0 answers have another shape (mongoURI, providerSettings, …).
const OUT_OF_SCOPE = 'v1.0 API: the emulator serves /api/atlas/v2 only'

export function loadScenarios(): Scenario[] {
  return fs
    .readdirSync(RECORDINGS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(RECORDINGS, f), 'utf8')) as Scenario)
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)
const isObject = (v: unknown): v is Record<string, unknown> => kind(v) === 'object'

/** What the comparison holds to: status, top-level keys and their JSON types, stateName and errorCode. Values may differ. */
export function compareAnswer(real: {status: number; body?: unknown}, status: number, body: unknown): string[] {
  const problems: string[] = []
  if (status !== real.status) problems.push(`status ${status}, Atlas ${real.status}`)
  const want = real.body
  if (isObject(want)) {
    if (!isObject(body)) return [...problems, `body is ${kind(body)}, Atlas an object`]
    // `_trimmed` is the recorder's note that it shortened a list, not part of Atlas's answer.
    const missing = Object.keys(want).filter((k) => k !== '_trimmed' && !(k in body))
    const extra = Object.keys(body).filter((k) => !(k in want))
    const typed = Object.keys(want).filter((k) => k in body && kind(body[k]) !== kind(want[k]))
    if (missing.length) problems.push(`missing ${missing.join(', ')}`)
    if (extra.length) problems.push(`extra ${extra.join(', ')}`)
    if (typed.length)
      problems.push(`types differ: ${typed.map((k) => `${k} ${kind(body[k])}≠${kind(want[k])}`).join(', ')}`)
    for (const k of ['stateName', 'errorCode'] as const) {
      if (want[k] !== undefined && body[k] !== want[k])
        problems.push(`${k} ${String(body[k])}, Atlas ${String(want[k])}`)
    }
  }
  return problems
}

// `{now+300s}`: a time relative to the replay, as the recorded command's `--deleteAfter` was to the recording.
const fromNow = (seconds: string) =>
  new Date(Date.now() + Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')

function fill(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string')
    return value
      .replace(/\{now\+(\d+)s\}/g, (_, s: string) => fromNow(s))
      .replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m)
  if (Array.isArray(value)) return value.map((v) => fill(v, vars))
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]))
  return value
}

/**
 * Sends each step of a scenario to the emulator in order, as the recorded client did, and compares every recorded answer.
 * `pause` is the time between two polls: a real sleep, or a test clock moved on.
 */
export async function replayScenario(
  baseUrl: string,
  keys: {publicKey: string; privateKey: string; orgId: string},
  scenario: Scenario,
  pause: (ms: number) => Promise<unknown> = sleep,
): Promise<StepResult[]> {
  const vars: Record<string, string> = {orgId: keys.orgId}
  const results: StepResult[] = []
  for (const step of scenario.steps) {
    const label = {
      scenario: scenario.scenario,
      step: step.snap ?? `${step.req.method} ${step.req.path}`,
      request: `${step.req.method} ${step.req.path} @${step.req.accept ?? '-'}${step.auth ? ` (auth ${step.auth})` : ''}`,
    }
    const v1 = step.req.path.startsWith('/api/atlas/v1.0/')
    // A v1.0 step is not compared; its v2 equivalent, where there is one, is sent so that later steps see its effect.
    if (v1) results.push({...label, match: false, problems: [], outOfScope: OUT_OF_SCOPE})
    if (v1 && !step.mapped) continue
    const req = v1 ? {...step.req, ...step.mapped} : step.req
    const type = `application/vnd.atlas.${req.accept ?? '2023-01-01'}+json`
    const url = `${baseUrl}${fill(req.path, vars) as string}`
    const init = {
      method: req.method,
      headers: {accept: type, ...(req.body !== undefined ? {'content-type': type} : {})},
      body: req.body !== undefined ? JSON.stringify(fill(req.body, vars)) : undefined,
    }
    const send = async (): Promise<{status: number; body: unknown}> => {
      const res =
        step.auth === 'none'
          ? await fetch(url, init)
          : ((await new DigestClient(
              step.auth === 'badPublicKey' ? 'bad' : keys.publicKey,
              step.auth === 'badPrivateKey' ? 'bad' : keys.privateKey,
              {algorithm: 'MD5'},
            ).fetch(url, init)) as Response)
      const text = await res.text()
      let body: unknown
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        body = text
      }
      return {status: res.status, body}
    }
    let got = await send()
    // A polled step: the recorder kept each distinct answer once, so poll until the recorded one appears (or give up
    // after 5 s); a watch loop sees an upgrade's phases in order, whatever the pace of the replay.
    if (step.poll && step.real) {
      const want = step.real
      for (let i = 0; i < 250 && compareAnswer(want, got.status, got.body).length > 0; i++) {
        await pause(20)
        got = await send()
      }
    }
    if (step.capture && isObject(got.body))
      for (const [name, key] of Object.entries(step.capture)) vars[name] = String(got.body[key])
    if (v1 || step.setup || !step.real) continue
    const problems = compareAnswer(step.real, got.status, got.body)
    results.push({...label, match: problems.length === 0, problems})
  }
  return results
}
