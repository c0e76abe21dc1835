import type { Worker } from 'node:worker_threads'
import { wrapUtilityProcess, type UtilityProcessLike } from '../../engine/adapters/electron-port'
import { wrapWorker } from '../../engine/adapters/node-port'
import type { Port } from '../../shared/port'
import { ChildExitTracker } from './child-exit'
import type { ChildExit, EngineChild, SpawnOptions } from './host'
import { pipeLines, type LogSink } from './log'

/**
 * What one runtime's child object tells the EngineChild both hosts hand out (node-host.ts,
 * electron/utility-host.ts). Issue 13: the Electron host had an untested copy of the worker
 * host's exit handling; now both feed their runtime's events through one tested EngineChild, and
 * only the translation of those events (workerRuntime, utilityProcessRuntime) differs.
 */
export interface ChildRuntime {
  /** The OS process id or thread id now (a utility process has none until it has spawned). */
  id(): number
  readonly control: Port
  readonly stdout: NodeJS.ReadableStream | null | undefined
  readonly stderr: NodeJS.ReadableStream | null | undefined
  /** Subscribes to the runtime's report of an error the child did not catch, in words. */
  onUncaughtError(listener: (description: string) => void): void
  /** Subscribes to the end of the child, with its exit code. */
  onceExit(listener: (code: number | null) => void): void
  /** Asks the runtime to end the child now. */
  terminate(): void | Promise<unknown>
}

/** One engine child of either runtime: its output piped to the log, its end told once. */
export function engineChild(opts: SpawnOptions, runtime: ChildRuntime, log: LogSink): EngineChild {
  const ended = new ChildExitTracker()
  pipeLines(runtime.stdout, opts.name, 'stdout', log)
  pipeLines(runtime.stderr, opts.name, 'stderr', log)
  // The error comes before the exit when the child dies of an exception the runtime did not
  // catch, e.g. an entry point that fails to load.
  runtime.onUncaughtError((description) => ended.crashed(description))
  runtime.onceExit((code) => ended.childExited(code))
  return {
    name: opts.name,
    role: opts.role,
    get id() {
      return runtime.id()
    },
    control: runtime.control,
    onExit: (handler: (exit: ChildExit) => void) => ended.onExit(handler),
    kill: () => ended.kill(() => runtime.terminate())
  }
}

/** A worker_threads Worker (started with `stdout: true, stderr: true`) as a ChildRuntime. */
export function workerRuntime(worker: Worker): ChildRuntime {
  // Read now: a worker's threadId reads -1 once it has exited.
  const threadId = worker.threadId
  return {
    id: () => threadId,
    control: wrapWorker(worker),
    stdout: worker.stdout,
    stderr: worker.stderr,
    onUncaughtError: (listener) => worker.on('error', (e) => listener(e.message)),
    onceExit: (listener) => worker.once('exit', listener),
    terminate: () => worker.terminate()
  }
}

/** The parts of Electron's `UtilityProcess` a ChildRuntime reads (a structural type, so that
 * this module runs, and is tested, under plain Node). */
export interface UtilityProcessHandle extends UtilityProcessLike {
  readonly pid: number | undefined
  readonly stdout: NodeJS.ReadableStream | null
  readonly stderr: NodeJS.ReadableStream | null
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'error', listener: (type: string, location: string) => void): unknown
  once(event: 'exit', listener: (code: number) => void): unknown
  kill(): boolean
}

/** An Electron utility process (forked with `stdio: 'pipe'`) as a ChildRuntime. */
export function utilityProcessRuntime(proc: UtilityProcessHandle): ChildRuntime {
  return {
    id: () => proc.pid ?? -1,
    control: wrapUtilityProcess(proc),
    stdout: proc.stdout,
    stderr: proc.stderr,
    // Electron reports a fatal error in the child as (type, location), e.g. FatalError at a
    // V8 source position, before the 'exit'.
    onUncaughtError: (listener) => proc.on('error', (type, location) => listener(`${type} at ${location}`)),
    onceExit: (listener) => proc.once('exit', listener),
    terminate: () => {
      proc.kill()
    }
  }
}
