import { hostname } from 'node:os'
import { canonicalConfigJson, parseConfig, type LabConfig } from '../../shared/config'
import { ENGINE_VERSION } from '../../shared/engine/version'
import { LabFailure, labError, toLabError, type LabError } from '../../shared/errors'
import type { TelemetryBatch } from '../../shared/protocol/migration'
import type { ProcessHost } from '../process/host'
import type { HistoryDb } from '../storage'
import { runMigration, runParsedMigration, type RunMigrationOptions, type RunOutput } from './run'

/**
 * Recording a run in the history — the one place the command line (`run`), the LabApi
 * (`runs.start`) and sweeps keep a run, so that the same run is recorded the same way by all of
 * them (issue 13: they used to disagree on the label and on where a seed override went, so one run
 * had two config hashes):
 *
 * - the stored config is the parsed config with the run's seed in it (a `--seed` override is part
 *   of the config the run ran, so `config_sha256` names what ran, whoever started it);
 * - the label is the one given (a sweep point's label) or else the config's name (none for the
 *   default name `unnamed`);
 * - the host is the process host's flavour on this machine.
 *
 * Issue 4: "a run is written while it runs, not only at its end": the run row exists before any
 * engine process starts (`beginRunRecording`), every telemetry batch is appended as it arrives,
 * and the end — result, cancellation or failure — is recorded before `perform` settles. A history
 * that cannot keep the telemetry stops the run: a result nobody can find again is worthless.
 */

/** One run of the engine on a parsed config (runMigration, or a test's stand-in). */
export type RecordedRunEngine = (
  config: LabConfig,
  opts: { seed: number; signal: AbortSignal; onTelemetry: (batch: TelemetryBatch) => void }
) => Promise<RecordedEngineOutput>

export interface RecordedEngineOutput extends RunOutput {
  /**
   * The output's telemetry replaces what was streamed: the run was cut back to the earlier
   * moment a user cancelled at (src/main/lab/handlers/runs.ts).
   */
  readonly replacesStreamed?: boolean
}

export interface BeginRunRecordingInput {
  /** The parsed config (parseConfig's output). */
  readonly config: LabConfig
  /** Overrides the config's seed. */
  readonly seed?: number
  /** Default: the config's name, or none for `unnamed`. */
  readonly label?: string
  readonly experimentId?: number
  /** Where the engine runs; recorded as the run's host (default: this Node or Electron process). */
  readonly processHost?: Pick<ProcessHost, 'flavor'>
  /** Default: ENGINE_VERSION. */
  readonly engineVersion?: string
}

export interface PerformOptions {
  /** Aborting cancels the run like migrate_cancel. */
  readonly signal?: AbortSignal
  /** Each telemetry batch as it arrives, after it was handed to the history. */
  readonly onTelemetry?: (batch: TelemetryBatch) => void
  /**
   * When `signal` was aborted and the run ended `cancelled`, record it without its result (as a
   * `Cancelled` failure with this message, which `perform` then throws). Sweeps use it: a
   * truncated run would distort a comparison's statistics.
   */
  readonly discardCancelledResult?: string
}

/** The config a run runs and is recorded with: its seed is the run's (a seed override goes in). */
export function withRunSeed(config: LabConfig, seed: number | undefined): LabConfig {
  return seed === undefined || seed === config.seed ? config : { ...config, seed }
}

/** The label a run gets when none is given: its config's name, none for the default name. */
export function defaultRunLabel(config: Pick<LabConfig, 'name'>): string {
  return config.name === 'unnamed' ? '' : config.name
}

/** A run being recorded: created by `beginRunRecording`, ended by `perform`. */
export class RunRecording {
  /** The config as recorded: the parsed config with the run's seed. */
  readonly config: LabConfig
  readonly seed: number
  private storageFailure: LabError | undefined

  private constructor(
    private readonly history: HistoryDb,
    readonly runId: number,
    config: LabConfig
  ) {
    this.config = config
    this.seed = config.seed
  }

  /** @internal use beginRunRecording */
  static begin(history: HistoryDb, input: BeginRunRecordingInput): RunRecording {
    const config = withRunSeed(input.config, input.seed)
    const seed = config.seed
    const runId = history.beginRun({
      config,
      configJson: canonicalConfigJson(config),
      seed,
      engineVersion: input.engineVersion ?? ENGINE_VERSION,
      label: input.label ?? defaultRunLabel(config),
      ...(input.processHost ? { host: `${input.processHost.flavor} on ${hostname()}` } : {}),
      ...(input.experimentId !== undefined ? { experimentId: input.experimentId } : {})
    })
    return new RunRecording(history, runId, config)
  }

  /**
   * Records `output` in place of how this ended run was recorded, its telemetry replacing what
   * was streamed: a run a user cancelled, on its replay, at a moment the engine had passed.
   */
  restate(output: RunOutput): void {
    this.history.finish(this.runId, output.result, output.telemetry)
  }

  /** Why the history could not keep this run's telemetry, when it could not. */
  get storageError(): LabError | undefined {
    return this.storageFailure
  }

  /**
   * Runs `engine` on the recorded config and seed, appending its telemetry, and records how it
   * ended. Resolves with the engine's output once the result is recorded; rejects (after
   * recording the failure, when the history still can) with the engine's failure, or with the
   * storage failure that stopped the run.
   */
  async perform(engine: RecordedRunEngine, opts: PerformOptions = {}): Promise<RecordedEngineOutput> {
    const abort = new AbortController()
    const onOuterAbort = (): void => abort.abort()
    if (opts.signal?.aborted) abort.abort()
    else opts.signal?.addEventListener('abort', onOuterAbort, { once: true })
    const onTelemetry = (batch: TelemetryBatch): void => {
      if (this.storageFailure === undefined) {
        try {
          this.history.append(this.runId, {
            progress: batch.progress,
            throughput: batch.throughput,
            timeline: batch.timeline
          })
        } catch (e) {
          this.storageFailure = toLabError(e, 'Database')
          abort.abort()
        }
      }
      opts.onTelemetry?.(batch)
    }
    try {
      const output = await engine(this.config, { seed: this.seed, signal: abort.signal, onTelemetry })
      if (this.storageFailure) throw new LabFailure(this.storageFailure)
      if (
        opts.discardCancelledResult !== undefined &&
        opts.signal?.aborted &&
        output.result.status === 'cancelled'
      )
        throw new LabFailure(labError('Cancelled', opts.discardCancelledResult))
      try {
        this.history.finish(this.runId, output.result, output.replacesStreamed ? output.telemetry : undefined)
      } catch (e) {
        this.storageFailure = toLabError(e, 'Database')
        throw new LabFailure(this.storageFailure)
      }
      return output
    } catch (e) {
      try {
        this.history.fail(this.runId, e)
      } catch (recordError) {
        // The history is unusable; the caller still learns why the run failed.
        this.storageFailure ??= toLabError(recordError, 'Database')
      }
      throw e
    } finally {
      opts.signal?.removeEventListener('abort', onOuterAbort)
    }
  }
}

/** Records the run row (status `running`) before anything runs; see RunRecording. */
export function beginRunRecording(history: HistoryDb, input: BeginRunRecordingInput): RunRecording {
  return RunRecording.begin(history, input)
}

export interface RecordedRunOptions extends RunMigrationOptions {
  /** Where to keep the run; without it the run is not recorded (`--no-db`). */
  readonly history?: HistoryDb
  readonly experimentId?: number
  readonly label?: string
  /** Called once the run has its row in the history, before the engine starts. */
  readonly onRunId?: (runId: number) => void
}

export interface RecordedRunOutput extends RunOutput {
  /** The run's id in the history, when it was recorded. */
  readonly runId?: number
}

/**
 * Validates, runs one migration on `opts.host` and records it (the command line's `run`). A
 * config that does not validate is refused before anything is recorded.
 */
export async function runAndRecord(input: unknown, opts: RecordedRunOptions): Promise<RecordedRunOutput> {
  const { history } = opts
  if (!history) return runMigration(input, opts)
  // Validate before recording: a bad config is bad input, not a failed run. The memory check
  // runs in runParsedMigration, which reports it before any process starts (and fails the run here).
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new LabFailure(parsed.error)
  const recording = beginRunRecording(history, {
    config: parsed.config,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    ...(opts.experimentId !== undefined ? { experimentId: opts.experimentId } : {}),
    processHost: opts.host
  })
  opts.onRunId?.(recording.runId)
  const output = await recording.perform((config, run) => runParsedMigration(config, { ...opts, ...run }), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onTelemetry ? { onTelemetry: opts.onTelemetry } : {})
  })
  return { ...output, runId: recording.runId }
}
