import { LabFailure, labError } from '../../../shared/errors'
import type { RenderedReport, ReportMethod } from '../../../shared/protocol/lab-api-reports'
import type { PdfPrinter, ReportTarget } from '../../report'
import type { HistoryDb } from '../../storage'
import type { LabHandler } from '../service'
import { openHistoryOf } from './history'

/**
 * LabApi handler for reports (contract: src/shared/protocol/lab-api-reports.ts). It renders from
 * the host's history database with the same code as `migration-lab report` (src/main/report).
 *
 * PDF: the host's printer (LabServiceDeps.printPdf: Electron's own Chromium in the desktop app,
 * given by src/main/electron/app.ts), else a system Chromium or Chrome (src/main/report/pdf.ts),
 * whose absence is a NotFound error that says what to install. A handler never imports
 * src/main/electron (lint: eslint.config.js), so the web host and the command line never load it.
 *
 * The renderer (and with it ECharts, about 1,900 modules) is imported on the first report, not
 * with the service: every command that talks to the LabService (`history`, `show`, `import`, …)
 * would otherwise load it at start-up (test/cli/lazy-loading.test.ts).
 */

export interface ReportHandlerHost {
  readonly deps: { readonly history?: HistoryDb; readonly printPdf?: PdfPrinter }
}

export interface ReportHandlerOptions {
  /** Overrides the host's printer (tests). */
  readonly printPdf?: PdfPrinter
}

export type ReportHandlers = { [M in ReportMethod]: LabHandler<M> }

export function reportHandlers(
  service: ReportHandlerHost,
  options: ReportHandlerOptions = {}
): ReportHandlers {
  const history = (): HistoryDb => openHistoryOf(service, 'there is nothing to report on')
  return {
    'reports.render': async ({ runIds, experimentId, format, csvTable, locale }): Promise<RenderedReport> => {
      const target: ReportTarget = experimentId !== undefined ? { experimentId } : { runIds: runIds ?? [] }
      const { printHtmlToPdfWithChromium, renderReport } = await import('../../report')
      const files = await renderReport(history(), target, format, {
        printPdf: options.printPdf ?? service.deps.printPdf ?? printHtmlToPdfWithChromium,
        locale
      })
      const file = files.find((f) => f.table === undefined || f.table === csvTable) ?? files[0]
      if (!file)
        throw new LabFailure(labError('Internal', `Rendering the ${format} report produced no file.`))
      return typeof file.content === 'string'
        ? { fileName: file.fileName, mimeType: file.mimeType, encoding: 'utf8', content: file.content }
        : {
            fileName: file.fileName,
            mimeType: file.mimeType,
            encoding: 'base64',
            content: file.content.toString('base64')
          }
    }
  }
}
