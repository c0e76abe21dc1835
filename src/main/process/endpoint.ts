import type { Port } from '../../shared/port'
import { RpcEndpoint, type LinkContract, type NoContract, type SetTimer } from '../../shared/protocol/rpc'

/** The main process's timer for RPC timeouts (src/shared has none, DESIGN.md §6). */
export const nodeSetTimer: SetTimer = (ms, fn) => {
  const timer = setTimeout(fn, ms)
  return () => clearTimeout(timer)
}

/** A typed endpoint on any port in the main process, with timeouts available. */
export function openEndpoint<
  Local extends LinkContract = NoContract,
  Remote extends LinkContract = NoContract
>(port: Port, name: string, opts: { defaultTimeoutMs?: number } = {}): RpcEndpoint<Local, Remote> {
  return new RpcEndpoint<Local, Remote>(port, { name, setTimer: nodeSetTimer, ...opts })
}
