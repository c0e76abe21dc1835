/**
 * The experiment history as the UI, the web host and the command line see it: what a run and an
 * experiment look like in a list, how lists are filtered, sorted and paged, what a run's detail
 * holds, the per-group statistics of a comparison, and the export document.
 *
 * Pure types plus two pure helpers (statistics, dotted config paths); the database behind them
 * lives in src/main/storage. Times are wall-clock epoch milliseconds (`…Ms`) unless a name says
 * otherwise; migration quantities keep QEMU's units (ms, bytes).
 */
import type { MigrationResult, ProgressSample, RunTelemetry, SyncRecord, TimelineEvent } from './result'
import type { VariedParameter } from './sweep'

// ---------------------------------------------------------------------------------------------
// Runs

/**
 * `running` while a writer records it; `interrupted` when the lab stopped before the run ended
 * (what was recorded is kept). The other three are MigrationResult statuses; a run stopped by the
 * user is `cancelled` like one stopped by the lab policy.
 */
export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted'
export const RUN_STATUSES: readonly RunStatus[] = [
  'running',
  'completed',
  'cancelled',
  'failed',
  'interrupted'
]

/** Simulated by the engine, or measured on a real QEMU (e.g. imported from guestperf). */
export type RunSource = 'simulated' | 'measured'

/**
 * One row per finished run, so that lists and comparisons never scan samples (style.md rule 13).
 * `downtimeMs` and `guestPauseMs` exist only for runs that reached switchover (completed).
 */
export interface RunSummary {
  downtimeMs: number | null
  guestPauseMs: number | null
  totalTimeMs: number
  setupTimeMs: number
  transferredBytes: number
  dirtySyncCount: number
  converged: boolean
  verified: boolean
  expectedDowntimeMs: number
  /** Highest auto-converge throttle seen during the run, %. */
  maxThrottlePercent: number
}

export interface RunRecord {
  id: number
  experimentId: number | null
  /** Name of the experiment the run belongs to (null for a stand-alone run). */
  experimentName: string | null
  label: string
  status: RunStatus
  /** Why it ended that way: the result's reason, the failure, or the interruption. */
  reason: string | null
  source: RunSource
  seed: number
  engineVersion: string
  /** What ran it, e.g. `node on lab-host-1`, `electron on laptop`, `guestperf on qemu-host`. */
  host: string
  /** sha256 (hex) of the canonical config JSON: equal configs have equal hashes. */
  configHash: string
  startedAtMs: number
  endedAtMs: number | null
  tags: string[]
  notes: string
  starred: boolean
  /** Set while the run is in the bin (soft-deleted); lists never show such runs. */
  deletedAtMs: number | null
  /** Null until the run finished with a result. */
  summary: RunSummary | null
}

// ---------------------------------------------------------------------------------------------
// Run lists

export type ConfigFilterOp = '=' | '!=' | '<' | '>' | '<=' | '>='

/**
 * A condition on any config parameter. `path` is dotted (`migration.parameters.downtime-limit`,
 * `guest.workloads.0.pattern` for array items). Stored configs are fully defaulted, so every
 * path of the config schema exists in every run. `null` with `=`/`!=` tests for absence.
 */
export interface ConfigFilter {
  path: string
  op: ConfigFilterOp
  value: string | number | boolean | null
}

export interface RunFilter {
  /** One status or any of several. */
  status?: RunStatus | RunStatus[]
  /** Runs carrying every one of these tags. */
  tags?: string[]
  /** Case-insensitive substring of label, notes, reason, host, tags, experiment or config name. */
  text?: string
  /** Runs of this experiment; `null` for stand-alone runs only. */
  experimentId?: number | null
  source?: RunSource
  starred?: boolean
  /** Started at or after this epoch ms. */
  from?: number
  /** Started before this epoch ms. */
  to?: number
  config?: ConfigFilter[]
}

export type RunSortKey = 'started' | 'downtime' | 'guest-pause' | 'total-time' | 'transferred' | 'syncs'
export type SortDirection = 'asc' | 'desc'

export interface PageRequest {
  /** 1…1000, default 50. */
  limit: number
  offset: number
}

export interface RunListQuery {
  filter?: RunFilter
  /** Default: newest first. Runs without a summary sort after all others, either direction. */
  sort?: { key: RunSortKey; dir: SortDirection }
  page?: PageRequest
}

export interface Page<T> {
  rows: T[]
  /** Matching rows in all pages. */
  total: number
}

// ---------------------------------------------------------------------------------------------
// Experiments

export type ExperimentStatus = 'draft' | 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted'

export interface ExperimentRecord {
  id: number
  name: string
  description: string
  /** The config every run starts from (canonical, fully defaulted). */
  baseConfig: Record<string, unknown>
  /** The 0–2 parameters the experiment varies (see src/shared/sweep.ts). */
  varied: VariedParameter[]
  repetitions: number
  status: ExperimentStatus
  tags: string[]
  notes: string
  starred: boolean
  createdAtMs: number
  updatedAtMs: number
  deletedAtMs: number | null
  /** Runs recorded for it (not in the bin), and how many of them finished with a result. */
  runCount: number
  finishedRunCount: number
}

export interface ExperimentFilter {
  status?: ExperimentStatus | ExperimentStatus[]
  tags?: string[]
  /** Case-insensitive substring of name, description, notes or tags. */
  text?: string
  starred?: boolean
}

export type ExperimentSortKey = 'created' | 'updated' | 'name'

export interface ExperimentListQuery {
  filter?: ExperimentFilter
  sort?: { key: ExperimentSortKey; dir: SortDirection }
  page?: PageRequest
}

// ---------------------------------------------------------------------------------------------
// Run detail

/**
 * A vCPU's guest throughput as (time, value) points. Unlike VcpuThroughputSeries its points need
 * not be evenly spaced, which is what min/max downsampling produces.
 */
export interface ThroughputPoints {
  vcpu: number
  /** Width of one stored bucket, virtual ms. */
  'bucket-ms': number
  /** Start of each kept bucket, virtual ms. */
  'time-ms': number[]
  'mib-per-s': number[]
}

export interface RunDetailOptions {
  /**
   * Downsample progress samples and each throughput series to at most this many points with
   * min/max buckets (a spike is never dropped). Omit for every stored point.
   */
  maxPoints?: number
}

export interface RunDetail {
  run: RunRecord
  config: Record<string, unknown>
  /** The stored canonical text, byte for byte. */
  configJson: string
  /** Null until the run finished (running, interrupted or failed runs). */
  result: MigrationResult | null
  /** One record per dirty sync: the result's, or those streamed so far. */
  iterations: SyncRecord[]
  progress: ProgressSample[]
  throughput: ThroughputPoints[]
  /** Timeline events are state changes, not samples: always all of them. */
  timeline: TimelineEvent[]
  /** Points stored, before any downsampling. */
  storedPoints: { progress: number; throughput: number }
  /** True when progress or throughput was downsampled. */
  downsampled: boolean
}

/** A run that was `running` when its writer went away, now `interrupted`. */
export interface InterruptedRun {
  id: number
  label: string
  experimentId: number | null
  startedAtMs: number
  /** Progress samples that had been recorded and are kept. */
  progressPoints: number
}

// ---------------------------------------------------------------------------------------------
// Summaries (comparisons)

/** Sample statistics of one metric; `null` where undefined (no values, or stddev of one value). */
export interface MetricStats {
  n: number
  mean: number | null
  median: number | null
  min: number | null
  max: number | null
  /** Sample standard deviation (divides by n − 1). */
  stddev: number | null
}

export type SummaryTarget = { runIds: number[] } | { experimentId: number }

export interface SummaryGroup {
  /** The value of the group-by parameter for these runs (null when not grouped). */
  key: string | number | boolean | null
  runIds: number[]
  /** Runs in the group, by status. */
  statusCounts: Partial<Record<RunStatus, number>>
  /** Completed runs only: a run that did not switch over has no downtime. */
  downtimeMs: MetricStats
  guestPauseMs: MetricStats
  /** Every run that finished with a result (completed, cancelled, failed). */
  totalTimeMs: MetricStats
  transferredBytes: MetricStats
}

export interface Summary {
  groupBy: string | null
  /** Ordered by key: numbers ascending, then strings, booleans, null. */
  groups: SummaryGroup[]
}

/** Mean, median, min, max and sample standard deviation of the finite values given. */
export function metricStats(values: readonly number[]): MetricStats {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  const n = finite.length
  if (n === 0) return { n: 0, mean: null, median: null, min: null, max: null, stddev: null }
  let sum = 0
  for (const v of finite) sum += v
  const mean = sum / n
  const middle = Math.floor(n / 2)
  const median = n % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2
  let squares = 0
  for (const v of finite) squares += (v - mean) * (v - mean)
  const stddev = n > 1 ? Math.sqrt(squares / (n - 1)) : null
  return { n, mean, median, min: finite[0], max: finite[n - 1], stddev }
}

// ---------------------------------------------------------------------------------------------
// Dotted config paths

// The one config-path module (src/shared/config/paths.ts).
export { splitConfigPath, valueAtPath } from './config/paths'

// ---------------------------------------------------------------------------------------------
// Export document

export const EXPORT_FORMAT = 'migration-lab-export'
export const EXPORT_VERSION = 1

/**
 * An experiment in an export: its record as the history keeps it, without what belongs to the
 * exporting database (bin time, run counts). `id` is the exporting database's; runs refer to it,
 * and importing assigns new ids.
 */
export interface ExportedExperiment extends Omit<
  ExperimentRecord,
  'deletedAtMs' | 'runCount' | 'finishedRunCount'
> {
  /**
   * Present when the experiment holds only some shards of a sweep (`sweep --shard`): importing
   * the other shards' exports adds their runs to this same experiment (docs/scaling.md).
   */
  shard?: ExperimentShard
}

/** Which shards of a sweep an experiment holds (`sweep --shard K/N`, docs/scaling.md). */
export interface ExperimentShard {
  /** Identifies the sweep: sha256 of its name, base config, varied parameters, repetitions and seeding. */
  sweep: string
  /** How many shards the sweep was split into. */
  count: number
  /** The shards held, 0-based, ascending. */
  indices: number[]
}

/** What an exported run keeps of its record, as RunRecord has it. */
type ExportedRunFields =
  | 'label'
  | 'status'
  | 'reason'
  | 'source'
  | 'seed'
  | 'engineVersion'
  | 'host'
  | 'startedAtMs'
  | 'endedAtMs'
  | 'tags'
  | 'notes'
  | 'starred'

export interface ExportedRun extends Pick<RunRecord, ExportedRunFields> {
  /** Id in the exporting database. Importing assigns new ids. */
  id: number
  /** An `id` of `experiments` in the same document, or null. */
  experimentId: number | null
  config: Record<string, unknown>
  result: MigrationResult | null
  /** Sync records streamed before the run ended (the result repeats them when it exists). */
  iterations: SyncRecord[]
  telemetry: RunTelemetry
}

/**
 * `migration-lab-export` version 1: experiments and runs with everything recorded for them.
 * Importing it into any history gives runs whose export is equal to this one apart from ids
 * and `exportedAtMs`.
 */
export interface ExportDocument {
  format: typeof EXPORT_FORMAT
  version: typeof EXPORT_VERSION
  exportedAtMs: number
  experiments: ExportedExperiment[]
  runs: ExportedRun[]
}

export interface ImportReport {
  /** Old id (in the document) → new id (in this history). */
  experiments: { from: number; to: number }[]
  runs: { from: number; to: number }[]
}

// ---------------------------------------------------------------------------------------------
// Validation messages

/** A JSON path as people read it: `$.runs[3].result.ram.transferred`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let text = '$'
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) text += `.${key}`
    else text += `[${JSON.stringify(String(key))}]`
  }
  return text
}

/** Validation issues (zod's shape) as `path: message` lines, at most `limit` of them. */
export function formatIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  limit = 50
): string[] {
  const lines = issues.slice(0, limit).map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`)
  if (issues.length > limit) lines.push(`… and ${issues.length - limit} more problems`)
  return lines
}
