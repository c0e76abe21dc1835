import { MessageChannelMain, utilityProcess } from 'electron'
import { wrapMainPort } from '../../engine/adapters/electron-port'
import type { Port } from '../../shared/port'
import type { EngineChild, SpawnOptions } from '../process/host'
import { engineChild, utilityProcessRuntime } from '../process/engine-child'
import { TrackingProcessHost } from '../process/tracking-host'
import { stderrLogSink, type LogSink } from '../process/log'
import { engineEntry } from '../process/paths'

/**
 * Engine children as Electron utility processes (the desktop app; DESIGN.md §1). Ports are
 * MessageChannelMain ports, handed down with `UtilityProcess.postMessage(msg, [ports])`;
 * ArrayBuffers are copied between processes (toolchain.md §3). This file is type-checked only,
 * as Electron cannot run on the development machines; the child's ports, output and exit
 * handling are in process/engine-child.ts and engine/adapters/electron-port.ts, tested with a
 * fake UtilityProcess (test/process/engine-child.test.ts).
 * `utilityProcess.fork` works only after app 'ready'.
 */
export class UtilityProcessHost extends TrackingProcessHost {
  readonly flavor = 'electron' as const

  constructor(private readonly options: { entryPath?: string; log?: LogSink } = {}) {
    super()
  }

  protected start(opts: SpawnOptions): EngineChild {
    const proc = utilityProcess.fork(
      this.options.entryPath ?? engineEntry('engine-utility'),
      ['--role', opts.role, '--name', opts.name, '--hooks', JSON.stringify(opts.testHooks ?? {})],
      { serviceName: `Migration Lab ${opts.name}`, stdio: 'pipe' }
    )
    return engineChild(opts, utilityProcessRuntime(proc), this.options.log ?? stderrLogSink)
  }

  createChannel(): readonly [Port, Port] {
    const { port1, port2 } = new MessageChannelMain()
    return [wrapMainPort(port1), wrapMainPort(port2)]
  }
}
