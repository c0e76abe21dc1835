import { parseConfig } from '../../shared/config'
import { LabFailure, labError } from '../../shared/errors'
import { measureMigration } from '../measure/measure'
import { EXIT_FAILURE, EXIT_OK } from './exit-codes'
import { formatResultSummary } from './format'
import { openCliHistory, type DbOption } from './history-file'
import { terminalProgress } from './progress'
import { readJsonArgument } from './read-input'
import { onStopSignals } from './stop-signals'

export interface MeasureCliOptions {
  qemu?: string
  accel?: string
  verify?: boolean
  port?: number
  json?: boolean
  full?: boolean
  db?: DbOption
}

/**
 * `migration-lab measure CONFIG`: the same experiment as `run`, on a real QEMU on this host
 * (docs/measured-runs.md). Recorded as a measured run, so History, Compare and reports put it
 * beside the simulation of the same config. Ctrl-C (or SIGTERM) sends migrate_cancel and keeps
 * the run as cancelled; both QEMUs are always stopped.
 */
export async function measureCommand(configPath: string, opts: MeasureCliOptions): Promise<number> {
  if (opts.full && !opts.json) throw new LabFailure(labError('Validation', '--full goes with --json'))
  if (opts.accel !== undefined && opts.accel !== 'kvm' && opts.accel !== 'tcg')
    throw new LabFailure(labError('Validation', `--accel: "${opts.accel}" is not kvm or tcg`))
  const parsed = parseConfig(readJsonArgument(configPath, 'CONFIG'))
  if (!parsed.ok) throw new LabFailure(parsed.error)
  const history = opts.db === false ? undefined : openCliHistory(opts.db)
  const abort = new AbortController()
  const offStopSignals = onStopSignals(() => abort.abort())
  const progress = terminalProgress(process.stderr, process.stderr.isTTY === true)
  try {
    const measured = await measureMigration(parsed.config, {
      ...(opts.qemu !== undefined ? { qemu: opts.qemu } : {}),
      ...(opts.accel !== undefined ? { accel: opts.accel as 'kvm' | 'tcg' } : {}),
      verify: opts.verify === true,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      signal: abort.signal,
      // On a terminal one status line repaints; otherwise (a log, a test) one line per phase.
      onProgress: (line, kind) => {
        if (process.stderr.isTTY) progress.update(line)
        else if (kind === 'phase') process.stderr.write(line + '\n')
      }
    })
    progress.done()
    const runId = history?.recordMeasuredRun(measured)
    const { result, telemetry } = measured
    if (opts.json) {
      process.stdout.write(JSON.stringify(opts.full ? { result, telemetry } : result, null, 2) + '\n')
    } else {
      const name = parsed.config.name ? ` "${parsed.config.name}"` : ''
      process.stdout.write(formatResultSummary(result, `Migration Lab — measured run${name}`) + '\n')
      if (runId !== undefined && history)
        process.stdout.write(`Recorded as run ${runId} in ${history.file}\n`)
    }
    if (result.status === 'failed') return EXIT_FAILURE
    if (opts.verify && result.status === 'completed' && !result.lab.verified) {
      process.stderr.write(
        `migration-lab: QEMU's destination memory differs from the source in ${result.lab['mismatched-pages']} pages\n`
      )
      return EXIT_FAILURE
    }
    return EXIT_OK
  } finally {
    progress.done()
    offStopSignals()
    history?.close()
  }
}
