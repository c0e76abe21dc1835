import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { init } from 'echarts/core'
import type { LineSeriesOption } from 'echarts/charts'
import { beforeAll, describe, expect, it } from 'vitest'
import { runInThread } from '../../src/engine/migration/in-thread'
import { openHistory } from '../../src/main/storage'
import { buildLiveChart, type LiveChartLabels } from '../../src/renderer/src/charts/live-options'
import { LIGHT_PALETTE } from '../../src/renderer/src/charts/palette'
import { laneOrder, laneSegments, RunData } from '../../src/renderer/src/charts/run-data'
import en from '../../src/renderer/src/i18n/run.en'
import { parseConfig, type LabConfigInput } from '../../src/shared/config'
import { findPreset } from '../../src/shared/presets'
import type { RunSnapshot } from '../../src/shared/protocol/lab-api-runs'
import type { MigrationResult, ProgressSample, RunTelemetry } from '../../src/shared/result'
import { chartLabels } from './run-fixtures'

// The Live view's capability charts (issue 9) on real engine runs: XBZRLE's cache hits, the
// multifd channels' throughput, postcopy's page requests and faults, dirty-limit's per-vCPU sleep,
// drawn from the telemetry the engine streams, and the same from a run reopened from the history.

const live = en.live
const labels: LiveChartLabels = {
  ...chartLabels,
  state: (state) => live.states[state],
  capabilities: {
    ...chartLabels.capabilities,
    panels: {
      xbzrle: live.panels.xbzrle,
      multifd: live.panels.multifd,
      postcopy: live.panels.postcopy,
      dirtyLimit: live.panels.dirtyLimit
    }
  }
}

interface Run {
  result: MigrationResult
  telemetry: RunTelemetry
  data: RunData
}

async function run(input: LabConfigInput): Promise<Run> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(`${parsed.error.message} ${parsed.error.details?.join('; ')}`)
  const data = new RunData()
  const { result, telemetry } = await runInThread(parsed.config, { onTelemetry: (b) => data.append(b) })
  return { result, telemetry, data }
}

const preset = (id: string): LabConfigInput => findPreset(id)!.config

function chart(data: RunData, vcpus = 1): ReturnType<typeof buildLiveChart> {
  return buildLiveChart({
    data,
    playheadMs: data.endMs,
    vcpuCount: vcpus,
    downtimeLimitMs: 300,
    palette: LIGHT_PALETTE,
    labels,
    locale: 'en',
    ended: true
  })
}

function series(option: ReturnType<typeof buildLiveChart>['option'], id: string): LineSeriesOption {
  const found = (option.series as LineSeriesOption[]).find((s) => s.id === id)
  if (!found) throw new Error(`no series ${id}`)
  return found
}

const values = (s: LineSeriesOption): number[] =>
  (s.data as [number, number | null][]).map((p) => p[1]).filter((v): v is number => v !== null)

const titles = (option: ReturnType<typeof buildLiveChart>['option']): string[] =>
  (option.title as { text: string }[]).map((t) => t.text)

/** ∫ rate dt over the samples (rate of interval i drawn at its end time). */
function integral(points: [number, number | null][]): number {
  let total = 0
  for (let i = 1; i < points.length; i++)
    total += ((points[i][1] ?? 0) * (points[i][0] - points[i - 1][0])) / 1000
  return total
}

/** The SVG ECharts draws for the option: the chart renders with the new panels. */
function svgOf(built: ReturnType<typeof buildLiveChart>): string {
  const instance = init(null, null, { renderer: 'svg', ssr: true, width: 1400, height: built.height })
  instance.setOption(built.option)
  const svg = instance.renderToSVGString()
  instance.dispose()
  return svg
}

const MIB = 1024 * 1024
let xbzrle: Run
let plain: Run
beforeAll(async () => {
  xbzrle = await run(preset('xbzrle-small-writes'))
  plain = await run(preset('guestperf-defaults'))
})

describe('a run without a capability', () => {
  it('draws the panels every run has and no capability panel (no throttle panel without auto-converge)', () => {
    const built = chart(plain.data)
    expect(titles(built.option)).toHaveLength(5)
    const ids = (built.option.series as LineSeriesOption[]).map((s) => String(s.id))
    expect(ids.filter((id) => /^(xbzrle|multifd|postcopy|dirty-limit)-/.test(id))).toEqual([])
  })
})

describe('XBZRLE cache chart', () => {
  it('draws the cache-hit rate and hits, misses, overflows per second, adding up to the xbzrle-cache counters', () => {
    const built = chart(xbzrle.data)
    expect(titles(built.option)).toContain(live.panels.xbzrle)
    const cache = xbzrle.result['xbzrle-cache']!
    const rate = values(series(built.option, 'xbzrle-hit-rate'))
    expect(rate.length).toBeGreaterThan(0)
    for (const v of rate) expect(v).toBeGreaterThanOrEqual(0)
    for (const v of rate) expect(v).toBeLessThanOrEqual(100)
    // 8-byte writes to a 64 MiB working set in a 64 MiB cache: after the first pass most lookups hit.
    expect(Math.max(...rate)).toBeGreaterThan(90)
    // The per-second rates over the run add up to QEMU's cumulative counters.
    expect(integral(series(built.option, 'xbzrle-hits').data as [number, number | null][])).toBeCloseTo(
      cache.pages,
      0
    )
    expect(integral(series(built.option, 'xbzrle-misses').data as [number, number | null][])).toBeCloseTo(
      cache['cache-miss'],
      0
    )
    expect(svgOf(built)).toContain(live.panels.xbzrle.split(':')[0])
  })

  it('draws the same from a run reopened from the history (downsampled), and an old run without the counters still draws', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-live-capabilities-'))
    try {
      const h = openHistory(join(dir, 'history.db'))
      const id = h.beginRun({ config: {}, seed: 1, engineVersion: 'test' })
      h.append(id, { progress: xbzrle.telemetry.progress, timeline: xbzrle.telemetry.timeline })
      h.finish(id, xbzrle.result)
      const detail = h.getRun(id, { maxPoints: 60 })
      h.close()
      expect(detail.progress.length).toBeLessThan(xbzrle.telemetry.progress.length)
      const snapshot = (progress: ProgressSample[]): RunSnapshot => ({
        runId: id,
        status: 'completed',
        reason: null,
        seed: 1,
        config: {},
        result: xbzrle.result,
        error: null,
        progress,
        throughput: detail.throughput,
        timeline: detail.timeline,
        downsampled: true
      })
      const reopened = chart(RunData.fromSnapshot(snapshot(detail.progress)))
      const hits = series(reopened.option, 'xbzrle-hits').data as [number, number | null][]
      // Rates over the longer intervals still add up to the cache's hits.
      expect(integral(hits)).toBeCloseTo(xbzrle.result['xbzrle-cache']!.pages, 0)
      expect(Math.max(...values(series(reopened.option, 'xbzrle-hit-rate')))).toBeGreaterThan(50)

      // A run stored before the counters existed: the samples have none of them.
      const old = detail.progress.map((p) => {
        const copy: Partial<ProgressSample> = { ...p }
        delete copy['xbzrle-pages']
        delete copy['xbzrle-cache-miss']
        delete copy['xbzrle-overflow']
        delete copy['xbzrle-bytes']
        return copy as ProgressSample
      })
      const oldChart = chart(RunData.fromSnapshot(snapshot(old)))
      expect(titles(oldChart.option)).toHaveLength(5)
      expect(svgOf(oldChart)).toContain('<svg')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('multifd channel chart', () => {
  it('draws one stacked series per channel whose MiB/s add up to each channel’s bytes', async () => {
    const mf = await run(preset('guestperf-multifd'))
    const built = chart(mf.data)
    expect(titles(built.option)).toContain(live.panels.multifd)
    const channels = mf.result.lab['multifd-channels']!
    expect(channels).toHaveLength(4)
    for (const c of channels) {
      const s = series(built.option, `multifd-channel-${c.channel}`)
      expect(s.stack).toBe('multifd')
      const mib = integral(s.data as [number, number | null][])
      // The last sample is at the run’s end: the final flush falls inside (float rounding aside).
      expect(Math.abs(mib * MIB - c.bytes) / c.bytes).toBeLessThan(1e-5)
    }
    expect(svgOf(built)).toContain('Channel 3')
  })
})

describe('postcopy: the lanes and the page requests', () => {
  it('draws postcopy-active on the migration lane, page faults on the vCPU lanes, and the requests so far', async () => {
    const pc = await run(preset('postcopy-out-dirtying'))
    const built = chart(pc.data, 2)
    const segments = laneSegments(pc.data.timeline, laneOrder(2), pc.data.endMs)
    const migration = segments.filter((s) => s.lane === 0)
    expect(migration.map((s) => s.state)).toContain('postcopy-active')
    const faults = segments.filter((s) => s.lane >= 2 && s.state === 'page-fault')
    expect(faults.length).toBeGreaterThan(0)
    // Each fault is its own lane segment with its legend colour and a tooltip naming the state.
    expect(LIGHT_PALETTE.states['page-fault']).not.toBe(LIGHT_PALETTE.states.running)
    const timeline = (
      built.option.series as { id?: string; tooltip?: { formatter: (raw: unknown) => string } }[]
    )[0]
    const f = faults[0]
    const stateIndex = Object.keys(LIGHT_PALETTE.states).indexOf('page-fault')
    const tip = timeline.tooltip!.formatter({ value: [f.lane, f.startMs, f.endMs, stateIndex, f.detail] })
    expect(tip).toContain('waiting for a page (postcopy fault)')
    expect(tip).toMatch(/page \d+/)

    const requests = values(series(built.option, 'postcopy-requests'))
    expect(requests[0]).toBe(0)
    expect(requests[requests.length - 1]).toBe(pc.result.ram['postcopy-requests'])
    expect(pc.result.ram['postcopy-requests']).toBeGreaterThan(0)
    // The faults at their own times: one step per page-fault lane segment, the first after the
    // switch (the 100 ms samples see only the count at their own times).
    const faultSteps = series(built.option, 'postcopy-faults').data as [number, number | null][]
    expect(faultSteps[faultSteps.length - 1][1]).toBe(faults.length)
    expect(faultSteps[1][0]).toBe(faults.map((s) => s.startMs).sort((a, b) => a - b)[0])
    expect(faultSteps[1][0]).toBeGreaterThan(migration.find((s) => s.state === 'postcopy-active')!.startMs)
    // The start of postcopy is a phase marker on the charts.
    const marks = (series(built.option, 'remaining').markLine as { data: { xAxis?: number }[] }).data
    const start = migration.find((s) => s.state === 'postcopy-active')!.startMs
    expect(marks.some((m) => m.xAxis === start)).toBe(true)
  })
})

describe('dirty-limit chart', () => {
  it('draws each vCPU’s sleep per full dirty ring over time, 0 before the limit starts', async () => {
    const dl = await run(preset('guestperf-dirty-limit'))
    const built = chart(dl.data)
    expect(titles(built.option)).toContain(live.panels.dirtyLimit)
    const sleep = values(series(built.option, 'dirty-limit-vcpu-0'))
    expect(sleep[0]).toBe(0)
    expect(Math.max(...sleep)).toBe(dl.result['dirty-limit-throttle-time-per-round']! / 1000)
  })
})
