import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadReportRun } from '../../src/main/report'
import { formatBytes, formatInteger, interpretRun, type ReportRun } from '../../src/shared/report'
import { CONFIG_PRESETS } from '../../src/shared/presets'
import { recordRun, tempHistory, type TempHistory } from './helpers'

// The interpretation of XBZRLE runs the real engine produced; the numbers are recomputed here from
// the run's own xbzrle-cache.

let t: TempHistory
const runs: Record<string, ReportRun> = {}
const preset = (id: string) => CONFIG_PRESETS.find((p) => p.id === id)!.config

beforeAll(async () => {
  t = tempHistory()
  runs.small = loadReportRun(t.history, await recordRun(t.history, preset('xbzrle-small-writes')))
  runs.stress = loadReportRun(t.history, await recordRun(t.history, preset('guestperf-xbzrle')))
}, 120_000)
afterAll(() => t.cleanup())

describe('interpretRun with XBZRLE', () => {
  it('quotes the cache hits, misses and the delta size of small writes', () => {
    const run = runs.small as ReportRun
    const x = run.result?.['xbzrle-cache']
    if (!x) throw new Error('no xbzrle-cache')
    const all = interpretRun(run).paragraphs.join('\n')
    expect(all).toContain(
      `XBZRLE (cache ${formatBytes(x['cache-size'])}): ${formatInteger(x.pages)} cache hits`
    )
    expect(all).toContain(`${formatInteger(x['cache-miss'])} misses`)
    const perHit = Math.round(x.bytes / x.pages) // no overflow here
    expect(x.overflow).toBe(0)
    expect(all).toContain(`as deltas of ~${formatInteger(perHit)} bytes`)
    expect(all).toContain('Small deltas are what make XBZRLE pay')
  })

  it('says when every lookup missed', () => {
    const all = interpretRun(runs.stress as ReportRun).paragraphs.join('\n')
    const x = runs.stress?.result?.['xbzrle-cache']
    expect(all).toContain(`all ${formatInteger(x?.['cache-miss'] ?? -1)} lookups missed`)
  })
})
