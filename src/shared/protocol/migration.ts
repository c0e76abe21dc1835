/**
 * The contract of the migration process's control link (style.md rule 6). The supervisor sends
 * `init` with one port per vCPU (in vCPU order), then `run`; while the run goes the migration
 * process streams `telemetry` batches (one per dirty sync or per second of virtual time, never
 * one per page or per window), and `run` resolves with the result (DESIGN.md §4).
 */
import type { LabConfig } from '../config/schema'
import type { MigrationResult, ProgressSample, TimelineEvent, VcpuThroughputSeries } from '../result'
import type { LinkContract } from './rpc'

export interface MigrationInit {
  readonly config: LabConfig
  /** The run's seed (may differ from config.seed when the caller overrides it). */
  readonly seed: number
}

/**
 * A slice of a run's telemetry, in virtual-time order. Appending every batch of a run, in the
 * order received, gives its RunTelemetry (see appendTelemetry in src/shared/engine/telemetry.ts):
 * throughput series of one vCPU continue where the previous batch stopped.
 */
export interface TelemetryBatch {
  /** Virtual ms the migration thread has reached. */
  readonly 'time-ms': number
  readonly progress: readonly ProgressSample[]
  readonly throughput: readonly VcpuThroughputSeries[]
  readonly timeline: readonly TimelineEvent[]
}

export interface MigrationControlContract extends LinkContract {
  readonly requests: {
    /** Sets up the run; the vCPU ports travel with this request, index i = vCPU i. */
    readonly init: { readonly params: MigrationInit; readonly result: null }
    /** Runs the migration to its end and resolves with the result. */
    readonly run: { readonly params: null; readonly result: MigrationResult }
    /**
     * Stops a running migration as migrate_cancel would; `run` then resolves as `cancelled`.
     * With `atVirtualMs` the migration stops when its virtual clock reaches that time (at once
     * when it is already past it): sent before `run`, it makes a deterministic re-run end exactly
     * at the moment a user cancelled on a replay.
     */
    readonly cancel: {
      readonly params: { readonly reason: string; readonly atVirtualMs?: number }
      readonly result: null
    }
    /**
     * After `run` resolved: closes the vCPU links and forgets the run, so the next `init` starts
     * a new one in this same process (a sweep's process pool, src/main/process/engine-pool.ts).
     */
    readonly reset: { readonly params: null; readonly result: null }
  }
  readonly events: {
    readonly telemetry: TelemetryBatch
  }
}
