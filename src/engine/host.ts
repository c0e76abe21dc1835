import type { Port } from '../shared/port'
import type { EngineRole } from '../shared/protocol/common'

/**
 * What an engine module sees of the process it runs in. The entry points build it from
 * worker_threads (`entry-worker.ts`) or from Electron's `process.parentPort`
 * (`entry-utility.ts`); engine modules never import `electron`.
 */
export interface EngineHost {
  readonly role: EngineRole
  readonly name: string
  /** The link to the supervisor in the main process. */
  readonly parent: Port
  readonly testHooks: Readonly<Record<string, string | number | boolean>>
  exit(code?: number): void
}

export type EngineModule = (host: EngineHost) => void | Promise<void>
