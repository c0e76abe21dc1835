import { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { wrapMainPort, type MessagePortMainLike } from '../../src/engine/adapters/electron-port'
import {
  engineChild,
  utilityProcessRuntime,
  workerRuntime,
  type UtilityProcessHandle
} from '../../src/main/process/engine-child'
import type { ChildExit, EngineChild } from '../../src/main/process/host'
import type { LogSink } from '../../src/main/process/log'
import { LabFailure, type LabError } from '../../src/shared/errors'

// Issue 13: the Electron host had its own, untested copy of the worker host's child handling.
// Both hosts now hand out engineChild(…) over a ChildRuntime; these tests drive it through the
// Electron translation (with a stand-in for Electron's UtilityProcess, which cannot run here)
// and through the worker_threads one (with real workers).

/**
 * A stand-in for Electron's UtilityProcess with the behaviour the host relies on: no pid until
 * it has spawned, piped stdout/stderr, 'message' with the value only, and a fatal error
 * reported as ('FatalError', location) before 'exit'. kill() ends it a turn later.
 */
class FakeUtilityProcess extends EventEmitter implements UtilityProcessHandle {
  pid: number | undefined
  readonly stdout = new PassThrough()
  readonly stderr = new PassThrough()
  readonly posted: { message: unknown; transfer: MessagePortMainLike[] | undefined }[] = []
  kills = 0

  postMessage(message: unknown, transfer?: MessagePortMainLike[]): void {
    this.posted.push({ message: structuredClone(message), transfer })
  }
  kill(): boolean {
    this.kills++
    setImmediate(() => this.emit('exit', 15))
    return true
  }
  spawned(pid: number): void {
    this.pid = pid
    this.emit('spawn')
  }
  dieOf(location: string, code: number): void {
    this.emit('error', 'FatalError', location, 'report')
    this.emit('exit', code)
  }
}

class FakeMessagePortMain extends EventEmitter implements MessagePortMainLike {
  postMessage(): void {}
  start(): void {}
  close(): void {}
}

function utilityChild(): { proc: FakeUtilityProcess; child: EngineChild; lines: string[] } {
  const proc = new FakeUtilityProcess()
  const lines: string[] = []
  const log: LogSink = (name, stream, line) => lines.push(`${name} ${stream}: ${line}`)
  const child = engineChild({ role: 'vcpu', name: 'vcpu-0' }, utilityProcessRuntime(proc), log)
  return { proc, child, lines }
}

const exitOf = (child: EngineChild): Promise<ChildExit> => new Promise((resolve) => child.onExit(resolve))

function failureOf(f: () => void): LabError {
  try {
    f()
  } catch (e) {
    if (e instanceof LabFailure) return e.error
    throw e
  }
  throw new Error('did not fail')
}

describe('an engine child in an Electron utility process', () => {
  it('reports a fatal error as the cause of the exit, and then refuses to post', async () => {
    const { proc, child } = utilityChild()
    let closed = 0
    child.control.onClose(() => closed++)
    const exit = exitOf(child)
    proc.dieOf('v8 OOM', 134)
    expect(await exit).toEqual({ code: 134, reason: 'crashed: FatalError at v8 OOM' })
    expect(closed).toBe(1)
    const error = failureOf(() => child.control.post({ type: 'x' }))
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toBe('the utility process has exited')
  })

  it('reports an exit on its own with its code', async () => {
    const { proc, child } = utilityChild()
    const exit = exitOf(child)
    proc.emit('exit', 0)
    expect(await exit).toEqual({ code: 0, reason: 'exited with code 0' })
  })

  it('is killed once, reported as killed, and tells late exit handlers too', async () => {
    const { proc, child } = utilityChild()
    await child.kill()
    await child.kill()
    expect(proc.kills).toBe(1)
    expect(await exitOf(child)).toEqual({ code: null, reason: 'killed' })
  })

  it('has the process id once spawned, and -1 before', () => {
    const { proc, child } = utilityChild()
    expect(child.id).toBe(-1)
    proc.spawned(4242)
    expect(child.id).toBe(4242)
    expect(child.name).toBe('vcpu-0')
    expect(child.role).toBe('vcpu')
  })

  it('pipes stdout and stderr to the log, a line at a time under the child name', async () => {
    const { proc, lines } = utilityChild()
    proc.stdout.write('ready\npar')
    proc.stdout.end('tial\n')
    proc.stderr.end('warning: slow\n')
    await new Promise((resolve) => setImmediate(resolve))
    expect(lines.filter((l) => l.includes('stdout'))).toEqual([
      'vcpu-0 stdout: ready',
      'vcpu-0 stdout: partial'
    ])
    expect(lines.filter((l) => l.includes('stderr'))).toEqual(['vcpu-0 stderr: warning: slow'])
  })

  it('hands ports down in the transfer list, copies ArrayBuffers, and gets values without ports', () => {
    const { proc, child } = utilityChild()
    const raw = new FakeMessagePortMain()
    const values = new Float64Array([1.5, 2.5])
    child.control.post({ type: 'adopt', values }, { ports: [wrapMainPort(raw)], transfer: [values.buffer] })
    child.control.post({ type: 'plain' })
    expect(proc.posted).toEqual([
      { message: { type: 'adopt', values: new Float64Array([1.5, 2.5]) }, transfer: [raw] },
      { message: { type: 'plain' }, transfer: undefined }
    ])
    expect(values.length).toBe(2)
    const got: unknown[] = []
    const off = child.control.onMessage((message, ports) => got.push([message, ports.length]))
    proc.emit('message', { type: 'hello' })
    off()
    proc.emit('message', { type: 'unheard' })
    expect(got).toEqual([[{ type: 'hello' }, 0]])
  })
})

describe('an engine child in a worker thread', () => {
  function workerChild(source: string): { child: EngineChild; lines: string[] } {
    const worker = new Worker(source, { eval: true, stdout: true, stderr: true })
    const lines: string[] = []
    const log: LogSink = (name, stream, line) => lines.push(`${name} ${stream}: ${line}`)
    return { child: engineChild({ role: 'migration', name: 'migration' }, workerRuntime(worker), log), lines }
  }

  it('reports an uncaught exception as the cause of the exit', async () => {
    const { child } = workerChild("throw new Error('entry point failed to load')")
    expect(await exitOf(child)).toEqual({ code: 1, reason: 'crashed: entry point failed to load' })
  })

  it('pipes its output and reports its exit code', async () => {
    const { child, lines } = workerChild("console.log('hello from the worker'); process.exitCode = 3")
    const id = child.id
    expect(await exitOf(child)).toEqual({ code: 3, reason: 'exited with code 3' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(lines).toEqual(['migration stdout: hello from the worker'])
    expect(child.id).toBe(id)
    expect(id).toBeGreaterThan(0)
  })

  it('is reported as killed when we end it', async () => {
    const { child } = workerChild('setInterval(() => {}, 1000)')
    await child.kill()
    expect(await exitOf(child)).toEqual({ code: null, reason: 'killed' })
  })
})
