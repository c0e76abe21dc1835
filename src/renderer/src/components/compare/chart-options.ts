import type { CustomSeriesRenderItem } from 'echarts'
import type { LineSeriesOption } from 'echarts/charts'
import type { LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { MetricStats, RunDetail, RunRecord } from '../../../../shared/history'
import type { LabChartOption } from '../../charts/echarts'
import type { ChartPalette } from '../../charts/palette'
import { onLogAxis } from '../../../../shared/log-axis'
import { labelWithUnit } from '../../../../shared/config/catalog'
import { runMetric, type CompareGroup, type MetricKey } from '../../stores/compare'

/**
 * ECharts options of the Compare screen, as pure functions of the compared data so that tests
 * can check what a chart shows without drawing it (happy-dom has no canvas, toolchain.md §7).
 * Labels come in already translated; units are SI/IEC symbols (ms, s, MiB, GiB). Colours come
 * from the page's chart palette (charts/palette.ts), so the charts follow the light/dark theme.
 */

export type CompareChartOption = LabChartOption

export type Spread = 'range' | 'stddev'

export interface MetricScale {
  divisor: number
  unit: string
}

/** How a metric is shown: ms for downtimes, s for total time, MiB or GiB for bytes. */
export function metricScale(metric: MetricKey, maxValue: number): MetricScale {
  switch (metric) {
    case 'downtimeMs':
    case 'guestPauseMs':
      return { divisor: 1, unit: 'ms' }
    case 'totalTimeMs':
      return { divisor: 1000, unit: 's' }
    case 'transferredBytes':
      return maxValue >= 10 * 2 ** 30 ? { divisor: 2 ** 30, unit: 'GiB' } : { divisor: 2 ** 20, unit: 'MiB' }
  }
}

/** A number for a tooltip or a table: 3–4 significant digits, no exponent for ordinary values. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  if (abs === 0) return '0'
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  return value.toPrecision(3)
}

/** Decimals formatNumber gives a value of this size. */
function decimalsOf(value: number): number {
  const abs = Math.abs(value)
  return abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.max(0, 2 - Math.floor(Math.log10(abs)))
}

/**
 * A standard deviation to one digit finer than the mean it spreads around: "±1.2" beside 301,
 * and "±<0.1" (not "±0.000392") where the repetitions agree to better than that.
 */
export function formatSpread(stddev: number | null, mean: number | null, divisor = 1): string {
  if (stddev === null || !Number.isFinite(stddev)) return '±—'
  const sd = stddev / divisor
  const reference = mean === null || mean === 0 ? sd : mean / divisor
  const digits = (reference === 0 ? 0 : decimalsOf(reference)) + 1
  const step = 10 ** -digits
  if (sd === 0) return '±0'
  if (sd < step / 2) return `±<${step.toFixed(digits)}`
  return `±${sd.toFixed(digits)}`
}

/** The low and high ends of a whisker, or null when there is nothing to show. */
export function whiskerBounds(stats: MetricStats, spread: Spread): [number, number] | null {
  if (stats.n < 2 || stats.mean === null) return null
  if (spread === 'range') return stats.min !== null && stats.max !== null ? [stats.min, stats.max] : null
  return stats.stddev !== null ? [stats.mean - stats.stddev, stats.mean + stats.stddev] : null
}

export interface ChartLabels {
  /** The metric, e.g. "Downtime". */
  title: string
  mean: string
  range: string
  stddev: string
  runs: string
  /** Axis name of the group-by parameter (e.g. its path), or of the runs. */
  category: string
  /** Series name for a value of the second parameter. */
  seriesName: (value: string) => string
  /** Added to a category that holds measured runs, e.g. "(measured)". */
  measured: string
  /** Said when a group has no value for the metric (no completed run). */
  noValue: string
  /** A run by id, with its label when it has one: "run 6 · downtime-limit=50 #1". */
  runName: RunName
}

/** Names a run by id and label (never `#id`: `#` is a sweep's repetition in a label). */
export type RunName = (id: number, label: string) => string

/** Geometry of grouped bars; the whiskers are drawn with the same numbers so they sit on their bar. */
const BAR_CATEGORY_GAP = 0.3
const BAR_GAP = 0.15

const whiskerRenderer =
  (seriesIndex: number, seriesCount: number, color: string): CustomSeriesRenderItem =>
  (_params, api) => {
    const category = api.value(0) as number
    const low = api.coord([category, api.value(1) as number])
    const high = api.coord([category, api.value(2) as number])
    const band = (api.size?.([1, 0]) as number[] | undefined)?.[0] ?? 40
    const groupWidth = band * (1 - BAR_CATEGORY_GAP)
    const barWidth = groupWidth / (seriesCount + (seriesCount - 1) * BAR_GAP)
    const x = low[0] - groupWidth / 2 + seriesIndex * barWidth * (1 + BAR_GAP) + barWidth / 2
    const cap = Math.max(4, barWidth * 0.3)
    const style = { stroke: color, lineWidth: 1.5 }
    return {
      type: 'group',
      children: [
        { type: 'line', shape: { x1: x, y1: low[1], x2: x, y2: high[1] }, style },
        { type: 'line', shape: { x1: x - cap, y1: low[1], x2: x + cap, y2: low[1] }, style },
        { type: 'line', shape: { x1: x - cap, y1: high[1], x2: x + cap, y2: high[1] }, style }
      ]
    }
  }

/** Distinct values in first-seen order. */
function distinct<T>(values: readonly T[]): T[] {
  const seen = new Set<string>()
  const out: T[] = []
  for (const v of values) {
    const id = JSON.stringify(v)
    if (!seen.has(id)) {
      seen.add(id)
      out.push(v)
    }
  }
  return out
}

/**
 * A category on the axis: the group-by value, or "run 6" for a single run (its full label is in
 * the tooltip and the table), marked when it holds measured runs.
 */
function categoryLabel(group: CompareGroup, labels: ChartLabels, full = false): string {
  const short = group.runId !== null ? labels.runName(group.runId, full ? group.label : '') : group.label
  return group.sources.includes('measured') ? `${short} ${labels.measured}` : short
}

/**
 * An axis name with its unit: "Downtime (ms)"; next to Chinese the brackets are full-width,
 * "停机时间（ms）", as in the tables (issue 12: "停机时间 (ms)" mixed the two).
 */
export function withUnit(name: string, unit: string): string {
  return labelWithUnit(name, unit, /[\u4e00-\u9fff]/.test(name) ? 'zh-CN' : 'en')
}

/** The value axis every comparison chart has: its name (with the unit) above it, on the left. */
function valueAxis(palette: ChartPalette, name: string) {
  return {
    type: 'value' as const,
    name,
    nameTextStyle: { color: palette.muted, align: 'left' as const },
    axisLabel: { color: palette.muted },
    splitLine: { lineStyle: { color: palette.grid } }
  }
}

function baseOption(palette: ChartPalette): CompareChartOption {
  return {
    color: [...palette.series],
    backgroundColor: 'transparent',
    textStyle: { color: palette.text },
    animation: false,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      backgroundColor: palette.tooltipBackground,
      borderColor: palette.axis,
      textStyle: { color: palette.text }
    },
    grid: { left: 64, right: 20, top: 36, bottom: 56, containLabel: false },
    legend: { show: false, textStyle: { color: palette.text }, top: 0 }
  }
}

/**
 * A metric per configuration: one bar per group (its mean), with a whisker for the spread of its
 * repetitions (min–max or ± one standard deviation) when it has more than one; one bar series
 * per value of a second varied parameter.
 */
export function metricBarOption(
  groups: readonly CompareGroup[],
  metric: MetricKey,
  spread: Spread,
  palette: ChartPalette,
  labels: ChartLabels
): CompareChartOption {
  const max = Math.max(0, ...groups.map((g) => g.stats[metric].max ?? 0))
  const scale = metricScale(metric, max)
  const categories = distinct(groups.map((g) => categoryLabel(g, labels)))
  const seriesValues = distinct(groups.map((g) => g.series))
  const multi = seriesValues.length > 1
  const series: CompareChartOption['series'] = []
  seriesValues.forEach((value, s) => {
    const members = groups.filter((g) => JSON.stringify(g.series) === JSON.stringify(value))
    const byCategory = new Map(members.map((g) => [categoryLabel(g, labels), g]))
    const name = value === null ? labels.title : labels.seriesName(String(value))
    series.push({
      type: 'bar',
      name,
      color: palette.series[s % palette.series.length],
      barCategoryGap: `${BAR_CATEGORY_GAP * 100}%`,
      barGap: `${BAR_GAP * 100}%`,
      data: categories.map((category) => {
        const mean = byCategory.get(category)?.stats[metric].mean
        return mean === null || mean === undefined ? '-' : mean / scale.divisor
      })
    })
    const whiskers = categories.flatMap((category, i) => {
      const group = byCategory.get(category)
      const bounds = group ? whiskerBounds(group.stats[metric], spread) : null
      return bounds ? [[i, bounds[0] / scale.divisor, bounds[1] / scale.divisor]] : []
    })
    if (whiskers.length > 0)
      series.push({
        type: 'custom',
        name: `${name} ${spread === 'range' ? labels.range : labels.stddev}`,
        renderItem: whiskerRenderer(s, seriesValues.length, palette.text),
        encode: { x: 0, y: [1, 2] },
        data: whiskers,
        z: 10,
        silent: true,
        tooltip: { show: false }
      })
  })
  const option = baseOption(palette)
  return {
    ...option,
    // Room for the legend above the plot when there is one (a series per second parameter).
    grid: { left: 64, right: 20, top: multi ? 64 : 36, bottom: 56 },
    legend: {
      ...(option.legend as LegendComponentOption),
      show: multi,
      // One row that pages: in a card a third of the page wide, a wrapped legend lay over the
      // axis name.
      type: 'scroll',
      data: series.filter((s) => s.type === 'bar').map((s) => String(s.name))
    },
    tooltip: {
      ...(option.tooltip as TooltipComponentOption),
      formatter: (params: unknown) =>
        tooltipText(params, groups, categories, seriesValues, metric, scale, labels)
    },
    xAxis: {
      type: 'category',
      data: categories,
      name: labels.category,
      nameLocation: 'middle',
      nameGap: 34,
      // Every category is named (truncated when long, slanted when many), never silently dropped.
      axisLabel: {
        color: palette.muted,
        interval: 0,
        width: categories.length > 6 ? 70 : 110,
        overflow: 'truncate',
        rotate: categories.length > 6 ? 30 : 0
      },
      axisLine: { lineStyle: { color: palette.axis } }
    },
    yAxis: valueAxis(palette, withUnit(labels.title, scale.unit)),
    series
  }
}

function tooltipText(
  params: unknown,
  groups: readonly CompareGroup[],
  categories: readonly string[],
  seriesValues: readonly CompareGroup['series'][],
  metric: MetricKey,
  scale: MetricScale,
  labels: ChartLabels
): string {
  const list = (Array.isArray(params) ? params : [params]) as { dataIndex: number; seriesName: string }[]
  const index = list[0]?.dataIndex ?? 0
  const category = categories[index] ?? ''
  const first = groups.find((g) => categoryLabel(g, labels) === category)
  const lines = [escapeHtml(first && first.runId !== null ? categoryLabel(first, labels, true) : category)]
  for (const value of seriesValues) {
    const group = groups.find(
      (g) => categoryLabel(g, labels) === category && JSON.stringify(g.series) === JSON.stringify(value)
    )
    if (!group) continue
    const s = group.stats[metric]
    const prefix = value === null ? '' : `${escapeHtml(labels.seriesName(String(value)))}: `
    if (s.mean === null) {
      lines.push(`${prefix}${escapeHtml(labels.noValue)}`)
      continue
    }
    const f = (v: number | null): string => formatNumber(v === null ? null : v / scale.divisor)
    let text = `${prefix}${labels.mean} ${f(s.mean)} ${scale.unit}`
    if (s.n > 1)
      text += ` · ${labels.range} ${f(s.min)}–${f(s.max)} · ${formatSpread(s.stddev, s.mean, scale.divisor)}`
    text += ` · ${labels.runs} ${s.n}`
    lines.push(escapeHtml(text))
  }
  return lines.join('<br/>')
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * A metric against a numeric varied parameter: the mean of each configuration joined by a line,
 * its spread as a whisker, and every repetition as a point, so that a noisy point is told apart
 * from a trend. One line per value of a second varied parameter.
 */
export function parameterLineOption(
  groups: readonly CompareGroup[],
  runsById: ReadonlyMap<number, RunRecord>,
  metric: MetricKey,
  spread: Spread,
  palette: ChartPalette,
  labels: ChartLabels,
  limit: DowntimeLimitLine | null = null
): CompareChartOption {
  const max = Math.max(0, ...groups.map((g) => g.stats[metric].max ?? 0))
  const scale = metricScale(metric, max)
  const seriesValues = distinct(groups.map((g) => g.series))
  const series: CompareChartOption['series'] = []
  seriesValues.forEach((value, s) => {
    const color = palette.series[s % palette.series.length]
    const members = groups
      .filter((g) => JSON.stringify(g.series) === JSON.stringify(value) && typeof g.key === 'number')
      .sort((a, b) => (a.key as number) - (b.key as number))
    const name = value === null ? labels.title : labels.seriesName(String(value))
    series.push({
      type: 'line',
      name,
      color,
      symbolSize: 7,
      connectNulls: false,
      data: members.map((g) => [
        g.key as number,
        g.stats[metric].mean === null ? null : g.stats[metric].mean! / scale.divisor
      ])
    })
    const whiskers = members.flatMap((g) => {
      const bounds = whiskerBounds(g.stats[metric], spread)
      return bounds ? [[g.key as number, bounds[0] / scale.divisor, bounds[1] / scale.divisor]] : []
    })
    if (whiskers.length > 0)
      series.push({
        type: 'custom',
        name: `${name} ${spread === 'range' ? labels.range : labels.stddev}`,
        renderItem: (_params, api) => {
          const low = api.coord([api.value(0) as number, api.value(1) as number])
          const high = api.coord([api.value(0) as number, api.value(2) as number])
          const style = { stroke: color, lineWidth: 1.5 }
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              { type: 'line', shape: { x1: low[0] - 5, y1: low[1], x2: low[0] + 5, y2: low[1] }, style },
              { type: 'line', shape: { x1: high[0] - 5, y1: high[1], x2: high[0] + 5, y2: high[1] }, style }
            ]
          }
        },
        encode: { x: 0, y: [1, 2] },
        data: whiskers,
        silent: true,
        tooltip: { show: false }
      })
    const points = members.flatMap((g) =>
      g.runIds.flatMap((id) => {
        const run = runsById.get(id)
        const v = run ? runMetric(run, metric) : null
        return v === null ? [] : [[g.key as number, v / scale.divisor]]
      })
    )
    if (points.length > 0)
      series.push({
        type: 'scatter',
        name: `${name} · ${labels.runs}`,
        color,
        symbolSize: 5,
        itemStyle: { opacity: 0.45 },
        data: points,
        tooltip: { show: false }
      })
  })
  if (limit) series.push(limitSeries(limit, groups, scale, palette))
  const option = baseOption(palette)
  return {
    ...option,
    grid: { left: 64, right: 20, top: seriesValues.length > 1 ? 64 : 36, bottom: 56 },
    legend: {
      ...(option.legend as LegendComponentOption),
      show: seriesValues.length > 1,
      data: series.filter((s) => s.type === 'line').map((s) => String(s.name))
    },
    tooltip: {
      ...(option.tooltip as TooltipComponentOption),
      trigger: 'item',
      formatter: (params: unknown) => {
        const p = params as { seriesName: string; value: [number, number | null] }
        return escapeHtml(
          `${p.seriesName} — ${labels.category} ${formatNumber(p.value[0])}: ${labels.mean} ${formatNumber(p.value[1])} ${scale.unit}`
        )
      }
    },
    xAxis: {
      type: 'value',
      scale: true,
      name: labels.category,
      nameLocation: 'middle',
      nameGap: 30,
      axisLabel: { color: palette.muted },
      axisLine: { lineStyle: { color: palette.axis } },
      splitLine: { lineStyle: { color: palette.grid } }
    },
    yAxis: valueAxis(palette, withUnit(labels.title, scale.unit)),
    series
  }
}

/**
 * The downtime-limit on a downtime-vs-parameter chart: one value shared by every run (a flat
 * line), or the varied parameter itself (the line y = x), named e.g. "downtime-limit".
 */
export type DowntimeLimitLine =
  { kind: 'flat'; ms: number; name: string } | { kind: 'diagonal'; name: string }

function limitSeries(
  limit: DowntimeLimitLine,
  groups: readonly CompareGroup[],
  scale: MetricScale,
  palette: ChartPalette
): LineSeriesOption {
  const keys = groups.map((g) => g.key).filter((k): k is number => typeof k === 'number')
  const lo = Math.min(...keys)
  const hi = Math.max(...keys)
  const data =
    limit.kind === 'flat'
      ? [
          [lo, limit.ms / scale.divisor],
          [hi, limit.ms / scale.divisor]
        ]
      : [
          [lo, lo / scale.divisor],
          [hi, hi / scale.divisor]
        ]
  return {
    type: 'line',
    id: 'downtime-limit',
    name: limit.name,
    color: palette.muted,
    symbol: 'none',
    silent: true,
    lineStyle: { type: 'dashed', width: 1.5, color: palette.muted },
    // Above the line's end, inside the plot: to its right it was cut at the card's edge ("dc").
    endLabel: {
      show: true,
      formatter: limit.name,
      color: palette.muted,
      align: 'right',
      verticalAlign: 'bottom',
      offset: [-6, -4]
    },
    data,
    tooltip: { show: false }
  }
}

export interface ProgressLabels {
  title: string
  time: string
  remaining: string
  measured: string
  runName: RunName
}

/**
 * Remaining dirty bytes over (virtual or measured) time of each run, overlaid: how fast each
 * configuration converges, and where a sync found more dirty memory (§2, lazy sync).
 */
export function progressOverlayOption(
  details: readonly RunDetail[],
  palette: ChartPalette,
  labels: ProgressLabels
): CompareChartOption {
  const series: CompareChartOption['series'] = details.map((d) => ({
    type: 'line',
    name: `${labels.runName(d.run.id, d.run.label)}${d.run.source === 'measured' ? ` ${labels.measured}` : ''}`,
    showSymbol: false,
    sampling: undefined,
    lineStyle: { width: 1.5, type: d.run.source === 'measured' ? 'dashed' : 'solid' },
    // A log axis: configurations differ in the tail (MiB) of a curve that starts at GiB; a run
    // that switched over ends at 0, which a log axis cannot show, so its line stops there.
    data: d.progress.map((p) => [p['time-ms'] / 1000, onLogAxis(p['remaining-bytes'] / 2 ** 20)])
  }))
  const option = baseOption(palette)
  return {
    ...option,
    grid: { left: 64, right: 20, top: 48, bottom: 48 },
    legend: {
      ...(option.legend as LegendComponentOption),
      show: true,
      type: 'scroll',
      data: series.map((s) => String(s.name))
    },
    tooltip: {
      ...(option.tooltip as TooltipComponentOption),
      axisPointer: { type: 'line' },
      valueFormatter: (v) => `${formatNumber(Number(v))} MiB`
    },
    xAxis: {
      type: 'value',
      name: withUnit(labels.time, 's'),
      nameLocation: 'middle',
      nameGap: 28,
      axisLabel: { color: palette.muted },
      axisLine: { lineStyle: { color: palette.axis } },
      splitLine: { lineStyle: { color: palette.grid } }
    },
    yAxis: { ...valueAxis(palette, withUnit(labels.remaining, 'MiB')), type: 'log', logBase: 10 },
    series
  }
}

/** Data points a bar chart shows (bars with a value), for tests and the accessible summary. */
export function barPointCount(option: CompareChartOption): number {
  const series = (Array.isArray(option.series) ? option.series : [option.series]) as {
    type?: string
    data?: unknown[]
  }[]
  return series
    .filter((s) => s.type === 'bar')
    .reduce((n, s) => n + (s.data ?? []).filter((d) => d !== '-' && d !== null).length, 0)
}
