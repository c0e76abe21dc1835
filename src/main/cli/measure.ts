import { parseConfig } from '../../shared/config'
import { LabFailure, labError } from '../../shared/errors'
import { measureAttached, measureMigration } from '../measure/measure'
import { parseQmpAddress } from '../measure/qmp'
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
  sourceQmp?: string
  destQmp?: string
  destUri?: string
  yes?: boolean
}

/** What attach mode needs, or undefined for a measurement on the lab's own QEMUs. */
function attachTarget(opts: MeasureCliOptions) {
  const given = [
    ['--source-qmp', opts.sourceQmp],
    ['--dest-qmp', opts.destQmp],
    ['--dest-uri', opts.destUri]
  ] as const
  if (given.every(([, v]) => v === undefined)) {
    if (opts.yes)
      throw new LabFailure(labError('Validation', '--yes: only attach mode (--source-qmp …) asks'))
    return undefined
  }
  const problems = given
    .filter(([, v]) => v === undefined)
    .map(([flag]) => `${flag}: missing (attach mode needs all three)`)
  for (const [flag, value] of [
    ['--qemu', opts.qemu],
    ['--accel', opts.accel],
    ['--port', opts.port],
    ['--verify', opts.verify]
  ] as const)
    if (value !== undefined && value !== false)
      problems.push(`${flag}: not with attach mode (it drives the lab's own QEMUs and guest)`)
  if (problems.length > 0)
    throw new LabFailure(labError('Validation', 'Attach mode is incomplete.', problems))
  const sourceQmp = parseQmpAddress(opts.sourceQmp!, '--source-qmp')
  const destQmp = parseQmpAddress(opts.destQmp!, '--dest-qmp')
  if (!opts.yes)
    throw new LabFailure(
      labError(
        'Validation',
        `--yes: attach mode migrates the VM at ${opts.sourceQmp} to ${opts.destUri} and sets its migration capabilities and parameters to the config's; nothing was sent. Add --yes to confirm.`
      )
    )
  return { sourceQmp, destQmp, destUri: opts.destUri! }
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
  const attach = attachTarget(opts)
  const history = opts.db === false ? undefined : openCliHistory(opts.db)
  const abort = new AbortController()
  const offStopSignals = onStopSignals(() => abort.abort())
  const progress = terminalProgress(process.stderr, process.stderr.isTTY === true)
  try {
    // On a terminal one status line repaints; otherwise (a log, a test) one line per phase.
    const onProgress = (line: string, kind: 'phase' | 'status'): void => {
      if (process.stderr.isTTY) progress.update(line)
      else if (kind === 'phase') process.stderr.write(line + '\n')
    }
    const measured = attach
      ? await measureAttached(parsed.config, { ...attach, signal: abort.signal, onProgress })
      : await measureMigration(parsed.config, {
          ...(opts.qemu !== undefined ? { qemu: opts.qemu } : {}),
          ...(opts.accel !== undefined ? { accel: opts.accel as 'kvm' | 'tcg' } : {}),
          verify: opts.verify === true,
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          signal: abort.signal,
          onProgress
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
