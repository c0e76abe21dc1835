import { hostname } from 'node:os'
import { canonicalConfigJson, parseConfig } from '../../shared/config'
import { ENGINE_VERSION } from '../../shared/engine/version'
import { LabFailure } from '../../shared/errors'
import type { TelemetryBatch } from '../../shared/protocol/migration'
import type { HistoryDb } from '../storage'
import { runMigration, type RunMigrationOptions, type RunOutput } from './run'

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
 * Runs one migration and keeps it in the history while it runs (issue 4: "a run is written while
 * it runs, not only at its end"): the run row exists before any engine process starts, every
 * telemetry batch is appended as it arrives, and the end — result, cancellation or failure — is
 * recorded before this resolves or rejects. A config that does not validate is refused before
 * anything is recorded. The one place the command line, the LabApi and sweeps record a run.
 */
export async function runAndRecord(input: unknown, opts: RecordedRunOptions): Promise<RecordedRunOutput> {
  const { history } = opts
  if (!history) return runMigration(input, opts)

  // Validate before recording: a bad config is bad input, not a failed run. The memory check
  // runs inside runMigration, which reports it before any process starts (and fails the run here).
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new LabFailure(parsed.error)
  const config = parsed.config
  const seed = opts.seed ?? config.seed
  const runId = history.beginRun({
    config: { ...config, seed } as unknown as Record<string, unknown>,
    configJson: canonicalConfigJson({ ...config, seed }),
    seed,
    engineVersion: ENGINE_VERSION,
    host: `${opts.host.flavor} on ${hostname()}`,
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    ...(opts.experimentId !== undefined ? { experimentId: opts.experimentId } : {})
  })
  opts.onRunId?.(runId)
  // A history that cannot record the run makes the run worthless to go on with: stop it and
  // report the storage problem rather than a result nobody can find again.
  let storageError: unknown
  const abort = new AbortController()
  const onOuterAbort = (): void => abort.abort()
  if (opts.signal?.aborted) abort.abort()
  else opts.signal?.addEventListener('abort', onOuterAbort, { once: true })
  const onTelemetry = (batch: TelemetryBatch): void => {
    if (storageError === undefined) {
      try {
        history.append(runId, {
          progress: batch.progress,
          throughput: batch.throughput,
          timeline: batch.timeline
        })
      } catch (e) {
        storageError = e
        abort.abort()
      }
    }
    opts.onTelemetry?.(batch)
  }
  try {
    const output = await runMigration(config, { ...opts, seed, signal: abort.signal, onTelemetry })
    if (storageError !== undefined) throw storageError
    history.finish(runId, output.result)
    return { ...output, runId }
  } catch (e) {
    try {
      history.fail(runId, e)
    } catch {
      // The history is unusable; the caller still learns why the run failed.
    }
    throw e
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort)
  }
}
