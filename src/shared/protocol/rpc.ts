import { labError, type LabError } from '../errors'

/**
 * Request/response over a Port (style.md rule 7): requests carry a `seq`; replies are
 * `{seq, ok: true, value}` or `{seq, ok: false, error}`. Every link also carries one-way
 * events. A message that matches neither shape is an error, never ignored.
 */
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
  if (k === 'req') return typeof (m as RpcRequest).seq === 'number' && typeof (m as RpcRequest).method === 'string'
  if (k === 'rep') return typeof (m as { seq?: unknown }).seq === 'number' && typeof (m as { ok?: unknown }).ok === 'boolean'
  if (k === 'evt') return typeof (m as RpcEvent).event === 'string'
  return false
}

export { labError }
