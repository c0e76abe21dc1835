import type { LabError, LabErrorKind } from '../../shared/errors'

/**
 * Exit status of `migration-lab` (DESIGN.md §5): 0 for any run that finished its experiment
 * (including `cancelled` by the lab's policy), 2 for bad input, 1 for an internal failure.
 */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_BAD_INPUT = 2

/** Kinds that mean "what you gave me is wrong" rather than "the lab broke". */
const BAD_INPUT_KINDS: ReadonlySet<LabErrorKind> = new Set<LabErrorKind>([
  'Validation',
  'ResourceLimit',
  'NotFound',
  'Database',
  'DbFromFuture',
  'UnknownMessage'
])

export function exitCodeFor(error: LabError): number {
  return BAD_INPUT_KINDS.has(error.kind) ? EXIT_BAD_INPUT : EXIT_FAILURE
}
