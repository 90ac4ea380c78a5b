import {startEmulator, type EmulatorOptions, type RunningEmulator} from '../../src/emulator/server.js'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {AtlasClient} from '../../src/atlas/client.js'
import {createCluster, updateCluster, waitForCluster} from '../../src/services/clusters/clusters.js'
import {ContractValidator} from './contract.js'

export interface TestEmulator extends RunningEmulator {
  contract: ContractValidator
  /** Environment for the CLI child process: keys and base URL of this emulator. */
  env: Record<string, string>
}

/** The emulator's clock in a test: it starts at the real time and stands still until the test moves it. */
export class TestClock {
  private t = Date.now()
  readonly now = (): number => this.t
  advance(ms: number): void {
    this.t += ms
  }
}

/** An in-process emulator with millisecond delays; every exchange is checked against the spec. */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const contract = new ContractValidator()
  const emu = await startEmulator({
    rateLimits: 'off',
    delays: FAST_DELAYS,
    ...options,
    onExchange: (x) => {
      contract.check(x)
      options.onExchange?.(x)
    },
  })
  const c = emu.credentials
  return Object.assign(emu, {
    contract,
    env: {
      MONGODB_ATLAS_PUBLIC_API_KEY: c.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: c.privateKey,
      MONGODB_ATLAS_ORG_ID: c.orgId,
      ATLAS_BASE_URL: emu.url,
      ...(emu.dnsServer ? {ATLASCTL_DNS_SERVER: emu.dnsServer} : {}),
    },
  })
}

/** An emulator, a fresh home, and one project with one IDLE M10 cluster; `writes` records every non-GET call. */
export async function emulatorWithCluster(
  project: string,
  cluster: string,
): Promise<{emu: TestEmulator; env: Record<string, string>; home: string; writes: string[]}> {
  const {runCli, tempHome} = await import('./run-cli.js')
  const writes: string[] = []
  const emu = await startTestEmulator({
    onExchange: (x) => x.method !== 'GET' && writes.push(`${x.operationId} ${x.status}`),
  })
  const h = tempHome()
  const env = {...h.env, ...emu.env, ATLAS_PROJECT_ID: project}
  await runCli(['project', 'create', project], {env})
  await runCli(['cluster', 'create', cluster, '--tier', 'M10', '--wait'], {env})
  return {emu, env, home: h.dir, writes}
}

/**
 * A cluster of a test's own, IDLE at `tier` (and paused, if asked), made through the API from the test's process:
 * the state a test starts from, without a CLI run to pay for it.
 */
export async function seedCluster(
  emu: TestEmulator,
  project: string,
  name: string,
  tier: string,
  paused = false,
): Promise<void> {
  const c = emu.credentials
  const client = new AtlasClient({
    baseUrl: emu.url,
    credentials: {type: 'apiKey', publicKey: c.publicKey, privateKey: c.privateKey},
  })
  const projectId = Object.values(emu.state.groups).find((g) => g.name === project)!.id
  const wait = {intervalMs: 20, maxIntervalMs: 50, timeoutMs: 30_000}
  await createCluster(client, projectId, {name, tier, provider: 'AWS', region: 'US_EAST_1'})
  await waitForCluster(client, projectId, name, {state: 'IDLE'}, wait)
  if (!paused) return
  await updateCluster(client, {projectId, name}, {paused: true})
  await waitForCluster(client, projectId, name, {state: 'IDLE', paused: true}, wait)
}
