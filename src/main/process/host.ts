import type { Port } from '../../shared/port'

/**
 * How the main process starts engine processes (DESIGN.md §1). Two implementations:
 * - Node: worker_threads `Worker` + `MessageChannel` (command line, web host, tests);
 * - Electron: `utilityProcess.fork` + `MessageChannelMain` (desktop app).
 * The supervisor and the run orchestrator only see this interface.
 */
import type { EngineRole } from '../../shared/protocol/common'
export type { EngineRole }

export interface SpawnOptions {
  readonly role: EngineRole
  /** A readable name for logs and errors, e.g. `vcpu-3` or `migration`. */
  readonly name: string
  /** Internal test switches passed to the child (fault injection); never set by users. */
  readonly testHooks?: Readonly<Record<string, string | number | boolean>>
}

export interface ChildExit {
  /** Exit code, or null when the child was killed or crashed without one. */
  readonly code: number | null
  /** What happened, in words: "exited with code 1", "killed", "crashed: <message>". */
  readonly reason: string
}

export interface EngineChild {
  readonly name: string
  readonly role: EngineRole
  /** OS process id (Electron) or thread id (worker_threads), for logs and orphan checks. */
  readonly id: number
  /** The link to the child's parent port: handshake, control requests, telemetry. */
  readonly control: Port
  /** Called once when the child is gone, whatever the cause. Returns an unsubscribe function. */
  onExit(handler: (exit: ChildExit) => void): () => void
  /** Terminates the child at once; resolves when it is gone. */
  kill(): Promise<void>
}

export interface ProcessHost {
  readonly flavor: 'node' | 'electron'
  spawn(opts: SpawnOptions): EngineChild
  /** A fresh entangled pair of ports that can be handed to children. */
  createChannel(): readonly [Port, Port]
  /** Children spawned by this host that have not exited yet (the orphan check). */
  readonly liveChildren: ReadonlySet<EngineChild>
  /** Kills every live child; resolves when all are gone. */
  killAll(): Promise<void>
}
