/**
 * Version of every inter-process contract in src/shared/protocol. Both ends of a link send it in
 * their handshake; a mismatch fails the link with a `ProtocolMismatch` error (never a guess).
 */
export const PROTOCOL_VERSION = 1

/**
 * The two kinds of engine process (DESIGN.md §1), plus `probe`: a tiny test fixture child
 * (src/engine/probe.ts) used to test the process layer; a run never starts one.
 */
export type EngineRole = 'vcpu' | 'migration' | 'probe'
