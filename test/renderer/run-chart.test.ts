import { init } from 'echarts/core'
import { describe, expect, it } from 'vitest'
import {
  aggregateThroughput,
  buildLiveChart,
  switchoverZoom,
  MAX_VISIBLE_LANES,
  switchoverWindow
} from '../../src/renderer/src/charts/live-options'
import { formatMs, formatSecondsTick } from '../../src/renderer/src/charts/format'
import { DARK_PALETTE, LIGHT_PALETTE } from '../../src/renderer/src/charts/palette'
import { RunData } from '../../src/renderer/src/charts/run-data'
import { frameThrottle } from '../../src/renderer/src/charts/throttle'
import type { TelemetryBatch } from '../../src/shared/protocol/migration'
import type { TimelineEvent } from '../../src/shared/result'
import { batch, chartLabels as labels, sample } from './run-fixtures'

// The live chart's option, checked as data and rendered by ECharts itself to SVG (no canvas in
// Node): what the playhead has not reached is not drawn, series are downsampled without losing a
// spike, 64 vCPUs scroll and are summarised, and both themes are honoured.

const timeline: TimelineEvent[] = [
  { 'time-ms': 0, lane: 'migration', state: 'setup' },
  { 'time-ms': 0, lane: 'destination', state: 'loading' },
  { 'time-ms': 0, lane: 'vcpu-0', state: 'running' },
  { 'time-ms': 0, lane: 'vcpu-1', state: 'running' },
  { 'time-ms': 8, lane: 'migration', state: 'iterating' },
  { 'time-ms': 700, lane: 'migration', state: 'syncing', detail: 'dirty-sync-count 2' },
  { 'time-ms': 704, lane: 'migration', state: 'iterating' },
  { 'time-ms': 1500, lane: 'migration', state: 'stop-and-copy' },
  { 'time-ms': 1500, lane: 'vcpu-0', state: 'stopped' },
  { 'time-ms': 1500, lane: 'vcpu-1', state: 'stopped' },
  { 'time-ms': 1540, lane: 'migration', state: 'done' },
  { 'time-ms': 1570, lane: 'destination', state: 'resumed' }
]

function twoVcpuRun(): RunData {
  const data = new RunData()
  data.append(batch(0, 900, timeline.slice(0, 7)))
  data.append(batch(1000, 1500, timeline.slice(7)))
  return data
}

type Series = {
  id: string
  type: string
  data: unknown[]
  markLine?: { data: { xAxis?: number; yAxis?: number }[] }
}
const seriesOf = (option: unknown): Series[] => (option as { series: Series[] }).series
const byId = (option: unknown, id: string): Series => seriesOf(option).find((s) => s.id === id)!

describe('the live chart option', () => {
  // Issue 12: a run without auto-converge drew a throttle panel that reads 0 % from start to end.
  it('draws the auto-converge throttle panel only with auto-converge on or once the throttle rose', () => {
    const build = (data: RunData, autoConverge?: boolean) =>
      buildLiveChart({
        data,
        playheadMs: 1500,
        vcpuCount: 2,
        downtimeLimitMs: 300,
        palette: LIGHT_PALETTE,
        labels,
        locale: 'en',
        ...(autoConverge !== undefined ? { autoConverge } : {})
      })
    const titles = (chart: ReturnType<typeof build>) =>
      (chart.option.title as { text: string }[]).map((t) => t.text)
    const plain = build(twoVcpuRun(), false)
    expect(seriesOf(plain.option).some((s) => s.id === 'throttle')).toBe(false)
    expect(titles(plain)).not.toContain(labels.panels.throttle)
    // The throughput panel moves up into the room: the chart is one panel shorter.
    const withAutoConverge = build(twoVcpuRun(), true)
    expect(seriesOf(withAutoConverge.option).some((s) => s.id === 'throttle')).toBe(true)
    expect(titles(withAutoConverge)).toContain(labels.panels.throttle)
    expect(plain.height).toBeLessThan(withAutoConverge.height)
    // Without the capability flag (a replayed run), a throttle that rose still shows.
    const throttled = new RunData()
    const base = batch(0, 900, timeline.slice(0, 7))
    const rising = {
      ...base,
      progress: base.progress.map((p, i) => ({ ...p, 'cpu-throttle-percentage': i > 4 ? 20 : 0 }))
    }
    throttled.append(rising)
    expect(seriesOf(build(throttled).option).some((s) => s.id === 'throttle')).toBe(true)
    // Every series is on an axis that exists, and ECharts draws the option.
    for (const chart of [plain, withAutoConverge]) {
      const el = init(null, null, { renderer: 'svg', ssr: true, width: 900, height: chart.height })
      el.setOption(chart.option)
      expect(el.renderToSVGString()).toContain('<svg')
      el.dispose()
    }
  })

  it('draws only what the playhead reached', () => {
    const chart = buildLiveChart({
      data: twoVcpuRun(),
      playheadMs: 1000,
      vcpuCount: 2,
      downtimeLimitMs: 300,
      palette: LIGHT_PALETTE,
      labels,
      locale: 'en'
    })
    const remaining = byId(chart.option, 'remaining').data as [number, number][]
    expect(remaining.at(-1)?.[0]).toBe(1000)
    expect(remaining.every(([t]) => t <= 1000)).toBe(true)
    const segments = byId(chart.option, 'timeline').data as [number, number, number, number][]
    expect(segments.every(([, start, end]) => start <= 1000 && end <= 1000)).toBe(true)
    expect((chart.option.xAxis as { max: number }[])[0].max).toBe(1000)
    // The sync at 700 ms is marked; the stop-and-copy at 1500 ms is not reached yet.
    const marks = byId(chart.option, 'remaining').markLine!.data.map((d) => d.xAxis)
    expect(marks).toEqual([700])
    // The downtime-limit is a line on the expected-downtime panel.
    expect(byId(chart.option, 'expected-downtime').markLine!.data.some((d) => d.yAxis === 300)).toBe(true)
    expect(
      seriesOf(chart.option)
        .filter((s) => s.id.startsWith('vcpu-'))
        .map((s) => s.id)
    ).toEqual(['vcpu-0', 'vcpu-1'])
    expect(chart.scrollableLanes).toBe(false)
  })

  it('shows what the guest writes beside the dirty rate, which reads 0 until the first sync', () => {
    // Before QEMU's first dirty sync dirty-pages-rate is 0 (nothing measured yet), while the two
    // vCPUs write 16 + 15 MiB/s: the rates panel must not say the guest writes nothing.
    const data = new RunData()
    const early = batch(0, 500)
    data.append({ ...early, progress: early.progress.map((p) => ({ ...p, 'dirty-pages-rate': 0 })) })
    const chart = buildLiveChart({
      data,
      playheadMs: 500,
      vcpuCount: 2,
      downtimeLimitMs: 300,
      palette: LIGHT_PALETTE,
      labels,
      locale: 'en'
    })
    const dirty = byId(chart.option, 'dirty-rate').data as [number, number][]
    expect(dirty.every(([, v]) => v === 0)).toBe(true)
    const writes = byId(chart.option, 'guest-writes').data as [number, number][]
    expect(writes.length).toBeGreaterThan(0)
    expect(writes.every(([t, v]) => t <= 500 && v === 31)).toBe(true)
    // On the same panel as the dirty rate and the bandwidth, with its own legend entry.
    const ratesLegend = (chart.option.legend as { data: string[] }[]).find((l) =>
      l.data.includes('Dirty rate')
    )
    expect(ratesLegend?.data).toContain('Guest writes')
  })

  it('downsamples long runs without dropping a spike', () => {
    const data = new RunData()
    const progress = Array.from({ length: 50_000 }, (_, i) =>
      sample(i * 100, { 'expected-downtime-ms': i === 31_337 ? 99_999 : 300 + (i % 7) })
    )
    data.append({ 'time-ms': 5_000_000, progress, throughput: [], timeline: [] } satisfies TelemetryBatch)
    const chart = buildLiveChart({
      data,
      playheadMs: 5_000_000,
      vcpuCount: 1,
      downtimeLimitMs: 300,
      palette: LIGHT_PALETTE,
      labels,
      locale: 'en',
      maxPoints: 1000
    })
    const expected = byId(chart.option, 'expected-downtime').data as [number, number][]
    expect(expected.length).toBeLessThanOrEqual(1000)
    expect(Math.max(...expected.map(([, v]) => v))).toBe(99_999)
  })

  it('scrolls the lanes of a 64-vCPU guest and summarises its throughput', () => {
    const data = new RunData()
    const events: TimelineEvent[] = [{ 'time-ms': 0, lane: 'migration', state: 'iterating' }]
    for (let v = 0; v < 64; v++) events.push({ 'time-ms': 0, lane: `vcpu-${v}`, state: 'running' })
    data.append({
      'time-ms': 1000,
      progress: [sample(0), sample(1000)],
      throughput: Array.from({ length: 64 }, (_, v) => ({
        vcpu: v,
        'bucket-ms': 100,
        'start-ms': 0,
        'mib-per-s': Array(10).fill(v)
      })),
      timeline: events
    })
    const chart = buildLiveChart({
      data,
      playheadMs: 1000,
      vcpuCount: 64,
      downtimeLimitMs: 300,
      palette: DARK_PALETTE,
      labels,
      locale: 'en',
      initial: true
    })
    expect(chart.scrollableLanes).toBe(true)
    const zoom = (
      chart.option.dataZoom as { id: string; yAxisIndex?: number; startValue?: number; endValue?: number }[]
    ).find((z) => z.id === 'lanes')
    expect(zoom).toMatchObject({ yAxisIndex: 0, startValue: 0, endValue: MAX_VISIBLE_LANES - 1 })
    expect(
      seriesOf(chart.option)
        .filter((s) => s.id.startsWith('vcpu-'))
        .map((s) => s.id)
    ).toEqual(['vcpu-max', 'vcpu-mean', 'vcpu-min'])
    // The chart's height does not grow with the vCPU count.
    const small = buildLiveChart({
      data: twoVcpuRun(),
      playheadMs: 1000,
      vcpuCount: 2,
      downtimeLimitMs: 300,
      palette: DARK_PALETTE,
      labels,
      locale: 'en'
    })
    expect(chart.height - small.height).toBeLessThanOrEqual((MAX_VISIBLE_LANES - 4) * 20)
  })

  it('averages throughput across vCPUs bucket by bucket', () => {
    const data = new RunData()
    data.append({
      'time-ms': 300,
      progress: [],
      timeline: [],
      throughput: [
        { vcpu: 0, 'bucket-ms': 100, 'start-ms': 0, 'mib-per-s': [10, 20, 30] },
        { vcpu: 1, 'bucket-ms': 100, 'start-ms': 0, 'mib-per-s': [30, 0] }
      ]
    })
    data.append({
      'time-ms': 300,
      progress: [],
      timeline: [],
      throughput: [{ vcpu: 1, 'bucket-ms': 100, 'start-ms': 200, 'mib-per-s': [30] }]
    })
    expect(aggregateThroughput(data, 150)).toEqual({
      timeMs: [0, 100],
      min: [10, 0],
      mean: [20, 10],
      max: [30, 20],
      total: [40, 20]
    })
    expect(aggregateThroughput(data, 1000).mean).toEqual([20, 10, 30])
  })

  it('shows the state a finished run ended in past its last event', () => {
    const chart = buildLiveChart({
      data: twoVcpuRun(),
      playheadMs: 1570,
      vcpuCount: 2,
      downtimeLimitMs: 300,
      palette: LIGHT_PALETTE,
      labels,
      locale: 'en',
      ended: true
    })
    const xMax = (chart.option.xAxis as { max: number }[])[0].max
    expect(xMax).toBeGreaterThan(1570)
    const segments = byId(chart.option, 'timeline').data as [number, number, number, number][]
    // The destination (lane 1) runs from 1570 ms to the end of the axis.
    expect(segments.find(([lane, start]) => lane === 1 && start === 1570)?.[2]).toBe(xMax)
  })

  it('knows where the switchover is, to zoom on it', () => {
    // Stop-and-copy at 1500 ms, destination resumed at 1570 ms.
    expect(switchoverWindow(twoVcpuRun())).toEqual({ startMs: 1220, endMs: 1584 })
    const before = new RunData()
    before.append(batch(0, 900, timeline.slice(0, 7)))
    expect(switchoverWindow(before)).toBeNull()
  })

  it('follows the theme', () => {
    const make = (palette: typeof LIGHT_PALETTE) =>
      buildLiveChart({
        data: twoVcpuRun(),
        playheadMs: 1500,
        vcpuCount: 2,
        downtimeLimitMs: 300,
        palette,
        labels,
        locale: 'en'
      })
    const light = make(LIGHT_PALETTE).option as { textStyle: { color: string } }
    const dark = make(DARK_PALETTE).option as { textStyle: { color: string } }
    expect(light.textStyle.color).toBe(LIGHT_PALETTE.text)
    expect(dark.textStyle.color).toBe(DARK_PALETTE.text)
    expect(light.textStyle.color).not.toBe(dark.textStyle.color)
  })

  it('draws the downtime-limit clear of the x-axis, and the drop below it that ends the run', () => {
    // Expected downtime falls from 2 s to 150 ms, under the 300 ms limit: the switchover.
    const data = new RunData()
    const b = batch(0, 1500, timeline)
    data.append({
      ...b,
      progress: b.progress.map((p, i) => ({ ...p, 'expected-downtime-ms': i < 15 ? 2000 - i * 100 : 150 }))
    })
    const chart = buildLiveChart({
      data,
      playheadMs: 1600,
      vcpuCount: 2,
      downtimeLimitMs: 300,
      palette: LIGHT_PALETTE,
      labels,
      locale: 'en'
    })
    const instance = init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: chart.height })
    instance.setOption(chart.option)
    const grid = (chart.option.grid as { top: number; height: number }[])[3]
    const bottom = grid.top + grid.height
    const y = (ms: number) => instance.convertToPixel({ yAxisIndex: 4 }, ms) as number
    // Both the limit and the lowest value lie well inside the panel, not on its x-axis.
    expect(bottom - y(300)).toBeGreaterThan(grid.height / 5)
    expect(bottom - y(150)).toBeGreaterThan(grid.height / 10)
    instance.dispose()
    const limit = byId(chart.option, 'expected-downtime').markLine!.data.find((d) => d.yAxis === 300) as {
      label: { position: string }
    }
    expect(limit.label.position).toBe('insideStartBottom')
  })

  it('zooms to the switchover up to past the destination’s resume, with no tick label twice', () => {
    // A real default run's end: stop-and-copy at 37.704 s, done at 37.741 s, the destination
    // resumes at 37.771 s — and the replay's playhead stops exactly there.
    const data = new RunData()
    data.append(
      batch(37_000, 37_700, [
        { 'time-ms': 37_000, lane: 'migration', state: 'iterating' },
        { 'time-ms': 37_000, lane: 'destination', state: 'loading' },
        { 'time-ms': 37_000, lane: 'vcpu-0', state: 'running' },
        { 'time-ms': 37_000, lane: 'vcpu-1', state: 'running' },
        { 'time-ms': 37_704, lane: 'migration', state: 'stop-and-copy' },
        { 'time-ms': 37_704, lane: 'vcpu-0', state: 'stopped' },
        { 'time-ms': 37_704, lane: 'vcpu-1', state: 'stopped' },
        { 'time-ms': 37_741.049, lane: 'migration', state: 'done' },
        { 'time-ms': 37_771.149, lane: 'destination', state: 'resumed' }
      ])
    )
    const chart = buildLiveChart({
      data,
      playheadMs: data.endMs,
      vcpuCount: 2,
      downtimeLimitMs: 300,
      palette: LIGHT_PALETTE,
      labels,
      locale: 'en',
      ended: true
    })
    // The whole run: ticks, and no label at the axis's odd end ("38.5266 s").
    const whole = init(null, null, { renderer: 'svg', ssr: true, width: 1400, height: chart.height })
    whole.setOption(chart.option)
    const wholeSvg = whole.renderToSVGString()
    whole.dispose()
    expect(wholeSvg).not.toMatch(/>\d+\.\d{3,} s</)
    const zoom = switchoverZoom(data, chart.xMaxMs)!
    // The end of the pause is on screen, with room after it.
    expect(zoom.startValue).toBeLessThan(37_704)
    expect(zoom.endValue).toBeGreaterThan(37_771.149 + 5)
    // As wide as the Live screen at 1440 × 900.
    const instance = init(null, null, { renderer: 'svg', ssr: true, width: 1400, height: chart.height })
    instance.setOption(chart.option)
    instance.dispatchAction({ type: 'dataZoom', dataZoomIndex: 0, ...zoom })
    const svg = instance.renderToSVGString()
    instance.dispose()
    const ticks = [...svg.matchAll(/>(3\d\.\d+ s)</g)].map((m) => m[1])
    expect(ticks.length).toBeGreaterThan(3)
    // Each of the panels' time axes shows the same ticks; within one no label appears twice
    // (it read 37.5 s, 37.5 s, 37.6 s, 37.6 s …).
    // (the hidden throttle panel's axis, a run without auto-converge, draws no labels)
    const axes = (chart.option.xAxis as { show?: boolean }[]).filter((a) => a.show !== false).length
    const counts = new Map<string, number>()
    for (const tick of ticks) counts.set(tick, (counts.get(tick) ?? 0) + 1)
    expect(Math.max(...counts.values())).toBe(axes)
    // No odd label at the axis's end (it read "37.7846 s").
    expect(ticks.every((tick) => /^\d+\.\d{1,2} s$/.test(tick))).toBe(true)
  })

  it('says minutes and seconds in Chinese on the Chinese UI', () => {
    expect(formatMs(74_700, 'en')).toBe('1 min 14.7 s')
    expect(formatMs(74_700, 'zh-CN')).toBe('1 分 14.7 秒')
  })

  it('says short durations in Chinese words too (issue 12: "37.77 s" beside "1 分 14.7 秒")', () => {
    expect(formatMs(37_770, 'zh-CN')).toBe('37.77 秒')
    expect(formatMs(39.44, 'zh-CN')).toBe('39.4 毫秒')
    expect(formatMs(0.5, 'zh-CN')).toBe('0.5 毫秒')
    expect(formatMs(37_770, 'en')).toBe('37.77 s')
    expect(formatMs(39.44, 'en')).toBe('39.4 ms')
    // The time axis too: "10 s" beside "1 秒" on the same chart before.
    expect(formatSecondsTick(10_000, 'zh-CN')).toBe('10 秒')
    expect(formatSecondsTick(10_000, 'en')).toBe('10 s')
  })

  it('gives ticks the digits they have', () => {
    expect(formatSecondsTick(37_450)).toBe('37.45 s')
    expect(formatSecondsTick(37_500)).toBe('37.5 s')
    expect(formatSecondsTick(5_000)).toBe('5 s')
    expect(formatSecondsTick(1_250)).toBe('1.25 s')
    expect(formatSecondsTick(120_000)).toBe('120 s')
  })

  it('renders with ECharts: lanes, lines and their labels', () => {
    const chart = buildLiveChart({
      data: twoVcpuRun(),
      playheadMs: 1600,
      vcpuCount: 2,
      downtimeLimitMs: 300,
      palette: LIGHT_PALETTE,
      labels,
      locale: 'en'
    })
    const instance = init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: chart.height })
    instance.setOption(chart.option)
    const svg = instance.renderToSVGString()
    instance.dispose()
    expect(svg).toContain('Migration thread')
    expect(svg).toContain('vCPU 1')
    expect(svg).toContain('downtime-limit')
    // Swimlane rectangles and series lines are paths.
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(50)
    expect(svg).toContain(LIGHT_PALETTE.states.running)
  })
})

describe('chart update throttling', () => {
  it('runs the work at most once per frame and at most every 100 ms', () => {
    let now = 0
    const frames: (() => void)[] = []
    const timers: { at: number; fn: () => void }[] = []
    let runs = 0
    const throttle = frameThrottle(() => runs++, 100, {
      now: () => now,
      requestFrame: (fn) => frames.push(fn),
      cancelFrame: () => {},
      setTimeout: (fn, ms) => timers.push({ at: now + ms, fn }),
      clearTimeout: () => {}
    })
    const tick = (ms: number) => {
      now += ms
      const due = timers.filter((t) => t.at <= now)
      timers.splice(0, timers.length, ...timers.filter((t) => t.at > now))
      for (const t of due) t.fn()
      for (const f of frames.splice(0)) f()
    }
    for (let i = 0; i < 50; i++) {
      throttle.schedule()
      tick(10)
    }
    // 500 ms of schedules every 10 ms: about 5 runs, never 50.
    expect(runs).toBeGreaterThanOrEqual(4)
    expect(runs).toBeLessThanOrEqual(6)
  })
})
