import { LabFailure, labError } from '../../shared/errors'

/** Parses a whole number from `min` to `max`, or fails naming `where` (a flag or a variable). */
export function wholeNumber(
  text: string | undefined,
  where: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER
): number {
  const value = (text ?? '').trim()
  if (!/^-?\d+$/.test(value))
    throw new LabFailure(labError('Validation', `${where}: "${text ?? ''}" is not a whole number`))
  const n = Number(value)
  if (n < min || n > max)
    throw new LabFailure(labError('Validation', `${where}: ${n} is out of range (${min} to ${max})`))
  return n
}
