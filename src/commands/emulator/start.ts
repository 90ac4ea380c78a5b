import path from 'node:path'
import {Flags} from '@oclif/core'
import {AtlasCommand} from '../../base/atlas-command.js'
import {
  DEFAULT_EMULATOR_PORT,
  type EmulatorRuntime,
  restoreProfile,
  runEmulator,
  startDetached,
} from '../../services/emulator-process.js'

export type Result = EmulatorRuntime & {detached: boolean}

export default class EmulatorStart extends AtlasCommand<Result> {
  static override summary = 'Start the local Atlas Admin API emulator and point the "local" profile at it.'
  static override description =
    'A stateful emulator of the Atlas Admin API v2 operations atlasctl uses: digest and service-account auth, asynchronous clusters, token-bucket rate limits and optional fault injection. No Atlas account needed. Runs in the foreground until Ctrl-C, or in the background with --detach.'
  static override examples = [
    '<%= config.bin %> emulator start --detach',
    '<%= config.bin %> emulator start --port 0 --data-dir ./.atlas-emulator --fast',
    '<%= config.bin %> emulator start --realistic --time-scale 0.1',
  ]

  static override flags = {
    port: Flags.integer({
      description: 'Port on 127.0.0.1 (0 picks a free one).',
      default: DEFAULT_EMULATOR_PORT,
      min: 0,
      max: 65_535,
    }),
    'data-dir': Flags.string({
      description: 'Keep state here across restarts (written atomically).',
      env: 'ATLASCTL_EMULATOR_DATA_DIR',
    }),
    detach: Flags.boolean({description: 'Run in the background; stop it with "atlasctl emulator stop".'}),
    fast: Flags.boolean({
      description: 'Millisecond state transitions instead of seconds (tests, benchmarks).',
      env: 'ATLASCTL_EMULATOR_FAST',
      exclusive: ['realistic'],
    }),
    realistic: Flags.boolean({
      description:
        "Atlas's recorded durations: an M0 in seconds, an M10 in about 13 minutes, a tenant upgrade in about 25.",
      env: 'ATLASCTL_EMULATOR_REALISTIC',
      exclusive: ['fast'],
    }),
    'time-scale': Flags.custom<number>({
      description: 'Multiply every duration by this factor, e.g. 0.01 with --realistic runs an M10 creation in 8 s.',
      env: 'ATLASCTL_EMULATOR_TIME_SCALE',
      parse: async (v) => {
        const n = Number(v)
        if (!Number.isFinite(n) || n <= 0)
          throw new Error(`Invalid --time-scale "${v}": use a number above 0, e.g. 0.01.`)
        return n
      },
    })(),
    'rate-limits': Flags.option({
      options: ['realistic', 'off'] as const,
      default: 'realistic',
      description: 'Atlas-like token buckets, or none.',
      env: 'ATLASCTL_EMULATOR_RATE_LIMITS',
    })(),
    faults: Flags.string({
      description: 'Inject faults: errorRate=0.1,dropRate=0.05,latencyMs=20,seed=7.',
      env: 'ATLASCTL_EMULATOR_FAULTS',
    }),
    'backing-uri': Flags.string({
      description:
        "MongoDB URI that clusters' connection strings point to; with an administrator's credentials in it, database users are made real there.",
      env: 'ATLASCTL_EMULATOR_BACKING_URI',
    }),
  }

  protected async execute(): Promise<Result> {
    const {flags} = await this.parse(EmulatorStart)
    const settings = {
      port: flags.port,
      dataDir: flags['data-dir'],
      fast: flags.fast,
      realistic: flags.realistic,
      timeScale: flags['time-scale'],
      rateLimits: flags['rate-limits'],
      faults: flags.faults,
      backingUri: flags['backing-uri'],
    }
    if (flags.detach) {
      const runtime = await startDetached(
        this.argv,
        path.join(this.config.root, 'bin', 'run.js'),
        this.config.configDir,
        path.join(this.config.dataDir, 'emulator.log'),
      )
      return {...runtime, detached: true}
    }
    const {runtime, stop} = await runEmulator(settings, await this.store(), this.config.configDir)
    this.audit('config write', `profile ${runtime.profile} (baseUrl=${runtime.url}, active)`, 'ok', {
      profile: runtime.profile,
    })
    this.out.data(runtime.url)
    this.out.info(`Atlas emulator listening at ${runtime.url}; profile "local" is now active. Ctrl-C stops it.`)
    process.removeAllListeners('SIGINT')
    process.removeAllListeners('SIGTERM')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await stop()
    const restored = restoreProfile(await this.store(), runtime)
    if (restored) this.audit('config use', `profile ${restored} (emulator stopped)`, 'ok', {profile: restored})
    this.out.info(`Emulator stopped.${restored ? ` Profile "${restored}" is active again.` : ''}`)
    return {...runtime, detached: false}
  }

  protected override render(r: Result): void {
    if (!r.detached) return
    this.out.data(r.url)
    this.out.info(
      `Atlas emulator running in the background at ${r.url} (pid ${r.pid}); profile "local" is now active. Stop it with "atlasctl emulator stop".`,
    )
  }
}
