import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { canonicalConfigJson, parseConfig, type LabConfig } from '../../shared/config'
import { ENGINE_VERSION } from '../../shared/engine/version'
import { LabFailure, labError, listedProblems, toLabError, type LabError } from '../../shared/errors'
import { setValueAtPath, splitConfigPath } from '../../shared/config/paths'
import type { ExperimentShard } from '../../shared/history'
import { stableStringify } from '../../shared/stable-json'
import type { SweepFinished, SweepProgress, SweepStarted } from '../../shared/protocol/lab-api-history'
import {
  expandSweep,
  shardRange,
  type SeedPolicy,
  type SweepRun,
  type SweepShard,
  type VariedParameter
} from '../../shared/sweep'
import type { ProcessHost } from '../process/host'
import type { HistoryDb } from '../storage'
import { EnginePool } from '../process/engine-pool'
import { cancelAndWait } from './cancel-all'
import { beginRunRecording, type RecordedRunEngine, type RunRecording } from './recorded-run'
import { runParsedMigration } from './run'

/**
 * Sweeps: an experiment that varies one or two config parameters over a base config, with
 * repetitions (like guestperf's comparisons, docs/qemu-rules.md §13.7, but repeated,
 * which guestperf never does, §13.10).
 *
 * - `runSweep` performs the runs of an experiment already recorded, with bounded parallelism,
 *   recording each run in the history as it goes (the API test/storage/sweep-runner.test.ts uses).
 * - `planSweep` validates a whole sweep before anything is recorded.
 * - `SweepRunner` is what the LabApi drives: plan, create the experiment, run in the background,
 *   report progress, cancel.
 *
 * Cancelling stops the sweep: runs already finished are kept; runs in flight are recorded as
 * `cancelled` without a result (a truncated run would distort the comparison's statistics); runs
 * not started are never created.
 */

/** One run of the engine on a planned (parsed) config. Default: runParsedMigration on the given ProcessHost. */
export type RunEngine = RecordedRunEngine

/** A sweep's run with its config validated (planSweep's output). */
export type PlannedSweepRun = Omit<SweepRun, 'config'> & { readonly config: LabConfig }

/** A run to perform: what planSweep produces (config, seed, label, index). */
export type SweepRunPlan = Pick<PlannedSweepRun, 'index' | 'config' | 'seed' | 'label'>

export interface SweepRunProgress {
  /** `started`: run `runIndex` was recorded and handed to the engine; `finished`: it ended. */
  readonly event: 'started' | 'finished'
  readonly runIndex: number
  readonly runId: number
  readonly total: number
  /** Runs that ended so far (completed, failed or cancelled). */
  readonly done: number
  readonly running: number
  readonly completed: number
  readonly failed: number
  readonly cancelled: number
}

export interface RunSweepOptions {
  readonly history: HistoryDb
  /** Where engine processes start; required unless `runEngine` is given. */
  readonly host?: ProcessHost
  readonly runEngine?: RunEngine
  /** The experiment the runs belong to (already created). */
  readonly experimentId: number
  readonly runs: readonly SweepRunPlan[]
  /** Runs at the same time; default: the number of cores. */
  readonly parallelism?: number
  readonly signal?: AbortSignal
  readonly engineVersion?: string
  readonly onProgress?: (progress: SweepRunProgress) => void
}

export interface SweepSummary {
  readonly status: SweepFinished['status']
  /** Runs that ended with a result (including those the lab policy cancelled). */
  readonly completed: number
  /** Runs that ended without a result because the engine failed. */
  readonly failed: number
  /** Runs stopped by the cancel. */
  readonly cancelled: number
  readonly notStarted: number
  /** Ids of the runs recorded, in sweep order. */
  readonly runIds: number[]
  /** Why the sweep stopped early, when the history could not record a run. */
  readonly error?: LabError
}

/**
 * Performs the runs of a recorded experiment, at most `parallelism` at a time, and sets the
 * experiment's status (`running`, then `completed`, `cancelled` or `failed`). Never rejects for a
 * run's failure: a failing run is recorded as `failed` and the sweep goes on. It stops early only
 * when cancelled or when the history cannot record a run (then `error` says why).
 */
export async function runSweep(options: RunSweepOptions): Promise<SweepSummary> {
  const { history, experimentId, runs, signal } = options
  const engineVersion = options.engineVersion ?? ENGINE_VERSION
  const parallelism = Math.max(1, Math.min(options.parallelism ?? availableParallelism(), runs.length || 1))
  const pooled = options.runEngine ? undefined : engineOn(options.host, runs, parallelism)
  const engine = options.runEngine ?? (pooled as NonNullable<typeof pooled>).engine
  // The sweep's own controller: a cancel from outside or a history failure both stop it.
  const stop = new AbortController()
  const onOuterAbort = (): void => stop.abort()
  if (signal?.aborted) stop.abort()
  else signal?.addEventListener('abort', onOuterAbort, { once: true })

  const counts = { done: 0, running: 0, completed: 0, failed: 0, cancelled: 0 }
  const runIdsByIndex = new Map<number, number>()
  let error: LabError | undefined
  const stopWithError = (e: unknown): void => {
    error ??= toLabError(e)
    stop.abort()
  }
  const report = (event: SweepRunProgress['event'], runIndex: number, runId: number): void =>
    options.onProgress?.({ event, runIndex, runId, total: runs.length, ...counts })

  history.setExperimentStatus(experimentId, 'running')

  const perform = async (plan: SweepRunPlan, position: number): Promise<void> => {
    let recording: RunRecording
    try {
      recording = beginRunRecording(history, {
        config: plan.config,
        seed: plan.seed,
        label: plan.label,
        experimentId,
        engineVersion,
        ...(options.host ? { processHost: options.host } : {})
      })
    } catch (e) {
      // The history cannot record runs (disk full, file gone): running more would lose them.
      stopWithError(e)
      return
    }
    const runId = recording.runId
    runIdsByIndex.set(position, runId)
    counts.running++
    report('started', plan.index, runId)
    let outcome: 'completed' | 'failed' | 'cancelled'
    try {
      await recording.perform(
        (config, opts) => {
          if (stop.signal.aborted)
            throw new LabFailure(labError('Cancelled', 'The sweep was cancelled before this run started.'))
          return engine(config, opts)
        },
        { signal: stop.signal, discardCancelledResult: 'The sweep was cancelled before this run finished.' }
      )
      outcome = 'completed'
    } catch (e) {
      outcome = toLabError(e).kind === 'Cancelled' ? 'cancelled' : 'failed'
    }
    // A history that could not keep this run's telemetry or end stops the sweep.
    if (recording.storageError) stopWithError(recording.storageError)
    counts.running--
    counts.done++
    counts[outcome]++
    report('finished', plan.index, runId)
  }

  let next = 0
  const lane = async (): Promise<void> => {
    while (!stop.signal.aborted && next < runs.length) {
      const position = next++
      await perform(runs[position], position)
    }
  }
  try {
    await Promise.all(Array.from({ length: parallelism }, lane))
  } finally {
    signal?.removeEventListener('abort', onOuterAbort)
    await pooled?.close()
  }

  const status: SweepSummary['status'] = error
    ? 'failed'
    : stop.signal.aborted
      ? 'cancelled'
      : counts.done > 0 && counts.failed === counts.done
        ? 'failed'
        : 'completed'
  try {
    history.setExperimentStatus(experimentId, status)
  } catch (e) {
    error ??= toLabError(e)
  }
  return {
    status,
    completed: counts.completed,
    failed: counts.failed,
    cancelled: counts.cancelled,
    notStarted: runs.length - counts.done,
    runIds: [...runIdsByIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, id]) => id),
    ...(error ? { error } : {})
  }
}

/**
 * runParsedMigration on `host`, with engine processes kept across the sweep's runs (EnginePool): as many
 * idle children as `parallelism` runs of the largest guest in the sweep need, so each lane finds
 * its processes ready; the pool is drained when the sweep ends.
 */
function engineOn(
  host: ProcessHost | undefined,
  runs: readonly SweepRunPlan[],
  parallelism: number
): { engine: RunEngine; close: () => Promise<void> } {
  if (!host) throw new LabFailure(labError('Internal', 'runSweep needs a ProcessHost (host) or a runEngine.'))
  const vcpus = Math.max(1, ...runs.map((r) => guestVcpus(r.config)))
  const pool = new EnginePool(host, { maxIdle: parallelism * (vcpus + 1) })
  return {
    engine: (config, opts) => runParsedMigration(config, { host, pool, ...opts }),
    close: () => pool.drain()
  }
}

/** The vCPU count a planned run asks for (a hand-made plan may break its type; default 1). */
function guestVcpus(config: LabConfig): number {
  const vcpus: unknown = config.guest?.vcpus
  return typeof vcpus === 'number' && Number.isInteger(vcpus) && vcpus > 0 && vcpus <= 1024 ? vcpus : 1
}

/**
 * The shard mark of a sharded sweep's experiment. The sweep is identified by what defines its
 * runs (name, base config, varied parameters, repetitions, seeding), so every shard of one
 * `sweep` command line computes the same id and `import` puts their runs in one experiment.
 */
function experimentShard(request: SweepRequest, base: LabConfig, shard: SweepShard): ExperimentShard {
  const definition = stableStringify({
    name: request.name,
    baseConfig: canonicalConfigJson(base),
    varied: request.vary,
    repetitions: request.repeat,
    seeding: request.seeding ?? null
  })
  return {
    sweep: createHash('sha256').update(definition).digest('hex'),
    count: shard.count,
    indices: [shard.index]
  }
}

// ---------------------------------------------------------------------------------------------
// Planning

export interface SweepRequest {
  readonly name: string
  readonly description?: string
  readonly baseConfig: Record<string, unknown>
  readonly vary: readonly VariedParameter[]
  readonly repeat: number
  readonly parallel?: number
  readonly seeding?: SeedPolicy
  readonly tags?: readonly string[]
  /** Run only this share of the sweep's runs (`sweep --shard K/N`, docs/scaling.md). */
  readonly shard?: SweepShard
}

/**
 * Expands and validates a sweep: the base config, the varied paths, and every run's config.
 * Values are set on the config as the user wrote it (not on the defaulted one) before each run is
 * parsed, so that defaults derived from a varied field follow it: varying guest.memory-mib keeps
 * the default working set "all the non-zero memory" at every point instead of freezing the base's.
 * Throws a `Validation` LabFailure listing the problems as `path: message`.
 */
export function planSweep(request: SweepRequest): { base: LabConfig; runs: PlannedSweepRun[] } {
  const parsedBase = parseConfig(request.baseConfig)
  if (!parsedBase.ok)
    throw new LabFailure(
      labError(
        'Validation',
        `The sweep's base config is not valid: ${parsedBase.error.message}`,
        limitProblems((parsedBase.error.details ?? []).map((d) => `baseConfig.${d}`))
      )
    )
  const base = parsedBase.config
  const expansion = expandSweep({
    base: base,
    varied: request.vary,
    repetitions: request.repeat,
    seeding: request.seeding
  })
  if (!expansion.ok)
    throw new LabFailure(
      labError(
        'Validation',
        expansion.error.message,
        limitProblems((expansion.error.details ?? []).map((d) => d.replace(/^varied/, 'vary')))
      )
    )

  const problems: string[] = []
  const runs: PlannedSweepRun[] = []
  for (const run of expansion.runs) {
    const input = structuredClone(request.baseConfig)
    for (const [path, value] of Object.entries(run.varied))
      setValueAtPath(input, splitConfigPath(path) ?? [], value)
    // Varying the seed itself wins over the sweep's seeding policy.
    const seed = typeof run.varied.seed === 'number' ? run.varied.seed : run.seed
    input.seed = seed
    const parsed = parseConfig(input)
    if (!parsed.ok) {
      for (const detail of parsed.error.details ?? [parsed.error.message])
        problems.push(`run "${run.label}": ${detail}`)
      continue
    }
    runs.push({ ...run, seed, config: parsed.config })
  }
  if (problems.length > 0)
    throw new LabFailure(
      labError('Validation', 'Some runs of the sweep would have an invalid config', limitProblems(problems))
    )
  return { base, runs }
}

/** Each problem once (many runs of a sweep share one), the first few listed (listedProblems). */
function limitProblems(problems: readonly string[]): readonly string[] {
  return listedProblems([...new Set(problems)])
}

// ---------------------------------------------------------------------------------------------
// The LabApi's sweeps: background runs with progress events

export interface SweepRunnerOptions {
  readonly history: HistoryDb
  readonly host?: ProcessHost
  readonly runEngine?: RunEngine
  readonly engineVersion?: string
  /** Runs at the same time when a sweep does not say; default: the number of cores. */
  readonly defaultParallelism?: number
  readonly onProgress?: (progress: SweepProgress) => void
  readonly onFinished?: (finished: SweepFinished) => void
}

interface ActiveSweep {
  readonly experimentId: number
  readonly name: string
  readonly total: number
  readonly abort: AbortController
  progress: SweepProgress
  finished: Promise<void>
}

export class SweepRunner {
  private readonly sweeps = new Map<number, ActiveSweep>()

  constructor(private readonly options: SweepRunnerOptions) {}

  /**
   * Validates the sweep, records its experiment and starts its runs in the background. Throws a
   * `Validation` LabFailure (nothing recorded) when the sweep or any run's config is invalid.
   */
  start(request: SweepRequest): SweepStarted {
    const { base, runs: allRuns } = planSweep(request)
    const shard = request.shard && request.shard.count > 1 ? request.shard : undefined
    const { start, end } = shard ? shardRange(allRuns.length, shard) : { start: 0, end: allRuns.length }
    const runs = allRuns.slice(start, end)
    const parallel = Math.max(
      1,
      Math.min(request.parallel ?? this.options.defaultParallelism ?? availableParallelism(), runs.length)
    )
    const history = this.options.history
    const experimentId = history.createExperiment({
      name: request.name,
      description: request.description,
      baseConfig: base,
      baseConfigJson: canonicalConfigJson(base),
      varied: request.vary,
      repetitions: request.repeat,
      tags: request.tags,
      ...(shard ? { shard: experimentShard(request, base, shard) } : {})
    })
    const sweep: ActiveSweep = {
      experimentId,
      name: request.name,
      total: runs.length,
      abort: new AbortController(),
      progress: { experimentId, name: request.name, done: 0, total: runs.length, failed: 0, running: 0 },
      finished: Promise.resolve()
    }
    this.sweeps.set(experimentId, sweep)
    this.options.onProgress?.(sweep.progress)
    sweep.finished = this.execute(sweep, runs, parallel)
    return { experimentId, total: runs.length, parallel }
  }

  /** Stops a sweep; false when it is not running (finished already, or unknown). */
  cancel(experimentId: number): boolean {
    const sweep = this.sweeps.get(experimentId)
    if (!sweep || sweep.abort.signal.aborted) return false
    sweep.abort.abort()
    return true
  }

  /** Sweeps in progress. */
  active(): SweepProgress[] {
    return [...this.sweeps.values()].map((sweep) => sweep.progress)
  }

  /** Resolves when the sweep has ended (at once for one that is not running). */
  async whenFinished(experimentId: number): Promise<void> {
    await this.sweeps.get(experimentId)?.finished
  }

  /** Cancels every sweep and waits until each has recorded its end (host shutdown). */
  async cancelAll(): Promise<void> {
    await cancelAndWait(this.sweeps.values(), (sweep) => sweep.finished)
  }

  private async execute(
    sweep: ActiveSweep,
    runs: readonly PlannedSweepRun[],
    parallel: number
  ): Promise<void> {
    let summary: SweepSummary
    try {
      summary = await runSweep({
        history: this.options.history,
        host: this.options.host,
        runEngine: this.options.runEngine,
        engineVersion: this.options.engineVersion,
        experimentId: sweep.experimentId,
        runs,
        parallelism: parallel,
        signal: sweep.abort.signal,
        onProgress: (p) => {
          sweep.progress = {
            experimentId: sweep.experimentId,
            name: sweep.name,
            done: p.done,
            total: p.total,
            failed: p.failed,
            running: p.running,
            lastRunId: p.runId
          }
          if (p.event === 'finished') this.options.onProgress?.(sweep.progress)
        }
      })
    } catch (e) {
      summary = {
        status: 'failed',
        completed: 0,
        failed: 0,
        cancelled: 0,
        notStarted: sweep.total - sweep.progress.done,
        runIds: [],
        error: toLabError(e)
      }
    }
    this.sweeps.delete(sweep.experimentId)
    this.options.onFinished?.({
      ...sweep.progress,
      running: 0,
      status: summary.status,
      ...(summary.error ? { error: summary.error } : {})
    })
  }
}
