import type { MessagePort as NodeMessagePort, Transferable, Worker } from 'node:worker_threads'
import { LabFailure, labError } from '../../shared/errors'
import type { Port } from '../../shared/port'

/**
 * worker_threads → Port (toolchain.md §3 "Host abstraction").
 *
 * Node delivers ports inside the message value, not beside it as Electron does. A message that
 * hands ports over therefore travels in an envelope `{[ENVELOPE]: 1, data, ports}` with the raw
 * ports also in the transfer list; the receiving adapter unwraps it into `(data, ports)`.
 * Messages without ports are posted as they are, so the common path costs nothing extra.
 * ArrayBuffers in `transfer` are moved, not copied.
 */
const ENVELOPE = '__labPorts'

interface Envelope {
  readonly [ENVELOPE]: 1
  readonly data: unknown
  readonly ports: readonly NodeMessagePort[]
}

function isEnvelope(m: unknown): m is Envelope {
  return typeof m === 'object' && m !== null && (m as Record<string, unknown>)[ENVELOPE] === 1
}

/** The raw worker_threads port behind each Port this adapter made, for hand-over. */
const rawPorts = new WeakMap<Port, NodeMessagePort>()

function unwrapForTransfer(port: Port): NodeMessagePort {
  const raw = rawPorts.get(port)
  if (!raw) {
    throw new LabFailure(
      labError(
        'Internal',
        'only ports made by the worker_threads adapter can be handed over on a worker_threads link'
      )
    )
  }
  // The raw port moves to the other thread: this wrapper must not be used any more.
  rawPorts.delete(port)
  return raw
}

/** Builds what to post: the value (or an envelope) and the transfer list. */
function encode(
  message: unknown,
  opts: { transfer?: ArrayBuffer[]; ports?: Port[] } | undefined
): [unknown, Transferable[] | undefined] {
  if (!opts) return [message, undefined]
  const transfer: Transferable[] = opts.transfer ? [...opts.transfer] : []
  if (opts.ports && opts.ports.length > 0) {
    const raw = opts.ports.map(unwrapForTransfer)
    transfer.push(...raw)
    const envelope: Envelope = { [ENVELOPE]: 1, data: message, ports: raw }
    return [envelope, transfer]
  }
  return [message, transfer.length > 0 ? transfer : undefined]
}

function decode(message: unknown): [unknown, readonly Port[]] {
  if (isEnvelope(message)) return [message.data, message.ports.map(wrapNodePort)]
  return [message, NO_PORTS]
}

const NO_PORTS: readonly Port[] = Object.freeze([])

/** Wraps a worker_threads MessagePort (either end of a MessageChannel, or a worker's parentPort). */
export function wrapNodePort(port: NodeMessagePort): Port {
  let closed = false
  port.once('close', () => {
    closed = true
  })
  const wrapper: Port = {
    post(message, opts) {
      const [value, transfer] = encode(message, opts)
      port.postMessage(value, transfer)
    },
    onMessage(handler) {
      // Adding a 'message' listener starts the port; messages queued before are delivered now.
      const listener = (m: unknown): void => {
        const [data, ports] = decode(m)
        handler(data, ports)
      }
      port.on('message', listener)
      return () => {
        port.off('message', listener)
      }
    },
    onClose(handler) {
      if (closed) {
        queueMicrotask(handler)
        return () => {}
      }
      port.once('close', handler)
      return () => {
        port.off('close', handler)
      }
    },
    close() {
      port.close()
    }
  }
  rawPorts.set(wrapper, port)
  return wrapper
}

/**
 * The parent's side of a worker's built-in channel (`worker.postMessage` / `'message'`). It
 * closes when the worker exits; `close()` only stops listening (ending the worker is
 * EngineChild.kill's job).
 */
export function wrapWorker(worker: Worker): Port {
  let exited = false
  const closeHandlers = new Set<() => void>()
  const messageListeners = new Set<(m: unknown) => void>()
  worker.once('exit', () => {
    exited = true
    for (const h of [...closeHandlers]) h()
    closeHandlers.clear()
  })
  return {
    post(message, opts) {
      if (exited) throw new LabFailure(labError('ProcessCrashed', 'the worker has exited'))
      const [value, transfer] = encode(message, opts)
      worker.postMessage(value, transfer)
    },
    onMessage(handler) {
      const listener = (m: unknown): void => {
        const [data, ports] = decode(m)
        handler(data, ports)
      }
      messageListeners.add(listener)
      worker.on('message', listener)
      return () => {
        messageListeners.delete(listener)
        worker.off('message', listener)
      }
    },
    onClose(handler) {
      if (exited) {
        queueMicrotask(handler)
        return () => {}
      }
      closeHandlers.add(handler)
      return () => {
        closeHandlers.delete(handler)
      }
    },
    close() {
      for (const l of messageListeners) worker.off('message', l)
      messageListeners.clear()
      for (const h of [...closeHandlers]) h()
      closeHandlers.clear()
    }
  }
}
