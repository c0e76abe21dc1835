import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabService, type LabCallContext } from '../../src/main/lab/service'
import type { LabError } from '../../src/shared/errors'
import type { LabMethod, LabParams, LabResult } from '../../src/shared/protocol/lab-api'
import { CONVERGING, csvObjects, importMeasured, recordRun, tempHistory, type TempHistory } from './helpers'

// `reports.render` through the real LabService (the dispatcher both transports use), rendering
// from a real history database; the PDF is printed by the system Chromium as in the web host.

const ctx: LabCallContext = { host: 'web', clientId: 'test' }
let t: TempHistory
let lab: LabService
let runId: number
let measuredId: number

beforeAll(async () => {
  t = tempHistory()
  runId = await recordRun(t.history, CONVERGING, { label: 'small guest' })
  measuredId = importMeasured(t.history)
  lab = new LabService({ appVersion: '0.0.0', platform: 'linux', history: t.history })
}, 60_000)
afterAll(async () => {
  await lab.shutdown()
  t.cleanup()
})

async function call<M extends LabMethod>(method: M, params: LabParams<M>): Promise<LabResult<M>> {
  const outcome = await lab.handle(method, params, ctx)
  if (!outcome.ok) throw new Error(`${outcome.error.kind}: ${outcome.error.message}`)
  return outcome.value as LabResult<M>
}

async function fails(method: LabMethod, params: unknown): Promise<LabError> {
  const outcome = await lab.handle(method, params, ctx)
  if (outcome.ok) throw new Error('expected an error')
  return outcome.error
}

describe('reports.render', () => {
  it('gives the HTML report as text the page can save', async () => {
    const report = await call('reports.render', { runIds: [runId], format: 'html' })
    expect(report).toMatchObject({ fileName: `run-${runId}.html`, mimeType: 'text/html', encoding: 'utf8' })
    expect(report.content).toMatch(/^<!doctype html>/)
    expect(report.content).toContain('Run ' + runId + ' — small guest')
    expect(report.content.match(/<svg /g)?.length).toBeGreaterThanOrEqual(5)
  })

  it('gives the chosen CSV table of a comparison', async () => {
    const report = await call('reports.render', {
      runIds: [runId, measuredId],
      format: 'csv',
      csvTable: 'syncs'
    })
    expect(report.fileName).toBe(`runs-${runId}-${measuredId}-syncs.csv`)
    expect(report.mimeType).toBe('text/csv')
    const { rows } = csvObjects(report.content)
    expect(new Set(rows.map((r) => Number(r['run-id'])))).toEqual(new Set([runId, measuredId]))
  })

  it('gives the PDF as base64', async () => {
    const report = await call('reports.render', { runIds: [runId], format: 'pdf' })
    expect(report).toMatchObject({
      fileName: `run-${runId}.pdf`,
      mimeType: 'application/pdf',
      encoding: 'base64'
    })
    const bytes = Buffer.from(report.content, 'base64')
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(bytes.length).toBeGreaterThan(20_000)
  })

  it('gives the QEMU commands of one run', async () => {
    const report = await call('reports.render', { runIds: [runId], format: 'qmp' })
    expect(report.fileName).toBe(`run-${runId}-qmp.jsonl`)
    for (const line of report.content.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
  })

  it('refuses bad requests with errors that name the problem', async () => {
    const both = await fails('reports.render', { runIds: [runId], experimentId: 1, format: 'html' })
    expect(both.kind).toBe('Validation')
    expect(both.details).toContain('runIds: give runIds or experimentId, not both')
    const qmp = await fails('reports.render', { runIds: [runId, measuredId], format: 'qmp' })
    expect(qmp.details?.join('\n')).toContain("qmp gives the QEMU commands of one run's config")
    const format = await fails('reports.render', { runIds: [runId], format: 'docx' })
    expect(format.details?.[0]).toMatch(/^format: /)
    const missing = await fails('reports.render', { runIds: [987_654], format: 'html' })
    expect(missing.kind).toBe('NotFound')
    expect(missing.message).toContain('987654')
  })
})
