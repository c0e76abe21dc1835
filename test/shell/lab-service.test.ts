import { describe, expect, it } from 'vitest'
import { LabFailure, labError } from '../../src/shared/errors'
import {
  LAB_API_VERSION,
  parseWireRequest,
  UNREADABLE_SEQ,
  type LabEventMessage
} from '../../src/shared/protocol/lab-api'
import { LabService, type LabCallContext } from '../../src/main/lab/service'

const web: LabCallContext = { host: 'web', clientId: 'web-1' }
const desktop: LabCallContext = { host: 'electron', clientId: 'electron-1' }

function service(): LabService {
  return new LabService({ appVersion: '1.2.3', engineVersion: '9.9.9', platform: 'linux' })
}

describe('LabService calls', () => {
  it('says who it is, and which transport the caller used', async () => {
    const lab = service()
    expect(await lab.handle('app.hello', {}, web)).toEqual({
      ok: true,
      value: {
        appName: 'Migration Lab',
        appVersion: '1.2.3',
        engineVersion: '9.9.9',
        host: 'web',
        platform: 'linux',
        apiVersion: LAB_API_VERSION
      }
    })
    const fromDesktop = await lab.handle('app.hello', undefined, desktop)
    expect(fromDesktop.ok && fromDesktop.value).toMatchObject({ host: 'electron' })
  })

  it('leaves out the engine version until there is one', async () => {
    const lab = new LabService({ appVersion: '1.0.0', platform: 'darwin' })
    const hello = await lab.handle('app.hello', {}, web)
    expect(hello.ok).toBe(true)
    expect(Object.keys((hello as { value: object }).value)).not.toContain('engineVersion')
  })

  it('answers a ping and echoes the probe', async () => {
    const lab = service()
    expect(await lab.handle('app.ping', { echo: 'probe-7' }, web)).toEqual({
      ok: true,
      value: { pong: true, echo: 'probe-7' }
    })
    expect(await lab.handle('app.ping', {}, web)).toEqual({ ok: true, value: { pong: true } })
  })

  it('returns bad params as a Validation error naming the problem', async () => {
    const lab = service()
    const wrongType = await lab.handle('app.ping', { echo: 42 }, web)
    expect(wrongType.ok).toBe(false)
    if (wrongType.ok) return
    expect(wrongType.error.kind).toBe('Validation')
    expect(wrongType.error.message).toBe('Invalid parameters for app.ping.')
    expect(wrongType.error.details).toEqual([expect.stringMatching(/^echo: .*string/)])

    const extra = await lab.handle('app.hello', { admin: true }, web)
    expect(!extra.ok && extra.error.kind).toBe('Validation')
    expect(!extra.ok && extra.error.details?.join()).toContain('admin')

    const notAnObject = await lab.handle('app.ping', 'hello', web)
    expect(!notAnObject.ok && notAnObject.error.kind).toBe('Validation')
  })

  it('returns an unknown method as an UnknownMessage error listing the known ones', async () => {
    const lab = service()
    for (const method of ['runs.explode', '__proto__', 'constructor', 42, null]) {
      const outcome = await lab.handle(method, {}, web)
      expect(outcome.ok).toBe(false)
      if (outcome.ok) continue
      expect(outcome.error.kind).toBe('UnknownMessage')
      expect(outcome.error.message).toContain('app.hello')
    }
  })

  it('turns a handler that throws into an error value', async () => {
    const lab = new LabService({
      platform: 'linux',
      get appVersion(): string {
        throw new LabFailure(labError('Database', 'history.db is locked'))
      }
    })
    expect(await lab.handle('app.hello', {}, web)).toEqual({
      ok: false,
      error: { kind: 'Database', message: 'history.db is locked' }
    })
  })
})

describe('LabService events and shutdown', () => {
  it('pushes events to every subscriber until it unsubscribes', () => {
    const lab = service()
    const a: LabEventMessage[] = []
    const b: LabEventMessage[] = []
    const offA = lab.subscribe((m) => a.push(m))
    lab.subscribe(() => {
      throw new Error('a page that went away')
    })
    lab.subscribe((m) => b.push(m))
    lab.emit('host.status', { state: 'ready' })
    offA()
    lab.emit('host.status', { state: 'ready' })
    expect(a).toHaveLength(1)
    expect(b).toEqual([
      { event: 'host.status', payload: { state: 'ready' } },
      { event: 'host.status', payload: { state: 'ready' } }
    ])
  })

  it('tells pages it is stopping, runs every shutdown hook once, then refuses calls', async () => {
    const lab = service()
    const events: LabEventMessage[] = []
    lab.subscribe((m) => events.push(m))
    const stopped: string[] = []
    lab.onShutdown(async () => {
      stopped.push('engine children')
    })
    lab.onShutdown(() => {
      throw new Error('a child would not die')
    })
    lab.onShutdown(() => {
      stopped.push('database')
    })

    const [first, second] = await Promise.all([lab.shutdown(), lab.shutdown()])
    expect(stopped.sort()).toEqual(['database', 'engine children'])
    expect(first).toEqual([{ kind: 'Internal', message: 'a child would not die' }])
    expect(second).toBe(first)
    expect(events).toEqual([{ event: 'host.status', payload: { state: 'stopping' } }])
    expect(lab.status()).toEqual({ state: 'stopping' })
    const refused = await lab.handle('app.ping', {}, web)
    expect(!refused.ok && refused.error.kind).toBe('Cancelled')
  })
})

describe('WebSocket request parsing', () => {
  it('reads {seq, method, params}, with or without kind', () => {
    expect(parseWireRequest('{"seq":1,"method":"app.ping","params":{}}')).toEqual({
      ok: true,
      request: { seq: 1, method: 'app.ping', params: {} }
    })
    expect(parseWireRequest('{"kind":"req","seq":2,"method":"app.hello"}')).toMatchObject({
      ok: true,
      request: { seq: 2 }
    })
  })

  it('explains what is wrong, keeping the seq when it can be read', () => {
    const notJson = parseWireRequest('{nope')
    expect(notJson).toMatchObject({ ok: false, seq: UNREADABLE_SEQ, error: { kind: 'Validation' } })
    expect(!notJson.ok && notJson.error.message).toContain('not valid JSON')

    const noMethod = parseWireRequest('{"seq":5,"params":{}}')
    expect(noMethod).toMatchObject({ ok: false, seq: 5, error: { kind: 'Validation' } })
    expect(!noMethod.ok && noMethod.error.details?.join()).toContain('method')

    expect(parseWireRequest('[1,2]')).toMatchObject({ ok: false, seq: UNREADABLE_SEQ })
    expect(parseWireRequest('{"seq":-3,"method":"app.ping"}')).toMatchObject({
      ok: false,
      seq: UNREADABLE_SEQ
    })
  })
})
