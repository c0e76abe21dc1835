import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadReportData, loadReportRun } from '../../src/main/report'
import {
  formatBytes,
  formatBytesPerSecond,
  formatInteger,
  formatMs,
  interpretComparison,
  interpretRun,
  type ReportRun
} from '../../src/shared/report'
import {
  AUTO_CONVERGE,
  CONVERGING,
  HOT_SET,
  importMeasured,
  recordExperiment,
  recordRun,
  tempHistory,
  type TempHistory
} from './helpers'

// Interpretations of runs the real engine produced: every number the text quotes is recomputed
// here from the run's own records, so the test checks that the text says what the data says.

let t: TempHistory
const runs: Record<string, ReportRun> = {}

beforeAll(async () => {
  t = tempHistory()
  runs.converged = loadReportRun(t.history, await recordRun(t.history, CONVERGING))
  runs.returnPath = loadReportRun(
    t.history,
    await recordRun(t.history, { ...CONVERGING, migration: { capabilities: { 'return-path': true } } })
  )
  runs.hotSet = loadReportRun(t.history, await recordRun(t.history, HOT_SET))
  runs.multifd = loadReportRun(
    t.history,
    await recordRun(t.history, {
      ...CONVERGING,
      migration: { capabilities: { multifd: true }, parameters: { 'multifd-channels': 3 } }
    })
  )
  runs.autoConverge = loadReportRun(t.history, await recordRun(t.history, AUTO_CONVERGE))
  runs.unverified = loadReportRun(
    t.history,
    await recordRun(t.history, CONVERGING, { hooks: { dropDirtyLogOfVcpu: 0 } })
  )
  runs.measured = loadReportRun(t.history, importMeasured(t.history))
}, 120_000)
afterAll(() => t.cleanup())

const lazySyncs = (run: ReportRun) =>
  run.iterations.filter((s) => s.trigger === 'lazy' || s.trigger === 'throttle-timer')
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

describe('interpretRun', () => {
  it('says how multifd spread the bytes over its channels, and says nothing of multifd without it', () => {
    const run = runs.multifd as ReportRun
    const result = run.result
    if (!result) throw new Error('no result')
    const channels = result.lab['multifd-channels'] ?? []
    expect(channels).toHaveLength(3)
    const all = interpretRun(run).paragraphs.join('\n')
    expect(all).toContain(`multifd: 3 channels carried ${formatBytes(result.ram['multifd-bytes'])}`)
    expect(all).toContain(
      `the busiest channel sent ${formatBytes(Math.max(...channels.map((c) => c.bytes)))}`
    )
    expect(interpretRun(runs.converged as ReportRun).paragraphs.join('\n')).not.toContain('multifd')
  })

  it('explains a converged run: the deciding sync, why the real downtime is below the limit, and the longer guest pause', () => {
    const run = runs.converged as ReportRun
    const result = run.result
    expect(result?.status).toBe('completed')
    if (!result) return
    const text = interpretRun(run)
    expect(text.verdict).toBe('converged')
    expect(text.warnings).toEqual([])
    expect(text.headline).toContain(`Converged after ${result.ram['dirty-sync-count']} dirty syncs`)
    expect(text.headline).toContain(`downtime of ${formatMs(result.downtime ?? 0)}`)
    expect(text.headline).toContain('downtime-limit 300 ms')

    const deciding = lazySyncs(run).at(-1)
    expect(deciding).toBeDefined()
    if (!deciding) return
    const all = text.paragraphs.join('\n')
    expect(all).toContain(`At dirty sync ${deciding['dirty-sync-count']}`)
    expect(all).toContain(
      `remaining dirty memory, ${formatBytes(deciding['remaining-pages'] * 4096)}, was below the threshold of ${formatBytes(deciding['threshold-bytes'])}`
    )
    // max-bandwidth 128 MiB/s is below the 10 Gbit/s link: the stop-and-copy goes faster (§10.5).
    expect(all).toMatch(
      /below the 300 ms limit because the threshold assumes .* rate limit lifted, at link speed/
    )
    expect(all).toContain(`the remaining RAM took ${formatMs(result.lab['downtime-breakdown']['ram-ms'])}`)
    const pause = result.lab['guest-pause-ms']
    expect(pause).toBeGreaterThan(result.downtime ?? 0)
    expect(all).toContain(
      `The guest itself was paused ${formatMs(pause)}, ${formatMs(pause - (result.downtime ?? 0))} longer`
    )
    expect(all).toContain('without return-path')
    expect(all).toContain('§10.1')
  })

  it('says that with return-path QEMU’s downtime includes the destination’s resume', () => {
    const run = runs.returnPath as ReportRun
    const result = run.result
    if (!result) throw new Error('no result')
    const all = interpretRun(run).paragraphs.join('\n')
    expect(all).toContain('With return-path on')
    expect(all).toContain(`resume (${formatMs(result.lab['downtime-breakdown']['resume-ms'])})`)
  })

  it('explains a hot set that never converges from its last syncs, with settings that would change it', () => {
    const run = runs.hotSet as ReportRun
    const result = run.result
    expect(result?.status).toBe('cancelled')
    const text = interpretRun(run)
    expect(text.verdict).toBe('not-converged')
    const recent = lazySyncs(run).slice(-5)
    const remaining = median(recent.map((s) => s['remaining-pages'] * 4096))
    const bandwidth = median(recent.map((s) => s['bandwidth-bytes-per-ms']))
    const neededMs = remaining / bandwidth
    expect(text.headline).toBe(
      `Did not converge: the remaining dirty memory held at about ${formatBytes(remaining)}, which needs ~${formatMs(neededMs)} ` +
        `at the measured bandwidth of ${formatBytesPerSecond(bandwidth * 1000)} while downtime-limit is 300 ms.`
    )
    const all = text.paragraphs.join('\n')
    expect(all).toContain('threshold = bandwidth × downtime-limit')
    const suggested = /Raising downtime-limit to ~([\d,]+) ms/.exec(all)
    expect(suggested).not.toBeNull()
    const suggestedMs = Number(suggested?.[1]?.replace(/,/g, ''))
    expect(suggestedMs).toBeGreaterThanOrEqual(neededMs)
    expect(suggestedMs).toBeLessThan(neededMs * 1.3)
    expect(all).toContain('raising max-bandwidth (now 128 MiB/s')
    expect(all).toContain('enabling auto-converge')
    expect(all).toContain(result?.lab.reason ?? '?')
    expect(all).toContain('§2.4')
  })

  it('reports the auto-converge steps a run reached', () => {
    const run = runs.autoConverge as ReportRun
    expect(run.result?.status).toBe('completed')
    const first = run.iterations.find((s) => s['cpu-throttle-percentage'] > 0)
    const max = Math.max(...run.iterations.map((s) => s['cpu-throttle-percentage']))
    expect(first).toBeDefined()
    expect(max).toBeGreaterThan(first?.['cpu-throttle-percentage'] ?? 100)
    const all = interpretRun(run).paragraphs.join('\n')
    expect(all).toContain(
      `throttled the vCPUs from dirty sync ${first?.['dirty-sync-count']} (${formatMs(first?.['time-ms'] ?? 0)}) at ${first?.['cpu-throttle-percentage']} % and reached ${max} %`
    )
    expect(all).toContain(`every vCPU runs only ${100 - max} % of the time`)
  })

  it('flags a run whose destination memory did not verify, loudly', () => {
    const run = runs.unverified as ReportRun
    const result = run.result
    expect(result?.status).toBe('completed')
    expect(result?.lab.verified).toBe(false)
    const text = interpretRun(run)
    expect(text.verdict).toBe('unverified')
    expect(text.warnings).toHaveLength(1)
    expect(text.warnings[0]).toMatch(/^VERIFICATION FAILED/)
    expect(text.warnings[0]).toContain(`in ${formatInteger(result?.lab['mismatched-pages'] ?? -1)} page`)
    expect(text.warnings[0]).toContain('Do not trust')
  })

  it('treats a measured run as measured: not verified is no failure, unrecorded parts are named', () => {
    const run = runs.measured as ReportRun
    const text = interpretRun(run)
    expect(run.result?.lab.verified).toBe(false)
    expect(text.verdict).toBe('converged')
    expect(text.warnings).toEqual([])
    const all = text.paragraphs.join('\n')
    expect(all).toContain('Measured on a real QEMU')
    expect(all).toContain('guestperf records neither the link speed nor the parts of the downtime')
    // The link of a measured run is unknown: no claim about the stop-and-copy's speed.
    expect(all).not.toMatch(/at link speed \(/)
  })

  it('says a run without a result has none', () => {
    const id = t.history.beginRun({ config: {}, seed: 1, engineVersion: 'test', label: 'broken' })
    t.history.fail(id, new Error('the migration process crashed'))
    const text = interpretRun(loadReportRun(t.history, id))
    expect(text.verdict).toBe('no-result')
    expect(text.headline).toContain('No result: the run is failed')
    expect(text.headline).toContain('the migration process crashed')
  })
})

describe('interpretComparison', () => {
  it('names the lowest downtime and the values where nothing switched over', async () => {
    const { experimentId } = await recordExperiment(
      t.history,
      HOT_SET,
      { path: 'migration.parameters.downtime-limit', values: [300, 3000] },
      2
    )
    const data = loadReportData(t.history, { experimentId })
    if (data.kind !== 'comparison') throw new Error('an experiment is a comparison')
    const text = interpretComparison(data.runs, data.variedPaths, data.summaries)
    const completed = data.runs.filter((r) => r.result?.status === 'completed')
    expect(completed.length).toBe(2)
    const best = [...completed].sort(
      (a, b) => (a.result?.downtime ?? 0) - (b.result?.downtime ?? 0)
    )[0] as ReportRun
    expect(text.headline).toBe(
      "4 runs, varying downtime-limit: 2 switched over (completed), 2 did not converge before the lab's policy cancelled them."
    )
    const all = text.paragraphs.join('\n')
    expect(all).toContain(
      `Lowest downtime: run ${best.record.id} (${best.record.label}), ${formatMs(best.result?.downtime ?? 0)}`
    )
    expect(all).toContain('The lowest mean downtime is with downtime-limit=3000')
    expect(all).toContain('No run with downtime-limit = 300 switched over.')
    expect(text.warnings).toEqual([])
  })
})
