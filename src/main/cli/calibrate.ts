import { LabFailure, labError } from '../../shared/errors'
import { CALIBRATED_FIELDS, CALIBRATION_FIGURES, type HostFit } from '../../shared/calibrate'
import { formatBytes, formatMs } from '../../shared/report/format'
import type { PredictedFigure } from '../../shared/report/measured'
import { calibrateHost, loadMeasuredRuns, type MeasuredForCalibration } from '../measure/calibrate'
import { writeReportFiles } from '../report/write'
import { EXIT_OK } from './exit-codes'
import { openCliHistory, type DbOption } from './history-file'
import { parseHistoryRef } from './ids'
import { terminalProgress } from './progress'

export interface CalibrateCliOptions {
  json?: boolean
  out?: string
  force?: boolean
  maxEvaluations?: number
  db?: DbOption
}

function value(f: PredictedFigure, which: 'measured' | 'simulated'): string {
  const v = f[which]
  return f.unit === 'ms' ? formatMs(v) : f.unit === 'bytes' ? formatBytes(v) : String(v)
}

function percent(error: number | null): string {
  if (error === null) return '—'
  const p = Math.round(error * 1000) / 10
  return `${p > 0 ? '+' : p < 0 ? '−' : ''}${Math.abs(p)} %`
}

/** The before/after table for one run: each figure, measured, and the error before and after. */
function runTable(
  run: MeasuredForCalibration,
  before: readonly PredictedFigure[],
  after: readonly PredictedFigure[]
): string[] {
  const lines = [`Run ${run.runId} (${run.label || 'unnamed'}), measured ${run.result.status}:`]
  lines.push(`  ${'figure'.padEnd(13)}${'measured'.padEnd(12)}${'before'.padEnd(22)}after`)
  for (const f of before) {
    const g = after.find((x) => x.name === f.name)
    const fitted = (CALIBRATION_FIGURES as readonly string[]).includes(f.name) ? '' : ' (not fitted)'
    lines.push(
      `  ${f.name.padEnd(13)}${value(f, 'measured').padEnd(12)}${`${value(f, 'simulated')} ${percent(f.error)}`.padEnd(22)}` +
        (g ? `${value(g, 'simulated')} ${percent(g.error)}` : '—') +
        fitted
    )
  }
  return lines
}

/** The host section and what changed, as the summary prints it. */
function hostLines(fit: HostFit, start: MeasuredForCalibration['config']['host']): string[] {
  const lines = ['Host model (fitted fields):']
  for (const { field } of CALIBRATED_FIELDS) {
    const was = start[field]
    const now = fit.host[field]
    lines.push(`  ${field.padEnd(28)}${String(was).padStart(8)} → ${now}${was === now ? ' (unchanged)' : ''}`)
  }
  return lines
}

/**
 * `migration-lab calibrate RUN_ID...`: fits the `host` cost model to measured runs
 * (docs/fidelity.md "Calibration") and prints it — or, with `--out FILE`, saves it as a host
 * preset: a config holding only `host`, to merge into a config or pass as one. Exit 2 for ids that
 * are not measured runs; the history is only read.
 */
export async function calibrateCommand(ids: readonly string[], opts: CalibrateCliOptions): Promise<number> {
  const maxEvaluations = opts.maxEvaluations ?? 120
  const runIds = ids.map((id) => {
    const ref = parseHistoryRef(id, 'RUN_ID')
    return ref.kind === 'run' ? ref.id : Number.NaN
  })
  const experiment = ids.find((_id, i) => Number.isNaN(runIds[i]))
  if (experiment !== undefined)
    throw new LabFailure(
      labError('Validation', `RUN_ID: "${experiment}" is an experiment; give the ids of its measured runs`)
    )
  const history = openCliHistory(opts.db)
  let runs: MeasuredForCalibration[]
  try {
    runs = loadMeasuredRuns(history, runIds)
  } finally {
    history.close()
  }
  const progress = terminalProgress(process.stderr, process.stderr.isTTY === true)
  const fit = await calibrateHost(runs, {
    maxEvaluations,
    onStep: (done, max) => progress.update(`calibrating: ${done}/${max} simulations`)
  })
  progress.done()
  const start = runs[0]!.config.host
  const preset = {
    name: `host calibrated on run${runs.length > 1 ? 's' : ''} ${runs.map((r) => r.runId).join(', ')}`,
    host: fit.host
  }
  let savedTo: string | undefined
  if (opts.out !== undefined) {
    ;[savedTo] = writeReportFiles(
      [
        {
          fileName: 'host.json',
          mimeType: 'application/json',
          content: JSON.stringify(preset, null, 2) + '\n'
        }
      ],
      opts.out,
      { force: opts.force === true }
    )
  }
  if (opts.json) {
    process.stdout.write(
      JSON.stringify(
        {
          host: fit.host,
          evaluations: fit.evaluations,
          loss: { before: fit.before.loss, after: fit.after.loss },
          runs: runs.map((r, i) => ({
            id: r.runId,
            before: fit.before.figures[i],
            after: fit.after.figures[i]
          })),
          ...(savedTo ? { saved: savedTo } : {})
        },
        null,
        2
      ) + '\n'
    )
    return EXIT_OK
  }
  const lines: string[] = []
  runs.forEach((r, i) => lines.push(...runTable(r, fit.before.figures[i]!, fit.after.figures[i]!), ''))
  lines.push(...hostLines(fit, start))
  lines.push(
    `Fit: ${fit.evaluations} simulations of ${runs.length} run${runs.length > 1 ? 's' : ''}; ` +
      `loss (sum of squared log errors of ${CALIBRATION_FIGURES.join(', ')}) ${fit.before.loss.toPrecision(3)} → ${fit.after.loss.toPrecision(3)}`
  )
  lines.push(
    savedTo
      ? `Saved the host preset to ${savedTo}; use its "host" section in a config.`
      : `Host section: ${JSON.stringify({ host: fit.host })}`
  )
  process.stdout.write(lines.join('\n') + '\n')
  return EXIT_OK
}
