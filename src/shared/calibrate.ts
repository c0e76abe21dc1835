/**
 * Calibration (`migration-lab calibrate`, docs/fidelity.md "Calibration"): fit the `host` cost
 * model to measured runs. Pure: the search is given an `evaluate` that simulates every measured
 * config with a candidate host model and returns the results, so the engine and the history stay
 * outside (src/main/measure/calibrate.ts supplies them).
 */
import type { LabConfig } from './config/schema'
import { measuredFigures, type PredictedFigure } from './report/measured'
import type { MigrationResult } from './result'

export type HostModel = LabConfig['host']
export type HostField = keyof HostModel

/**
 * The host fields calibration fits, with the range it searches (a plausible range for real hosts,
 * inside the schema's bounds), and the measured figure each one mostly explains:
 * - `dirty-log-start-ms-per-gib`: setup time (memory_global_dirty_log_start);
 * - `sync-ms-per-gib`: total time, through the BQL hold of every dirty bitmap sync;
 * - `stop-ms`: downtime (vm_stop_force_state is inside QEMU's downtime);
 * - `zero-scan-gib-per-s`: total time when the sender, not the link, is the bottleneck;
 * - `dst-load-gib-per-s`: total time and downtime through the destination's load tail.
 * `resume-ms` is left as it is: it shows only in the guest's pause, which a measured run knows to
 * about ±100 ms (docs/measured-runs.md) — too coarse to fit a 30 ms cost.
 */
export const CALIBRATED_FIELDS: readonly {
  readonly field: HostField
  readonly min: number
  readonly max: number
}[] = [
  { field: 'dirty-log-start-ms-per-gib', min: 0.01, max: 1000 },
  { field: 'sync-ms-per-gib', min: 0.01, max: 1000 },
  { field: 'stop-ms', min: 0.1, max: 1000 },
  { field: 'zero-scan-gib-per-s', min: 0.1, max: 1000 },
  { field: 'dst-load-gib-per-s', min: 0.05, max: 1000 }
]

/** Figures the fit weighs: times only; bytes and sync counts do not depend on the host model. */
export const CALIBRATION_FIGURES = ['total time', 'setup time', 'downtime'] as const

/**
 * The loss of one simulation against its measurement: the sum of squared log ratios of the
 * calibrated figures (a 10 % error costs the same at 12 ms as at 15 s). Figures QEMU did not
 * report, or reported as 0, are left out.
 */
export function figureLoss(figures: readonly PredictedFigure[]): number {
  let loss = 0
  for (const f of figures) {
    if (!(CALIBRATION_FIGURES as readonly string[]).includes(f.name)) continue
    if (f.measured <= 0 || f.simulated <= 0) continue
    loss += Math.log(f.simulated / f.measured) ** 2
  }
  return loss
}

export interface CalibrationEvaluation {
  readonly loss: number
  /** Per measured run, its figures beside the simulation with this host model. */
  readonly figures: readonly (readonly PredictedFigure[])[]
}

/** Scores a host model against the measured results, given the simulations it produced. */
export function scoreHostModel(
  measured: readonly MigrationResult[],
  simulated: readonly MigrationResult[]
): CalibrationEvaluation {
  const figures = measured.map((m, i) => measuredFigures(m, simulated[i]!))
  return { loss: figures.reduce((sum, f) => sum + figureLoss(f), 0), figures }
}

export interface FitOptions {
  /** Simulations of every measured config allowed in all (each one is a run per measured run). */
  readonly maxEvaluations?: number
  /** Stop refining when the multiplicative step falls below this. */
  readonly minStep?: number
  readonly onStep?: (done: number, max: number, loss: number) => void
}

export interface HostFit {
  readonly host: HostModel
  readonly before: CalibrationEvaluation
  readonly after: CalibrationEvaluation
  readonly evaluations: number
}

/** Values are rounded to 3 significant digits: the fit is not more precise than that. */
export function roundHostValue(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(3))
}

/**
 * Coordinate descent in log space: for each field in turn, try its value × step and ÷ step
 * (clamped to the field's range) and keep whatever lowers the loss; when a whole pass improves
 * nothing, take the square root of the step (4 → 2 → 1.41 → …) until it is below `minStep` or
 * the evaluations are spent. A field set to 0 ("leave this cost out") stays 0. Deterministic: the
 * engine is, and the order of tries is fixed.
 */
export async function fitHostModel(
  start: HostModel,
  evaluate: (host: HostModel) => Promise<CalibrationEvaluation>,
  opts: FitOptions = {}
): Promise<HostFit> {
  const maxEvaluations = opts.maxEvaluations ?? 120
  const minStep = opts.minStep ?? 1.05
  const before = await evaluate(start)
  let evaluations = 1
  let best = { host: { ...start }, evaluation: before }
  let step = 4
  while (step >= minStep && evaluations < maxEvaluations) {
    let improved = false
    for (const { field, min, max } of CALIBRATED_FIELDS) {
      const current = best.host[field]
      if (current === 0) continue
      for (const factor of [step, 1 / step]) {
        if (evaluations >= maxEvaluations) break
        const value = roundHostValue(Math.min(max, Math.max(min, current * factor)))
        if (value === current) continue
        const host = { ...best.host, [field]: value }
        const evaluation = await evaluate(host)
        evaluations++
        opts.onStep?.(evaluations, maxEvaluations, Math.min(evaluation.loss, best.evaluation.loss))
        if (evaluation.loss < best.evaluation.loss - 1e-12) {
          best = { host, evaluation }
          improved = true
          break
        }
      }
    }
    if (!improved) step = Math.sqrt(step)
  }
  return { host: best.host, before, after: best.evaluation, evaluations }
}
