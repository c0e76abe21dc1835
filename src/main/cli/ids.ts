import { LabFailure, labError } from '../../shared/errors'
import { parseHistoryRef as readHistoryRef, type HistoryRef } from '../../shared/history-query'

export type { HistoryRef }

/** A run id (`12`) or an experiment id (`e12`), as `history` prints them; refused as bad input. */
export function parseHistoryRef(text: string, where: string): HistoryRef {
  const parsed = readHistoryRef(text)
  if (!parsed.ok) throw new LabFailure(labError('Validation', `${where}: ${parsed.error}`))
  return parsed.value
}

export function parseRunId(text: string, where: string): number {
  const ref = parseHistoryRef(text, where)
  if (ref.kind !== 'run')
    throw new LabFailure(labError('Validation', `${where}: "${text}" is an experiment; give a run id`))
  return ref.id
}
