import { LabFailure, labError } from '../../../shared/errors'
import type { HistoryMethod, ImportOutcome } from '../../../shared/protocol/lab-api-history'
import type { ProcessHost } from '../../process/host'
import type { HistoryDb } from '../../storage'
import type { LabHandler, LabService } from '../service'
import { SweepRunner } from '../sweep-runner'

/**
 * LabApi handlers for the history and for sweeps (contract: src/shared/protocol/lab-api-history.ts).
 * Params arrive validated by the contract's schemas; the history database checks what a schema
 * cannot (that a run exists, that an imported file is well-formed) and its LabFailures travel to
 * the page as data.
 */

/** What the handlers need of the LabService (its deps, its events, its shutdown hooks). */
export interface HistoryHandlerHost {
  readonly deps: {
    /** The history database the host opened (web host, desktop app). */
    readonly history?: HistoryDb
    /** Starts engine processes for the runs of a sweep. */
    readonly processHost?: ProcessHost
    readonly engineVersion?: string
  }
  emit: LabService['emit']
  onShutdown: LabService['onShutdown']
}

export type HistoryHandlers = { [M in HistoryMethod]: LabHandler<M> }

export function historyHandlers(service: HistoryHandlerHost): HistoryHandlers {
  let sweeps: SweepRunner | undefined

  const history = (): HistoryDb => openHistoryOf(service, 'runs cannot be listed or recorded')

  const sweepRunner = (): SweepRunner => {
    if (sweeps) return sweeps
    const db = history()
    const host = service.deps.processHost
    if (!host)
      throw new LabFailure(
        labError('Internal', 'This lab host cannot start engine processes, so it cannot run sweeps.')
      )
    const runner = new SweepRunner({
      history: db,
      host,
      engineVersion: service.deps.engineVersion,
      onProgress: (progress) => service.emit('sweep.progress', progress),
      onFinished: (finished) => service.emit('sweep.finished', finished)
    })
    // No sweep outlives the host: cancel them and let each record its end before the DB closes.
    service.onShutdown(() => runner.cancelAll())
    sweeps = runner
    return runner
  }

  const forTarget = (
    params: { runId?: number; experimentId?: number },
    onRun: (db: HistoryDb, id: number) => void,
    onExperiment: (db: HistoryDb, id: number) => void
  ): null => {
    const db = history()
    if (params.runId !== undefined) onRun(db, params.runId)
    else if (params.experimentId !== undefined) onExperiment(db, params.experimentId)
    return null
  }

  return {
    'history.listRuns': (query) => history().listRuns(query),
    'history.listExperiments': (query) => history().listExperiments(query),
    'history.getExperiment': ({ experimentId }) => history().getExperiment(experimentId),
    'history.getRun': ({ runId, maxPoints }) =>
      history().getRun(runId, maxPoints !== undefined ? { maxPoints } : {}),
    'history.summarize': ({ target, groupBy }) => history().summarize(target, groupBy ?? null),
    'history.setNote': (params) =>
      forTarget(
        params,
        (db, id) => db.setRunNotes(id, params.notes),
        (db, id) => db.setExperimentNotes(id, params.notes)
      ),
    'history.setTags': (params) =>
      forTarget(
        params,
        (db, id) => db.setRunTags(id, params.tags),
        (db, id) => db.setExperimentTags(id, params.tags)
      ),
    'history.setStarred': (params) =>
      forTarget(
        params,
        (db, id) => db.setRunStarred(id, params.starred),
        (db, id) => db.setExperimentStarred(id, params.starred)
      ),
    'history.delete': ({ runIds, experimentIds }) => {
      const db = history()
      let runs = db.deleteRuns(runIds)
      for (const id of experimentIds) {
        runs += db.getExperiment(id).runCount
        db.deleteExperiment(id)
      }
      return { runs, experiments: experimentIds.length }
    },
    'history.restore': ({ runIds, experimentIds }) => {
      const db = history()
      let runs = db.restore(runIds)
      for (const id of experimentIds) {
        db.restoreExperiment(id)
        runs += db.getExperiment(id).runCount
      }
      return { runs, experiments: experimentIds.length }
    },
    'history.export': ({ runIds, experimentId }) => {
      const db = history()
      return experimentId !== undefined ? db.exportExperiment(experimentId) : db.exportRuns(runIds ?? [])
    },
    'history.import': ({ document, fileName }): ImportOutcome =>
      history().importJson(document, fileName !== undefined ? { fileName } : {}),
    'sweeps.start': (params) => sweepRunner().start(params),
    'sweeps.cancel': ({ experimentId }) => {
      history().getExperiment(experimentId) // NotFound for an unknown experiment
      return { cancelled: sweeps?.cancel(experimentId) ?? false }
    },
    'sweeps.active': () => sweeps?.active() ?? []
  }
}

/**
 * The host's history database, or the Database error every history-backed method gives when the
 * host could not open it (the history and report handlers). `consequence` says what the user
 * cannot do then.
 */
export function openHistoryOf(
  service: { readonly deps: { readonly history?: HistoryDb } },
  consequence: string
): HistoryDb {
  const db = service.deps.history
  if (!db || !db.isOpen)
    throw new LabFailure(
      labError(
        'Database',
        `The lab host has no history database open, so ${consequence}. Restart the lab; if this persists, the host log names the database file and why it could not be opened.`
      )
    )
  return db
}
