import { LabFailure, labError } from '../../shared/errors'

/** A run id (`12`) or an experiment id (`e12`), as `history` prints them. */
export type HistoryRef = { kind: 'run'; id: number } | { kind: 'experiment'; id: number }

export function parseHistoryRef(text: string, where: string): HistoryRef {
  const m = /^(e|exp-?)?(\d{1,15})$/i.exec(text.trim())
  if (!m)
    throw new LabFailure(
      labError('Validation', `${where}: "${text}" is not a run id (12) or an experiment id (e12)`)
    )
  return { kind: m[1] ? 'experiment' : 'run', id: Number(m[2]) }
}

export function parseRunId(text: string, where: string): number {
  const ref = parseHistoryRef(text, where)
  if (ref.kind !== 'run')
    throw new LabFailure(labError('Validation', `${where}: "${text}" is an experiment; give a run id`))
  return ref.id
}
