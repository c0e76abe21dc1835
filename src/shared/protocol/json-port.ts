import type { Port } from '../port'

/**
 * A Port over a text channel (a WebSocket): messages go as JSON text, one per frame, so an
 * RpcEndpoint (protocol/rpc.ts) runs over a WebSocket exactly as over a MessagePort — one
 * implementation of requests, replies, events and timeouts for every link. JSON carries no
 * transfers and no ports; asking for either is a programming error.
 *
 * The owner of the channel feeds it: `receive(text)` for each frame, `closed()` once when it
 * closes. A frame that is not JSON reaches the endpoint as a malformed message (a protocol error).
 */
export interface TextChannel {
  send(text: string): void
  close(): void
}

export class JsonPort implements Port {
  private readonly messageHandlers = new Set<(message: unknown, ports: readonly Port[]) => void>()
  private readonly closeHandlers = new Set<() => void>()
  private isClosed = false

  constructor(private readonly channel: TextChannel) {}

  post(message: unknown, opts?: { transfer?: ArrayBuffer[]; ports?: Port[] }): void {
    if (opts?.ports?.length) throw new Error('a JSON port cannot carry ports')
    if (this.isClosed) throw new Error('the connection is closed')
    this.channel.send(JSON.stringify(message))
  }

  onMessage(handler: (message: unknown, ports: readonly Port[]) => void): () => void {
    this.messageHandlers.add(handler)
    return () => {
      this.messageHandlers.delete(handler)
    }
  }

  onClose(handler: () => void): () => void {
    this.closeHandlers.add(handler)
    return () => {
      this.closeHandlers.delete(handler)
    }
  }

  close(): void {
    if (this.isClosed) return
    this.channel.close()
    this.closed()
  }

  /** One frame from the far side. */
  receive(text: string): void {
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      message = { notJson: text.slice(0, 80) }
    }
    this.deliver(message)
  }

  /** One message from the far side that its owner has already read from its frame. */
  deliver(message: unknown): void {
    for (const handler of [...this.messageHandlers]) handler(message, [])
  }

  /** The channel closed (either side). */
  closed(): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const handler of [...this.closeHandlers]) handler()
  }
}
