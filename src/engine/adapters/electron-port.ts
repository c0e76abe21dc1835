import { LabFailure, labError } from '../../shared/errors'
import type { Port } from '../../shared/port'
import { wrapChildChannel, type ChildChannelLike } from './child-channel'
import { RawPorts, wrapRawPort } from './transport-port'

/**
 * Electron MessagePortMain / ParentPort → Port, written against structural types so that it
 * never imports `electron` (toolchain.md §3 "Electron MessagePortMain vs Node MessagePort", §7
 * row 1) and can be unit-tested with a fake port. Differences from worker_threads that matter:
 * - the 'message' listener gets `{data, ports}`: ports travel beside the value, no envelope;
 * - a MessagePortMain queues messages until `start()`; the adapter starts it on subscription;
 * - ArrayBuffers cannot be transferred between processes, so the `transfer` hint is ignored
 *   (they are copied);
 * - ParentPort.postMessage takes no transfer list, so a utility process cannot send ports up.
 */

/** The parts of Electron's `MessageEvent` the adapter uses. */
export interface MainMessageEventLike {
  readonly data: unknown
  readonly ports: readonly MessagePortMainLike[]
}

/** The parts of Electron's `MessagePortMain` the adapter uses. */
export interface MessagePortMainLike {
  postMessage(message: unknown, transfer?: MessagePortMainLike[]): void
  on(event: 'message', listener: (e: MainMessageEventLike) => void): unknown
  on(event: 'close', listener: () => void): unknown
  off(event: 'message', listener: (e: MainMessageEventLike) => void): unknown
  off(event: 'close', listener: () => void): unknown
  start(): void
  close(): void
}

/** The parts of Electron's `process.parentPort` (inside a utility process) the adapter uses. */
export interface ParentPortLike {
  postMessage(message: unknown): void
  on(event: 'message', listener: (e: MainMessageEventLike) => void): unknown
  off(event: 'message', listener: (e: MainMessageEventLike) => void): unknown
}

const rawPorts = new RawPorts<MessagePortMainLike>(
  'only ports made by the Electron adapter can be handed over on an Electron link'
)

/** The MessagePortMain behind a Port this adapter made, to hand it over to another process. */
export function unwrapMainPort(port: Port): MessagePortMainLike {
  return rawPorts.take(port)
}

function unwrapAll(ports: readonly Port[] | undefined): MessagePortMainLike[] | undefined {
  return ports && ports.length > 0 ? ports.map(unwrapMainPort) : undefined
}

/** A message as the adapters' handlers get it: the value, and the ports beside it wrapped. */
function received(e: MainMessageEventLike): readonly [unknown, readonly Port[]] {
  return [e.data, e.ports.length > 0 ? e.ports.map(wrapMainPort) : NO_PORTS]
}

export function wrapMainPort(port: MessagePortMainLike): Port {
  return wrapRawPort(port, rawPorts, {
    onRawClose: (listener) => port.on('close', listener),
    send: (message, opts) => port.postMessage(message, unwrapAll(opts?.ports)),
    receive: received,
    movesArrayBuffers: false,
    // A MessagePortMain holds messages back until it is started; start once a listener exists
    // so that nothing sent before the subscription is lost.
    firstSubscribed: () => port.start()
  })
}

/**
 * The child's link to the main process inside a utility process. ParentPort has no close event:
 * when the main process goes, Electron ends its utility processes with it.
 */
export function wrapParentPort(parentPort: ParentPortLike): Port {
  return {
    post(message, opts) {
      if (opts?.ports && opts.ports.length > 0) {
        throw new LabFailure(
          labError(
            'Internal',
            'a utility process cannot send ports through process.parentPort; let the main process create the channel'
          )
        )
      }
      parentPort.postMessage(message)
    },
    onMessage(handler) {
      const listener = (e: MainMessageEventLike): void => handler(...received(e))
      parentPort.on('message', listener)
      return () => {
        parentPort.off('message', listener)
      }
    },
    onClose() {
      return () => {}
    },
    close() {
      // Nothing to close: the link lives as long as the process.
    }
  }
}

/**
 * The parts of Electron's `UtilityProcess` (the main process's handle on a utility process) the
 * adapter uses. Its 'message' gives the value only: a child cannot send ports up.
 */
export interface UtilityProcessLike extends ChildChannelLike {
  postMessage(message: unknown, transfer?: MessagePortMainLike[]): void
}

/**
 * The parent's side of `process.parentPort`: the UtilityProcess itself (see wrapChildChannel).
 * Ports go down in the transfer list; ArrayBuffers are copied between processes.
 */
export function wrapUtilityProcess(proc: UtilityProcessLike): Port {
  return wrapChildChannel(proc, {
    childName: 'the utility process',
    send: (message, opts) => proc.postMessage(message, unwrapAll(opts?.ports)),
    receive: (message) => [message, NO_PORTS]
  })
}

const NO_PORTS: readonly Port[] = Object.freeze([])
