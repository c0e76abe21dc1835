import { canonicalConfigJson, parseConfig } from '../../shared/config'
import { LabFailure, toLabError, type LabError } from '../../shared/errors'
import { stableStringify } from '../../shared/stable-json'
import type { ProcessHost } from '../process/host'
import { openHistory, type HistoryDb } from '../storage'

/**
 * What a lab host (web host, desktop app) gives its LabService: the ProcessHost engine runs start
 * their processes on, and the shared history database. Opened once per host, closed once, after
 * the service's shutdown hooks have cancelled every run and sweep and recorded how each ended —
 * so closing never races a run that is still writing.
 */
export interface LabResources {
  readonly processHost: ProcessHost
  /** Absent when the database could not be opened; `historyError` says why. */
  readonly history?: HistoryDb
  readonly historyError?: LabError
  /** Kills any engine process still alive, then closes the database. Idempotent. */
  close(): Promise<void>
}

export interface OpenLabResourcesOptions {
  readonly processHost: ProcessHost
  /** The history database file (defaultHistoryDbPath() unless told otherwise). */
  readonly historyFile: string
  /** Opens the database; default openHistory (tests and Electron's native binding may differ). */
  readonly openHistory?: (file: string) => HistoryDb
  /** Where to report what went wrong (stderr of the host). */
  readonly log: (line: string) => void
}

/**
 * The canonical text of a stored config: the fully defaulted config with sorted keys when it
 * parses (so a sparse and a complete spelling of one experiment hash alike), else stable JSON
 * of what was given (an imported run from a real QEMU may carry fields the lab does not know).
 */
export function historyConfigJson(config: Record<string, unknown>): string {
  const parsed = parseConfig(config)
  return parsed.ok ? canonicalConfigJson(parsed.config) : stableStringify(config)
}

/**
 * The canonical text of a config being imported from a `migration-lab-export` document: it must
 * be a config `run` accepts (the same schema and checks), else its problems are thrown.
 */
export function validatedConfigJson(config: Record<string, unknown>): string {
  const parsed = parseConfig(config)
  if (!parsed.ok) throw new LabFailure(parsed.error)
  return canonicalConfigJson(parsed.config)
}

/** What every host passes to openHistory. */
export const HISTORY_OPTIONS = {
  canonicalConfigJson: historyConfigJson,
  importConfigJson: validatedConfigJson
} as const

export function openLabResources(options: OpenLabResourcesOptions): LabResources {
  const open = options.openHistory ?? ((file) => openHistory(file, HISTORY_OPTIONS))
  let history: HistoryDb | undefined
  let historyError: LabError | undefined
  try {
    history = open(options.historyFile)
    for (const run of history.interruptedAtOpen)
      options.log(
        `migration-lab: run ${run.id} was interrupted when the lab last stopped; what it recorded is kept.`
      )
  } catch (e) {
    historyError = toLabError(e, 'Database')
    options.log(
      `migration-lab: the history database ${options.historyFile} could not be opened, so runs are not recorded: ${historyError.message}`
    )
  }
  let closing: Promise<void> | undefined
  return {
    processHost: options.processHost,
    ...(history ? { history } : {}),
    ...(historyError ? { historyError } : {}),
    close() {
      closing ??= (async () => {
        try {
          await options.processHost.killAll()
        } finally {
          try {
            history?.close()
          } catch (e) {
            options.log(`migration-lab: closing the history database failed: ${toLabError(e).message}`)
          }
        }
      })()
      return closing
    }
  }
}
