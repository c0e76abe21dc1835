import { z } from 'zod'
import { MAX_REPORT_RUNS } from '../report/model'
import { recordIdSchema, requireExactlyOne } from './lab-api-history'

/**
 * The reports part of the LabApi (spread into lab-api.ts; handlers in
 * src/main/lab/handlers/reports.ts): render a run, a comparison of runs or an experiment as a
 * file the page offers for download (docs/reports.md).
 *
 * Formats: `html` (self-contained, offline), `pdf` (the same, printed by Chromium — Electron's
 * own in the desktop app, a system Chromium or Chrome in the web host), `csv` (one of three tables,
 * chosen by `csvTable`), `json` (the history's export document, re-importable), `qmp` / `hmp`
 * (the QEMU commands of one run's config). Text comes back as UTF-8 text, a PDF as base64.
 */

export const REPORT_FORMAT_VALUES = ['html', 'pdf', 'csv', 'json', 'qmp', 'hmp'] as const
export type ReportFormatName = (typeof REPORT_FORMAT_VALUES)[number]
export const CSV_TABLE_VALUES = ['runs', 'syncs', 'progress'] as const
/** The languages a report is written in (the UI's). */
export const REPORT_LOCALE_VALUES = ['en', 'zh-CN'] as const
export type CsvTableName = (typeof CSV_TABLE_VALUES)[number]

export const reportRenderSchema = z
  .strictObject({
    /** One run, or several (a comparison). */
    runIds: z
      .array(recordIdSchema)
      .min(1, { error: 'give at least one run id' })
      .max(MAX_REPORT_RUNS, { error: `a report holds at most ${MAX_REPORT_RUNS} runs` })
      .optional(),
    experimentId: recordIdSchema.optional(),
    format: z.enum(REPORT_FORMAT_VALUES),
    /** Which CSV table (format csv only): one row per run, per dirty sync, or per progress snapshot. */
    csvTable: z.enum(CSV_TABLE_VALUES).default('runs'),
    /** The language of an HTML or PDF report: the page passes its own (default English). */
    locale: z.enum(REPORT_LOCALE_VALUES).default('en')
  })
  .superRefine((value, ctx) => {
    requireExactlyOne(value, ctx, 'runIds', 'experimentId')
    if ((value.format === 'qmp' || value.format === 'hmp') && value.runIds?.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['runIds'],
        message: `${value.format} gives the QEMU commands of one run's config: give exactly one run id`
      })
  })

export const reportMethodSchemas = {
  'reports.render': reportRenderSchema
} as const satisfies Record<string, z.ZodType>

/** A rendered report, ready to be saved by the page. */
export interface RenderedReport {
  /** Suggested name: `run-12.html`, `experiment-3-syncs.csv`. */
  readonly fileName: string
  /** text/html, application/pdf, text/csv, application/json, application/x-ndjson, text/plain. */
  readonly mimeType: string
  /** `base64` for a PDF, `utf8` for every text format. */
  readonly encoding: 'utf8' | 'base64'
  readonly content: string
}

export interface ReportMethodResults {
  'reports.render': RenderedReport
}

export type ReportMethod = keyof typeof reportMethodSchemas
