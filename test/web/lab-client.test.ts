import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { LabService } from '../../src/main/lab/service'
import { startWebHost, type WebHost } from '../../src/main/web/server'
import type { LabEventMessage } from '../../src/shared/protocol/lab-api'
import {
  createWebSocketClient,
  labWebSocketUrl,
  type ConnectionInfo,
  type LabClient,
  type WebSocketLike
} from '../../src/renderer/src/services/lab-api'

// The page's WebSocket client (src/renderer/src/services/lab-api.ts) against the real web host,
// using the `ws` package as the browser's WebSocket: calls, events, drops and reconnects.

let rendererDir: string
const hosts: WebHost[] = []
const clients: LabClient[] = []

beforeAll(async () => {
  rendererDir = await mkdtemp(join(tmpdir(), 'lab-client-'))
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html>')
  return () => rm(rendererDir, { recursive: true, force: true })
})

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(hosts.splice(0).map((h) => h.close()))
})

async function host(port = 0): Promise<{ host: WebHost; service: LabService }> {
  const service = new LabService({ appVersion: '0.1.0', platform: 'linux' })
  const h = await startWebHost({ service, rendererDir, port })
  hosts.push(h)
  return { host: h, service }
}

function client(
  port: number,
  callTimeoutMs?: number
): { client: LabClient; states: ConnectionInfo[]; events: LabEventMessage[] } {
  const origin = `http://127.0.0.1:${port}`
  const c = createWebSocketClient({
    url: labWebSocketUrl({ protocol: 'http:', host: `127.0.0.1:${port}` }),
    createSocket: (url) => new WebSocket(url, { origin }) as unknown as WebSocketLike,
    reconnectDelaysMs: [50, 100],
    ...(callTimeoutMs !== undefined ? { callTimeoutMs } : {})
  })
  clients.push(c)
  const states: ConnectionInfo[] = []
  const events: LabEventMessage[] = []
  c.onConnection((info) => states.push(info))
  c.onEvent((e) => events.push(e))
  return { client: c, states, events }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

describe('page client over WebSocket', () => {
  it('builds the /lab URL from the page location', () => {
    expect(labWebSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/lab')
    expect(labWebSocketUrl({ protocol: 'https:', host: 'lab.example' })).toBe('wss://lab.example/lab')
  })

  it('connects, calls methods (even before the socket is open) and receives events', async () => {
    const { host: h, service } = await host()
    const { client: c, states, events } = client(h.port)
    expect(c.transport).toBe('web')
    // Called while still connecting: the call waits for the connection instead of failing.
    const hello = await c.call('app.hello')
    expect(hello).toMatchObject({
      ok: true,
      value: { appName: 'Migration Lab', host: 'web', appVersion: '0.1.0' }
    })
    expect(states.map((s) => s.state)).toEqual(['connecting', 'connected'])
    await until(() => events.length > 0)
    expect(events[0]).toEqual({ event: 'host.status', payload: { state: 'ready' } })

    expect(await c.call('app.ping', { echo: 'hi' })).toEqual({ ok: true, value: { pong: true, echo: 'hi' } })
    service.emit('host.status', { state: 'ready' })
    await until(() => events.length > 1)
  })

  it('checks params with the contract before sending', async () => {
    const { host: h } = await host()
    const { client: c } = client(h.port)
    // @ts-expect-error: echo must be a string; the client catches it at run time too.
    const outcome = await c.call('app.ping', { echo: 5 })
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'Validation', message: 'Invalid parameters for app.ping.' }
    })
  })

  it('says the host was shut down, then reconnects on its own when it is back', async () => {
    const { host: h, service } = await host()
    const port = h.port
    const { client: c, states } = client(port)
    expect((await c.call('app.ping')).ok).toBe(true)

    await service.shutdown()
    await h.close()
    await until(() => c.connection().state === 'disconnected')
    expect(c.connection().reason).toBe('host-stopped')
    expect(c.connection().retryAt).toBeGreaterThan(Date.now() - 1000)
    const whileDown = await c.call('app.ping')
    expect(whileDown).toMatchObject({ ok: false, error: { kind: 'Disconnected' } })

    await host(port)
    await until(() => c.connection().state === 'connected')
    expect(await c.call('app.ping', { echo: 'back' })).toEqual({
      ok: true,
      value: { pong: true, echo: 'back' }
    })
    expect(states.map((s) => s.state)).toContain('disconnected')
  })

  it('reports a dropped connection as lost', async () => {
    const { host: h } = await host()
    const { client: c } = client(h.port)
    expect((await c.call('app.ping')).ok).toBe(true)
    await h.close() // no shutdown announcement: the connection just goes away
    await until(() => c.connection().state === 'disconnected')
    expect(c.connection().reason).toBe('lost')
  })

  it('reports a host that cannot be reached, and retries', async () => {
    const port = await freePort()
    const { client: c, states } = client(port)
    await until(() => states.filter((s) => s.state === 'disconnected').length >= 2)
    expect(c.connection()).toMatchObject({ state: 'disconnected', reason: 'unreachable' })
    expect(states.filter((s) => s.state === 'connecting').length).toBeGreaterThanOrEqual(2)
  })

  it('stops for good when closed', async () => {
    const { host: h } = await host()
    const { client: c } = client(h.port)
    expect((await c.call('app.ping')).ok).toBe(true)
    c.close()
    await until(() => c.connection().state === 'disconnected')
    expect(c.connection().reason).toBe('closed')
    await new Promise((r) => setTimeout(r, 200))
    expect(c.connection().state).toBe('disconnected')
    expect(h.clientCount()).toBe(0)
  })

  it('gives up on a call the host does not answer, with a clear error, and stays usable', async () => {
    const { host: h, service } = await host()
    // A host stuck in one handler (fault injection): history.listRuns never answers.
    const handle = service.handle.bind(service)
    service.handle = (method, params, ctx) =>
      method === 'history.listRuns' ? new Promise(() => {}) : handle(method, params, ctx)
    const { client: c } = client(h.port, 300)
    const started = Date.now()
    const stuck = await c.call('history.listRuns', {})
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(stuck).toMatchObject({
      ok: false,
      error: { kind: 'Disconnected', message: expect.stringContaining('did not answer history.listRuns') }
    })
    // Other calls on the same connection still work.
    expect(await c.call('app.ping', { echo: 'still here' })).toEqual({
      ok: true,
      value: { pong: true, echo: 'still here' }
    })
    expect(c.connection().state).toBe('connected')
  })

  it('fails the calls in flight as Disconnected when the connection drops', async () => {
    const { host: h, service } = await host()
    const handle = service.handle.bind(service)
    service.handle = (method, params, ctx) =>
      method === 'history.listRuns' ? new Promise(() => {}) : handle(method, params, ctx)
    const { client: c } = client(h.port)
    expect((await c.call('app.ping')).ok).toBe(true)
    const inFlight = c.call('history.listRuns', {})
    await new Promise((r) => setTimeout(r, 50))
    await h.close()
    expect(await inFlight).toMatchObject({
      ok: false,
      error: { kind: 'Disconnected', message: expect.stringContaining('lost before it answered') }
    })
  })
})
