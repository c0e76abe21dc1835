import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { parseEngineArgs } from '../../src/engine/adapters/electron'
import {
  unwrapMainPort,
  wrapMainPort,
  wrapParentPort,
  type MainMessageEventLike,
  type MessagePortMainLike,
  type ParentPortLike
} from '../../src/engine/adapters/electron-port'
import { LabFailure, type LabError } from '../../src/shared/errors'
import { RpcEndpoint, type NoContract } from '../../src/shared/protocol/rpc'
import { engineSetTimer } from '../../src/engine/runtime'

/**
 * A stand-in for Electron's MessagePortMain with the behaviour the adapter must cope with
 * (toolchain.md §3): messages arrive as `{data, ports}`, they are queued until `start()`, ports
 * travel in the transfer list, and closing one end emits 'close' on both. The adapter is the
 * thing under test, not this fake.
 */
class FakeMessagePortMain extends EventEmitter implements MessagePortMainLike {
  peer: FakeMessagePortMain | undefined
  private queue: MainMessageEventLike[] = []
  private started = false
  private closed = false
  starts = 0

  postMessage(message: unknown, transfer?: MessagePortMainLike[]): void {
    if (this.closed) return
    // Electron structured-clones the data between processes: model the copy.
    this.peer?.deliver({ data: structuredClone(message), ports: transfer ?? [] })
  }
  start(): void {
    this.starts++
    this.started = true
    const queued = this.queue
    this.queue = []
    for (const e of queued) this.emit('message', e)
  }
  close(): void {
    if (this.closed) return
    this.closed = true
    this.emit('close')
    const peer = this.peer
    this.peer = undefined
    peer?.close()
  }
  private deliver(e: MainMessageEventLike): void {
    if (this.started) setImmediate(() => this.emit('message', e))
    else this.queue.push(e)
  }
}

function fakeChannel(): [FakeMessagePortMain, FakeMessagePortMain] {
  const a = new FakeMessagePortMain()
  const b = new FakeMessagePortMain()
  a.peer = b
  b.peer = a
  return [a, b]
}

class FakeParentPort extends EventEmitter implements ParentPortLike {
  posted: unknown[] = []
  postMessage(message: unknown): void {
    this.posted.push(structuredClone(message))
  }
}

type Echo = { requests: { echo: { params: string; result: string } }; events: Record<never, never> }
type Adopt = { requests: { adopt: { params: null; result: null } }; events: Record<never, never> }

describe('Electron MessagePortMain adapter', () => {
  it('does not lose messages sent before anyone listened: it starts the port on subscription', async () => {
    const [a, b] = fakeChannel()
    const sender = wrapMainPort(a)
    const receiver = wrapMainPort(b)
    sender.post({ n: 1 })
    sender.post({ n: 2 })
    expect(b.starts).toBe(0)
    const got: unknown[] = []
    receiver.onMessage((m) => got.push(m))
    receiver.onMessage(() => {})
    expect(b.starts).toBe(1) // started once, not per listener
    sender.post({ n: 3 })
    await new Promise((r) => setImmediate(r))
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
  })

  it('carries RPC, including a port handed over beside the data', async () => {
    const [a, b] = fakeChannel()
    const main = new RpcEndpoint<NoContract, Adopt>(wrapMainPort(a), { name: 'child' })
    const child = new RpcEndpoint<Adopt>(wrapMainPort(b), { name: 'main' })
    child.handle('adopt', (_params, ports) => {
      expect(ports).toHaveLength(1)
      new RpcEndpoint<Echo>(ports[0], { name: 'peer' }).handle('echo', (s) => `echo: ${s}`)
      return null
    })
    const [mine, theirs] = fakeChannel()
    const theirsPort = wrapMainPort(theirs)
    await main.request('adopt', null, { ports: [theirsPort] })
    // The raw port went into the transfer list: the wrapper no longer hands it over twice.
    expect(() => unwrapMainPort(theirsPort)).toThrow(LabFailure)
    const peer = new RpcEndpoint<NoContract, Echo>(wrapMainPort(mine), { name: 'peer' })
    expect(await peer.request('echo', 'hi')).toBe('echo: hi')
  })

  it('copies ArrayBuffers (Electron cannot transfer them) instead of failing', async () => {
    const [a, b] = fakeChannel()
    const got = new Promise<unknown>((resolve) => wrapMainPort(b).onMessage((m) => resolve(m)))
    const values = new Float64Array([1.5, 2.5])
    wrapMainPort(a).post({ values }, { transfer: [values.buffer] })
    expect([...((await got) as { values: Float64Array }).values]).toEqual([1.5, 2.5])
    expect(values.byteLength).toBe(16) // still usable on this side: it was a copy
  })

  it('rejects pending requests when the far end closes', async () => {
    const [a, b] = fakeChannel()
    const main = new RpcEndpoint<NoContract, Echo>(wrapMainPort(a), {
      name: 'vcpu-0',
      setTimer: engineSetTimer
    })
    new RpcEndpoint<Echo>(wrapMainPort(b), { name: 'main' }).handle('echo', () => new Promise(() => {}))
    const pending = main.request('echo', 'anyone?')
    await new Promise((r) => setImmediate(r))
    b.close()
    const error = await pending.then(
      () => undefined,
      (e: LabFailure) => e.error
    )
    expect(error?.kind).toBe('ProcessCrashed')
    expect(error?.message).toContain('link to vcpu-0 closed')
  })

  it('calls a close handler registered after the port closed', async () => {
    const [a] = fakeChannel()
    const port = wrapMainPort(a)
    a.close()
    await expect(new Promise<void>((resolve) => port.onClose(resolve))).resolves.toBeUndefined()
  })

  it('refuses to hand over a port from another transport', () => {
    const [a] = fakeChannel()
    const foreign = { post() {}, onMessage: () => () => {}, onClose: () => () => {}, close() {} }
    expect(() => wrapMainPort(a).post('x', { ports: [foreign] })).toThrow(
      /only ports made by the Electron adapter/
    )
  })
})

describe('Electron parentPort adapter', () => {
  it('delivers data and wraps the ports that come down with it', async () => {
    const parent = new FakeParentPort()
    const port = wrapParentPort(parent)
    const [mine, theirs] = fakeChannel()
    const received = new Promise<{ data: unknown; ports: number }>((resolve) =>
      port.onMessage((data, ports) => {
        new RpcEndpoint<Echo>(ports[0], { name: 'main' }).handle('echo', (s) => s.toUpperCase())
        resolve({ data, ports: ports.length })
      })
    )
    parent.emit('message', { data: { kind: 'evt', event: 'go', payload: 1 }, ports: [theirs] })
    expect(await received).toEqual({ data: { kind: 'evt', event: 'go', payload: 1 }, ports: 1 })
    expect(
      await new RpcEndpoint<NoContract, Echo>(wrapMainPort(mine), { name: 'child' }).request('echo', 'up')
    ).toBe('UP')
  })

  it('posts plain data up, and says clearly that ports cannot go up', () => {
    const parent = new FakeParentPort()
    const port = wrapParentPort(parent)
    port.post({ kind: 'evt', event: 'ready', payload: {} })
    expect(parent.posted).toEqual([{ kind: 'evt', event: 'ready', payload: {} }])
    const [a] = fakeChannel()
    let error: LabError | undefined
    try {
      port.post('x', { ports: [wrapMainPort(a)] })
    } catch (e) {
      error = (e as LabFailure).error
    }
    expect(error?.message).toContain('cannot send ports through process.parentPort')
  })
})

describe('utility process command line', () => {
  it('reads role, name and test hooks', () => {
    expect(
      parseEngineArgs(['--role', 'vcpu', '--name', 'vcpu-2', '--hooks', '{"hangBeforeReady":true}'])
    ).toEqual({
      role: 'vcpu',
      name: 'vcpu-2',
      testHooks: { hangBeforeReady: true }
    })
    expect(parseEngineArgs(['--role', 'migration', '--name', 'migration']).testHooks).toEqual({})
  })

  it('names what is wrong with a bad command line', () => {
    expect(() => parseEngineArgs(['--role', 'gpu', '--name', 'x'])).toThrow(
      /needs --role <vcpu\|migration\|probe>/
    )
    expect(() => parseEngineArgs(['--role', 'vcpu', '--name', 'x', '--hooks', '[1]'])).toThrow(
      /--hooks must be a JSON object/
    )
  })
})
