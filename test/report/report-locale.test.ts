import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderReport } from '../../src/main/report'
import { CONVERGING, recordRun, tempHistory, type TempHistory } from './helpers'

// The report says a run's end as the Live view and History do (issue 12, defect 10).

let t: TempHistory
let runId: number

beforeAll(async () => {
  t = tempHistory('lab-report-locale-')
  runId = await recordRun(t.history, CONVERGING)
}, 60_000)
afterAll(() => t.cleanup())

async function reportHtml(): Promise<string> {
  const [file] = await renderReport(t.history, { runIds: [runId] }, 'html', { nowMs: 0 })
  if (!file || typeof file.content !== 'string') throw new Error('expected HTML text')
  return file.content
}

/** The text of the status card in the report's Summary. */
function statusCard(html: string): string {
  const card = /<div class="metric[^"]*"><dt>[^<]*<\/dt><dd>[^<]*<\/dd><dd class="note">([^<]*)<\/dd>/.exec(
    html
  )
  if (!card) throw new Error('no status card')
  return card[1]
}

describe('the HTML report says why the run ended', () => {
  it('in MiB, the words of the Live summary (not the engine text in MB)', async () => {
    const note = statusCard(await reportHtml())
    expect(note).toMatch(
      /^pending [\d.]+ MiB fell below the threshold [\d.]+ MiB at dirty sync \d+; downtime/
    )
    expect(note).not.toMatch(/\bMB\b/)
  })
})
