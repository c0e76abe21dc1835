import type {
  AppHello,
  LabEventMessage,
  LabMethod,
  LabOutcome,
  LabResult
} from '../../src/shared/protocol/lab-api'
import type { ConnectionInfo, LabClient } from '../../src/renderer/src/services/lab-api'

/**
 * A stand-in for the lab host in renderer tests: the test decides the connection state, pushes
 * events, and sees every call. It replaces only the transport; the stores and components under
 * test are the real ones.
 */
export class FakeLabClient implements LabClient {
  readonly transport: 'web' | 'electron'
  readonly calls: Array<{ method: string; params: unknown }> = []
  reconnects = 0
  hello: AppHello
  private info: ConnectionInfo
  private readonly eventListeners = new Set<(m: LabEventMessage) => void>()
  private readonly connectionListeners = new Set<(i: ConnectionInfo) => void>()

  constructor(
    opts: { transport?: 'web' | 'electron'; initial?: ConnectionInfo; hello?: Partial<AppHello> } = {}
  ) {
    this.transport = opts.transport ?? 'web'
    this.info = opts.initial ?? { state: 'connecting' }
    this.hello = {
      appName: 'Migration Lab',
      appVersion: '0.1.0',
      engineVersion: '1.0.0',
      host: this.transport,
      platform: 'linux',
      apiVersion: 1,
      ...opts.hello
    }
  }

  async call<M extends LabMethod>(method: M, params?: unknown): Promise<LabOutcome<LabResult<M>>> {
    this.calls.push({ method, params })
    if (this.info.state !== 'connected') {
      return { ok: false, error: { kind: 'Disconnected', message: 'not connected' } }
    }
    if (method === 'app.hello') return { ok: true, value: this.hello as LabResult<M> }
    if (method === 'app.ping') return { ok: true, value: { pong: true } as LabResult<M> }
    return { ok: false, error: { kind: 'UnknownMessage', message: `fake has no ${method}` } }
  }

  onEvent(listener: (m: LabEventMessage) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  onConnection(listener: (i: ConnectionInfo) => void): () => void {
    this.connectionListeners.add(listener)
    listener(this.info)
    return () => this.connectionListeners.delete(listener)
  }

  connection(): ConnectionInfo {
    return this.info
  }

  reconnectNow(): void {
    this.reconnects++
  }

  close(): void {
    this.setConnection({ state: 'disconnected', reason: 'closed' })
  }

  /** Test controls. */
  setConnection(info: ConnectionInfo): void {
    this.info = info
    for (const l of [...this.connectionListeners]) l(info)
  }

  push(message: LabEventMessage): void {
    for (const l of [...this.eventListeners]) l(message)
  }
}
