/**
 * The small port interface every engine module and every protocol endpoint sees.
 *
 * Two transports implement it: Node's worker_threads `MessagePort` (command line, web host,
 * tests) and Electron's `MessagePortMain` / `process.parentPort` (the desktop app). Engine code
 * is written against this interface only, so it never learns which host runs it
 * (DESIGN.md §1, style.md "Processes and messages").
 */
export interface Port {
  /**
   * Sends a structured-cloneable message. `transfer` is a hint: worker_threads moves those
   * ArrayBuffers without copying, Electron copies them. `ports` hands other ports over with the
   * message (they arrive as the second argument of the receiver's handler).
   */
  post(message: unknown, opts?: { transfer?: ArrayBuffer[]; ports?: Port[] }): void
  /**
   * true when `transfer` really moves the ArrayBuffers (worker_threads): a buffer sent over can be
   * sent back and used again, and a view of part of a buffer costs nothing to send. Absent or
   * false when they are copied whole (Electron): then only buffers fitted to their data are worth
   * sending.
   */
  readonly movesArrayBuffers?: boolean
  /** Subscribes to messages; the adapter starts the port. Returns an unsubscribe function. */
  onMessage(handler: (message: unknown, ports: readonly Port[]) => void): () => void
  /** Called once when the other side closes or goes away. Returns an unsubscribe function. */
  onClose(handler: () => void): () => void
  close(): void
}
