import { LabFailure, labError } from '../../shared/errors'
import { HISTORY_OPTIONS } from '../lab/resources'
import { defaultHistoryDbPath } from '../paths'
import { openHistory, writeBlocker, type HistoryDb } from '../storage'

/**
 * `--db FILE` / `--no-db` as commander gives them: a path, `false` for --no-db, or undefined for
 * the lab's own database in the user data directory (shared with the app and the web host).
 */
export type DbOption = string | false | undefined

export function historyPath(db: DbOption): string {
  if (db === false)
    throw new LabFailure(labError('Validation', 'this command needs the history; remove --no-db'))
  return db ?? defaultHistoryDbPath()
}

/**
 * Opens the history for a command; says on stderr when runs were found interrupted. `readonly`:
 * the command only reads; `'if-needed'`: it only reads but, when it may write, opens for writing
 * so that runs of a stopped lab are marked interrupted first (listing), and when it may not,
 * opens read-only and says so.
 */
export function openCliHistory(db: DbOption, opts: { readonly?: boolean | 'if-needed' } = {}): HistoryDb {
  const file = historyPath(db)
  let readonly = opts.readonly === true
  if (opts.readonly === 'if-needed') {
    const blocker = writeBlocker(file)
    if (blocker) {
      readonly = true
      process.stderr.write(
        `migration-lab: ${file} is read-only for this user (${blocker}); opened for reading only, so runs left running by a stopped lab are listed as running.\n`
      )
    }
  }
  const history = openHistory(file, {
    ...HISTORY_OPTIONS,
    ...(readonly ? { readonly: true } : {})
  })
  for (const run of history.interruptedAtOpen)
    process.stderr.write(
      `migration-lab: run ${run.id} was interrupted when the lab last stopped; what it recorded is kept.\n`
    )
  return history
}
