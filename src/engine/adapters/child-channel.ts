import { LabFailure, labError } from '../../shared/errors'
import { OnceValue } from '../../shared/once-value'
import type { Port } from '../../shared/port'

/**
 * The parts of a child object its parent talks through, the same in both runtimes: a
 * worker_threads `Worker` and an Electron `UtilityProcess` each deliver the child's messages as
 * 'message' and end with 'exit'.
 */
export interface ChildChannelLike {
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
  once(event: 'exit', listener: () => void): unknown
}

/** How one runtime puts a message on a child's built-in channel and reads one off it. */
export interface ChildChannelCodec {
  /** The child in words, for the error after it has exited: `the worker`. */
  readonly childName: string
  send(message: unknown, opts: { transfer?: ArrayBuffer[]; ports?: Port[] } | undefined): void
  receive(raw: unknown): readonly [unknown, readonly Port[]]
}

/**
 * The parent's side of a child's built-in channel (`worker.postMessage` / `'message'`,
 * `utilityProcess.postMessage` / `'message'`), for wrapWorker and wrapUtilityProcess. It closes
 * when the child exits, and posting after that fails as a crash; `close()` only stops listening
 * (ending the child is EngineChild.kill's job).
 */
export function wrapChildChannel(child: ChildChannelLike, codec: ChildChannelCodec): Port {
  let exited = false
  const closed = new OnceValue<void>()
  const messageListeners = new Set<(m: unknown) => void>()
  child.once('exit', () => {
    exited = true
    closed.settle()
  })
  return {
    post(message, opts) {
      if (exited) throw new LabFailure(labError('ProcessCrashed', `${codec.childName} has exited`))
      codec.send(message, opts)
    },
    onMessage(handler) {
      const listener = (m: unknown): void => {
        const [data, ports] = codec.receive(m)
        handler(data, ports)
      }
      messageListeners.add(listener)
      child.on('message', listener)
      return () => {
        messageListeners.delete(listener)
        child.off('message', listener)
      }
    },
    onClose(handler) {
      return closed.listen(handler)
    },
    close() {
      for (const l of messageListeners) child.off('message', l)
      messageListeners.clear()
      closed.settle()
    }
  }
}
