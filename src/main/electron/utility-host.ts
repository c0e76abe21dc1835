import { MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron'
import { unwrapMainPort, wrapMainPort } from '../../engine/adapters/electron-port'
import { LabFailure, labError } from '../../shared/errors'
import type { Port } from '../../shared/port'
import type { ChildExit, EngineChild, SpawnOptions } from '../process/host'
import { ChildExitTracker } from '../process/child-exit'
import { TrackingProcessHost } from '../process/tracking-host'
import { pipeLines, stderrLogSink, type LogSink } from '../process/log'
import { engineEntry } from '../process/paths'

/**
 * Engine children as Electron utility processes (the desktop app; DESIGN.md §1). Ports are
 * MessageChannelMain ports, handed down with `UtilityProcess.postMessage(msg, [ports])`;
 * ArrayBuffers are copied between processes (toolchain.md §3). Type-checked only: Electron
 * cannot run on the development machines, the port logic is tested through electron-port.ts.
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
    const child = new UtilityChild(opts, proc, this.options.log ?? stderrLogSink)
    return child
  }

  createChannel(): readonly [Port, Port] {
    const { port1, port2 } = new MessageChannelMain()
    return [wrapMainPort(port1), wrapMainPort(port2)]
  }
}

class UtilityChild implements EngineChild {
  readonly name: string
  readonly role: SpawnOptions['role']
  readonly control: Port
  private readonly ended = new ChildExitTracker()

  constructor(
    opts: SpawnOptions,
    private readonly proc: UtilityProcess,
    log: LogSink
  ) {
    this.name = opts.name
    this.role = opts.role
    this.control = utilityControlPort(
      proc,
      () => this.ended.exited,
      (h) => this.onExit(h)
    )
    pipeLines(proc.stdout, opts.name, 'stdout', log)
    pipeLines(proc.stderr, opts.name, 'stderr', log)
    proc.on('error', (type, location) => this.ended.crashed(`${type} at ${location}`))
    proc.once('exit', (code) => this.ended.childExited(code))
  }

  /** The process id; -1 until the process has spawned. */
  get id(): number {
    return this.proc.pid ?? -1
  }

  onExit(handler: (exit: ChildExit) => void): () => void {
    return this.ended.onExit(handler)
  }

  kill(): Promise<void> {
    return this.ended.kill(() => {
      this.proc.kill()
    })
  }
}

/**
 * The parent's side of `process.parentPort`: the UtilityProcess object itself. Its 'message'
 * gives the value only (a child cannot send ports up); ports go down in the transfer list.
 */
function utilityControlPort(
  proc: UtilityProcess,
  hasExited: () => boolean,
  onExit: (h: () => void) => () => void
): Port {
  return {
    post(message, opts) {
      if (hasExited()) throw new LabFailure(labError('ProcessCrashed', 'the utility process has exited'))
      // Every Port made in this process by createChannel wraps a real MessagePortMain.
      const ports = opts?.ports?.map(unwrapMainPort) as MessagePortMain[] | undefined
      proc.postMessage(message, ports && ports.length > 0 ? ports : undefined)
    },
    onMessage(handler) {
      const listener = (message: unknown): void => handler(message, [])
      proc.on('message', listener)
      return () => {
        proc.off('message', listener)
      }
    },
    onClose(handler) {
      return onExit(() => handler())
    },
    close() {
      // Ending the process is EngineChild.kill's job.
    }
  }
}
