import {startEmulator, type EmulatorOptions, type RunningEmulator} from '../../src/emulator/server.js'
import {FAST_DELAYS} from '../../src/emulator/delays.js'
import {ContractValidator} from './contract.js'

export interface TestEmulator extends RunningEmulator {
  contract: ContractValidator
  /** Environment for the CLI child process: keys and base URL of this emulator. */
  env: Record<string, string>
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
