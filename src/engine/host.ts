import type { Port } from '../shared/port'
import type { EngineRole } from '../shared/protocol/common'
import type { LinkContract, NoContract, RpcEndpoint } from '../shared/protocol/rpc'

/**
 * What an engine module sees of the process it runs in. The entry points build it from
 * worker_threads (`entry-worker.ts`) or from Electron's `process.parentPort`
 * (`entry-utility.ts`) through src/engine/runtime.ts; engine modules never import `electron`.
 */
export interface EngineHost {
  readonly role: EngineRole
  readonly name: string
  /**
   * The raw link to the supervisor in the main process. The runtime already listens on it:
   * talk to the supervisor through `rpc()`, never by posting here directly.
   */
  readonly parent: Port
  readonly testHooks: Readonly<Record<string, string | number | boolean>>
  exit(code?: number): void
  /**
   * The control link to the supervisor, typed by the module's contract: `Local` is what the
   * module offers (requests it handles, events it emits), `Remote` what the main process
   * offers. It is the runtime's own endpoint (which also answers `shutdown` and sends `ready`
   * and `fatal`), so there is exactly one endpoint on the parent port.
   */
  rpc<Local extends LinkContract, Remote extends LinkContract = NoContract>(): RpcEndpoint<Local, Remote>
  /** A typed endpoint, with request timeouts, on a port the supervisor handed over. */
  openEndpoint<Local extends LinkContract, Remote extends LinkContract = NoContract>(
    port: Port,
    name: string
  ): RpcEndpoint<Local, Remote>
  /** Runs before a graceful shutdown (last registered runs first), then the process exits 0. */
  onShutdown(cleanup: () => void | Promise<void>): void
}

/**
 * Installs the module: register handlers on `host.rpc()` and return (or resolve). The runtime
 * sends `ready` after it returns, so every handler exists before the supervisor can call one.
 */
export type EngineModule = (host: EngineHost) => void | Promise<void>
