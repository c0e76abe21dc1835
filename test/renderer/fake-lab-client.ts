import type {
  AppHello,
  LabEventMessage,
  LabMethod,
  LabOutcome,
  LabResult
} from '../../src/shared/protocol/lab-api'
import type { ConnectionInfo, LabClient } from '../../src/renderer/src/services/lab-api'

/**
 * The page's connection to the lab host, stood in for: the test sets its state (connecting,
 * connected, dropped, the host gone), sees every call, and delivers events. It stays for two
 * reasons, neither of them the lab's queries or runs:
 *
 * - ServiceLabClient (service-lab-client.ts) extends it for the connection alone: the WebSocket
 *   or Electron IPC between page and host is not what the store and screen tests test (its own
 *   tests are test/web and test/renderer's transport cases), and its state must be set at will.
 *   Every call it makes goes to a real LabService.
 * - RunFakeClient (run-fixtures.ts) extends it for the tests that play a run of chosen telemetry
 *   and result on the Live screen and its store (the playback clock on fake timers, a crash, a
 *   multifd or a non-converged run drawn from known figures) and for measure-ui.test.ts (a real
 *   QEMU measurement is outside what runs here). Starting, refusing, cancelling and reopening
 *   runs are tested on the real host (run-store, run-view, config-view, history-view).
 *
 * Answered here without a host: only app.hello and app.ping, for RunFakeClient's tests.
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
