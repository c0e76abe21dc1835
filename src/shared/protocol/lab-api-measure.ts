import { z } from 'zod'
import type { HostModel } from '../calibrate'
import type { LabError } from '../errors'
import type { PredictedFigure } from '../report/measured'
import type { MigrationResult } from '../result'
import type { TelemetryBatch } from './migration'

/**
 * The measured-run path of the LabApi (spread into lab-api.ts; docs/measured-runs.md): ask whether
 * this host can measure, measure a config on a real QEMU, cancel it, and fit the host cost model
 * to measured runs (calibrate) and keep the fit as a host preset.
 *
 * A measurement has its own id (`measurementId`), not a history run id: the run is recorded in
 * the history when it ends, exactly as `migration-lab measure` records it, and `measure.finished`
 * says under which run id. While it goes the host pushes `measure.progress` (the lines the command
 * line prints: the guest build, the boot, each migration state), `measure.telemetry` (one
 * query-migrate snapshot every 100 ms, in the shape of a simulated run's `run.telemetry`), then
 * exactly one of `measure.finished` (QEMU's migration ended: completed, failed, or cancelled by the
 * policy or by `measure.cancel`) or `measure.failed` (no result: no QEMU, QEMU died, a port in use,
 * cancelled before the migration began).
 */

const runIdSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER)
const measurementIdSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER)

/** Most measured runs one calibration fits at once (each is simulated once per candidate). */
export const MAX_CALIBRATION_RUNS = 16
/** Simulations per measured run a page may ask calibration for (the command line's default: 120). */
export const MAX_CALIBRATION_EVALUATIONS = 400

export const measureMethodSchemas = {
  /** Whether this host can measure: QEMU, its version, KVM or TCG, the guest image. */
  'measure.support': z.strictObject({}),
  /** Validates the config, starts a measured run and returns at once (the run goes on). */
  'measure.start': z.strictObject({
    /** A config as a user writes it; validated on the host, and checked against the lab's guest. */
    config: z.unknown(),
    /** Compare both guests' RAM page by page after completion (`--verify`). */
    verify: z.boolean().optional(),
    /** Default: KVM when /dev/kvm is usable and the guest boots under it, else TCG. */
    accel: z.enum(['kvm', 'tcg']).optional()
  }),
  /**
   * The measurement running on this lab host, if any, with what it has streamed so far: a page
   * that was reloaded (or opened later) shows it and can cancel it.
   */
  'measure.active': z.strictObject({}),
  /** migrate_cancel on a running measurement; it then finishes as cancelled (both QEMUs stopped). */
  'measure.cancel': z.strictObject({ measurementId: measurementIdSchema }),
  /** Fits the host cost model to measured runs of the history (`migration-lab calibrate`). */
  'measure.calibrate': z.strictObject({
    runIds: z.array(runIdSchema).min(1).max(MAX_CALIBRATION_RUNS),
    maxEvaluations: z.int().min(1).max(MAX_CALIBRATION_EVALUATIONS).optional()
  }),
  /** Host presets saved from calibrations (Configure's host presets). */
  'hostPresets.list': z.strictObject({}),
  /** Saves a host cost model as a preset under `name` (a preset of that name is replaced). */
  'hostPresets.save': z.strictObject({
    name: z.string().trim().min(1).max(120),
    /** A config's `host` section; validated on the host with parseConfig. */
    host: z.unknown()
  })
} as const satisfies Record<string, z.ZodType>

export interface MeasureSupport {
  /** True when a measured run can start (a QEMU is there; the guest is cached or can be built). */
  readonly available: boolean
  /** Why it cannot, each saying what to install or set (the command line's own messages). */
  readonly problems: readonly string[]
  /** What can run but deserves a word (QEMU before 9 loses dirty pages under TCG). */
  readonly warnings: readonly string[]
  /** The QEMU a run would start, or null when none was found. */
  readonly qemu: { readonly path: string; readonly version: string } | null
  /** /dev/kvm opens read-write for the lab host's user. */
  readonly kvm: boolean
  /** What a run without `accel` tries first (it falls back to TCG when the guest does not boot). */
  readonly accel: 'kvm' | 'tcg'
  readonly guest: {
    readonly dir: string
    /** Built and current: the run starts without building. */
    readonly cached: boolean
    /** What building it lacks (empty: it builds on the first run, with a progress line). */
    readonly missing: readonly string[]
  }
}

export interface MeasureStarted {
  readonly measurementId: number
  readonly qemuVersion: string
  /** The accelerator it tries first; the result's `lab.accel` says which it used. */
  readonly accel: 'kvm' | 'tcg'
  readonly verify: boolean
}

/** A running measurement as a page picks it up (`measure.active`). */
export interface ActiveMeasurement extends MeasureStarted {
  /** The fully defaulted config it measures. */
  readonly config: Record<string, unknown>
  /** The latest progress line, null before the first. */
  readonly line: string | null
  /** Everything `measure.telemetry` has carried so far, as one batch. */
  readonly telemetry: TelemetryBatch
}

export interface MeasureCancelled {
  readonly measurementId: number
  /** False when it had already ended: nothing was cancelled. */
  readonly cancelled: boolean
}

/** One measured run's figures beside its simulation before and after the fit. */
export interface CalibratedRun {
  readonly runId: number
  readonly label: string
  readonly before: readonly PredictedFigure[]
  readonly after: readonly PredictedFigure[]
}

export interface CalibrationOutcome {
  /** The host model the runs were simulated with (the first run's). */
  readonly start: HostModel
  /** The fitted host model. */
  readonly host: HostModel
  readonly evaluations: number
  /** Sum of squared log errors of the fitted figures (src/shared/calibrate.ts figureLoss). */
  readonly loss: { readonly before: number; readonly after: number }
  readonly runs: readonly CalibratedRun[]
}

export interface HostPreset {
  readonly name: string
  readonly host: HostModel
  readonly savedAtMs: number
}

export interface MeasureMethodResults {
  'measure.support': MeasureSupport
  'measure.start': MeasureStarted
  'measure.active': { readonly measurement: ActiveMeasurement | null }
  'measure.cancel': MeasureCancelled
  'measure.calibrate': CalibrationOutcome
  'hostPresets.list': { readonly presets: readonly HostPreset[] }
  'hostPresets.save': HostPreset
}

export interface MeasureProgressEvent {
  readonly measurementId: number
  readonly line: string
}

export interface MeasureTelemetryEvent {
  readonly measurementId: number
  readonly batch: TelemetryBatch
}

export interface MeasureFinishedEvent {
  readonly measurementId: number
  /** The history's run id of the recorded run; null when the host keeps no history. */
  readonly runId: number | null
  readonly result: MigrationResult
}

export interface MeasureFailedEvent {
  readonly measurementId: number
  readonly error: LabError
}

export interface MeasureEvents {
  'measure.progress': MeasureProgressEvent
  'measure.telemetry': MeasureTelemetryEvent
  'measure.finished': MeasureFinishedEvent
  'measure.failed': MeasureFailedEvent
}
