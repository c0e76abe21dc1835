/**
 * Reports (docs/reports.md): HTML with server-side SVG charts, PDF through headless Chromium,
 * CSV, JSON and QEMU commands, from the history database. The pure parts (model, interpretation,
 * CSV, QEMU commands) are in src/shared/report.
 */
export { loadReportData, loadReportRun, reportEnvironment, MAX_REPORT_RUNS, type ReportTarget } from './data'
export { renderReportHtml, escapeHtml, REPORT_CSP } from './html'
export { runCharts, comparisonCharts, renderSvg, type ReportChart } from './charts'
export {
  CHROMIUM_MISSING,
  PDF_TIMEOUT_MS,
  findChromium,
  isChromiumMissing,
  printHtmlToPdfWithChromium,
  type ChromiumPdfOptions
} from './pdf'
export {
  CSV_TABLES,
  REPORT_FORMATS,
  renderReport,
  type CsvTable,
  type PdfPrinter,
  type RenderReportOptions,
  type RenderedFile,
  type ReportFormat
} from './render'
export { outputPaths, writeReportFiles, type WriteReportOptions } from './write'
