/**
 * Reports (docs/reports.md): the pure part — the report model, the interpretation written from
 * the data, CSV tables, and the QEMU commands that apply a run's config. Rendering (HTML with
 * server-side SVG charts, PDF) and file writing live in src/main/report.
 */
export * from './format'
export * from './measured'
export * from './model'
export * from './interpret'
export * from './csv'
export * from './qemu-commands'
export * from './run-end'
