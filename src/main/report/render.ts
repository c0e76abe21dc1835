/**
 * One entry point for every report format: given the history, what to report on and a format,
 * the file(s) to write or download. The command line writes them to disk (write.ts); the LabApi
 * hands them to the page (src/main/lab/handlers/reports.ts).
 */
import { LabFailure, labError } from '../../shared/errors'
import {
  comparisonVariedPaths,
  formatHmp,
  formatQmpLines,
  progressCsv,
  qemuCommandPlan,
  reportFileStem,
  reportRuns,
  runDisplayTitle,
  runsCsv,
  syncsCsv,
  type LabLocale
} from '../../shared/report'
import type { HistoryDb } from '../storage'
import { loadReportData, type ReportTarget } from './data'
import { renderReportHtml } from './html'
import { printHtmlToPdfWithChromium } from './pdf'

export const REPORT_FORMATS = ['html', 'pdf', 'csv', 'json', 'qmp', 'hmp'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export const CSV_TABLES = ['runs', 'syncs', 'progress'] as const
export type CsvTable = (typeof CSV_TABLES)[number]

export interface RenderedFile {
  /** A suggested file name: `run-12.html`, `experiment-3-syncs.csv`. */
  fileName: string
  mimeType: string
  content: string | Buffer
  /** For CSV: which of the three tables this is. */
  table?: CsvTable
}

/** Prints self-contained HTML to PDF bytes (Chromium by default; Electron's in the desktop app). */
export type PdfPrinter = (html: string) => Promise<Buffer>

export interface RenderReportOptions {
  printPdf?: PdfPrinter
  /** The report's "generated at" time (tests). */
  nowMs?: number
  /** The HTML and PDF report's language (default English; CSV, JSON and QEMU commands have none). */
  locale?: LabLocale
}

/** The file stem of a target without reading it (JSON needs no report model). */
function targetStem(target: ReportTarget): string {
  if ('experimentId' in target) return `experiment-${target.experimentId}`
  const ids = [...new Set(target.runIds)]
  if (ids.length === 1) return `run-${ids[0]}`
  return ids.length <= 6 ? `runs-${ids.join('-')}` : `runs-${ids[0]}-to-${ids[ids.length - 1]}-${ids.length}`
}

function singleRunId(target: ReportTarget, format: string): number {
  if ('runIds' in target && target.runIds.length === 1) return target.runIds[0] as number
  throw new LabFailure(
    labError(
      'Validation',
      `--format ${format} writes the QEMU commands of one run's config; give exactly one run id (not ${
        'experimentId' in target ? `experiment e${target.experimentId}` : `${target.runIds.length} runs`
      }).`
    )
  )
}

/** Renders a report; CSV gives three files (runs, syncs, progress), every other format one. */
export async function renderReport(
  history: HistoryDb,
  target: ReportTarget,
  format: ReportFormat,
  options: RenderReportOptions = {}
): Promise<RenderedFile[]> {
  switch (format) {
    case 'json': {
      const doc =
        'experimentId' in target
          ? history.exportExperiment(target.experimentId)
          : history.exportRuns(target.runIds)
      return [
        {
          fileName: `${targetStem(target)}.json`,
          mimeType: 'application/json',
          content: JSON.stringify(doc, null, 2) + '\n'
        }
      ]
    }
    case 'qmp':
    case 'hmp': {
      const id = singleRunId(target, format)
      const detail = history.getRun(id, { maxPoints: 10 })
      const plan = qemuCommandPlan(detail.config)
      if (plan.problems.length > 0)
        throw new LabFailure(
          labError('Validation', `Run ${id}'s config cannot be turned into QEMU commands`, plan.problems)
        )
      return format === 'qmp'
        ? [
            {
              fileName: `run-${id}-qmp.jsonl`,
              mimeType: 'application/x-ndjson',
              content: formatQmpLines(plan)
            }
          ]
        : [
            {
              fileName: `run-${id}-hmp.txt`,
              mimeType: 'text/plain',
              content: formatHmp(plan, runDisplayTitle({ record: detail.run, config: detail.config }))
            }
          ]
    }
    default:
      break
  }
  const data = loadReportData(history, target, options.nowMs)
  const stem = reportFileStem(data)
  if (format === 'csv') {
    const runs = reportRuns(data)
    const varied = data.kind === 'comparison' ? data.variedPaths : comparisonVariedPaths(null, [])
    return [
      { table: 'runs', fileName: `${stem}-runs.csv`, mimeType: 'text/csv', content: runsCsv(runs, varied) },
      { table: 'syncs', fileName: `${stem}-syncs.csv`, mimeType: 'text/csv', content: syncsCsv(runs) },
      {
        table: 'progress',
        fileName: `${stem}-progress.csv`,
        mimeType: 'text/csv',
        content: progressCsv(runs)
      }
    ]
  }
  const html = renderReportHtml(data, options.locale ?? 'en')
  if (format === 'html') return [{ fileName: `${stem}.html`, mimeType: 'text/html', content: html }]
  const print = options.printPdf ?? ((text: string) => printHtmlToPdfWithChromium(text))
  return [{ fileName: `${stem}.pdf`, mimeType: 'application/pdf', content: await print(html) }]
}
