import { LabFailure, labError } from '../../shared/errors'
import { historyConfigJson } from '../lab/resources'
import { defaultHistoryDbPath } from '../paths'
import { openHistory, type HistoryDb } from '../storage'

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

/** Opens the history for a command; says on stderr when runs were found interrupted. */
export function openCliHistory(db: DbOption, opts: { readonly?: boolean } = {}): HistoryDb {
  const file = historyPath(db)
  const history = openHistory(file, {
    canonicalConfigJson: historyConfigJson,
    ...(opts.readonly ? { readonly: true } : {})
  })
  for (const run of history.interruptedAtOpen)
    process.stderr.write(
      `migration-lab: run ${run.id} was interrupted when the lab last stopped; what it recorded is kept.\n`
    )
  return history
}
