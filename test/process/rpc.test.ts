import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { wrapNodePort } from '../../src/engine/adapters/node-port'
import { openEndpoint } from '../../src/main/process/endpoint'
import { LabFailure, labError, type LabError } from '../../src/shared/errors'
import type { Port } from '../../src/shared/port'
import { RpcEndpoint, withTransfer, type NoContract } from '../../src/shared/protocol/rpc'

// The protocol over an in-memory port pair: a worker_threads MessageChannel in one thread,
// wrapped in the same adapter the engine processes use (style.md rule 20).

type Calculator = {
  requests: {
    add: { params: { a: number; b: number }; result: number }
    slowAdd: { params: { a: number; b: number }; result: number }
    divide: { params: { a: number; b: number }; result: number }
    explode: { params: null; result: null }
    hang: { params: null; result: null }
    scale: { params: { values: Float64Array; factor: number }; result: Float64Array }
    ramp: { params: { length: number }; result: Float64Array }
    adopt: { params: { peerName: string }; result: null }
  }
  events: { tick: { n: number } }
}
type Client = { requests: Record<never, never>; events: { hello: { from: string } } }
type Peer = { requests: { whoami: { params: null; result: string } }; events: Record<never, never> }

const opened: Port[] = []
function pair(): [Port, Port, MessageChannel] {
  const channel = new MessageChannel()
  const a = wrapNodePort(channel.port1)
  const b = wrapNodePort(channel.port2)
  opened.push(a, b)
  return [a, b, channel]
}
afterEach(() => {
  for (const p of opened.splice(0)) p.close()
})

function calculator(): {
  server: RpcEndpoint<Calculator, Client>
  client: RpcEndpoint<Client, Calculator>
  raw: MessageChannel
} {
  const [a, b, raw] = pair()
  const server = openEndpoint<Calculator, Client>(a, 'the client')
  const client = openEndpoint<Client, Calculator>(b, 'the calculator')
  server.handle('add', ({ a, b }) => a + b)
  server.handle('slowAdd', async ({ a, b }) => {
    await new Promise((r) => setTimeout(r, 5))
    return a + b
  })
  server.handle('divide', ({ a, b }) => {
    if (b === 0) throw new LabFailure(labError('Validation', 'divide: b must not be 0', ['params.b: is 0']))
    return a / b
  })
  server.handle('explode', () => {
    throw new Error('the handler has a bug')
  })
  server.handle('hang', () => new Promise<null>(() => {}))
  server.handle('scale', ({ values, factor }) => {
    for (let i = 0; i < values.length; i++) values[i] *= factor
    return withTransfer(values, [values.buffer as ArrayBuffer])
  })
  return { server, client, raw }
}

async function rejection(p: Promise<unknown>): Promise<LabError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e
  )
  expect(e).toBeInstanceOf(LabFailure)
  return (e as LabFailure).error
}

describe('RpcEndpoint over a MessageChannel', () => {
  it('answers requests, sync and async, in any order', async () => {
    const { client } = calculator()
    const [slow, fast] = await Promise.all([
      client.request('slowAdd', { a: 40, b: 2 }),
      client.request('add', { a: 1, b: 2 })
    ])
    expect(slow).toBe(42)
    expect(fast).toBe(3)
  })

  it('sends a failure as data and keeps its kind and details', async () => {
    const { client } = calculator()
    const error = await rejection(client.request('divide', { a: 1, b: 0 }))
    expect(error).toEqual({
      kind: 'Validation',
      message: 'divide: b must not be 0',
      details: ['params.b: is 0']
    })
  })

  it('turns a thrown plain Error into an Internal error reply', async () => {
    const { client } = calculator()
    const error = await rejection(client.request('explode', null))
    expect(error.kind).toBe('Internal')
    expect(error.message).toBe('the handler has a bug')
  })

  it('replies UnknownMessage to a method the other side does not handle', async () => {
    const { client } = calculator()
    // A peer built from another contract: the method does not exist on this side.
    const untyped = client as unknown as RpcEndpoint<
      NoContract,
      { requests: { nope: { params: null; result: null } }; events: Record<never, never> }
    >
    const error = await rejection(untyped.request('nope', null))
    expect(error.kind).toBe('UnknownMessage')
    expect(error.message).toContain("unknown request 'nope'")
    expect(error.message).toContain('add')
  })

  it('reports malformed messages, stray replies and unheard events as protocol errors', async () => {
    const { server, raw } = calculator()
    raw.port2.postMessage('hello?')
    raw.port2.postMessage({ kind: 'rep', seq: 999, ok: true, value: 1 })
    raw.port2.postMessage({ kind: 'rep', seq: 3, ok: false, error: 'not a LabError' })
    raw.port2.postMessage({ kind: 'evt', event: 'hello', payload: { from: 'x' } })
    // Errors that arrive before anyone listens are kept for the first listener.
    await new Promise((r) => setTimeout(r, 20))
    const seen: LabError[] = []
    server.onProtocolError((e) => seen.push(e))
    expect(seen.map((e) => e.kind)).toEqual([
      'UnknownMessage',
      'UnknownMessage',
      'UnknownMessage',
      'UnknownMessage'
    ])
    expect(seen[0].message).toContain('malformed message from the client')
    expect(seen[1].message).toContain('unknown request #999')
    expect(seen[2].message).toContain('malformed message')
    expect(seen[3].message).toContain("event 'hello' from the client has no listener")
  })

  it('delivers events with their payload', async () => {
    const { server, client } = calculator()
    const ticks: number[] = []
    const done = new Promise<void>((resolve) =>
      client.onEvent('tick', ({ n }) => {
        ticks.push(n)
        if (n === 3) resolve()
      })
    )
    for (let n = 1; n <= 3; n++) server.emit('tick', { n })
    await done
    expect(ticks).toEqual([1, 2, 3])
  })

  it('rejects pending requests with ProcessCrashed when the far side closes', async () => {
    const { client, server } = calculator()
    const pending = client.request('hang', null)
    await new Promise((r) => setTimeout(r, 10))
    server.close()
    const error = await rejection(pending)
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toContain('link to the calculator closed')
    expect(error.message).toContain("'hang'")
    // And later requests fail at once instead of waiting forever.
    expect((await rejection(client.request('add', { a: 1, b: 1 }))).kind).toBe('ProcessCrashed')
  })

  it('rejects a request that gets no answer in time', async () => {
    const { client } = calculator()
    const error = await rejection(client.request('hang', null, { timeoutMs: 30 }))
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toBe("the calculator did not answer 'hang' within 30 ms")
  })

  it('refuses timeouts on an endpoint without a timer instead of ignoring them', async () => {
    const [a, b] = pair()
    new RpcEndpoint<Calculator, Client>(a, { name: 'the client' }).handle('hang', () => new Promise(() => {}))
    const client = new RpcEndpoint<Client, Calculator>(b, { name: 'the calculator' })
    const error = await rejection(client.request('hang', null, { timeoutMs: 10 }))
    expect(error.message).toContain('timeoutMs needs an endpoint with setTimer')
  })

  it('hands a port over with a request, and the far side answers on it', async () => {
    const { server, client } = calculator()
    server.handle('adopt', ({ peerName }, ports) => {
      expect(ports).toHaveLength(1)
      openEndpoint<Peer>(ports[0], 'the adopter').handle('whoami', () => peerName)
      return null
    })
    const [mine, theirs] = pair()
    await client.request('adopt', { peerName: 'vcpu-7' }, { ports: [theirs] })
    const peer = openEndpoint<NoContract, Peer>(mine, 'the peer')
    expect(await peer.request('whoami', null)).toBe('vcpu-7')
  })

  it('moves transferred buffers both ways instead of copying them', async () => {
    const { client } = calculator()
    const values = new Float64Array([1, 2, 3, 4])
    const scaled = await client.request('scale', { values, factor: 10 }, { transfer: [values.buffer] })
    // The sender's buffer is detached: it was moved, not copied.
    expect(values.byteLength).toBe(0)
    expect([...scaled]).toEqual([10, 20, 30, 40])
  })

  it('moves buffers returned with withTransfer', async () => {
    const [a, b] = pair()
    const server = openEndpoint<Calculator, Client>(a, 'the client')
    let kept: Float64Array | undefined
    server.handle('ramp', ({ length }) => {
      const ramp = new Float64Array(length).map((_, i) => i)
      kept = ramp
      return withTransfer(ramp, [ramp.buffer])
    })
    const ramp = await openEndpoint<Client, Calculator>(b, 'the calculator').request('ramp', { length: 5 })
    expect([...ramp]).toEqual([0, 1, 2, 3, 4])
    expect(kept?.byteLength).toBe(0)
  })

  it('allows one handler per method', () => {
    const { server } = calculator()
    expect(() => server.handle('add', () => 0)).toThrow(/exists already/)
  })

  it('reports a reply that cannot be cloned as an error reply, not a hang', async () => {
    const [a, b] = pair()
    const server = openEndpoint<Calculator, Client>(a, 'the client')
    server.handle('add', () => (() => 1) as unknown as number)
    const error = await rejection(
      openEndpoint<Client, Calculator>(b, 'the calculator').request('add', { a: 1, b: 1 })
    )
    expect(error.kind).toBe('Internal')
    expect(error.message).toContain('could not be sent')
  })
})
