import type { MessagePort as NodeMessagePort, Transferable, Worker } from 'node:worker_threads'
import type { Port } from '../../shared/port'
import { wrapChildChannel } from './child-channel'
import { RawPorts, wrapRawPort } from './transport-port'

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
const rawPorts = new RawPorts<NodeMessagePort>(
  'only ports made by the worker_threads adapter can be handed over on a worker_threads link'
)

/** Builds what to post: the value (or an envelope) and the transfer list. */
function encode(
  message: unknown,
  opts: { transfer?: ArrayBuffer[]; ports?: Port[] } | undefined
): [unknown, Transferable[] | undefined] {
  if (!opts) return [message, undefined]
  const transfer: Transferable[] = opts.transfer ? [...opts.transfer] : []
  if (opts.ports && opts.ports.length > 0) {
    const raw = opts.ports.map((port) => rawPorts.take(port))
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
  // Adding a 'message' listener starts the port; messages queued before are delivered then.
  return wrapRawPort(port, rawPorts, {
    onRawClose: (listener) => port.once('close', listener),
    send(message, opts) {
      const [value, transfer] = encode(message, opts)
      port.postMessage(value, transfer)
    },
    receive: decode,
    movesArrayBuffers: true
  })
}

/**
 * The parent's side of a worker's built-in channel (`worker.postMessage` / `'message'`); see
 * wrapChildChannel. Ports and ArrayBuffers travel as on any worker_threads port.
 */
export function wrapWorker(worker: Worker): Port {
  return wrapChildChannel(worker, {
    childName: 'the worker',
    send(message, opts) {
      const [value, transfer] = encode(message, opts)
      worker.postMessage(value, transfer)
    },
    receive: decode
  })
}
