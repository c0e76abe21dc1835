import type { LabError } from '../errors'
import type { EngineRole } from './common'
import type { LinkContract } from './rpc'

/**
 * The part of every engine child's control link that the process runtime owns (the engine
 * modules add their own requests and events to the same link, see MergedContract):
 * - the child emits `ready` once its module is installed, carrying the protocol version so the
 *   supervisor can refuse a child built from other sources (`ProtocolMismatch`);
 * - the child emits `fatal` for an uncaught exception or unhandled rejection, then exits 1;
 * - the supervisor requests `shutdown` to stop it gracefully (cleanup hooks, then exit 0);
 * - the supervisor requests `ping` as a heartbeat: a child whose event loop stops answering
 *   (an endless loop, a deadlock) is failed as hung instead of hanging its run (DESIGN.md §1).
 */
export interface ReadyEvent {
  readonly protocolVersion: number
  readonly role: EngineRole
  readonly name: string
}

export interface FatalEvent {
  readonly error: LabError
}

/** What the child side of every control link offers. */
export interface ChildLifecycleContract extends LinkContract {
  readonly requests: {
    readonly shutdown: { readonly params: null; readonly result: null }
    readonly ping: { readonly params: null; readonly result: null }
  }
  readonly events: {
    readonly ready: ReadyEvent
    readonly fatal: FatalEvent
  }
}
