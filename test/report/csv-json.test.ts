import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadReportRun, renderReport, type RenderedFile } from '../../src/main/report'
import type { ExportDocument } from '../../src/shared/history'
import { csvField } from '../../src/shared/report'
import {
  CONVERGING,
  HOT_SET,
  csvObjects,
  importMeasured,
  parseCsv,
  recordExperiment,
  recordRun,
  tempHistory,
  type TempHistory
} from './helpers'

let t: TempHistory
let experimentId: number
let experimentRuns: number[]
let simulatedId: number
let measuredId: number
const LABEL = 'hot "set", 2 vCPUs\nsecond line'

beforeAll(async () => {
  t = tempHistory()
  ;({ experimentId, runIds: experimentRuns } = await recordExperiment(t.history, HOT_SET, {
    path: 'migration.parameters.downtime-limit',
    values: [300, 3000]
  }))
  simulatedId = await recordRun(t.history, CONVERGING, { label: LABEL })
  measuredId = importMeasured(t.history)
}, 120_000)
afterAll(() => t.cleanup())

const text = (file: RenderedFile | undefined): string => {
  if (!file || typeof file.content !== 'string') throw new Error('expected a text file')
  return file.content
}

describe('CSV', () => {
  it('quotes fields as RFC 4180 says', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"')
    expect(csvField(null)).toBe('')
    expect(csvField(0)).toBe('0')
  })

  it('writes three tables for an experiment, with the documented columns and the varied value', async () => {
    const files = await renderReport(t.history, { experimentId }, 'csv')
    expect(files.map((f) => f.fileName)).toEqual([
      `experiment-${experimentId}-runs.csv`,
      `experiment-${experimentId}-syncs.csv`,
      `experiment-${experimentId}-progress.csv`
    ])
    const runs = csvObjects(text(files[0]))
    expect(runs.header).toEqual([
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
      'verified',
      'migration.parameters.downtime-limit'
    ])
    expect(runs.rows.map((r) => Number(r['run-id']))).toEqual(experimentRuns)
    for (const row of runs.rows) {
      const run = loadReportRun(t.history, Number(row['run-id']))
      const result = run.result
      if (!result) throw new Error('every experiment run has a result')
      expect(row['experiment-id']).toBe(String(experimentId))
      expect(row.status).toBe(result.status)
      expect(Number(row['total-time-ms'])).toBe(result['total-time'])
      expect(Number(row['transferred-bytes'])).toBe(result.ram.transferred)
      expect(Number(row['dirty-sync-count'])).toBe(result.ram['dirty-sync-count'])
      expect(Number(row['migration.parameters.downtime-limit'])).toBe(
        (run.config.migration as { parameters: Record<string, number> }).parameters['downtime-limit']
      )
      if (result.status === 'completed') {
        expect(Number(row['downtime-ms'])).toBe(result.downtime)
        expect(Number(row['guest-pause-ms'])).toBe(result.lab['guest-pause-ms'])
        expect(row.verified).toBe('true')
      } else {
        // No switchover: no downtime and nothing to verify — empty, never 0.
        expect(row['downtime-ms']).toBe('')
        expect(row['guest-pause-ms']).toBe('')
        expect(row.verified).toBe('')
        expect(row.converged).toBe('false')
      }
    }
    const syncs = csvObjects(text(files[1]))
    expect(syncs.header).toEqual([
      'run-id',
      'dirty-sync-count',
      'time-ms',
      'trigger',
      'pages-sent',
      'dirty-pages',
      'remaining-pages',
      'bandwidth-bytes-per-ms',
      'threshold-bytes',
      'expected-downtime-ms',
      'cpu-throttle-percentage',
      'bql-hold-ms'
    ])
    const progress = csvObjects(text(files[2]))
    expect(progress.header).toEqual([
      'run-id',
      'time-ms',
      'status',
      'transferred-bytes',
      'remaining-bytes',
      'dirty-pages-rate',
      'mbps',
      'bandwidth-bytes-per-ms',
      'threshold-bytes',
      'expected-downtime-ms',
      'dirty-sync-count',
      'cpu-throttle-percentage'
    ])
    let syncCount = 0
    let progressCount = 0
    for (const id of experimentRuns) {
      const run = loadReportRun(t.history, id)
      syncCount += run.iterations.length
      progressCount += run.progress.length
      const first = syncs.rows.find((r) => r['run-id'] === String(id))
      expect(Number(first?.['remaining-pages'])).toBe(run.iterations[0]?.['remaining-pages'])
      const last = progress.rows.filter((r) => r['run-id'] === String(id)).at(-1)
      expect(Number(last?.['transferred-bytes'])).toBe(run.progress.at(-1)?.['transferred-bytes'])
    }
    expect(syncs.rows).toHaveLength(syncCount)
    expect(progress.rows).toHaveLength(progressCount)
  })

  it('keeps a label with quotes, commas and a line break intact', async () => {
    const [runs] = await renderReport(t.history, { runIds: [simulatedId] }, 'csv')
    const rows = parseCsv(text(runs))
    expect(rows[1]?.[2]).toBe(LABEL)
  })

  it('leaves what a measured run did not record empty, next to a simulated run that has it', async () => {
    const files = await renderReport(t.history, { runIds: [simulatedId, measuredId] }, 'csv')
    const runs = csvObjects(text(files[0]))
    const measured = runs.rows.find((r) => r['run-id'] === String(measuredId))
    const simulated = runs.rows.find((r) => r['run-id'] === String(simulatedId))
    expect(measured?.source).toBe('measured')
    expect(measured?.seed).toBe('')
    expect(measured?.verified).toBe('')
    expect(Number(measured?.['downtime-ms'])).toBeGreaterThan(0)
    expect(simulated?.verified).toBe('true')
    expect(simulated?.seed).toBe('1')
    const syncs = csvObjects(text(files[1]))
    const measuredSyncs = syncs.rows.filter((r) => r['run-id'] === String(measuredId))
    expect(measuredSyncs.length).toBeGreaterThan(2)
    for (const row of measuredSyncs) {
      expect(row['dirty-pages']).toBe('')
      expect(row['bql-hold-ms']).toBe('')
      expect(row['remaining-pages']).not.toBe('')
    }
    for (const row of syncs.rows.filter((r) => r['run-id'] === String(simulatedId))) {
      expect(row['dirty-pages']).toMatch(/^\d+$/)
      expect(row['bql-hold-ms']).toMatch(/^[\d.]+$/)
    }
  })
})

describe('JSON', () => {
  /** A document without what importing changes: ids and the export time. */
  function content(doc: ExportDocument): unknown {
    const experimentIndex = new Map(doc.experiments.map((e, i) => [e.id, i]))
    return {
      experiments: doc.experiments.map(({ id: _id, ...rest }) => rest),
      runs: doc.runs.map(({ id: _id, experimentId, ...rest }) => ({
        experiment: experimentId === null ? null : experimentIndex.get(experimentId),
        ...rest
      }))
    }
  }

  it('is the history’s export document and imports into a fresh history with the same content', async () => {
    const [file] = await renderReport(t.history, { experimentId }, 'json')
    expect(file?.fileName).toBe(`experiment-${experimentId}.json`)
    const doc = JSON.parse(text(file)) as ExportDocument
    expect(doc.format).toBe('migration-lab-export')
    expect(doc.runs.map((r) => r.id)).toEqual(experimentRuns)
    expect(doc.runs.every((r) => r.telemetry.progress.length > 0)).toBe(true)

    const fresh = tempHistory('lab-report-import-')
    try {
      const imported = fresh.history.importJson(doc, { fileName: file?.fileName })
      expect(imported.runIds).toHaveLength(experimentRuns.length)
      const again = fresh.history.exportExperiment(imported.experimentIds[0] as number)
      expect(content(again)).toEqual(content(doc))
    } finally {
      fresh.cleanup()
    }
  })

  it('round-trips a comparison with a measured run too', async () => {
    const [file] = await renderReport(t.history, { runIds: [simulatedId, measuredId] }, 'json')
    const doc = JSON.parse(text(file)) as ExportDocument
    const fresh = tempHistory('lab-report-import-')
    try {
      const imported = fresh.history.importJson(doc)
      expect(content(fresh.history.exportRuns(imported.runIds))).toEqual(content(doc))
    } finally {
      fresh.cleanup()
    }
  })
})
