import { freemem } from 'node:os'
import { parseConfig, type LabConfig } from '../../../shared/config'
import { estimateRunMemory } from '../../../shared/config/resources'
import { downsampleRecords, downsampleXy } from '../../../shared/downsample'
import { appendTelemetry, emptyTelemetry, seriesContinues } from '../../../shared/engine/telemetry'
import { LabFailure, labError, toLabError, type LabError } from '../../../shared/errors'
import type { RunStatus, ThroughputPoints } from '../../../shared/history'
import {
  DEFAULT_RUN_POINTS,
  type RunCancelled,
  type RunSnapshot,
  type RunStarted
} from '../../../shared/protocol/lab-api-runs'
import type { TelemetryBatch } from '../../../shared/protocol/migration'
import type {
  MigrationResult,
  ProgressSample,
  RunTelemetry,
  VcpuThroughputSeries
} from '../../../shared/result'
import { EnginePool } from '../../process/engine-pool'
import type { ProcessHost } from '../../process/host'
import type { HistoryDb } from '../../storage'
import { cancelAndWait } from '../cancel-all'
import { beginRunRecording, withRunSeed, type RecordedRunEngine, type RunRecording } from '../recorded-run'
import { runParsedMigration, type RunMigrationOptions, type RunOutput } from '../run'
import type { LabHandlers, LabService } from '../service'

/**
 * The run path of the LabApi (src/shared/protocol/lab-api-runs.ts): `runs.start`, `runs.cancel`
 * and `runs.get`, and the `run.*` events.
 *
 * A run validates its config before any process starts, is recorded in the history database as
 * it goes by the one RunRecording the command line and sweeps use too (src/main/lab/recorded-run.ts:
 * same label rule, same stored config and hash), and streams its telemetry to the pages merged to at most ~10 events a second
 * (DESIGN.md §1: the supervisor forwards a decimated stream, the engine's pace is not the
 * page's). Without a history database (tests, a host that could not open it) runs are kept in
 * memory, the last few of them, so a page can still reopen them.
 */

/** Pages get at most one `run.telemetry` per run this often… */
export const TELEMETRY_EVENT_INTERVAL_MS = 100
/**
 * …unless the merged batch grows past this many points (a 64-vCPU guest streams 64 throughput
 * values per 100 ms of virtual time, and the engine runs far faster than real time). Bounding an
 * event keeps every WebSocket message far below its size limit and the page's parse time short.
 */
export const MAX_POINTS_PER_EVENT = 20_000
/**
 * Runs one lab host runs at once (defect 9 of issue 13). Beyond it `runs.start` is refused, not
 * queued: a queued run would sit in the page as "starting" with no telling when it begins, while
 * a refusal says at once what to do (wait for a run to end or cancel one). Each run takes one
 * engine thread per vCPU plus one, so a few runs already fill an ordinary machine.
 */
export const MAX_CONCURRENT_RUNS = 4

/** Finished runs kept in memory for `runs.get` when there is no history database. */
const MEMORY_RUNS_KEPT = 16

/** The engine, replaceable in tests that need a crash or a stall on demand. */
export type RunEngine = (config: LabConfig, opts: RunMigrationOptions) => Promise<RunOutput>

export interface RunHandlerOptions {
  /** Default: runParsedMigration (src/main/lab/run.ts): the config was parsed by start. */
  readonly engine?: RunEngine
  /**
   * Memory the machine has for runs, bytes; default what the OS reports available. A new run is
   * checked against it less the estimates of the runs already running (they may still grow).
   */
  readonly availableMemoryBytes?: () => number
  /** Runs at once, default MAX_CONCURRENT_RUNS. */
  readonly maxConcurrentRuns?: number
  /** Timers of the telemetry forwarder (tests). */
  readonly timers?: ForwarderTimers
  /** How long the last runs' engine processes are kept for the next run, ms (RUN_POOL_IDLE_MS). */
  readonly poolIdleMs?: number
}

/**
 * Engine processes this lab host keeps after a run for the next one (EnginePool, as a sweep
 * does): the next run takes them instead of starting a worker per vCPU again, and finds their
 * compiled code warm. A 16-vCPU run started 17 workers, about a second of CPU on 2 cores before
 * its first page (issue 11). Up to 33 (a 32-vCPU guest and its migration process), each stopped
 * after RUN_POOL_IDLE_MS idle and all at shutdown.
 */
export const RUN_POOL_MAX_IDLE = 33
export const RUN_POOL_IDLE_MS = 60_000

type RunHandlers = Pick<LabHandlers, 'runs.start' | 'runs.cancel' | 'runs.get'>

/** Registers the run handlers' shutdown work on `service` and returns the handlers. */
export function runHandlers(service: LabService, options: RunHandlerOptions = {}): RunHandlers {
  const manager = new RunManager(service, options)
  service.onShutdown(async () => {
    await manager.stopAll('the lab host is shutting down')
    await manager.drainPool()
  })
  return {
    'runs.start': (params) => manager.start(params.config, params.seed),
    'runs.cancel': (params) => manager.cancel(params.runId, params.atVirtualMs),
    'runs.get': (params) => manager.get(params.runId, params.maxPoints ?? DEFAULT_RUN_POINTS)
  }
}

interface ActiveRun {
  readonly runId: number
  /** The history's record of the run; absent without a history database. */
  readonly recording: RunRecording | undefined
  /** The config as it runs (with the run's seed). */
  readonly config: LabConfig
  readonly seed: number
  readonly abort: AbortController
  telemetry: RunTelemetry
  /** Settles when the run has ended and is recorded (never rejects). */
  done: Promise<void>
  /** The user cancelled at this virtual time, ms (the moment their page showed). */
  cancelAtMs?: number
}

/** A run this host ran to its end: enough to cut it back to an earlier moment. */
interface EndedRun {
  readonly recording: RunRecording | undefined
  readonly config: LabConfig
  readonly seed: number
  readonly totalTimeMs: number
}

/** Ended runs remembered for a late cancel (a page may replay a run long after it ended). */
const ENDED_RUNS_KEPT = 16

interface MemoryRun {
  readonly runId: number
  readonly config: LabConfig
  readonly seed: number
  readonly status: RunStatus
  readonly result: MigrationResult | null
  readonly error: LabError | null
  readonly telemetry: RunTelemetry
}

class RunManager {
  private readonly active = new Map<number, ActiveRun>()
  /** Runs kept when there is no history database (oldest first). */
  private readonly memory = new Map<number, MemoryRun>()
  private readonly ended = new Map<number, EndedRun>()
  private nextMemoryId = 1
  private readonly engine: RunEngine
  private readonly availableMemoryBytes: () => number
  /** The engine processes kept between runs; made with the first run. */
  private pool: EnginePool | undefined

  constructor(
    private readonly service: LabService,
    private readonly options: RunHandlerOptions
  ) {
    this.engine = options.engine ?? runParsedMigration
    this.availableMemoryBytes = options.availableMemoryBytes ?? defaultAvailableMemoryBytes
  }

  private get history(): HistoryDb | undefined {
    return this.service.deps.history
  }

  private enginePool(host: ProcessHost): EnginePool {
    this.pool ??= new EnginePool(host, {
      maxIdle: RUN_POOL_MAX_IDLE,
      idleTimeoutMs: this.options.poolIdleMs ?? RUN_POOL_IDLE_MS
    })
    return this.pool
  }

  /** Stops the engine processes kept for the next run (at shutdown). */
  async drainPool(): Promise<void> {
    await this.pool?.drain()
  }

  start(input: unknown, seedOverride: number | undefined): RunStarted {
    const host = this.service.deps.processHost
    if (!host)
      throw new LabFailure(
        labError(
          'Internal',
          'This lab host cannot start engine processes (it was started without a process host).'
        )
      )
    const maxRuns = this.options.maxConcurrentRuns ?? MAX_CONCURRENT_RUNS
    if (this.active.size >= maxRuns)
      throw new LabFailure(
        labError(
          'ResourceLimit',
          `${this.active.size} runs are already running on this lab host, at most ${maxRuns} at once. ` +
            'Wait for one to end or cancel one, then start this run again.'
        )
      )
    // The runs already running may grow to their estimates: what they may still take is not free.
    let reservedBytes = 0
    for (const run of this.active.values()) reservedBytes += estimateRunMemory(run.config).totalBytes
    // Validate here, before anything is recorded, so the page gets every problem as the reply.
    const parsed = parseConfig(input, {
      availableMemoryBytes: Math.max(0, this.availableMemoryBytes() - reservedBytes)
    })
    if (!parsed.ok) {
      if (parsed.error.kind !== 'ResourceLimit' || reservedBytes === 0) throw new LabFailure(parsed.error)
      const n = this.active.size
      throw new LabFailure(
        labError(parsed.error.kind, parsed.error.message, [
          ...(parsed.error.details ?? []),
          `${n} run${n === 1 ? '' : 's'} already running on this lab host may use about ` +
            `${(reservedBytes / 2 ** 30).toFixed(2)} GiB of it: wait for one to end or cancel one`
        ])
      )
    }
    const recording = this.history
      ? beginRunRecording(this.history, {
          config: parsed.config,
          ...(seedOverride !== undefined ? { seed: seedOverride } : {}),
          ...(this.service.deps.engineVersion !== undefined
            ? { engineVersion: this.service.deps.engineVersion }
            : {}),
          processHost: host
        })
      : undefined
    const config = recording?.config ?? withRunSeed(parsed.config, seedOverride)
    const runId = recording?.runId ?? this.nextMemoryId++

    const run: ActiveRun = {
      runId,
      recording,
      config,
      seed: config.seed,
      abort: new AbortController(),
      telemetry: emptyTelemetry(),
      done: Promise.resolve()
    }
    this.active.set(runId, run)
    run.done = this.execute(run)
    return { runId }
  }

  private async execute(run: ActiveRun): Promise<void> {
    const { runId } = run
    const forwarder = new TelemetryForwarder(
      (batch) => this.service.emit('run.telemetry', { runId, batch }),
      this.options.timers
    )
    const onTelemetry = (batch: TelemetryBatch): void => {
      appendTelemetry(run.telemetry, batch)
      forwarder.push(batch)
    }
    const host = this.service.deps.processHost!
    const pool = this.enginePool(host)
    const engine: RecordedRunEngine = async (config, opts) => {
      const output = await this.engine(config, { host, pool, ...opts })
      const atMs = run.cancelAtMs
      if (atMs === undefined || output.result['total-time'] <= atMs) return output
      // The engine had run past the moment the user cancelled at: cut the run back to it.
      forwarder.close()
      return { ...(await this.cutAt(run, atMs)), replacesStreamed: true }
    }

    let outcome: { result: MigrationResult } | { error: LabError }
    try {
      // Let the reply to runs.start go out before the first event of the run.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const output = run.recording
        ? await run.recording.perform(engine, { signal: run.abort.signal, onTelemetry })
        : await engine(run.config, { seed: run.seed, signal: run.abort.signal, onTelemetry })
      if (output.replacesStreamed) run.telemetry = output.telemetry
      outcome = { result: output.result }
    } catch (e) {
      // A history that could not keep the run stopped it: that is why it failed.
      outcome = { error: run.recording?.storageError ?? toLabError(e) }
    }
    forwarder.close()
    this.settle(run, outcome)
  }

  /**
   * The run as it was at virtual time `atMs`: the engine is deterministic, so the same config
   * and seed stopped at `atMs` (a cancel set for that virtual time, see
   * src/engine/migration/main.ts) is exactly the run the user watched, cancelled where they
   * pressed Esc — result, oracle and telemetry alike.
   */
  private async cutAt(run: ActiveRun, atMs: number): Promise<RunOutput> {
    const host = this.service.deps.processHost!
    return this.engine(run.config, {
      host,
      pool: this.enginePool(host),
      seed: run.seed,
      stopAtVirtualMs: atMs
    })
  }

  /** An ended run cut back to `atMs` and recorded again as it was then. */
  private async recut(run: ActiveRun, atMs: number): Promise<void> {
    let outcome: { result: MigrationResult } | { error: LabError }
    try {
      const cut = await this.cutAt(run, atMs)
      run.recording?.restate(cut)
      run.telemetry = cut.telemetry
      outcome = { result: cut.result }
    } catch (e) {
      outcome = { error: toLabError(e) }
    }
    this.settle(run, outcome)
  }

  /** A run has ended and is recorded: forget it as active and tell the pages. */
  private settle(run: ActiveRun, outcome: { result: MigrationResult } | { error: LabError }): void {
    const { runId } = run
    this.active.delete(runId)
    if (!this.history) this.remember(run, outcome)
    if ('result' in outcome) {
      this.ended.set(runId, {
        recording: run.recording,
        config: run.config,
        seed: run.seed,
        totalTimeMs: outcome.result['total-time']
      })
      while (this.ended.size > ENDED_RUNS_KEPT) this.ended.delete(this.ended.keys().next().value!)
      this.service.emit('run.finished', { runId, result: outcome.result })
    } else this.service.emit('run.failed', { runId, error: outcome.error })
  }

  private remember(run: ActiveRun, outcome: { result: MigrationResult } | { error: LabError }): void {
    this.memory.set(run.runId, {
      runId: run.runId,
      config: run.config,
      seed: run.seed,
      status:
        'result' in outcome
          ? outcome.result.status
          : outcome.error.kind === 'Cancelled'
            ? 'cancelled'
            : 'failed',
      result: 'result' in outcome ? outcome.result : null,
      error: 'error' in outcome ? outcome.error : null,
      telemetry: run.telemetry
    })
    while (this.memory.size > MEMORY_RUNS_KEPT) {
      const oldest = this.memory.keys().next().value
      if (oldest === undefined) break
      this.memory.delete(oldest)
    }
  }

  cancel(runId: number, atVirtualMs?: number): RunCancelled {
    const run = this.active.get(runId)
    if (run) {
      if (atVirtualMs !== undefined) run.cancelAtMs = Math.min(run.cancelAtMs ?? Infinity, atVirtualMs)
      run.abort.abort()
      return { runId, cancelled: true }
    }
    const ended = this.ended.get(runId)
    if (ended && atVirtualMs !== undefined && ended.totalTimeMs > atVirtualMs) {
      // The engine finished long ago; the page is still replaying it. Cut it back to the moment
      // on screen, as a run again until it is recorded.
      this.ended.delete(runId)
      const again: ActiveRun = {
        runId,
        recording: ended.recording,
        config: ended.config,
        seed: ended.seed,
        abort: new AbortController(),
        telemetry: emptyTelemetry(),
        done: Promise.resolve(),
        cancelAtMs: atVirtualMs
      }
      this.active.set(runId, again)
      again.done = this.recut(again, atVirtualMs)
      return { runId, cancelled: true }
    }
    if (this.knows(runId)) return { runId, cancelled: false }
    throw new LabFailure(labError('NotFound', `There is no run ${runId}.`))
  }

  private knows(runId: number): boolean {
    if (this.memory.has(runId)) return true
    if (!this.history) return false
    try {
      this.history.getRunRecord(runId)
      return true
    } catch {
      return false
    }
  }

  get(runId: number, maxPoints: number): RunSnapshot {
    const run = this.active.get(runId)
    if (run)
      return snapshotFromMemory(
        {
          runId,
          config: run.config,
          seed: run.seed,
          status: 'running',
          result: null,
          error: null,
          telemetry: run.telemetry
        },
        null,
        maxPoints
      )
    const kept = this.memory.get(runId)
    if (kept)
      return snapshotFromMemory(kept, kept.result?.lab.reason ?? kept.error?.message ?? null, maxPoints)
    if (!this.history) throw new LabFailure(labError('NotFound', `There is no run ${runId}.`))
    const detail = this.history.getRun(runId, { maxPoints })
    return {
      runId,
      status: detail.run.status,
      reason: detail.run.reason,
      seed: detail.run.seed,
      config: detail.config,
      result: detail.result,
      error: null,
      progress: detail.progress,
      throughput: detail.throughput,
      timeline: detail.timeline,
      downsampled: detail.downsampled
    }
  }

  /** Cancels every run and waits until each is recorded. */
  async stopAll(reason: string): Promise<void> {
    await cancelAndWait(this.active.values(), (run) => run.done, new Error(reason))
  }
}

const PROGRESS_COLUMNS: readonly ((p: ProgressSample) => number)[] = [
  (p) => p['transferred-bytes'],
  (p) => p['remaining-bytes'],
  (p) => p['dirty-pages-rate'],
  (p) => p['bandwidth-bytes-per-ms'],
  (p) => p['threshold-bytes'],
  (p) => p['expected-downtime-ms'],
  (p) => p['cpu-throttle-percentage']
]

function snapshotFromMemory(run: MemoryRun, reason: string | null, maxPoints: number): RunSnapshot {
  const progress = downsampleRecords(run.telemetry.progress, PROGRESS_COLUMNS, maxPoints)
  let downsampled = progress.length < run.telemetry.progress.length
  const throughput = run.telemetry.throughput.map((series): ThroughputPoints => {
    const values = series['mib-per-s']
    const times = values.map((_, i) => series['start-ms'] + i * series['bucket-ms'])
    const kept = downsampleXy(times, values, maxPoints)
    if (kept.x.length < values.length) downsampled = true
    return { vcpu: series.vcpu, 'bucket-ms': series['bucket-ms'], 'time-ms': kept.x, 'mib-per-s': kept.y }
  })
  return {
    runId: run.runId,
    status: run.status,
    reason,
    seed: run.seed,
    config: run.config,
    result: run.result,
    error: run.error,
    progress,
    throughput,
    timeline: [...run.telemetry.timeline],
    downsampled
  }
}

function defaultAvailableMemoryBytes(): number {
  const measured = (process as { availableMemory?: () => number }).availableMemory?.()
  return typeof measured === 'number' && measured > 0 ? measured : freemem()
}

// ---------------------------------------------------------------------------------------------
// Telemetry forwarding: merge the engine's batches, send at most ~10 a second per run
// ---------------------------------------------------------------------------------------------

export interface ForwarderTimers {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realTimers: ForwarderTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
}

/** Points in a batch: what it costs to send and to draw. */
export function batchPoints(batch: TelemetryBatch): number {
  let points = batch.progress.length + batch.timeline.length
  for (const series of batch.throughput) points += series['mib-per-s'].length
  return points
}

interface MutableBatch {
  'time-ms': number
  progress: ProgressSample[]
  throughput: VcpuThroughputSeries[]
  timeline: TelemetryBatch['timeline'][number][]
}

/**
 * Appends `next` to `into` so that appending the merged batch to a run's telemetry gives exactly
 * what appending both would: series pieces of a vCPU that continue each other are joined.
 */
export function mergeTelemetryBatch(into: MutableBatch, next: TelemetryBatch): void {
  into['time-ms'] = Math.max(into['time-ms'], next['time-ms'])
  for (const p of next.progress) into.progress.push(p)
  for (const e of next.timeline) into.timeline.push(e)
  for (const piece of next.throughput) {
    let last: VcpuThroughputSeries | undefined
    for (let i = into.throughput.length - 1; i >= 0; i--)
      if (into.throughput[i].vcpu === piece.vcpu) {
        last = into.throughput[i]
        break
      }
    if (last && seriesContinues(last, piece)) for (const v of piece['mib-per-s']) last['mib-per-s'].push(v)
    else into.throughput.push({ ...piece, 'mib-per-s': [...piece['mib-per-s']] })
  }
}

/**
 * Sends a run's telemetry to the pages: the first batch at once, then whatever arrived in each
 * following TELEMETRY_EVENT_INTERVAL_MS as one merged batch (sooner when it grows past
 * MAX_POINTS_PER_EVENT). `close()` sends what is left, before the run's last event.
 */
export class TelemetryForwarder {
  private pending: MutableBatch | undefined
  private pendingPoints = 0
  private lastSentAt = -Infinity
  private timer: unknown
  private readonly timers: ForwarderTimers

  constructor(
    private readonly send: (batch: TelemetryBatch) => void,
    timers?: ForwarderTimers,
    private readonly intervalMs = TELEMETRY_EVENT_INTERVAL_MS,
    private readonly maxPoints = MAX_POINTS_PER_EVENT
  ) {
    this.timers = timers ?? realTimers
  }

  push(batch: TelemetryBatch): void {
    if (!this.pending)
      this.pending = { 'time-ms': batch['time-ms'], progress: [], throughput: [], timeline: [] }
    mergeTelemetryBatch(this.pending, batch)
    this.pendingPoints += batchPoints(batch)
    const due = this.lastSentAt + this.intervalMs
    if (this.pendingPoints >= this.maxPoints || this.timers.now() >= due) this.flush()
    else if (this.timer === undefined)
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined
        this.flush()
      }, due - this.timers.now())
  }

  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer)
      this.timer = undefined
    }
    const batch = this.pending
    if (!batch) return
    this.pending = undefined
    this.pendingPoints = 0
    this.lastSentAt = this.timers.now()
    this.send(batch)
  }

  close(): void {
    this.flush()
  }
}
