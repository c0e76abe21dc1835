import { connect, type Socket } from 'node:net'
import { LabFailure, labError } from '../../shared/errors'

/**
 * A QEMU Machine Protocol client (docs/interop/qmp-spec.rst in QEMU): one JSON object per line
 * in each direction. The server greets with `{"QMP": …}`; nothing but `qmp_capabilities` is
 * accepted until that is sent; then each `{"execute", "arguments", "id"}` gets exactly one
 * `{"return", "id"}` or `{"error": {"class", "desc"}, "id"}`, and events
 * (`{"event", "data", "timestamp"}`) arrive in between at any time.
 */
export interface QmpEvent {
  readonly event: string
  readonly data?: Record<string, unknown>
  /** Host wall clock when QEMU sent it, epoch ms. */
  readonly timestampMs: number
}

export interface QmpGreeting {
  readonly version: { qemu: { major: number; minor: number; micro: number }; package?: string }
}

/** Where to reach a QMP server: a unix socket path, or `host:port` over TCP. */
export type QmpAddress = { readonly path: string } | { readonly host: string; readonly port: number }

export function describeQmpAddress(address: QmpAddress): string {
  return 'path' in address ? address.path : `${address.host}:${address.port}`
}

/** Parses `unix:PATH`, `PATH` (contains a slash) or `HOST:PORT`. */
export function parseQmpAddress(text: string, what: string): QmpAddress {
  if (text.startsWith('unix:')) return { path: text.slice('unix:'.length) }
  if (text.includes('/')) return { path: text }
  const m = /^(.+):(\d{1,5})$/.exec(text)
  const port = m ? Number(m[2]) : NaN
  if (!m || port < 1 || port > 65535)
    throw new LabFailure(labError('Validation', `${what}: "${text}" is not unix:PATH or HOST:PORT`))
  return { host: m[1], port }
}

export class QmpClient {
  private buffer = ''
  private nextId = 1
  private readonly pending = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; command: string }
  >()
  private readonly eventListeners = new Set<(event: QmpEvent) => void>()
  private closedError: Error | undefined
  greeting: QmpGreeting | undefined

  private constructor(
    private readonly socket: Socket,
    readonly name: string
  ) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.onData(chunk))
    socket.on('error', (e) => this.fail(new Error(`${name}: QMP connection failed: ${e.message}`)))
    socket.on('close', () => this.fail(new Error(`${name}: QEMU closed the QMP connection`)))
  }

  /**
   * Connects, waits for the greeting and leaves capabilities negotiation mode. Retries until
   * `timeoutMs` while the socket does not exist or refuses (QEMU is still starting).
   */
  static async connect(address: QmpAddress, name: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs
    let lastError = ''
    while (Date.now() < deadline) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = 'path' in address ? connect(address.path) : connect(address.port, address.host)
          s.once('connect', () => resolve(s))
          s.once('error', reject)
        })
        const client = new QmpClient(socket, name)
        client.greeting = await client.waitGreeting(Math.max(1000, deadline - Date.now()))
        await client.execute('qmp_capabilities')
        return client
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    throw new LabFailure(
      labError(
        'QemuFailed',
        `${name}: no QMP server at ${describeQmpAddress(address)} within ${timeoutMs} ms (${lastError})`
      )
    )
  }

  private greetingWaiter: ((g: QmpGreeting) => void) | undefined

  private waitGreeting(timeoutMs: number): Promise<QmpGreeting> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy()
        reject(new Error('no QMP greeting'))
      }, timeoutMs)
      this.greetingWaiter = (g) => {
        clearTimeout(timer)
        resolve(g)
      }
    })
  }

  private onData(chunk: string): void {
    this.buffer += chunk
    let newline: number
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim()
      this.buffer = this.buffer.slice(newline + 1)
      if (line) this.onMessage(line)
    }
  }

  private onMessage(line: string): void {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(line) as Record<string, unknown>
    } catch {
      this.fail(new Error(`${this.name}: QEMU sent a line that is not JSON: ${line.slice(0, 200)}`))
      return
    }
    if ('QMP' in message) {
      this.greetingWaiter?.(message.QMP as QmpGreeting)
      return
    }
    if (typeof message.event === 'string') {
      const ts = message.timestamp as { seconds?: number; microseconds?: number } | undefined
      const event: QmpEvent = {
        event: message.event,
        ...(message.data && typeof message.data === 'object'
          ? { data: message.data as Record<string, unknown> }
          : {}),
        timestampMs:
          ts?.seconds !== undefined ? ts.seconds * 1000 + (ts.microseconds ?? 0) / 1000 : Date.now()
      }
      for (const listener of this.eventListeners) listener(event)
      return
    }
    const id = typeof message.id === 'string' ? message.id : undefined
    const waiter = id ? this.pending.get(id) : undefined
    if (!waiter || !id) return
    this.pending.delete(id)
    clearTimeout(waiter.timer)
    if ('error' in message) {
      const err = message.error as { class?: string; desc?: string }
      waiter.reject(
        new LabFailure(
          labError(
            'QemuFailed',
            `${this.name}: ${waiter.command}: ${err.desc ?? 'failed'} (${err.class ?? 'error'})`
          )
        )
      )
    } else waiter.resolve(message.return)
  }

  private fail(error: Error): void {
    if (this.closedError) return
    this.closedError = error
    for (const [, waiter] of this.pending) {
      clearTimeout(waiter.timer)
      waiter.reject(error)
    }
    this.pending.clear()
  }

  /** Runs one command; rejects with QEMU's error class and description, or after `timeoutMs`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError)
    const id = `ml-${this.nextId++}`
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(
          new LabFailure(labError('QemuFailed', `${this.name}: ${command} got no answer in ${timeoutMs} ms`))
        )
      }, timeoutMs)
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, command })
      this.socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n')
    })
  }

  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  close(): void {
    this.fail(new Error(`${this.name}: the QMP connection was closed`))
    this.socket.destroy()
  }
}

/** "10.0.2" from the greeting. */
export function qemuVersionText(greeting: QmpGreeting | undefined): string {
  const v = greeting?.version.qemu
  return v ? `${v.major}.${v.minor}.${v.micro}` : 'unknown'
}
