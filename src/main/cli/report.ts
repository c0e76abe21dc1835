import { LabFailure, labError, toLabError } from '../../shared/errors'
import {
  REPORT_FORMATS,
  findChromium,
  isChromiumMissing,
  renderReport,
  writeReportFiles,
  type ReportFormat,
  type ReportTarget
} from '../report'
import { REPORT_LOCALE_VALUES } from '../../shared/protocol/lab-api-reports'
import type { LabLocale } from '../../shared/report'
import type { HistoryDb } from '../storage'
import { EXIT_FAILURE, EXIT_OK } from './exit-codes'
import { openCliHistory, type DbOption } from './history-file'
import { parseHistoryRef } from './ids'

export interface ReportCliOptions {
  format: string
  out: string
  force?: boolean
  /** en (default) or zh-CN: the language of an HTML or PDF report. */
  lang?: string
  db?: DbOption
}

const FORMAT_NAMES: Record<ReportFormat, string> = {
  html: 'HTML report',
  pdf: 'PDF report',
  csv: 'CSV tables',
  json: 'JSON export',
  qmp: 'QMP commands',
  hmp: 'HMP commands'
}

function parseLang(text: string | undefined): LabLocale {
  if (text === undefined) return 'en'
  const lang = REPORT_LOCALE_VALUES.find((l) => l.toLowerCase() === text.trim().toLowerCase())
  if (lang) return lang
  throw new LabFailure(
    labError('Validation', `--lang: "${text}" is not one of ${REPORT_LOCALE_VALUES.join(', ')}`)
  )
}

function parseFormat(text: string): ReportFormat {
  const format = text.trim().toLowerCase()
  if ((REPORT_FORMATS as readonly string[]).includes(format)) return format as ReportFormat
  throw new LabFailure(
    labError('Validation', `--format: "${text}" is not one of ${REPORT_FORMATS.join(', ')}`)
  )
}

/**
 * `12` → that run; `e3` → that experiment; several ids → a comparison of those runs (an
 * experiment among them stands for all its runs).
 */
function resolveTarget(history: HistoryDb, ids: readonly string[]): ReportTarget {
  const refs = ids.map((id) => parseHistoryRef(id, 'RUN_ID|EXPERIMENT_ID'))
  const only = refs[0]
  if (refs.length === 1 && only?.kind === 'experiment') return { experimentId: only.id }
  const runIds: number[] = []
  for (const ref of refs) {
    if (ref.kind === 'run') runIds.push(ref.id)
    else {
      history.getExperiment(ref.id) // NotFound names it
      const page = history.listRuns({ filter: { experimentId: ref.id }, page: { limit: 1000, offset: 0 } })
      runIds.push(...page.rows.map((r) => r.id).sort((a, b) => a - b))
    }
  }
  return { runIds: [...new Set(runIds)] }
}

/**
 * `migration-lab report ID... --format html|pdf|csv|json|qmp|hmp --out PATH`: a report of one
 * run, a comparison of several, or an experiment (docs/reports.md). Exit 0 when written, 2 for
 * bad input (unknown id, an existing file without --force), 1 when the environment lacks what
 * the format needs (Chromium for PDF) or printing fails.
 */
export async function reportCommand(ids: string[], opts: ReportCliOptions): Promise<number> {
  const format = parseFormat(opts.format)
  const locale = parseLang(opts.lang)
  try {
    // Fail before reading anything when the PDF could not be printed anyway.
    if (format === 'pdf') findChromium()
    const history = openCliHistory(opts.db, { readonly: true })
    try {
      const target = resolveTarget(history, ids)
      const files = await renderReport(history, target, format, { locale })
      const paths = writeReportFiles(files, opts.out, { force: opts.force === true })
      const what =
        'experimentId' in target
          ? `experiment e${target.experimentId}`
          : target.runIds.length === 1
            ? `run ${target.runIds[0]}`
            : `${target.runIds.length} runs`
      process.stdout.write(`Wrote the ${FORMAT_NAMES[format]} of ${what} to ${paths.join(', ')}\n`)
      if (format === 'qmp')
        process.stdout.write(
          'Lines with "id": "destination-…" go to the destination\'s monitor (started with -incoming defer), "source-…" to the source\'s; replace DESTINATION in the migrate URI.\n'
        )
      return EXIT_OK
    } finally {
      history.close()
    }
  } catch (e) {
    const error = toLabError(e)
    // A missing browser is this machine's problem, not bad input: exit 1 (docs/reports.md).
    if (isChromiumMissing(error)) {
      process.stderr.write(`migration-lab: ${error.message}\n`)
      for (const d of error.details ?? []) process.stderr.write(`  ${d}\n`)
      return EXIT_FAILURE
    }
    throw e
  }
}
