import v8 from 'node:v8'
import vm from 'node:vm'

let collect: (() => void) | undefined | null

/**
 * Streaming jobs call this with the bytes they moved. V8 lets the old generation grow long before it
 * collects; a full collection every 64 MB keeps memory flat whatever the data size (bench: migrate).
 */
export class HeapKeeper {
  private since = 0

  constructor(private readonly everyBytes = 4 * 1024 * 1024) {}

  moved(bytes: number): void {
    this.since += bytes
    if (this.since < this.everyBytes) return
    this.since = 0
    if (collect === undefined) {
      try {
        v8.setFlagsFromString('--expose-gc')
        collect = vm.runInNewContext('gc') as () => void
      } catch {
        collect = null
      }
    }
    collect?.()
  }
}
