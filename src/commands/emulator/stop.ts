import {AtlasCommand} from '../../base/atlas-command.js'
import {stopEmulator} from '../../services/emulator-process.js'

export type Result = Awaited<ReturnType<typeof stopEmulator>>

export default class EmulatorStop extends AtlasCommand<Result> {
  static override summary = 'Stop the background emulator.'
  static override examples = ['<%= config.bin %> emulator stop']

  protected async execute(): Promise<Result> {
    await this.parse(EmulatorStop)
    const r = await stopEmulator(this.config.configDir, await this.store())
    if (r.restored) this.audit('config use', `profile ${r.restored} (emulator stopped)`, 'ok', {profile: r.restored})
    return r
  }

  protected override render(r: Result): void {
    this.out.info(
      r.stopped
        ? `Stopped the emulator at ${r.url} (pid ${r.pid}).${r.activeProfile && r.activeProfile !== 'local' ? ` Profile "${r.activeProfile}" is active again.` : ''}`
        : 'No emulator is running.',
    )
  }
}
