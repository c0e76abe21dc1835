import { runInThread } from '../../engine/migration/in-thread'
import {
  fitHostModel,
  scoreHostModel,
  type FitOptions,
  type HostFit,
  type HostModel
} from '../../shared/calibrate'
import { parseConfig, type LabConfig } from '../../shared/config'
import { LabFailure, labError } from '../../shared/errors'
import type { MigrationResult } from '../../shared/result'
import type { HistoryDb } from '../storage'

/** A measured run as calibration needs it: its config and what QEMU reported. */
export interface MeasuredForCalibration {
  readonly runId: number
  readonly label: string
  readonly config: LabConfig
  readonly result: MigrationResult
}

/**
 * Reads measured runs from the history for `calibrate`, refusing (Validation, exit 2) what cannot
 * be fitted: an unknown id (NotFound names it), a simulated run, a run without a result, or one
 * whose stored config this engine no longer accepts.
 */
export function loadMeasuredRuns(history: HistoryDb, runIds: readonly number[]): MeasuredForCalibration[] {
  if (runIds.length === 0)
    throw new LabFailure(labError('Validation', 'RUN_ID: give at least one measured run'))
  return runIds.map((id) => {
    const detail = history.getRun(id)
    if (detail.run.source !== 'measured' || detail.result?.lab.source !== 'measured')
      throw new LabFailure(
        labError(
          'Validation',
          `run ${id}: is a simulation; calibrate fits the host model to measured runs (migration-lab measure)`
        )
      )
    if (!detail.result)
      throw new LabFailure(labError('Validation', `run ${id}: has no result (${detail.run.status})`))
    const parsed = parseConfig(detail.config)
    if (!parsed.ok)
      throw new LabFailure(
        labError('Validation', `run ${id}: its config is not valid: ${parsed.error.message}`)
      )
    return { runId: id, label: detail.run.label, config: parsed.config, result: detail.result }
  })
}

/** Simulates one config to its result (the engine, however the caller runs it). */
export type Simulate = (config: LabConfig) => Promise<MigrationResult>

/** The engine in this thread: the command line's `calibrate` (nothing else waits on it). */
const simulateInThread: Simulate = async (config) => (await runInThread(config)).result

/**
 * Fits the host cost model to the measured runs (src/shared/calibrate.ts fitHostModel), simulating
 * each run's own config and seed with every candidate host model (the same engine and results as
 * `run`): in this thread by default, or with `simulate` (a lab host runs the engine in its own
 * processes, so its pages are still served while it fits). Starts from the first run's host
 * model; the runs must share one (they describe one host).
 */
export async function calibrateHost(
  runs: readonly MeasuredForCalibration[],
  opts: FitOptions = {},
  simulate: Simulate = simulateInThread
): Promise<HostFit> {
  const start = runs[0]!.config.host
  const startText = JSON.stringify(start)
  for (const r of runs)
    if (JSON.stringify(r.config.host) !== startText)
      throw new LabFailure(
        labError(
          'Validation',
          `run ${r.runId}: its host model differs from run ${runs[0]!.runId}'s; calibrate runs of one host model at a time`
        )
      )
  const measured = runs.map((r) => r.result)
  const evaluate = async (host: HostModel) => {
    const simulated: MigrationResult[] = []
    for (const r of runs) simulated.push(await simulate({ ...r.config, host }))
    return scoreHostModel(measured, simulated)
  }
  return fitHostModel(start, evaluate, opts)
}
