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
  /** Subscribes to messages; the adapter starts the port. Returns an unsubscribe function. */
  onMessage(handler: (message: unknown, ports: readonly Port[]) => void): () => void
  /** Called once when the other side closes or goes away. Returns an unsubscribe function. */
  onClose(handler: () => void): () => void
  close(): void
}
