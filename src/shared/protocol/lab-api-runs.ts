import { z } from 'zod'
import type { LabError } from '../errors'
import type { RunStatus, ThroughputPoints } from '../history'
import type { MigrationResult, ProgressSample, TimelineEvent } from '../result'
import type { TelemetryBatch } from './migration'

/**
 * The run path of the LabApi (spread into lab-api.ts): start a migration, watch its telemetry,
 * cancel it, and reopen it later.
 *
 * A page calls `runs.start` with any config (the host validates it with `parseConfig`: a bad one
 * gives a `Validation` error listing every `path: message`, one too large for the machine a
 * `ResourceLimit` error, and no process starts). The run is recorded in the history database as it
 * goes; its id is the history's run id. While it runs the host pushes `run.telemetry` (the
 * engine's batches merged to at most about 10 events a second per run), then exactly one of
 * `run.finished` (any result: completed, or cancelled by the lab policy or by `runs.cancel`) or
 * `run.failed` (no result: an engine process crashed, the history could not record it, …).
 */

/** Largest point budget a page may ask for when it reopens a run. */
export const MAX_RUN_POINTS = 100_000
/** Default point budget of `runs.get`: plenty for a chart a few thousand pixels wide. */
export const DEFAULT_RUN_POINTS = 4000

const runIdSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER)

export const runMethodSchemas = {
  /** Validates the config, starts the run and returns its id at once (the run goes on). */
  'runs.start': z.strictObject({
    /** A config as a user writes it (every field optional); validated on the host. */
    config: z.unknown(),
    /** Overrides the config's seed. */
    seed: z.int().min(0).max(0xffff_ffff).optional()
  }),
  /**
   * Stops a run like migrate_cancel; it then finishes with status `cancelled`. With
   * `atVirtualMs` (the moment a page shows, which the engine has usually passed long ago) the run
   * ends at that virtual time: it is recorded — and `run.finished` brings its result — as it was
   * then. That works also on a run of this host that has already ended later than that moment
   * (the page is still replaying it): the run is cut back to it.
   */
  'runs.cancel': z.strictObject({ runId: runIdSchema, atVirtualMs: z.number().min(0).optional() }),
  /** A run with its result and its whole telemetry (downsampled to `maxPoints`), live or finished. */
  'runs.get': z.strictObject({
    runId: runIdSchema,
    maxPoints: z.int().min(16).max(MAX_RUN_POINTS).optional()
  })
} as const satisfies Record<string, z.ZodType>

export interface RunStarted {
  readonly runId: number
}

export interface RunCancelled {
  readonly runId: number
  /** False when the run had already ended (before `atVirtualMs`, if given): nothing was cancelled. */
  readonly cancelled: boolean
}

/**
 * A run as a page reopens it: the config it ran, its result (null until it ended with one) and its
 * telemetry. Progress and throughput are downsampled with min/max buckets (never dropping a
 * downtime spike); timeline events are state changes and always all there.
 */
export interface RunSnapshot {
  readonly runId: number
  readonly status: RunStatus
  /** Why it ended that way (the result's reason, the failure), null while running. */
  readonly reason: string | null
  readonly seed: number
  /** The fully defaulted config the run used. */
  readonly config: Record<string, unknown>
  readonly result: MigrationResult | null
  /** The failure, for a run that ended without a result. */
  readonly error: LabError | null
  readonly progress: readonly ProgressSample[]
  readonly throughput: readonly ThroughputPoints[]
  readonly timeline: readonly TimelineEvent[]
  /** True when progress or throughput lost points to downsampling. */
  readonly downsampled: boolean
}

export interface RunMethodResults {
  'runs.start': RunStarted
  'runs.cancel': RunCancelled
  'runs.get': RunSnapshot
}

export interface RunTelemetryEvent {
  readonly runId: number
  readonly batch: TelemetryBatch
}

export interface RunFinishedEvent {
  readonly runId: number
  readonly result: MigrationResult
}

export interface RunFailedEvent {
  readonly runId: number
  readonly error: LabError
}

export interface RunEvents {
  'run.telemetry': RunTelemetryEvent
  'run.finished': RunFinishedEvent
  'run.failed': RunFailedEvent
}
