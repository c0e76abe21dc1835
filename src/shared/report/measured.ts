/**
 * Measured runs (imported from QEMU's guestperf, src/shared/guestperf.ts) carry the result
 * contract like simulated runs, but guestperf never records some of its fields: the import stores
 * them as 0 and lists them in the run's notes. A report must show those as "not measured", never
 * as 0 — a downtime breakdown of 0 ms would read as a measurement. This module says which fields
 * those are, in one place, for the HTML, the interpretation and the CSV.
 */
import type { RunRecord } from '../history'
import type { MigrationResult } from '../result'

/**
 * Result and per-sync fields guestperf does not record (guestperf.ts stores 0 for each; §13.5
 * lists what its Progress captures). Keys are the contract's own names.
 */
export const NOT_RECORDED_BY_GUESTPERF = {
  /** `lab.downtime-breakdown`: QEMU reports only the total. */
  downtimeBreakdown: true,
  /** `lab.bql`: no tracepoints are read. */
  bql: true,
  /** `lab.verified`: no oracle compared the two memories. */
  verified: true,
  /** `lab.seed`: a real guest has no seed. */
  seed: true,
  /** `ram.pages-per-second`, `precopy-bytes`, `downtime-bytes`, `postcopy-bytes`, `multifd-bytes`. */
  ramFields: [
    'pages-per-second',
    'precopy-bytes',
    'downtime-bytes',
    'postcopy-bytes',
    'multifd-bytes'
  ] as const,
  /** Per-sync `dirty-pages` and `bql-hold-ms`. */
  syncFields: ['dirty-pages', 'bql-hold-ms'] as const
} as const

export type UnrecordedRamField = (typeof NOT_RECORDED_BY_GUESTPERF.ramFields)[number]
export type UnrecordedSyncField = (typeof NOT_RECORDED_BY_GUESTPERF.syncFields)[number]

/** A run measured on a real QEMU rather than simulated by the engine. */
export function isMeasuredRun(record: Pick<RunRecord, 'source'>, result?: MigrationResult | null): boolean {
  return record.source === 'measured' || result?.lab.source === 'measured'
}

/** True when `field` of a per-sync record was not recorded for this run. */
export function isUnrecordedSyncField(measured: boolean, field: string): boolean {
  return measured && (NOT_RECORDED_BY_GUESTPERF.syncFields as readonly string[]).includes(field)
}

/** True when `field` of `ram` was not recorded for this run. */
export function isUnrecordedRamField(measured: boolean, field: string): boolean {
  return measured && (NOT_RECORDED_BY_GUESTPERF.ramFields as readonly string[]).includes(field)
}

/**
 * A measured run whose memories were compared (`migration-lab measure --verify`) has a real
 * `lab.verified`; an imported guestperf report or a measure without --verify does not.
 */
export function measuredRunWasVerified(result: MigrationResult | null | undefined): boolean {
  return result?.lab['mismatched-pages'] !== undefined
}

/** One figure of a measured run beside the simulation of the same experiment. */
export interface PredictedFigure {
  /** The figure's name as the reports show it. */
  readonly name: string
  readonly unit: 'ms' | 'bytes' | 'count'
  readonly measured: number
  readonly simulated: number
  /** simulated / measured − 1; null when the measured value is 0. */
  readonly error: number | null
}

export interface PredictedVsMeasured {
  readonly measuredRunId: number
  readonly simulatedRunId: number
  readonly label: string
  readonly figures: readonly PredictedFigure[]
}

interface PairableRun {
  readonly record: Pick<RunRecord, 'id' | 'label' | 'source'>
  readonly result: MigrationResult | null
}

/**
 * Pairs each measured run with the simulated run of the same experiment among `runs` (the same
 * label, the name `measure` and `run` both give a config; the first such run), and the error of
 * each figure both report (docs/fidelity.md). Downtime and guest pause only when both completed.
 */
export function predictedVsMeasured(runs: readonly PairableRun[]): PredictedVsMeasured[] {
  const pairs: PredictedVsMeasured[] = []
  for (const m of runs) {
    if (!m.result || !isMeasuredRun(m.record, m.result) || m.record.label === '') continue
    const s = runs.find(
      (r) => r.result && !isMeasuredRun(r.record, r.result) && r.record.label === m.record.label
    )
    if (!s?.result) continue
    const figures = measuredFigures(m.result, s.result)
    pairs.push({ measuredRunId: m.record.id, simulatedRunId: s.record.id, label: m.record.label, figures })
  }
  return pairs
}

/**
 * The figures a measured run and a simulation of the same config both report, each with its
 * error (docs/fidelity.md): total time, transferred bytes and dirty syncs always; setup time when
 * QEMU reported one; downtime and guest pause only when both completed.
 */
export function measuredFigures(measured: MigrationResult, simulated: MigrationResult): PredictedFigure[] {
  const figure = (name: string, unit: PredictedFigure['unit'], m: number, s: number): PredictedFigure => ({
    name,
    unit,
    measured: m,
    simulated: s,
    error: m === 0 ? null : s / m - 1
  })
  const a = measured
  const b = simulated
  const figures: PredictedFigure[] = [
    figure('total time', 'ms', a['total-time'], b['total-time']),
    figure('transferred', 'bytes', a.ram.transferred, b.ram.transferred),
    figure('dirty syncs', 'count', a.ram['dirty-sync-count'], b.ram['dirty-sync-count'])
  ]
  if (a['setup-time'] > 0) figures.push(figure('setup time', 'ms', a['setup-time'], b['setup-time']))
  if (a.status === 'completed' && b.status === 'completed')
    figures.push(
      figure('downtime', 'ms', a.downtime ?? 0, b.downtime ?? 0),
      figure('guest pause', 'ms', a.lab['guest-pause-ms'], b.lab['guest-pause-ms'])
    )
  return figures
}
