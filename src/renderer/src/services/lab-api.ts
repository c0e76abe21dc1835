import { labError, toLabError, type LabError } from '../../../shared/errors'
import { JsonPort } from '../../../shared/protocol/json-port'
import { RpcEndpoint, type NoContract, type SetTimer } from '../../../shared/protocol/rpc'
import {
  LAB_EVENTS,
  LAB_WS_PATH,
  fail,
  parseLabCall,
  type LabHostContract,
  type HostKind,
  type LabEventListener,
  type LabEventMessage,
  type LabMethod,
  type LabOutcome,
  type LabParams,
  type LabResult
} from '../../../shared/protocol/lab-api'
import type { LabBridge } from '../../../shared/protocol/lab-bridge'

/**
 * The only place in the page that talks to the lab host (style.md rule 14). Two transports, one
 * interface: the Electron preload bridge (`window.labBridge`) or a WebSocket to the web host
 * (`ws://<host>/lab`), with automatic reconnect. Stores get the client from `labClient()`;
 * tests install a fake with `installLabClient()`.
 */

export type ConnectionState = 'connecting' | 'connected' | 'disconnected'

/** Why the page is not connected (only set while disconnected). */
export type DisconnectReason =
  /** The connection was up and dropped. */
  | 'lost'
  /** The host announced it was shutting down, then went away. */
  | 'host-stopped'
  /** The page never got through to the host. */
  | 'unreachable'
  /** The page closed the connection itself. */
  | 'closed'

export interface ConnectionInfo {
  readonly state: ConnectionState
  readonly reason?: DisconnectReason
  /** When the next reconnect attempt starts (epoch ms), while one is scheduled. */
  readonly retryAt?: number
}

export interface LabClient {
  /** How this page reaches its host. */
  readonly transport: HostKind
  /** Calls one LabApi method. Never throws: failures are LabError values. */
  call<M extends LabMethod>(method: M, params?: LabParams<M>): Promise<LabOutcome<LabResult<M>>>
  /** Subscribes to pushed events; returns an unsubscribe function. */
  onEvent(listener: LabEventListener): () => void
  /** Subscribes to connection changes; the listener is called at once with the current state. */
  onConnection(listener: (info: ConnectionInfo) => void): () => void
  connection(): ConnectionInfo
  /** Skips the wait before the next reconnect attempt (no-op unless disconnected). */
  reconnectNow(): void
  /** Closes the connection for good. */
  close(): void
}

// ---------------------------------------------------------------------------------------------
// Electron: the preload bridge
// ---------------------------------------------------------------------------------------------

/** The desktop app: IPC to the main process, which lives exactly as long as the page. */
export function createBridgeClient(bridge: LabBridge): LabClient {
  const connected: ConnectionInfo = { state: 'connected' }
  return {
    transport: 'electron',
    async call(method, params) {
      const checked = parseLabCall(method, params)
      if (!checked.ok) return checked
      try {
        return (await bridge.invoke(method, params ?? {})) as LabOutcome<LabResult<typeof method>>
      } catch (e) {
        return fail(labError('Internal', `The desktop host did not answer ${method}: ${String(e)}`))
      }
    },
    onEvent: (listener) => bridge.onEvent(listener),
    onConnection(listener) {
      listener(connected)
      return () => {}
    },
    connection: () => connected,
    reconnectNow() {},
    close() {}
  }
}

// ---------------------------------------------------------------------------------------------
// Web: a WebSocket to the web host
// ---------------------------------------------------------------------------------------------

/** The subset of the browser's WebSocket the client uses (also satisfied by the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
}
export type WebSocketFactory = (url: string) => WebSocketLike

export interface WebSocketClientOptions {
  readonly url: string
  /** Creates the socket; default `new WebSocket(url)`. */
  readonly createSocket?: WebSocketFactory
  /** Waits between reconnect attempts, ms; the last one repeats. */
  readonly reconnectDelaysMs?: readonly number[]
  /** Called for messages from the host that break the contract (they are otherwise dropped). */
  readonly onProtocolError?: (problem: string) => void
  /** How long a call waits for the host's reply; default LAB_CALL_TIMEOUT_MS. */
  readonly callTimeoutMs?: number
}

/**
 * How long a call waits for its reply. The longest calls (a PDF report, importing a large file)
 * take seconds; a host that has not answered in two minutes is stuck, and the page says so
 * instead of waiting for ever.
 */
export const LAB_CALL_TIMEOUT_MS = 120_000

export const DEFAULT_RECONNECT_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000]
const WS_OPEN = 1

/** `ws://host/lab` (or `wss:` for an https page) for the page's own location. */
export function labWebSocketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${LAB_WS_PATH}`
}

function disconnected(method: string): LabError {
  return labError(
    'Disconnected',
    `The page is not connected to the lab host, so ${method} was not run. It reconnects automatically.`
  )
}

export function createWebSocketClient(options: WebSocketClientOptions): LabClient {
  const createSocket: WebSocketFactory =
    options.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike)
  const delays = options.reconnectDelaysMs?.length ? options.reconnectDelaysMs : DEFAULT_RECONNECT_DELAYS_MS
  const eventListeners = new Set<LabEventListener>()
  const connectionListeners = new Set<(info: ConnectionInfo) => void>()
  const callTimeoutMs = options.callTimeoutMs ?? LAB_CALL_TIMEOUT_MS
  const setTimer: SetTimer = (ms, fn) => {
    const timer = setTimeout(fn, ms)
    return () => clearTimeout(timer)
  }
  /** Calls made while connecting; they go out once the socket opens. */
  let waiting: Array<() => void> = []
  let info: ConnectionInfo = { state: 'connecting' }
  let socket: WebSocketLike | undefined
  /** Requests, replies and events of the open socket: the RpcEndpoint every link uses. */
  let link: { port: JsonPort; endpoint: RpcEndpoint<NoContract, LabHostContract> } | undefined
  let failedAttempts = 0
  /** Why the page was last disconnected; kept through failed retries. */
  let lastReason: DisconnectReason | undefined
  let hostStopping = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let closedForGood = false

  const setInfo = (next: ConnectionInfo): void => {
    info = next
    for (const listener of [...connectionListeners]) listener(info)
  }

  const flushWaiting = (): void => {
    const run = waiting
    waiting = []
    for (const go of run) go()
  }

  const openLink = (ws: WebSocketLike): NonNullable<typeof link> => {
    const port = new JsonPort({
      send: (text) => ws.send(text),
      close: () => ws.close(1000, 'The page closed the connection.')
    })
    const endpoint = new RpcEndpoint<NoContract, LabHostContract>(port, {
      name: 'the lab host',
      setTimer,
      defaultTimeoutMs: callTimeoutMs,
      timeoutError: (method, ms) =>
        labError(
          'Disconnected',
          `The lab host did not answer ${method} within ${Math.round(ms / 1000)} s; it may be stuck. Reload the page, or restart the lab if this persists.`
        ),
      closedError: labError('Disconnected', 'The connection to the lab host was lost before it answered.')
    })
    endpoint.onProtocolError((e) => options.onProtocolError?.(e.message))
    for (const name of LAB_EVENTS)
      endpoint.onEvent(name, (payload) => {
        const event = { event: name, payload } as LabEventMessage
        if (event.event === 'host.status') hostStopping = event.payload.state === 'stopping'
        for (const listener of [...eventListeners]) listener(event)
      })
    return { port, endpoint }
  }

  const connect = (): void => {
    if (closedForGood) return
    retryTimer = undefined
    hostStopping = false
    setInfo({ state: 'connecting' })
    let opened = false
    let ws: WebSocketLike
    try {
      ws = createSocket(options.url)
    } catch {
      scheduleReconnect('unreachable')
      return
    }
    socket = ws
    const current = openLink(ws)
    link = current
    ws.onopen = () => {
      opened = true
      failedAttempts = 0
      lastReason = undefined
      setInfo({ state: 'connected' })
      flushWaiting()
    }
    ws.onmessage = (event) =>
      current.port.receive(typeof event.data === 'string' ? event.data : String(event.data))
    ws.onerror = () => {
      // A close event always follows; it decides what happens next.
    }
    ws.onclose = () => {
      // Every call still waiting on this socket fails as Disconnected.
      current.port.closed()
      if (socket !== ws) return
      socket = undefined
      link = undefined
      if (closedForGood) {
        setInfo({ state: 'disconnected', reason: 'closed' })
        flushWaiting()
        return
      }
      // A retry that fails keeps saying why the page was disconnected (the host shut down, the
      // connection was lost): "unreachable" is for a host the page never reached.
      const keep = lastReason === 'host-stopped' || lastReason === 'lost' ? lastReason : 'unreachable'
      scheduleReconnect(!opened ? keep : hostStopping ? 'host-stopped' : 'lost')
    }
  }

  const scheduleReconnect = (reason: DisconnectReason): void => {
    lastReason = reason
    const delay = delays[Math.min(failedAttempts, delays.length - 1)]
    failedAttempts++
    setInfo({ state: 'disconnected', reason, retryAt: Date.now() + delay })
    flushWaiting()
    retryTimer = setTimeout(connect, delay)
  }

  const send = async (method: LabMethod, params: unknown): Promise<LabOutcome<unknown>> => {
    const ws = socket
    if (!ws || ws.readyState !== WS_OPEN || !link) return fail(disconnected(method))
    try {
      return { ok: true, value: await link.endpoint.request(method, params as never) }
    } catch (e) {
      return fail(toLabError(e))
    }
  }

  connect()

  return {
    transport: 'web',
    async call(method, params) {
      const checked = parseLabCall(method, params)
      if (!checked.ok) return checked
      if (info.state === 'connecting') {
        await new Promise<void>((resolve) => waiting.push(resolve))
      }
      return (await send(method, params ?? {})) as LabOutcome<LabResult<typeof method>>
    },
    onEvent(listener) {
      eventListeners.add(listener)
      return () => {
        eventListeners.delete(listener)
      }
    },
    onConnection(listener) {
      connectionListeners.add(listener)
      listener(info)
      return () => {
        connectionListeners.delete(listener)
      }
    },
    connection: () => info,
    reconnectNow() {
      if (info.state !== 'disconnected' || closedForGood) return
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      connect()
    },
    close() {
      closedForGood = true
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      if (socket) socket.close(1000, 'The page closed the connection.')
      else setInfo({ state: 'disconnected', reason: 'closed' })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The page's client
// ---------------------------------------------------------------------------------------------

let installed: LabClient | undefined

/** Picks the transport: the preload bridge in Electron, else a WebSocket to where the page came from. */
export function createDefaultLabClient(win: Window & { labBridge?: LabBridge } = window): LabClient {
  if (win.labBridge) return createBridgeClient(win.labBridge)
  return createWebSocketClient({
    url: labWebSocketUrl(win.location),
    onProtocolError: (problem) => console.warn(`Migration Lab: ${problem}`)
  })
}

export function installLabClient(client: LabClient): void {
  installed = client
}

/** The installed client (main.ts installs the real one, tests a fake). */
export function labClient(): LabClient {
  if (!installed) installed = createDefaultLabClient()
  return installed
}
