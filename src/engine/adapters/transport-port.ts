import { LabFailure, labError } from '../../shared/errors'
import { OnceValue } from '../../shared/once-value'
import type { Port } from '../../shared/port'

/**
 * What the two transports' port adapters share (node-port.ts for worker_threads, electron-port.ts
 * for Electron): each wraps its runtime's MessagePort as a Port, remembers the raw port behind
 * the wrapper so that it can be handed over, and tells the Port's close handlers once the raw
 * port closes. Only how a message is posted and read differs (toolchain.md §3).
 */

/** The raw ports behind the Ports one adapter made, for hand-over to another thread or process. */
export class RawPorts<Raw> {
  private readonly raw = new WeakMap<Port, Raw>()

  /** `foreignPortMessage`: what is wrong when a Port from elsewhere is handed over. */
  constructor(private readonly foreignPortMessage: string) {}

  add(port: Port, raw: Raw): void {
    this.raw.set(port, raw)
  }

  /** The raw port behind `port`, which moves away with it: the wrapper must not be used any more. */
  take(port: Port): Raw {
    const raw = this.raw.get(port)
    if (!raw) throw new LabFailure(labError('Internal', this.foreignPortMessage))
    this.raw.delete(port)
    return raw
  }
}

/** The parts of a runtime's MessagePort the shared wrapper uses; `Event` is what 'message' gives. */
export interface RawMessagePort<Event> {
  on(event: 'message', listener: (e: Event) => void): unknown
  off(event: 'message', listener: (e: Event) => void): unknown
  close(): void
}

/** How one transport posts a message on its raw port and reads one off it. */
export interface PortTransport<Event> {
  /** Subscribes to the raw port's close event. */
  onRawClose(listener: () => void): void
  send(message: unknown, opts: { transfer?: ArrayBuffer[]; ports?: Port[] } | undefined): void
  receive(e: Event): readonly [unknown, readonly Port[]]
  /** `transfer` moves ArrayBuffers instead of copying them (Port.movesArrayBuffers). */
  readonly movesArrayBuffers: boolean
  /** Called as the first handler subscribes (a MessagePortMain queues messages until started). */
  firstSubscribed?(): void
}

export function wrapRawPort<Event, Raw extends RawMessagePort<Event>>(
  raw: Raw,
  registry: RawPorts<Raw>,
  transport: PortTransport<Event>
): Port {
  const closed = new OnceValue<void>()
  let subscribed = false
  transport.onRawClose(() => closed.settle())
  const wrapper: Port = {
    movesArrayBuffers: transport.movesArrayBuffers,
    post(message, opts) {
      transport.send(message, opts)
    },
    onMessage(handler) {
      const listener = (e: Event): void => {
        const [data, ports] = transport.receive(e)
        handler(data, ports)
      }
      raw.on('message', listener)
      if (!subscribed) {
        subscribed = true
        transport.firstSubscribed?.()
      }
      return () => {
        raw.off('message', listener)
      }
    },
    onClose(handler) {
      return closed.listen(handler)
    },
    close() {
      raw.close()
    }
  }
  registry.add(wrapper, raw)
  return wrapper
}
