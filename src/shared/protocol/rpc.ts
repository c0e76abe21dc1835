import { LabFailure, labError, toLabError, type LabError } from '../errors'
import type { Port } from '../port'

/**
 * Typed request/response and events over a Port (style.md rules 6–7).
 *
 * Wire shapes: requests carry a `seq`; replies are `{seq, ok: true, value}` or
 * `{seq, ok: false, error}` with the error as data (a LabError, so its kind survives the
 * process boundary); events are one-way. A message that matches none of these shapes, a reply
 * to nobody and an event nobody listens to are protocol errors, reported through
 * `onProtocolError`, never dropped in silence. A request for a method without a handler gets an
 * error reply of kind `UnknownMessage`.
 *
 * Payloads are passed to the port as they are: no JSON, no copying here. Typed arrays listed in
 * `transfer` move without a copy under worker_threads (Electron copies them, see Port).
 */

// ---------------------------------------------------------------------------------------------
// Wire shapes

export interface RpcRequest<M extends string = string, P = unknown> {
  readonly kind: 'req'
  readonly seq: number
  readonly method: M
  readonly params: P
}
export type RpcReply<V = unknown> =
  | { readonly kind: 'rep'; readonly seq: number; readonly ok: true; readonly value: V }
  | { readonly kind: 'rep'; readonly seq: number; readonly ok: false; readonly error: LabError }
export interface RpcEvent<E extends string = string, P = unknown> {
  readonly kind: 'evt'
  readonly event: E
  readonly payload: P
}
export type RpcMessage = RpcRequest | RpcReply | RpcEvent

export function isRpcMessage(m: unknown): m is RpcMessage {
  if (typeof m !== 'object' || m === null) return false
  const k = (m as { kind?: unknown }).kind
  if (k === 'req')
    return typeof (m as RpcRequest).seq === 'number' && typeof (m as RpcRequest).method === 'string'
  if (k === 'rep') {
    const r = m as { seq?: unknown; ok?: unknown; error?: unknown }
    if (typeof r.seq !== 'number' || typeof r.ok !== 'boolean') return false
    return r.ok || isWireError(r.error)
  }
  if (k === 'evt') return typeof (m as RpcEvent).event === 'string'
  return false
}

function isWireError(e: unknown): e is LabError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { kind?: unknown }).kind === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  )
}

// ---------------------------------------------------------------------------------------------
// Contracts

/**
 * What one side of a link offers: the requests it answers and the events it emits. Write one
 * per side of every link (style.md rule 6), as a type alias or with inline object types, e.g.
 *
 * ```ts
 * type VcpuControl = {
 *   requests: { connect: { params: { index: number }; result: null } }
 *   events: { progress: { bytes: number } }
 * }
 * ```
 */
export interface LinkContract {
  readonly requests: Record<string, { readonly params: unknown; readonly result: unknown }>
  readonly events: Record<string, unknown>
}

/** A side that answers no requests and emits no events. */
export interface NoContract extends LinkContract {
  readonly requests: Record<never, never>
  readonly events: Record<never, never>
}

/** Two contracts offered by the same side of one link, e.g. the runtime's and an engine module's. */
export interface MergedContract<A extends LinkContract, B extends LinkContract> extends LinkContract {
  readonly requests: A['requests'] & B['requests']
  readonly events: A['events'] & B['events']
}

export type MethodOf<C extends LinkContract> = keyof C['requests'] & string
export type ParamsOf<C extends LinkContract, M extends MethodOf<C>> = C['requests'][M]['params']
export type ResultOf<C extends LinkContract, M extends MethodOf<C>> = C['requests'][M]['result']
export type EventOf<C extends LinkContract> = keyof C['events'] & string
export type PayloadOf<C extends LinkContract, E extends EventOf<C>> = C['events'][E]

// ---------------------------------------------------------------------------------------------
// Transfers in replies

const TRANSFERRING = Symbol('rpc.transferring')

/** A handler's return value together with the ArrayBuffers to move (not copy) with the reply. */
export interface Transferring<T> {
  readonly [TRANSFERRING]: true
  readonly value: T
  readonly transfer: readonly ArrayBuffer[]
}

/**
 * Lets a handler reply with transferables: `return withTransfer(batch, [batch.buffer])`.
 * The buffers are detached on this side once the reply is posted (worker_threads).
 */
export function withTransfer<T>(value: T, transfer: readonly ArrayBuffer[]): Transferring<T> {
  return { [TRANSFERRING]: true, value, transfer }
}

function isTransferring(v: unknown): v is Transferring<unknown> {
  return typeof v === 'object' && v !== null && (v as { [TRANSFERRING]?: unknown })[TRANSFERRING] === true
}

export type HandlerResult<R> = R | Transferring<R> | Promise<R | Transferring<R>>

// ---------------------------------------------------------------------------------------------
// Endpoint

/**
 * Starts a timer and returns a function that cancels it. src/shared has no timers of its own
 * (DESIGN.md §6), so the host passes one in; see `openEndpoint` in src/main/process/endpoint.ts
 * and src/engine/runtime.ts.
 */
export type SetTimer = (ms: number, fn: () => void) => () => void

export interface RpcEndpointOptions {
  /** The far side's name, for messages: `link to vcpu-3 closed`. */
  readonly name: string
  /** Needed only for `timeoutMs` on requests. */
  readonly setTimer?: SetTimer
  /** Applied to every request that does not give its own `timeoutMs`. Needs `setTimer`. */
  readonly defaultTimeoutMs?: number
  /**
   * The error of a request that got no reply in time. Default: `ProcessCrashed` (a child process
   * that stops answering is as good as crashed); a page's link to its host says otherwise.
   */
  readonly timeoutError?: (method: string, timeoutMs: number) => LabError
  /** Why requests fail once the port closed. Default: `ProcessCrashed`, `link to NAME closed`. */
  readonly closedError?: LabError
}

export interface RequestOptions {
  /** Reject with `ProcessCrashed` when no reply arrives in time (needs a `setTimer`). */
  readonly timeoutMs?: number
  /** ArrayBuffers inside `params` to move instead of copy. */
  readonly transfer?: readonly ArrayBuffer[]
  /** Ports handed over with the request; the handler gets them as its second argument. */
  readonly ports?: readonly Port[]
}

export interface EmitOptions {
  readonly transfer?: readonly ArrayBuffer[]
  readonly ports?: readonly Port[]
}

interface Pending {
  readonly method: string
  readonly resolve: (value: unknown) => void
  readonly reject: (e: LabFailure) => void
  cancelTimer?: () => void
}

type AnyHandler = (params: unknown, ports: readonly Port[]) => HandlerResult<unknown>
type AnyListener = (payload: unknown, ports: readonly Port[]) => void

/** Protocol errors seen before anyone listens are kept (up to this many) and handed over later. */
const MAX_BUFFERED_PROTOCOL_ERRORS = 100

/**
 * One side of a link. `Local` is what this side offers (requests it handles, events it emits);
 * `Remote` is what the other side offers (requests this side sends, events it listens to).
 */
export class RpcEndpoint<Local extends LinkContract = NoContract, Remote extends LinkContract = NoContract> {
  readonly name: string
  private readonly port: Port
  private readonly setTimer: SetTimer | undefined
  private readonly defaultTimeoutMs: number | undefined
  private readonly timeoutError: (method: string, timeoutMs: number) => LabError
  private readonly portClosedError: LabError
  private nextSeq = 1
  private readonly pending = new Map<number, Pending>()
  /** Requests that timed out: their late replies are expected and dropped, not protocol errors. */
  private readonly timedOut = new Set<number>()
  private readonly handlers = new Map<string, AnyHandler>()
  private readonly listeners = new Map<string, Set<AnyListener>>()
  private readonly protocolErrorListeners = new Set<(e: LabError) => void>()
  private bufferedProtocolErrors: LabError[] = []
  private closedError: LabError | undefined
  private readonly closeListeners = new Set<(e: LabError) => void>()
  private readonly unsubscribe: Array<() => void>

  constructor(port: Port, options: RpcEndpointOptions) {
    this.port = port
    this.name = options.name
    this.setTimer = options.setTimer
    this.defaultTimeoutMs = options.defaultTimeoutMs
    // A peer that stops answering is as good as crashed for the run (DESIGN.md §1).
    this.timeoutError =
      options.timeoutError ??
      ((method, ms) => labError('ProcessCrashed', `${this.name} did not answer '${method}' within ${ms} ms`))
    this.portClosedError = options.closedError ?? labError('ProcessCrashed', `link to ${this.name} closed`)
    this.unsubscribe = [
      port.onMessage((message, ports) => this.dispatch(message, ports)),
      port.onClose(() => this.shutDown(this.portClosedError))
    ]
  }

  /** True once the port closed or `close()` was called; requests then fail at once. */
  get closed(): boolean {
    return this.closedError !== undefined
  }

  /** Sends a request and resolves with the reply's value, or rejects with a LabFailure. */
  request<M extends MethodOf<Remote>>(
    method: M,
    params: ParamsOf<Remote, M>,
    opts: RequestOptions = {}
  ): Promise<ResultOf<Remote, M>> {
    if (this.closedError) return Promise.reject(new LabFailure(this.closedError))
    const seq = this.nextSeq++
    const message: RpcRequest = { kind: 'req', seq, method, params }
    return new Promise<ResultOf<Remote, M>>((resolve, reject) => {
      const entry: Pending = { method, resolve: resolve as (v: unknown) => void, reject }
      this.pending.set(seq, entry)
      try {
        this.port.post(message, postOptions(opts.transfer, opts.ports))
      } catch (e) {
        this.pending.delete(seq)
        reject(
          new LabFailure(
            labError('Internal', `request '${method}' to ${this.name} could not be sent: ${errorText(e)}`)
          )
        )
        return
      }
      const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs
      if (timeoutMs !== undefined) {
        if (!this.setTimer) {
          this.pending.delete(seq)
          reject(
            new LabFailure(
              labError('Internal', `request '${method}': timeoutMs needs an endpoint with setTimer`)
            )
          )
          return
        }
        entry.cancelTimer = this.setTimer(timeoutMs, () => {
          if (this.pending.delete(seq)) {
            this.timedOut.add(seq)
            reject(new LabFailure(this.timeoutError(method, timeoutMs)))
          }
        })
      }
    })
  }

  /** Answers requests for `method`. One handler per method; what it throws becomes an error reply. */
  handle<M extends MethodOf<Local>>(
    method: M,
    handler: (params: ParamsOf<Local, M>, ports: readonly Port[]) => HandlerResult<ResultOf<Local, M>>
  ): () => void {
    if (this.handlers.has(method)) {
      throw new LabFailure(
        labError('Internal', `a handler for '${method}' on the link to ${this.name} exists already`)
      )
    }
    this.handlers.set(method, handler as AnyHandler)
    return () => {
      if (this.handlers.get(method) === handler) this.handlers.delete(method)
    }
  }

  /** Sends a one-way event. */
  emit<E extends EventOf<Local>>(event: E, payload: PayloadOf<Local, E>, opts: EmitOptions = {}): void {
    if (this.closedError) throw new LabFailure(this.closedError)
    const message: RpcEvent = { kind: 'evt', event, payload }
    this.port.post(message, postOptions(opts.transfer, opts.ports))
  }

  /** Listens to one event of the far side. An event nobody listens to is a protocol error. */
  onEvent<E extends EventOf<Remote>>(
    event: E,
    listener: (payload: PayloadOf<Remote, E>, ports: readonly Port[]) => void
  ): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as AnyListener)
    return () => {
      set.delete(listener as AnyListener)
    }
  }

  /**
   * Malformed messages, unmatched replies and unhandled events. Errors seen before the first
   * listener subscribes are delivered to it on subscription.
   */
  onProtocolError(listener: (e: LabError) => void): () => void {
    this.protocolErrorListeners.add(listener)
    const buffered = this.bufferedProtocolErrors
    this.bufferedProtocolErrors = []
    for (const e of buffered) listener(e)
    return () => {
      this.protocolErrorListeners.delete(listener)
    }
  }

  /** Called once when the link goes away (port closed or `close()`), with the reason. */
  onClose(listener: (e: LabError) => void): () => void {
    if (this.closedError) {
      listener(this.closedError)
      return () => {}
    }
    this.closeListeners.add(listener)
    return () => {
      this.closeListeners.delete(listener)
    }
  }

  /** Rejects pending requests, stops listening and closes the port. */
  close(): void {
    this.shutDown(this.portClosedError)
    this.port.close()
  }

  // -------------------------------------------------------------------------------------------

  private dispatch(message: unknown, ports: readonly Port[]): void {
    if (!isRpcMessage(message)) {
      this.protocolError(`malformed message from ${this.name}: ${describe(message)}`)
      return
    }
    switch (message.kind) {
      case 'req':
        this.answer(message, ports)
        return
      case 'rep': {
        const entry = this.pending.get(message.seq)
        if (!entry) {
          if (this.timedOut.delete(message.seq)) return
          this.protocolError(`reply from ${this.name} to unknown request #${message.seq}`)
          return
        }
        this.pending.delete(message.seq)
        entry.cancelTimer?.()
        if (message.ok) entry.resolve(message.value)
        else entry.reject(new LabFailure(message.error))
        return
      }
      case 'evt': {
        const set = this.listeners.get(message.event)
        if (!set || set.size === 0) {
          this.protocolError(`event '${message.event}' from ${this.name} has no listener`)
          return
        }
        for (const listener of set) {
          try {
            listener(message.payload, ports)
          } catch (e) {
            this.protocolError(`listener for '${message.event}' from ${this.name} failed: ${errorText(e)}`)
          }
        }
        return
      }
    }
  }

  private answer(request: RpcRequest, ports: readonly Port[]): void {
    const handler = this.handlers.get(request.method)
    if (!handler) {
      this.reply({
        kind: 'rep',
        seq: request.seq,
        ok: false,
        error: labError(
          'UnknownMessage',
          `unknown request '${request.method}' (this side handles: ${this.methodList()})`
        )
      })
      return
    }
    let result: HandlerResult<unknown>
    try {
      result = handler(request.params, ports)
    } catch (e) {
      this.reply({ kind: 'rep', seq: request.seq, ok: false, error: toLabError(e) })
      return
    }
    // Synchronous handlers reply in the same turn: no promise, no extra microtask.
    if (result instanceof Promise) {
      result.then(
        (value) => this.replyValue(request.seq, value),
        (e: unknown) => this.reply({ kind: 'rep', seq: request.seq, ok: false, error: toLabError(e) })
      )
    } else {
      this.replyValue(request.seq, result)
    }
  }

  private replyValue(seq: number, result: unknown): void {
    if (isTransferring(result))
      this.reply({ kind: 'rep', seq, ok: true, value: result.value }, result.transfer)
    else this.reply({ kind: 'rep', seq, ok: true, value: result })
  }

  private reply(message: RpcReply, transfer?: readonly ArrayBuffer[]): void {
    if (this.closedError) return // the asker is gone; its side already rejected the request
    try {
      this.port.post(message, postOptions(transfer, undefined))
    } catch (e) {
      // Typically a value that cannot be cloned: tell the asker instead of leaving it waiting.
      const error = labError(
        'Internal',
        `reply #${message.seq} to ${this.name} could not be sent: ${errorText(e)}`
      )
      try {
        this.port.post({ kind: 'rep', seq: message.seq, ok: false, error } satisfies RpcReply)
      } catch {
        this.protocolError(error.message)
      }
    }
  }

  private methodList(): string {
    return this.handlers.size > 0 ? [...this.handlers.keys()].join(', ') : 'none'
  }

  private protocolError(message: string): void {
    const error = labError('UnknownMessage', message)
    if (this.protocolErrorListeners.size === 0) {
      if (this.bufferedProtocolErrors.length < MAX_BUFFERED_PROTOCOL_ERRORS)
        this.bufferedProtocolErrors.push(error)
      return
    }
    for (const listener of this.protocolErrorListeners) listener(error)
  }

  private shutDown(reason: LabError): void {
    if (this.closedError) return
    this.closedError = reason
    this.timedOut.clear()
    for (const off of this.unsubscribe) off()
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const entry of pending) {
      entry.cancelTimer?.()
      entry.reject(
        new LabFailure(labError(reason.kind, `${reason.message} (while waiting for '${entry.method}')`))
      )
    }
    for (const listener of this.closeListeners) listener(reason)
    this.closeListeners.clear()
  }
}

function postOptions(
  transfer: readonly ArrayBuffer[] | undefined,
  ports: readonly Port[] | undefined
): { transfer?: ArrayBuffer[]; ports?: Port[] } | undefined {
  if (!transfer?.length && !ports?.length) return undefined
  // Ports only read these lists, so pass them on without copying.
  return { transfer: transfer as ArrayBuffer[] | undefined, ports: ports as Port[] | undefined }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function describe(m: unknown): string {
  if (m === null || typeof m !== 'object') return String(m)
  const keys = Object.keys(m).slice(0, 6)
  return `{${keys.join(', ')}}`
}
