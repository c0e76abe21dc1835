/**
 * Errors travel as data: a kind a program can switch on and a message a person can act on
 * (style.md rule 17). They cross every process boundary unchanged.
 */
export type LabErrorKind =
  | 'Validation' // bad input: config, CLI flag, IPC argument, imported file
  | 'ProtocolMismatch' // the two ends of a link speak different protocol versions
  | 'UnknownMessage' // a message that the contract of its link does not allow
  | 'StartupTimeout' // a child did not complete its ready handshake in time
  | 'ProcessCrashed' // a child exited or crashed while it was needed
  | 'Cancelled' // the user or a policy stopped the operation
  | 'ResourceLimit' // the request would not fit this machine (memory, limits)
  | 'NotFound' // a run, an experiment or a file that does not exist
  | 'Database' // the history database is unreadable, foreign or corrupt
  | 'DbFromFuture' // the history database was written by a newer Migration Lab
  | 'Disconnected' // the page lost its connection to the lab host before the host answered
  | 'QemuFailed' // a real QEMU (measured runs) refused a command, died or could not be reached
  | 'Internal' // a bug: something that should not happen

export interface LabError {
  readonly kind: LabErrorKind
  readonly message: string
  /** Where the problem is, when it has a place: `path: message` lines for validation. */
  readonly details?: readonly string[]
}

export function labError(kind: LabErrorKind, message: string, details?: readonly string[]): LabError {
  return details && details.length > 0 ? { kind, message, details } : { kind, message }
}

/**
 * Problems listed in full wherever a LabError is shown (the command line, the page over IPC or the
 * WebSocket); the rest are counted. 10^5 problems once printed 7 MB (issue 13, defect 3).
 */
export const MAX_LISTED_PROBLEMS = 20

/**
 * The first MAX_LISTED_PROBLEMS problems and a count of the rest (`… and 1980 more`). A list of
 * one more than that is kept whole (the count line would take its place), so capping a capped
 * list changes nothing.
 */
export function listedProblems(problems: readonly string[]): readonly string[] {
  if (problems.length <= MAX_LISTED_PROBLEMS + 1) return problems
  return [...problems.slice(0, MAX_LISTED_PROBLEMS), `… and ${problems.length - MAX_LISTED_PROBLEMS} more`]
}

/** `error` with its problem list capped by listedProblems (the same error when it is short). */
export function withListedProblems(error: LabError): LabError {
  const details = error.details
  if (!details || details.length <= MAX_LISTED_PROBLEMS + 1) return error
  return { ...error, details: listedProblems(details) }
}

/** An Error subclass that carries a LabError, for code paths that throw. */
export class LabFailure extends Error {
  readonly error: LabError
  constructor(error: LabError) {
    super(error.details?.length ? `${error.message}\n  ${error.details.join('\n  ')}` : error.message)
    this.name = `LabFailure(${error.kind})`
    this.error = error
  }
}

/** Turns anything thrown into a LabError, keeping a LabFailure's kind. */
export function toLabError(e: unknown, fallbackKind: LabErrorKind = 'Internal'): LabError {
  if (e instanceof LabFailure) return e.error
  if (isLabError(e)) return e
  if (e instanceof Error) return labError(fallbackKind, e.message)
  return labError(fallbackKind, String(e))
}

export function isLabError(v: unknown): v is LabError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { kind?: unknown }).kind === 'string' &&
    typeof (v as { message?: unknown }).message === 'string'
  )
}
