import { LabFailure, labError } from '../../shared/errors'
import type { TelemetryBatch } from '../../shared/protocol/migration'
import { runAndRecord } from '../lab/recorded-run'
import { NodeProcessHost } from '../process/node-host'
import type { HistoryDb } from '../storage'
import { EXIT_FAILURE, EXIT_OK } from './exit-codes'
import { formatMs } from '../../shared/report/format'
import { formatResultSummary } from './format'
import { openCliHistory, type DbOption } from './history-file'
import { bar, terminalProgress } from './progress'
import { readJsonArgument } from './read-input'
import { onStopSignals } from './stop-signals'

export interface RunCliOptions {
  seed?: number
  json?: boolean
  full?: boolean
  db?: DbOption
}

/**
 * `migration-lab run CONFIG`: validates, runs, records the run in the history (unless --no-db)
 * and prints a readable summary or the query-migrate-shaped JSON. Ctrl-C cancels the run the way
 * migrate_cancel would, and so does SIGTERM; the run is kept as cancelled.
 */
export async function runCommand(configPath: string, opts: RunCliOptions): Promise<number> {
  if (opts.full && !opts.json) throw new LabFailure(labError('Validation', '--full goes with --json'))
  const input = readJsonArgument(configPath, 'CONFIG')
  const history: HistoryDb | undefined = opts.db === false ? undefined : openCliHistory(opts.db)
  const host = new NodeProcessHost()
  const abort = new AbortController()
  const offStopSignals = onStopSignals(() => abort.abort())
  const progress = terminalProgress(process.stderr, process.stderr.isTTY === true)
  const maxTimeMs = policyMaxTimeMs(input)
  let runId: number | undefined
  try {
    const output = await runAndRecord(input, {
      host,
      ...(history ? { history } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      signal: abort.signal,
      onRunId: (id) => (runId = id),
      onTelemetry: (batch: TelemetryBatch) => {
        const last = batch.progress[batch.progress.length - 1]
        progress.update(
          `${bar(batch['time-ms'] / maxTimeMs)} ${formatMs(batch['time-ms'])} simulated` +
            (last
              ? ` · sync ${last['dirty-sync-count']} · remaining ${(last['remaining-bytes'] / 2 ** 20).toFixed(0)} MiB`
              : '')
        )
      }
    })
    progress.done()
    const { result, telemetry } = output
    if (opts.json) {
      process.stdout.write(JSON.stringify(opts.full ? { result, telemetry } : result, null, 2) + '\n')
    } else {
      const name =
        typeof (input as { name?: unknown }).name === 'string' ? ` "${(input as { name: string }).name}"` : ''
      process.stdout.write(formatResultSummary(result, `Migration Lab — run${name}`) + '\n')
      if (runId !== undefined && history)
        process.stdout.write(`Recorded as run ${runId} in ${history.file}\n`)
    }
    // A run whose destination memory differs from the source where the migration believed it up to
    // date is the lab failing its own oracle: an internal failure, not a result (DESIGN.md §2).
    if (result.status === 'failed') return EXIT_FAILURE
    if (!result.lab.verified) {
      process.stderr.write(
        'migration-lab: the oracle found destination memory that differs from the source (see Verified)\n'
      )
      return EXIT_FAILURE
    }
    return EXIT_OK
  } finally {
    progress.done()
    offStopSignals()
    await host.killAll()
    history?.close()
  }
}

/** The policy's max-time-ms, for the progress bar's scale (the config is validated later). */
function policyMaxTimeMs(input: unknown): number {
  const v = (input as { migration?: { policy?: { 'max-time-ms'?: unknown } } } | null)?.migration?.policy?.[
    'max-time-ms'
  ]
  return typeof v === 'number' && v > 0 ? v : 300_000
}
