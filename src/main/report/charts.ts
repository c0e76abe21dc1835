/**
 * The report's charts, rendered on the server as inline SVG with ECharts' SSR renderer
 * (`renderToSVGString`): no script, no canvas, nothing fetched — the SVG is part of the HTML and
 * prints into the PDF as vectors. Only the chart types and components used are registered.
 *
 * Every x axis is virtual time in seconds since the migration started. Series are min/max
 * downsampled (src/shared/downsample.ts), so a spike — the switchover, a sync — survives.
 */
import { BarChart, LineChart, ScatterChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { downsampleXy } from '../../shared/downsample'
import { chartText, type ChartText } from './chart-text'
import { onLogAxis } from '../../shared/log-axis'
import type { SummaryGroup } from '../../shared/history'
import type { ProgressSample } from '../../shared/result'
import {
  MIB,
  formatNumber,
  maxThrottlePercent,
  migrationSettings,
  runIsMeasured,
  runTitle,
  shortPath,
  switchoverTimeMs,
  configValueAt,
  type ComparisonReportData,
  type LabLocale,
  type ReportRun
} from '../../shared/report'

echarts.use([
  LineChart,
  ScatterChart,
  BarChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkAreaComponent,
  SVGRenderer
])

export interface ReportChart {
  /** Stable id (`remaining`, `throughput`, …), used as the figure's id in the HTML. */
  id: string
  title: string
  /** One or two sentences under the chart: what to look for. */
  caption: string
  svg: string
}

export const CHART_WIDTH = 760
export const CHART_HEIGHT = 280
/** Points per series: enough for a 760 px wide chart, small enough for a light file. */
const MAX_POINTS = 500
/** Runs drawn as separate lines in a comparison's time charts. */
const MAX_OVERLAY_RUNS = 10

const PALETTE = [
  '#2f6fb3',
  '#d9822b',
  '#3a9a5b',
  '#c23b3b',
  '#7d5ba6',
  '#8c6d31',
  '#d45d9e',
  '#5f6b7a',
  '#17a2b8',
  '#b5b82e'
]
const GREY = '#8a94a3'
const FONT = 'Helvetica, Arial, sans-serif'

type Option = echarts.EChartsCoreOption

/** Renders one option to an SVG string (no animation; fixed size, scaled by CSS). */
export function renderSvg(option: Option, width = CHART_WIDTH, height = CHART_HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: FONT }, ...option })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

const seconds = (ms: number): number => ms / 1000

function timeAxis(maxMs?: number): Record<string, unknown> {
  return {
    type: 'value',
    name: 'virtual time (s)',
    nameLocation: 'middle',
    nameGap: 26,
    min: 0,
    ...(maxMs !== undefined && maxMs > 0 ? { max: Number(seconds(maxMs).toPrecision(4)) } : {}),
    // The exact end would crowd the last round label.
    axisLabel: { formatter: (v: number) => formatNumber(v), showMaxLabel: maxMs === undefined },
    splitLine: { show: false }
  }
}

function valueAxis(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'value',
    name,
    nameTextStyle: { align: 'left' },
    axisLabel: { formatter: (v: number) => formatNumber(v) },
    splitLine: { lineStyle: { color: '#e6e9ee' } },
    ...extra
  }
}

const GRID = { left: 64, right: 64, top: 44, bottom: 44 }
const LEGEND = { top: 4, left: 'center', itemWidth: 18, textStyle: { fontSize: 11 } }

/** An (x s, y) series from progress samples, downsampled. */
function progressSeries(
  progress: readonly ProgressSample[],
  value: (p: ProgressSample) => number
): number[][] {
  const xs = progress.map((p) => seconds(p['time-ms']))
  const ys = progress.map(value)
  const { x, y } = downsampleXy(xs, ys, MAX_POINTS)
  return x.map((t, i) => [t, y[i]])
}

function line(
  name: string,
  data: (number | null)[][],
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return { type: 'line', name, data, showSymbol: false, lineStyle: { width: 1.6 }, ...extra }
}

/** A vertical marker at the switchover (the guest stopped), when the run switched over. */
function switchoverMark(run: ReportRun): Record<string, unknown> | undefined {
  const at = switchoverTimeMs(run.result)
  if (at === null) return undefined
  return {
    silent: true,
    symbol: 'none',
    lineStyle: { color: '#c23b3b', type: 'dashed' },
    label: { formatter: 'switchover', color: '#c23b3b', fontSize: 10 },
    data: [{ xAxis: seconds(at) }]
  }
}

// ---------------------------------------------------------------------------------------------
// One run

/** Where a run's time axes end: the later of the last sample and the guest's resume. */
function runEndMs(run: ReportRun): number | undefined {
  const ends: number[] = []
  if (run.result) ends.push(run.result['total-time'])
  const last = run.progress.at(-1)
  if (last) ends.push(last['time-ms'])
  const at = switchoverTimeMs(run.result)
  if (at !== null) ends.push(at + (run.result?.lab['guest-pause-ms'] ?? 0))
  for (const t of run.throughput) {
    const lastBucket = t['time-ms'].at(-1)
    if (lastBucket !== undefined) ends.push(lastBucket + t['bucket-ms'])
  }
  return ends.length > 0 ? Math.max(...ends) : undefined
}

export function runCharts(run: ReportRun, locale: LabLocale = 'en'): ReportChart[] {
  const T = chartText(locale)
  const charts: ReportChart[] = []
  const settings = migrationSettings(run.config)
  const page = settings.pageSizeBytes
  const progress = run.progress
  const endMs = runEndMs(run)
  if (progress.length > 0) {
    const syncPoints = run.iterations.map((s) => [seconds(s['time-ms']), (s['remaining-pages'] * page) / MIB])
    charts.push({
      id: 'remaining',
      title: T.remaining.title,
      caption: T.remaining.caption,
      svg: renderSvg({
        legend: LEGEND,
        grid: GRID,
        xAxis: timeAxis(endMs),
        yAxis: valueAxis('MiB'),
        series: [
          line(
            'remaining',
            progressSeries(progress, (p) => p['remaining-bytes'] / MIB),
            {
              markLine: switchoverMark(run)
            }
          ),
          line(
            'threshold',
            progressSeries(progress, (p) => p['threshold-bytes'] / MIB),
            {
              lineStyle: { width: 1.4, type: 'dashed' }
            }
          ),
          { type: 'scatter', name: 'dirty sync', data: syncPoints, symbol: 'diamond', symbolSize: 7 }
        ]
      })
    })
    charts.push({
      id: 'bandwidth',
      title: T.bandwidth.title,
      caption:
        T.bandwidth.caption +
        (settings.availSwitchoverBandwidthBytesPerS > 0 ? T.bandwidth.availSwitchover : ''),
      svg: renderSvg({
        legend: LEGEND,
        grid: GRID,
        xAxis: timeAxis(endMs),
        yAxis: [valueAxis('MiB/s'), valueAxis('threshold MiB', { splitLine: { show: false } })],
        series: [
          line(
            'bandwidth estimate',
            progressSeries(progress, (p) => (p['bandwidth-bytes-per-ms'] * 1000) / MIB)
          ),
          line(
            'threshold',
            progressSeries(progress, (p) => p['threshold-bytes'] / MIB),
            {
              yAxisIndex: 1,
              lineStyle: { width: 1.4, type: 'dashed' }
            }
          )
        ]
      })
    })
    charts.push({
      id: 'expected-downtime',
      title: T.expectedDowntime.title,
      caption: T.expectedDowntime.caption,
      svg: renderSvg({
        legend: LEGEND,
        grid: GRID,
        xAxis: timeAxis(endMs),
        yAxis: valueAxis('ms'),
        series: [
          line(
            'expected-downtime',
            progressSeries(progress, (p) => p['expected-downtime-ms']),
            {
              step: 'end',
              markLine: {
                silent: true,
                symbol: 'none',
                lineStyle: { color: '#c23b3b', type: 'dashed' },
                label: {
                  formatter: `downtime-limit ${settings.downtimeLimitMs} ms`,
                  position: 'insideEndTop',
                  fontSize: 10
                },
                data: [{ yAxis: settings.downtimeLimitMs }]
              }
            }
          )
        ]
      })
    })
    charts.push({
      id: 'dirty-rate',
      title: T.dirtyRate.title,
      caption: T.dirtyRate.caption,
      svg: renderSvg({
        legend: LEGEND,
        grid: GRID,
        xAxis: timeAxis(endMs),
        yAxis: valueAxis('MiB/s'),
        series: [
          line(
            'dirty-pages-rate',
            progressSeries(progress, (p) => (p['dirty-pages-rate'] * page) / MIB),
            { step: 'end' }
          ),
          line(
            'bandwidth estimate',
            progressSeries(progress, (p) => (p['bandwidth-bytes-per-ms'] * 1000) / MIB),
            {
              color: GREY,
              lineStyle: { width: 1.2 }
            }
          )
        ]
      })
    })
    if (settings.autoConverge || maxThrottlePercent(run) > 0)
      charts.push({
        id: 'throttle',
        title: T.throttle.title,
        caption: T.throttle.caption,
        svg: renderSvg({
          legend: LEGEND,
          grid: GRID,
          xAxis: timeAxis(endMs),
          yAxis: valueAxis('%', { min: 0, max: 100 }),
          series: [
            line(
              'cpu-throttle-percentage',
              progressSeries(progress, (p) => p['cpu-throttle-percentage']),
              {
                step: 'end',
                areaStyle: { opacity: 0.15 }
              }
            )
          ]
        })
      })
  }
  const throughput = throughputChart(run, endMs, T)
  if (throughput) charts.push(throughput)
  return charts
}

function throughputChart(run: ReportRun, endMs: number | undefined, T: ChartText): ReportChart | null {
  const series = run.throughput.filter((t) => t['time-ms'].length > 0)
  if (series.length === 0) return null
  const at = switchoverTimeMs(run.result)
  const pause = run.result?.lab['guest-pause-ms'] ?? 0
  const pauseArea =
    at !== null
      ? {
          silent: true,
          itemStyle: { color: 'rgba(194, 59, 59, 0.12)' },
          label: { formatter: T.throughput.guestPaused, fontSize: 10, color: '#c23b3b' },
          data: [[{ xAxis: seconds(at) }, { xAxis: seconds(at + Math.max(pause, 1)) }]]
        }
      : undefined
  let lines: Record<string, unknown>[]
  if (series.length <= 8) {
    lines = series.map((t, i) => {
      const { x, y } = downsampleXy(t['time-ms'].map(seconds), t['mib-per-s'], MAX_POINTS)
      return line(
        `vCPU ${t.vcpu}`,
        x.map((v, j) => [v, y[j]]),
        i === 0 && pauseArea ? { markArea: pauseArea } : {}
      )
    })
  } else {
    // Many vCPUs: the spread across them per bucket, not a tangle of lines.
    const base = series[0]
    const rows = base['time-ms'].map((t, j) => {
      const values = series.map((s) => s['mib-per-s'][j] ?? 0)
      return [
        seconds(t),
        Math.min(...values),
        values.reduce((a, b) => a + b, 0) / values.length,
        Math.max(...values)
      ]
    })
    const pick = (k: number): number[][] => {
      const { x, y } = downsampleXy(
        rows.map((r) => r[0]),
        rows.map((r) => r[k]),
        MAX_POINTS
      )
      return x.map((v, j) => [v, y[j]])
    }
    lines = [
      line('min over vCPUs', pick(1), { color: GREY, lineStyle: { width: 1 } }),
      line('mean over vCPUs', pick(2), pauseArea ? { markArea: pauseArea } : {}),
      line('max over vCPUs', pick(3), { color: GREY, lineStyle: { width: 1, type: 'dashed' } })
    ]
  }
  const measured = runIsMeasured(run)
  return {
    id: 'throughput',
    title: measured ? T.throughput.titleMeasured : T.throughput.title,
    caption: T.throughput.caption,
    svg: renderSvg({
      legend: LEGEND,
      grid: GRID,
      xAxis: timeAxis(endMs),
      yAxis: valueAxis('MiB/s', { min: 0 }),
      series: lines
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Comparisons

function keyLabel(key: SummaryGroup['key']): string {
  return key === null ? '(none)' : String(key)
}

/** Categories of the group axis, in summarize's order (numbers ascending, …). */
function groupKeys(data: ComparisonReportData): SummaryGroup['key'][] {
  const keys: SummaryGroup['key'][] = []
  const seen = new Set<string>()
  for (const { summary } of data.summaries)
    for (const g of summary.groups) {
      const id = JSON.stringify(g.key)
      if (!seen.has(id)) {
        seen.add(id)
        keys.push(g.key)
      }
    }
  return keys
}

/**
 * A metric against the first varied parameter: per series the mean (line), the min–max range (a
 * band) and every run's own value (dots), so the spread over repetitions is visible.
 */
function metricVsParameter(
  data: ComparisonReportData,
  metric: 'downtimeMs' | 'totalTimeMs',
  runValue: (run: ReportRun) => number | null,
  unit: { name: string; perMs: number }
): string {
  const scale = (v: number | null | undefined): number | null =>
    v === null || v === undefined ? null : v / unit.perMs
  const path = data.variedPaths[0] as string
  const keys = groupKeys(data)
  const categories = keys.map(keyLabel)
  // A numeric parameter goes on a value axis (50, 100, 1000 ms spaced as numbers, not evenly).
  const numeric = keys.length > 0 && keys.every((k) => typeof k === 'number')
  const x = (key: SummaryGroup['key'] | undefined): string | number =>
    numeric && typeof key === 'number' ? key : keyLabel(key ?? null)
  /** Per-key values as the x axis wants them: pairs on a value axis, a column on a category one. */
  const along = (values: (number | null)[]): unknown[] =>
    numeric ? values.map((v, i) => [keys[i], v]) : values
  const series: Record<string, unknown>[] = []
  data.summaries.forEach(({ series: seriesName, summary }, s) => {
    const color = PALETTE[s % PALETTE.length]
    const byKey = new Map(summary.groups.map((g) => [JSON.stringify(g.key), g]))
    const stats = keys.map((k) => byKey.get(JSON.stringify(k))?.[metric])
    const name = seriesName ?? 'mean'
    const stack = `band-${s}`
    if (numeric) {
      // On a value axis the min–max range is two thin lines (a stacked band needs categories).
      for (const end of ['min', 'max'] as const)
        series.push({
          type: 'line',
          name: `${name} ${end}`,
          data: along(stats.map((st) => scale(st?.[end]))),
          color,
          lineStyle: { width: 1, type: 'dashed', opacity: 0.6 },
          symbol: 'none',
          silent: true,
          connectNulls: false
        })
    } else {
      series.push({
        type: 'line',
        name: `${name} min`,
        data: stats.map((st) => scale(st?.min)),
        stack,
        lineStyle: { opacity: 0 },
        symbol: 'none',
        silent: true,
        tooltip: { show: false }
      })
      series.push({
        type: 'line',
        name: `${name} range`,
        data: stats.map((st) => (st && st.min !== null && st.max !== null ? scale(st.max - st.min) : null)),
        stack,
        lineStyle: { opacity: 0 },
        symbol: 'none',
        silent: true,
        areaStyle: { color, opacity: 0.18 }
      })
    }
    series.push({
      type: 'line',
      name,
      data: along(stats.map((st) => scale(st?.mean))),
      color,
      symbol: 'circle',
      symbolSize: 6,
      lineStyle: { width: 2 },
      connectNulls: false
    })
    const memberIds = new Set(summary.groups.flatMap((g) => g.runIds))
    const dots: [string | number, number][] = []
    for (const run of data.runs) {
      if (!memberIds.has(run.record.id)) continue
      const v = runValue(run)
      if (v === null) continue
      const key = configValueAt(run.config, path) ?? null
      dots.push([x(key), v / unit.perMs])
    }
    series.push({
      type: 'scatter',
      name: `${name} runs`,
      data: dots,
      color,
      symbolSize: 5,
      itemStyle: { opacity: 0.55 }
    })
    // A value with no run that has this metric (none switched over) is marked on the axis, not left blank.
    const empty = keys.filter((k) => {
      const g = byKey.get(JSON.stringify(k))
      return g !== undefined && g[metric].n === 0
    })
    if (empty.length > 0)
      series.push({
        type: 'scatter',
        name: 'no switchover',
        data: empty.map((k) => [x(k), 0]),
        symbol: 'triangle',
        symbolSize: 9,
        color,
        label: { show: true, position: 'top', formatter: 'no switchover', fontSize: 10, color }
      })
  })
  return renderSvg({
    legend: { ...LEGEND, data: data.summaries.map((s) => s.series ?? 'mean') },
    grid: { ...GRID, bottom: 52 },
    xAxis: numeric
      ? { type: 'value', scale: true, name: shortPath(path), nameLocation: 'middle', nameGap: 30 }
      : {
          type: 'category',
          data: categories,
          name: shortPath(path),
          nameLocation: 'middle',
          nameGap: 30,
          boundaryGap: true
        },
    yAxis: valueAxis(unit.name, { min: 0 }),
    series
  })
}

/** A bar per run: when no parameter varies, each run is its own category. */
function metricPerRun(
  data: ComparisonReportData,
  value: (run: ReportRun) => number | null,
  unit: string
): string {
  return renderSvg({
    grid: { ...GRID, bottom: 60 },
    xAxis: {
      type: 'category',
      data: data.runs.map((r) => `${r.record.id}${runIsMeasured(r) ? ' (measured)' : ''}`),
      name: 'run',
      nameLocation: 'middle',
      nameGap: 40,
      axisLabel: { rotate: data.runs.length > 8 ? 45 : 0, fontSize: 10 }
    },
    yAxis: valueAxis(unit, { min: 0 }),
    series: [{ type: 'bar', data: data.runs.map(value), barMaxWidth: 28 }]
  })
}

/** The runs a time chart draws: all when few, else the first run of each group. */
function overlayRuns(data: ComparisonReportData): ReportRun[] {
  if (data.runs.length <= MAX_OVERLAY_RUNS) return data.runs
  const path = data.variedPaths[0]
  if (path === undefined) return data.runs.slice(0, MAX_OVERLAY_RUNS)
  const seen = new Set<string>()
  const picked: ReportRun[] = []
  for (const run of data.runs) {
    const key = data.variedPaths.map((p) => JSON.stringify(configValueAt(run.config, p) ?? null)).join('|')
    if (seen.has(key)) continue
    seen.add(key)
    picked.push(run)
    if (picked.length === MAX_OVERLAY_RUNS) break
  }
  return picked
}

function runLegend(run: ReportRun, T: ChartText): string {
  const name = runTitle(run.record).replace(/^Run /, '')
  return `${name.length > 56 ? `${name.slice(0, 55)}…` : name}${runIsMeasured(run) ? T.measured : ''}`
}

export function comparisonCharts(data: ComparisonReportData, locale: LabLocale = 'en'): ReportChart[] {
  const T = chartText(locale)
  const charts: ReportChart[] = []
  const downtime = (run: ReportRun): number | null =>
    run.result?.status === 'completed' ? (run.result.downtime ?? null) : null
  const totalTime = (run: ReportRun): number | null => run.result?.['total-time'] ?? null
  const path = data.variedPaths[0]
  if (path !== undefined) {
    charts.push({
      id: 'downtime-vs-parameter',
      title: T.downtimeVs(shortPath(path)),
      caption: T.downtimeVsCaption,
      svg: metricVsParameter(data, 'downtimeMs', downtime, { name: 'ms', perMs: 1 })
    })
    charts.push({
      id: 'total-time-vs-parameter',
      title: T.totalTimeVs(shortPath(path)),
      caption: T.totalTimeVsCaption,
      svg: metricVsParameter(data, 'totalTimeMs', totalTime, { name: 's', perMs: 1000 })
    })
  } else {
    charts.push({
      id: 'downtime-per-run',
      title: T.downtimePerRun.title,
      caption: T.downtimePerRun.caption,
      svg: metricPerRun(data, downtime, 'ms')
    })
  }
  const overlay = overlayRuns(data)
  const shown = overlay.length < data.runs.length ? T.showing(overlay.length, data.runs.length) : ''
  const endMs = Math.max(...overlay.map((r) => runEndMs(r) ?? 0))
  const legendRows = (n: number): number => Math.ceil(n / 3)
  const overlayGrid = (n: number): Record<string, unknown> => ({ ...GRID, top: 44 + 22 * legendRows(n) })
  const overlayHeight = (n: number): number => CHART_HEIGHT + 22 * legendRows(n)
  charts.push({
    id: 'remaining-overlay',
    title: T.remainingOverlay.title,
    caption: `${T.remainingOverlay.caption}${shown}`,
    svg: renderSvg(
      {
        legend: LEGEND,
        grid: overlayGrid(overlay.length),
        xAxis: timeAxis(endMs),
        // Log, as on the Compare screen: the tail where configurations differ is MiB of GiB.
        yAxis: valueAxis('MiB', { type: 'log', logBase: 10 }),
        series: overlay.map((run) =>
          line(
            runLegend(run, T),
            progressSeries(run.progress, (p) => p['remaining-bytes'] / MIB).map(([t, v]) => [t, onLogAxis(v)])
          )
        )
      },
      CHART_WIDTH,
      overlayHeight(overlay.length)
    )
  })
  const withThroughput = overlay.filter((r) => r.throughput.some((t) => t['time-ms'].length > 0))
  if (withThroughput.length > 0)
    charts.push({
      id: 'throughput-overlay',
      title: T.throughputOverlay.title,
      caption: `${T.throughputOverlay.caption}${shown}`,
      svg: renderSvg(
        {
          legend: LEGEND,
          grid: overlayGrid(withThroughput.length),
          xAxis: timeAxis(endMs),
          yAxis: valueAxis('MiB/s', { min: 0 }),
          series: withThroughput.map((run) => line(runLegend(run, T), summedThroughput(run)))
        },
        CHART_WIDTH,
        overlayHeight(withThroughput.length)
      )
    })
  return charts
}

/** The guest's total write rate: each vCPU's buckets summed by time. */
function summedThroughput(run: ReportRun): number[][] {
  const byTime = new Map<number, number>()
  for (const series of run.throughput)
    series['time-ms'].forEach((t, i) => byTime.set(t, (byTime.get(t) ?? 0) + (series['mib-per-s'][i] ?? 0)))
  const times = [...byTime.keys()].sort((a, b) => a - b)
  const { x, y } = downsampleXy(
    times.map(seconds),
    times.map((t) => byTime.get(t) ?? 0),
    MAX_POINTS
  )
  return x.map((v, i) => [v, y[i]])
}
