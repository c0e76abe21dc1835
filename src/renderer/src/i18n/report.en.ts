/**
 * English messages of the report export menu (merged into en.ts under `report`). Reports
 * themselves are in English only (docs/reports.md); the menu that makes them is translated.
 */
const reportEn = {
  button: 'Export',
  menuLabel: 'Export as',
  choices: {
    html: 'HTML report',
    pdf: 'PDF report',
    'csv-runs': 'CSV: runs',
    'csv-syncs': 'CSV: dirty syncs',
    'csv-progress': 'CSV: progress',
    json: 'JSON (re-importable)',
    qmp: 'QEMU commands (QMP)',
    hmp: 'QEMU commands (HMP)'
  },
  hints: {
    html: 'One file that opens offline, charts included',
    pdf: 'The same report on A4 pages; takes a few seconds',
    'csv-runs': 'One row per run: downtime, total time, transferred…',
    'csv-syncs': 'One row per dirty bitmap sync',
    'csv-progress': 'One row per progress snapshot',
    json: 'Everything recorded; Import reads it back',
    qmp: 'This run’s config for a real QEMU, one JSON command a line',
    hmp: 'The same for the human monitor'
  },
  oneRunOnly: 'Only for a single run: the commands apply one run’s config',
  rendering: 'Preparing {format}…',
  renderingPdf: 'Printing the PDF report; this takes a few seconds…',
  saved: 'Downloaded {file}.',
  failed: '{format} could not be exported: {message}',
  fixes: {
    disconnected: 'Wait until the status line says Connected, then try again.',
    pdf: 'Or export the HTML report and print it from a browser.'
  },
  retry: 'Try again',
  dismiss: 'Dismiss',
  unavailable: {
    runNotFinished: 'Export is possible once the run has finished.',
    noSelection: 'Select runs to export them.',
    noRuns: 'No runs to export yet.',
    tooMany: 'A report holds at most {max} runs; select fewer.'
  },
  labels: {
    run: 'Export run {id}',
    selected: 'Export selected runs ({count})',
    comparison: 'Export this comparison',
    experiment: 'Export experiment {name}'
  }
}

export default reportEn
