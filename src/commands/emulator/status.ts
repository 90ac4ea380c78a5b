import {AtlasCommand} from '../../base/atlas-command.js'
import {emulatorStatus} from '../../services/emulator-process.js'

export type Result = Awaited<ReturnType<typeof emulatorStatus>>

export default class EmulatorStatus extends AtlasCommand<Result> {
  static override summary = 'Show whether the emulator runs, where, and with which data dir.'
  static override examples = ['<%= config.bin %> emulator status --json']

  protected async execute(): Promise<Result> {
    await this.parse(EmulatorStatus)
    return emulatorStatus(this.config.configDir)
  }

  protected override render(r: Result): void {
    this.out.data(
      r.running
        ? `running at ${r.url} (pid ${r.pid}${r.dataDir ? `, data in ${r.dataDir}` : ''}), profile "${r.profile}"`
        : r.url
          ? `not answering (was ${r.url}, pid ${r.pid})`
          : 'not running',
    )
  }
}
