import { MessageChannel, Worker } from 'node:worker_threads'
import { wrapNodePort } from '../../engine/adapters/node-port'
import type { Port } from '../../shared/port'
import type { EngineChild, SpawnOptions } from './host'
import { engineChild, workerRuntime } from './engine-child'
import { TrackingProcessHost } from './tracking-host'
import { stderrLogSink, type LogSink } from './log'
import { engineEntry } from './paths'

/** What a worker_threads child receives as `workerData` (read by src/engine/adapters/node.ts). */
export interface EngineWorkerData {
  readonly role: SpawnOptions['role']
  readonly name: string
  readonly testHooks: Readonly<Record<string, string | number | boolean>>
}

export interface NodeProcessHostOptions {
  /** The built worker entry point; default out/main/engine-worker.js of this package. */
  readonly entryPath?: string
  /** Where children's stdout/stderr lines go; default `[name] line` on process.stderr. */
  readonly log?: LogSink
}

/**
 * Engine children as worker_threads (command line, web host, tests; DESIGN.md §1). Ports can be
 * handed between threads and ArrayBuffers move without copying (toolchain.md §3).
 */
export class NodeProcessHost extends TrackingProcessHost {
  readonly flavor = 'node' as const
  private readonly entryPath: string | undefined
  private readonly log: LogSink

  constructor(options: NodeProcessHostOptions = {}) {
    super()
    this.entryPath = options.entryPath
    this.log = options.log ?? stderrLogSink
  }

  protected start(opts: SpawnOptions): EngineChild {
    const workerData: EngineWorkerData = { role: opts.role, name: opts.name, testHooks: opts.testHooks ?? {} }
    const worker = new Worker(this.entryPath ?? engineEntry('engine-worker'), {
      workerData,
      stdout: true,
      stderr: true
    })
    return engineChild(opts, workerRuntime(worker), this.log)
  }

  createChannel(): readonly [Port, Port] {
    const { port1, port2 } = new MessageChannel()
    return [wrapNodePort(port1), wrapNodePort(port2)]
  }
}
