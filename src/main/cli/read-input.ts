import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { LabFailure, labError } from '../../shared/errors'

/**
 * Reads a JSON document given on the command line: a file path, or `-` for standard input.
 * Errors name the file and, for bad JSON, the line and column.
 */
export function readJsonArgument(pathOrDash: string, what: string): unknown {
  let text: string
  const shown = pathOrDash === '-' ? 'standard input' : pathOrDash
  try {
    text = pathOrDash === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(pathOrDash), 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message
    throw new LabFailure(labError('Validation', `${what} ${shown}: ${why}`))
  }
  // Windows editors begin UTF-8 files with a byte order mark, which JSON.parse refuses.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new LabFailure(
      labError('Validation', `${what} ${shown}: not valid JSON (${jsonErrorPlace(text, e as Error)})`)
    )
  }
}

/** Turns V8's "at position N" into "line L, column C" so a person can find the mistake. */
function jsonErrorPlace(text: string, e: Error): string {
  const m = /position (\d+)/.exec(e.message)
  if (!m) return e.message
  const pos = Number(m[1])
  const before = text.slice(0, pos)
  const line = before.split('\n').length
  const column = pos - before.lastIndexOf('\n')
  return `${e.message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`
}
