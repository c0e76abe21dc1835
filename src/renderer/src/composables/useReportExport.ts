import { shallowRef, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { labError, type LabError } from '../../../shared/errors'
import type { CsvTableName, ReportFormatName } from '../../../shared/protocol/lab-api-reports'
import { MAX_REPORT_RUNS } from '../../../shared/report/model'
import { downloadBlob, renderedReportBlob } from '../services/download'
import { labClient } from '../services/lab-api'

/**
 * Exporting a report from the page (docs/reports.md): `reports.render` on the host, then the file
 * offered as a download. One instance per export menu, so a menu on each experiment row shows its
 * own progress and its own error.
 */

/** What a report is of: some runs (one run, or a comparison) or an experiment. */
export type ReportTarget = { readonly runIds: readonly number[] } | { readonly experimentId: number }

export type ReportChoiceId =
  'html' | 'pdf' | 'csv-runs' | 'csv-syncs' | 'csv-progress' | 'json' | 'qmp' | 'hmp'

/** One entry of the export menu: a format, and for CSV which of its three tables. */
export interface ReportChoice {
  readonly id: ReportChoiceId
  readonly format: ReportFormatName
  readonly csvTable?: CsvTableName
}

export const REPORT_CHOICES: readonly ReportChoice[] = [
  { id: 'html', format: 'html' },
  { id: 'pdf', format: 'pdf' },
  { id: 'csv-runs', format: 'csv', csvTable: 'runs' },
  { id: 'csv-syncs', format: 'csv', csvTable: 'syncs' },
  { id: 'csv-progress', format: 'csv', csvTable: 'progress' },
  { id: 'json', format: 'json' },
  { id: 'qmp', format: 'qmp' },
  { id: 'hmp', format: 'hmp' }
]

/** QMP and HMP commands apply one run's config to a real QEMU: they exist for a single run only. */
export function choiceNeedsOneRun(choice: ReportChoice): boolean {
  return choice.format === 'qmp' || choice.format === 'hmp'
}

export function isSingleRun(target: ReportTarget): boolean {
  return 'runIds' in target && target.runIds.length === 1
}

export function choiceAvailable(choice: ReportChoice, target: ReportTarget): boolean {
  return !choiceNeedsOneRun(choice) || isSingleRun(target)
}

/** Whether a selection of runs is too large for one report (the host refuses more). */
export function tooManyRuns(runIds: readonly number[]): boolean {
  return runIds.length > MAX_REPORT_RUNS
}

export { MAX_REPORT_RUNS }

export interface ReportExportState {
  /** The export being rendered, or null. */
  readonly busy: Ref<ReportChoice | null>
  /** The last export that failed, and why. */
  readonly failure: Ref<{ choice: ReportChoice; error: LabError } | null>
  /** The last file offered for download. */
  readonly saved: Ref<{ choice: ReportChoice; fileName: string } | null>
  /** Renders and downloads; resolves true when the file was offered. One export at a time. */
  exportReport(target: ReportTarget, choice: ReportChoice): Promise<boolean>
  /** Forgets the last outcome (a new target, a dismissed message). */
  clear(): void
}

export function useReportExport(): ReportExportState {
  const client = labClient()
  // A report is written in the page's language (HTML and PDF; the other formats have none).
  const { locale } = useI18n()
  const busy = shallowRef<ReportChoice | null>(null)
  const failure = shallowRef<{ choice: ReportChoice; error: LabError } | null>(null)
  const saved = shallowRef<{ choice: ReportChoice; fileName: string } | null>(null)

  async function exportReport(target: ReportTarget, choice: ReportChoice): Promise<boolean> {
    if (busy.value) return false
    busy.value = choice
    failure.value = null
    saved.value = null
    try {
      const outcome = await client.call('reports.render', {
        ...('runIds' in target ? { runIds: [...target.runIds] } : { experimentId: target.experimentId }),
        format: choice.format,
        ...(choice.csvTable ? { csvTable: choice.csvTable } : {}),
        ...(locale.value === 'zh-CN' ? { locale: 'zh-CN' as const } : {})
      })
      if (!outcome.ok) {
        failure.value = { choice, error: outcome.error }
        return false
      }
      try {
        downloadBlob(renderedReportBlob(outcome.value), outcome.value.fileName)
      } catch (e) {
        failure.value = {
          choice,
          error: labError(
            'Internal',
            `The page could not save ${outcome.value.fileName}: ${e instanceof Error ? e.message : String(e)}`
          )
        }
        return false
      }
      saved.value = { choice, fileName: outcome.value.fileName }
      return true
    } finally {
      busy.value = null
    }
  }

  function clear(): void {
    failure.value = null
    saved.value = null
  }

  return { busy, failure, saved, exportReport, clear }
}
