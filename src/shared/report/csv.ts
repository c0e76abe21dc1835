/**
 * CSV tables of a report (docs/reports.md "CSV"): one row per run, one row per dirty sync, one
 * row per progress snapshot. RFC 4180: comma-separated, CRLF line ends, a header row, a field
 * quoted with `"` (and inner quotes doubled) when it holds a comma, a quote, CR or LF.
 *
 * An empty field means "no value": not measured (a measured run's unrecorded fields), or not
 * applicable (the downtime of a run that never switched over). Never 0 in its place. Numbers
 * are written in full (JavaScript's shortest round-trip form), booleans as true/false.
 */
import { PROGRESS_NUMBER_FIELDS, SYNC_RECORD_FIELDS } from '../result'
import { NOT_RECORDED_BY_GUESTPERF, isUnrecordedSyncField } from './measured'
import { configValueAt, runIsMeasured, type ReportRun } from './model'

export type CsvValue = string | number | boolean | null | undefined

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** A table with a header row; every line ends with CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',') + '\r\n').join('')
}

/** Columns of `report-runs.csv` before the varied config values. */
export const RUNS_COLUMNS = [
  'run-id',
  'experiment-id',
  'label',
  'source',
  'status',
  'seed',
  'downtime-ms',
  'guest-pause-ms',
  'total-time-ms',
  'setup-time-ms',
  'transferred-bytes',
  'dirty-sync-count',
  'converged',
  'verified'
] as const

/** SyncRecord fields, in the contract's order (src/shared/result.ts). */
export const SYNC_FIELDS = SYNC_RECORD_FIELDS

/** ProgressSample fields, in the contract's order. */
export const PROGRESS_FIELDS = ['time-ms', 'status', ...PROGRESS_NUMBER_FIELDS] as const

export const SYNCS_COLUMNS = ['run-id', ...SYNC_FIELDS] as const
export const PROGRESS_COLUMNS = ['run-id', ...PROGRESS_FIELDS] as const

/** One row per run; `configPaths` add a column each (the experiment's varied parameters). */
export function runsCsv(runs: readonly ReportRun[], configPaths: readonly string[] = []): string {
  const rows = runs.map((run) => {
    const { record, result } = run
    const measured = runIsMeasured(run)
    const completed = result?.status === 'completed'
    return [
      record.id,
      record.experimentId,
      record.label,
      record.source,
      record.status,
      measured && NOT_RECORDED_BY_GUESTPERF.seed ? null : record.seed,
      completed ? result.downtime : null,
      completed ? result.lab['guest-pause-ms'] : null,
      result?.['total-time'],
      result?.['setup-time'],
      result?.ram.transferred,
      result?.ram['dirty-sync-count'],
      result ? result.lab.converged : null,
      // A measured run was never verified (no oracle); a run without switchover has nothing to verify.
      result && completed && !measured ? result.lab.verified : null,
      ...configPaths.map((path) => configValueAt(run.config, path))
    ]
  })
  return toCsv([...RUNS_COLUMNS, ...configPaths], rows)
}

/** One row per dirty sync of every run. */
export function syncsCsv(runs: readonly ReportRun[]): string {
  const rows: CsvValue[][] = []
  for (const run of runs) {
    const measured = runIsMeasured(run)
    for (const sync of run.iterations)
      rows.push([
        run.record.id,
        ...SYNC_FIELDS.map((field) => (isUnrecordedSyncField(measured, field) ? null : sync[field]))
      ])
  }
  return toCsv(SYNCS_COLUMNS, rows)
}

/** One row per progress snapshot of every run. */
export function progressCsv(runs: readonly ReportRun[]): string {
  const rows: CsvValue[][] = []
  for (const run of runs)
    for (const sample of run.progress)
      rows.push([run.record.id, ...PROGRESS_FIELDS.map((field) => sample[field])])
  return toCsv(PROGRESS_COLUMNS, rows)
}
