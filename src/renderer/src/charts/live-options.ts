import type { CustomSeriesOption, LineSeriesOption } from 'echarts/charts'
import { minMaxBucketIndices } from '../../../shared/downsample'
import type { TimelineLane, TimelineState } from '../../../shared/result'
import { capabilityPanels, type CapabilityAxis, type CapabilityPanelLabels } from './capability-panels'
import { graphic, type LabChartOption } from './echarts'
import { formatBytes, formatDecimal, formatMs, formatSecondsTick } from './format'
import type { ChartPalette } from './palette'
import {
  countAtOrBefore,
  laneOrder,
  laneSegments,
  runMarkers,
  type RunData,
  type RunMarker
} from './run-data'

/**
 * The live run chart as one ECharts option: the swimlane timeline of the guest's vCPUs, the
 * migration thread and the destination on top, and below it, on the same virtual-time axis, the
 * quantities QEMU's convergence rule works with (docs/qemu-rules.md §2): remaining bytes
 * against the threshold, dirty rate against the bandwidth estimate, expected downtime against
 * downtime-limit, the auto-converge throttle, and the guest's own throughput (guestperf's plot,
 * §13.9, turned around so a pause is a drop to zero). Every panel shares one x axis zoom and
 * carries a marker at each dirty sync and phase change.
 *
 * Pure: give it the data, the playhead and the translated labels; it draws only what the playhead
 * has reached, and downsamples every series with min/max buckets (style.md rule 16).
 */

export interface LiveChartLabels {
  readonly lane: (lane: TimelineLane) => string
  readonly state: (state: TimelineState) => string
  readonly panels: {
    readonly timeline: string
    readonly memory: string
    readonly rates: string
    readonly downtime: string
    readonly throttle: string
    readonly throughput: string
  }
  readonly series: {
    readonly remaining: string
    readonly threshold: string
    readonly transferred: string
    readonly dirtyRate: string
    /** What the guest itself writes, all vCPUs together (its throughput). */
    readonly guestWrites: string
    readonly bandwidth: string
    readonly expectedDowntime: string
    readonly downtimeLimit: string
    readonly throttle: string
    readonly vcpu: (vcpu: number) => string
    readonly vcpuMin: string
    readonly vcpuMean: string
    readonly vcpuMax: string
  }
  readonly marker: (marker: RunMarker) => string
  readonly time: string
  /** The capabilities' panels (XBZRLE, multifd, postcopy, dirty-limit), drawn when a run has them. */
  readonly capabilities: CapabilityPanelLabels
}

export interface LiveChartInput {
  readonly data: RunData
  /** Virtual ms shown so far. */
  readonly playheadMs: number
  readonly vcpuCount: number
  readonly downtimeLimitMs: number
  readonly palette: ChartPalette
  readonly labels: LiveChartLabels
  readonly locale: string
  /** Points per series after downsampling. */
  readonly maxPoints?: number
  /** The first option of a chart: sets the lane window (later updates keep the user's scroll). */
  readonly initial?: boolean
  /**
   * The whole run is shown: the lanes go on a little past the end, so the state everything ended
   * in (destination running, migration done) is visible rather than a sliver at the edge.
   */
  readonly ended?: boolean
  /**
   * The run has the auto-converge capability on: its throttle panel is drawn from the start. A run
   * without it gets the panel only once the throttle rose (cpu-throttle-percentage stays 0 without
   * auto-converge, QEMU's migration/ram.c mig_throttle_guest_down is never called): a flat 0 % line
   * is a panel about nothing.
   */
  readonly autoConverge?: boolean
}

/** Whether the throttle panel is drawn: auto-converge on, or the throttle above 0 % up to sample n. */
export function showsThrottlePanel(data: RunData, n: number, autoConverge: boolean): boolean {
  if (autoConverge) return true
  for (let i = 0; i < n; i++) if ((data.throttlePercent[i] ?? 0) > 0) return true
  return false
}

export interface LiveChart {
  readonly option: LabChartOption
  readonly height: number
  /** Lanes hidden behind the lane scroller (64 vCPUs do not fit). */
  readonly scrollableLanes: boolean
  /** The end of the time axis, ms (past the playhead once the run has ended). */
  readonly xMaxMs: number
}

/** Lanes drawn at once; more scroll (a 64-vCPU guest stays readable and cheap to draw). */
export const MAX_VISIBLE_LANES = 14
/** Above this many vCPUs the throughput panel shows min, mean and max instead of one line each. */
export const MAX_THROUGHPUT_LINES = 16
const LANE_HEIGHT = 20
const PANEL_HEIGHT = 120
const TITLE_GAP = 26
const PANEL_GAP = 34
const LEFT = 118
const RIGHT = 72

const MIB = 1024 * 1024
const GIB = MIB * 1024

type Point = [number, number | null]

function columnPoints(
  x: readonly number[],
  y: readonly number[],
  indices: readonly number[],
  scale = 1
): Point[] {
  const out: Point[] = new Array(indices.length)
  for (let k = 0; k < indices.length; k++) out[k] = [x[indices[k]], y[indices[k]] / scale]
  return out
}

interface PanelLayout {
  readonly titleTop: number
  readonly top: number
  readonly height: number
}

/**
 * min, mean and max across vCPUs per throughput bucket up to `untilMs` (for guests with many
 * vCPUs), and their sum: what the guest writes per second, all vCPUs together.
 */
export function aggregateThroughput(
  data: RunData,
  untilMs: number
): { timeMs: number[]; min: number[]; mean: number[]; max: number[]; total: number[] } {
  const { bucketMs, min, max, sum, count } = data.across
  const out = {
    timeMs: [] as number[],
    min: [] as number[],
    mean: [] as number[],
    max: [] as number[],
    total: [] as number[]
  }
  if (bucketMs === 0) return out
  const last = Math.min(count.length - 1, Math.floor(untilMs / bucketMs))
  for (let k = 0; k <= last; k++) {
    if (count[k] === 0) continue
    out.timeMs.push(k * bucketMs)
    out.min.push(min[k])
    out.max.push(max[k])
    out.mean.push(sum[k] / count[k])
    out.total.push(sum[k])
  }
  return out
}

/**
 * The x window that shows the switchover: the last syncs before the guest stopped, the
 * stop-and-copy and the destination's resume, which are invisible at the scale of a whole run.
 */
export function switchoverWindow(data: RunData): { startMs: number; endMs: number } | null {
  const stop = data.timeline.find((e) => e.lane === 'migration' && e.state === 'stop-and-copy')
  if (!stop) return null
  const end = Math.max(data.endMs, stop['time-ms'])
  const pause = Math.max(end - stop['time-ms'], 1)
  return { startMs: Math.max(0, stop['time-ms'] - Math.max(200, 4 * pause)), endMs: end + pause * 0.2 }
}

/**
 * The x range "Zoom to the switchover" shows: the switchover window, cut at the end of the time
 * axis (`xMaxMs`, not the playhead: once the run ended the axis goes on past the destination's
 * resume, and cutting at the playhead, which stops exactly there, hid the end of the pause).
 */
export function switchoverZoom(
  data: RunData,
  xMaxMs: number
): { startValue: number; endValue: number } | null {
  const window = switchoverWindow(data)
  if (!window) return null
  // Round ends (a step of about a twentieth of the span), so the edge labels read like ticks.
  const end = Math.min(window.endMs, xMaxMs)
  const step = 10 ** Math.floor(Math.log10(Math.max(end - window.startMs, 1) / 20))
  return {
    startValue: Math.floor(window.startMs / step) * step,
    endValue: Math.min(Math.ceil(end / step) * step, xMaxMs)
  }
}

/**
 * The lower end of the expected-downtime log axis: a power of ten at least a factor of three
 * below both the downtime-limit and the lowest expected downtime drawn.
 */
export function downtimeAxisMin(downtimeLimitMs: number, lowestMs: number): number {
  const lowest =
    Number.isFinite(lowestMs) && lowestMs > 0 ? Math.min(lowestMs, downtimeLimitMs) : downtimeLimitMs
  return 10 ** Math.floor(Math.log10(Math.max(lowest, 1) / 3))
}

export function buildLiveChart(input: LiveChartInput): LiveChart {
  const { data, palette, labels, locale } = input
  const playhead = Math.max(0, input.playheadMs)
  const maxPoints = input.maxPoints ?? 1200
  const lanes = laneOrder(input.vcpuCount)
  const scrollableLanes = lanes.length > MAX_VISIBLE_LANES
  const visibleLanes = Math.min(lanes.length, MAX_VISIBLE_LANES)

  // ---- Data up to the playhead -------------------------------------------------------------
  const n = data.progressCountAt(playhead)
  // The capabilities' panels go below the five every run has, in the same layout.
  const extraPanels = capabilityPanels(data, n, labels.capabilities, maxPoints, playhead)
  const throttleShown = showsThrottlePanel(data, n, input.autoConverge === true)
  /** The throttle's grid (panel 3) when hidden: no height, no axes, no series, no title. */
  const THROTTLE_PANEL = 3

  // ---- Layout (px) -------------------------------------------------------------------------
  const timelineLayout: PanelLayout = { titleTop: 6, top: 32, height: visibleLanes * LANE_HEIGHT }
  const panels: PanelLayout[] = []
  let cursor = timelineLayout.top + timelineLayout.height + PANEL_GAP
  for (let i = 0; i < 5 + extraPanels.length; i++) {
    if (i === THROTTLE_PANEL && !throttleShown) {
      panels.push({ titleTop: cursor, top: cursor, height: 0 })
      continue
    }
    panels.push({ titleTop: cursor, top: cursor + TITLE_GAP, height: PANEL_HEIGHT })
    cursor += TITLE_GAP + PANEL_HEIGHT + PANEL_GAP
  }
  const hiddenGrid = throttleShown ? -1 : THROTTLE_PANEL + 1
  const sliderTop = cursor - 10
  const height = sliderTop + 44

  const indices = minMaxBucketIndices(
    n,
    [
      data.remainingBytes,
      data.thresholdBytes,
      data.transferredBytes,
      data.dirtyRateMibps,
      data.bandwidthMibps,
      data.expectedDowntimeMs,
      data.throttlePercent
    ],
    maxPoints
  )
  const x = data.timeMs
  const xMax = Math.max(input.ended ? playhead + Math.max(20, playhead * 0.02) : playhead, 1)
  const segments = laneSegments(data.timeline, lanes, input.ended ? xMax : playhead)
  const markers = runMarkers(data.timeline, playhead)

  const stateNames = Object.keys(palette.states) as TimelineState[]
  const stateIndex = new Map(stateNames.map((s, i) => [s, i]))

  // ---- Axes and grids ----------------------------------------------------------------------
  const axisCommon = {
    axisLine: { lineStyle: { color: palette.axis } },
    axisTick: { lineStyle: { color: palette.axis } },
    axisLabel: { color: palette.muted, fontSize: 11 },
    splitLine: { lineStyle: { color: palette.grid } }
  }
  const grids = [timelineLayout, ...panels].map((p) => ({
    left: LEFT,
    right: RIGHT,
    top: p.top,
    height: p.height
  }))
  const xAxes = grids.map((_, i) => ({
    type: 'value' as const,
    gridIndex: i,
    show: i !== hiddenGrid,
    min: 0,
    max: xMax,
    ...axisCommon,
    splitLine: { show: i > 0, lineStyle: { color: palette.grid } },
    axisLabel: {
      ...axisCommon.axisLabel,
      formatter: (v: number) => formatSecondsTick(v, locale),
      hideOverlap: true,
      // The axis ends at the playhead (or a little past the end): not a tick, and it would read
      // "38.5266 s" beside "30 s". The clock above the charts says where the playhead is.
      showMaxLabel: false
    }
  }))

  const valueAxis = (
    gridIndex: number,
    formatter: (v: number) => string,
    extra: Record<string, unknown> = {}
  ) => ({
    type: 'value' as const,
    gridIndex,
    ...axisCommon,
    axisLabel: { ...axisCommon.axisLabel, formatter },
    ...extra
  })
  const yAxes = [
    {
      type: 'category' as const,
      gridIndex: 0,
      data: lanes.map((lane) => labels.lane(lane)),
      inverse: true,
      ...axisCommon,
      axisLabel: { ...axisCommon.axisLabel, color: palette.text, fontSize: 11 },
      splitLine: { show: false }
    },
    // 1: memory, MiB (remaining, threshold), logarithmic: the run switches over where remaining
    // crosses the threshold, tens of MB against GiB of RAM (reference §2.3).
    valueAxis(1, (v) => formatBytes(v * MIB, locale), { type: 'log', logBase: 10 }),
    // 2: memory, transferred GiB (right)
    valueAxis(1, (v) => formatBytes(v * GIB, locale), {
      position: 'right',
      splitLine: { show: false },
      min: 0
    }),
    // 3: rates MiB/s
    valueAxis(2, (v) => `${formatDecimal(v, locale, 0)} MiB/s`, { min: 0 }),
    // 4: expected downtime, ms (log), from a decade below both the limit and the lowest value:
    // the limit line stands clear of the x-axis and the drop below it that triggers switchover
    // (migration_iteration_finish's pending < threshold) is drawn, not clipped.
    valueAxis(3, (v) => formatMs(v, locale), {
      type: 'log',
      logBase: 10,
      min: (extent: { min: number }) => downtimeAxisMin(input.downtimeLimitMs, extent.min)
    }),
    // 5: throttle %
    valueAxis(4, (v) => `${v} %`, { min: 0, max: 100, interval: 25, show: throttleShown }),
    // 6: throughput MiB/s
    valueAxis(5, (v) => `${formatDecimal(v, locale, 0)} MiB/s`, { min: 0 })
  ]
  // 7…: the capabilities' panels, grid 6 on; each panel's axes in its own order.
  const capabilityAxisIndex = extraPanels.map((panel, k) =>
    panel.axes.map((axis) => {
      yAxes.push(
        valueAxis(6 + k, (v) => formatAxisValue(axis.unit, v, locale), {
          min: 0,
          ...(axis.unit === 'percent' ? { max: 100, interval: 25 } : {}),
          // Requests are whole: no 0.2-request ticks (all of them read "0" when there are none).
          ...(axis.unit === 'count' ? { minInterval: 1 } : {}),
          ...(axis.position === 'right' ? { position: 'right', splitLine: { show: false } } : {})
        })
      )
      return yAxes.length - 1
    })
  )

  // ---- Markers -----------------------------------------------------------------------------
  // Phase markers carry no text: at the end of a long run stop-and-copy, done and resume lie a few
  // pixels apart. The lanes name the phases; the legend under the chart explains the lines.
  const markLine = () => ({
    silent: true,
    symbol: ['none', 'none'],
    animation: false,
    data: markers.map((m) => ({
      xAxis: m.timeMs,
      lineStyle: {
        color: m.kind === 'sync' ? palette.syncMarker : palette.phaseMarker,
        type: m.kind === 'sync' ? ('dashed' as const) : ('solid' as const),
        width: 1
      },
      label: { show: false }
    }))
  })

  // ---- Series ------------------------------------------------------------------------------
  const line = (
    id: string,
    name: string,
    xAxisIndex: number,
    yAxisIndex: number,
    points: Point[],
    color: string,
    extra: Partial<LineSeriesOption> = {}
  ): LineSeriesOption => ({
    type: 'line',
    id,
    name,
    xAxisIndex,
    yAxisIndex,
    data: points,
    showSymbol: false,
    symbol: 'none',
    animation: false,
    lineStyle: { width: 1.5, color },
    itemStyle: { color },
    emphasis: { disabled: true },
    ...extra
  })

  /** Log axes cannot show 0: leave a gap (the remaining bytes are 0 once all is sent). */
  const positive = (points: Point[]): Point[] =>
    points.map(([t, v]): Point => [t, v !== null && v > 0 ? v : null])
  const expected = positive(columnPoints(x, data.expectedDowntimeMs, indices))

  const timelineData = segments.map((s) => [
    s.lane,
    s.startMs,
    s.endMs,
    stateIndex.get(s.state) ?? 0,
    s.detail ?? ''
  ])
  const timeline: CustomSeriesOption = {
    type: 'custom',
    id: 'timeline',
    name: labels.panels.timeline,
    xAxisIndex: 0,
    yAxisIndex: 0,
    animation: false,
    encode: { x: [1, 2], y: 0 },
    data: timelineData,
    // The axis tooltip does not fire over the swimlanes (a custom series has no value at the
    // pointer's time); each segment gets its own: lane, state, from–to and how long.
    tooltip: {
      trigger: 'item',
      formatter: (raw: unknown) => laneTooltipText(raw, input, lanes, stateNames)
    },
    renderItem: (params, api) => {
      const lane = api.value(0) as number
      const start = api.coord([api.value(1), lane])
      const end = api.coord([api.value(2), lane])
      const band = (api.size?.([0, 1]) as number[] | undefined)?.[1] ?? LANE_HEIGHT
      const h = band * 0.64
      const coordSys = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
      const shape = graphic.clipRectByRect(
        { x: start[0], y: start[1] - h / 2, width: Math.max(end[0] - start[0], 1), height: h },
        { x: coordSys.x, y: coordSys.y, width: coordSys.width, height: coordSys.height }
      )
      if (!shape) return null
      const state = stateNames[api.value(3) as number]
      return { type: 'rect', shape, style: { fill: palette.states[state] ?? palette.muted } }
    }
  }

  // The guest's own write rate beside QEMU's dirty-pages-rate: QEMU measures the latter only at a
  // dirty sync (migration/ram.c migration_update_rates, from the pages the bitmap sync found), so
  // until the first sync it reads 0 however fast the guest writes; the guest's throughput does
  // not wait for a sync. Rewrites of a page already dirty count here and not in the dirty rate.
  const aggregate = aggregateThroughput(data, playhead)
  const aggregateKept = minMaxBucketIndices(
    aggregate.timeMs.length,
    [aggregate.min, aggregate.max, aggregate.total],
    maxPoints
  )

  const throughputSeries: LineSeriesOption[] = []
  const columns = [...data.throughput.values()].sort((a, b) => a.vcpu - b.vcpu)
  if (columns.length <= MAX_THROUGHPUT_LINES) {
    columns.forEach((column, i) => {
      const count = countAtOrBefore(column.timeMs, playhead)
      const kept = minMaxBucketIndices(
        count,
        [column.mibPerS],
        Math.max(64, Math.floor(maxPoints / Math.max(1, columns.length / 2)))
      )
      throughputSeries.push(
        line(
          `vcpu-${column.vcpu}`,
          labels.series.vcpu(column.vcpu),
          5,
          6,
          columnPoints(column.timeMs, column.mibPerS, kept),
          palette.series[i % palette.series.length],
          {
            step: 'end'
          }
        )
      )
    })
  } else {
    const agg = aggregate
    const kept = aggregateKept
    throughputSeries.push(
      line(
        'vcpu-max',
        labels.series.vcpuMax,
        5,
        6,
        columnPoints(agg.timeMs, agg.max, kept),
        palette.series[2],
        { step: 'end' }
      ),
      line(
        'vcpu-mean',
        labels.series.vcpuMean,
        5,
        6,
        columnPoints(agg.timeMs, agg.mean, kept),
        palette.series[0],
        { step: 'end' }
      ),
      line(
        'vcpu-min',
        labels.series.vcpuMin,
        5,
        6,
        columnPoints(agg.timeMs, agg.min, kept),
        palette.series[1],
        { step: 'end' }
      )
    )
  }
  if (throughputSeries.length > 0) throughputSeries[0].markLine = markLine()

  const capabilitySeries: LineSeriesOption[] = extraPanels.flatMap((panel, k) =>
    panel.series.map((spec, j) => {
      const color = palette.series[spec.colorIndex % palette.series.length]
      return line(spec.id, spec.name, 6 + k, capabilityAxisIndex[k][spec.axis], spec.points, color, {
        connectNulls: false,
        ...spec.extra,
        lineStyle: { width: 1.5, color, ...spec.extra?.lineStyle },
        ...(spec.extra?.areaStyle ? { areaStyle: { color, ...spec.extra.areaStyle } } : {}),
        ...(j === 0 ? { markLine: markLine() } : {})
      })
    })
  )

  const series: (LineSeriesOption | CustomSeriesOption)[] = [
    timeline,
    line(
      'remaining',
      labels.series.remaining,
      1,
      1,
      positive(columnPoints(x, data.remainingBytes, indices, MIB)),
      palette.series[0],
      {
        markLine: markLine()
      }
    ),
    line(
      'threshold',
      labels.series.threshold,
      1,
      1,
      positive(columnPoints(x, data.thresholdBytes, indices, MIB)),
      palette.series[1],
      {
        lineStyle: { width: 1.5, type: 'dashed', color: palette.series[1] }
      }
    ),
    line(
      'transferred',
      labels.series.transferred,
      1,
      2,
      columnPoints(x, data.transferredBytes, indices, GIB),
      palette.series[2]
    ),
    line(
      'dirty-rate',
      labels.series.dirtyRate,
      2,
      3,
      columnPoints(x, data.dirtyRateMibps, indices),
      palette.series[3],
      {
        markLine: markLine()
      }
    ),
    line(
      'bandwidth',
      labels.series.bandwidth,
      2,
      3,
      columnPoints(x, data.bandwidthMibps, indices),
      palette.series[5]
    ),
    line(
      'guest-writes',
      labels.series.guestWrites,
      2,
      3,
      columnPoints(aggregate.timeMs, aggregate.total, aggregateKept),
      palette.series[0],
      { step: 'end', lineStyle: { width: 1.5, type: 'dashed', color: palette.series[0] } }
    ),
    line('expected-downtime', labels.series.expectedDowntime, 3, 4, expected, palette.series[6], {
      connectNulls: false,
      markLine: {
        ...markLine(),
        data: [
          ...markLine().data,
          {
            yAxis: Math.max(input.downtimeLimitMs, 1),
            lineStyle: { color: palette.error, type: 'solid', width: 1.5 },
            label: {
              show: true,
              formatter: `${labels.series.downtimeLimit} ${formatMs(input.downtimeLimitMs, locale)}`,
              color: palette.error,
              fontSize: 10,
              // Below the line at the start: the curve is above the limit until it converges, so
              // the label overlaps nothing there (at the end the curve crosses the line).
              position: 'insideStartBottom'
            }
          }
        ]
      }
    }),
    ...(throttleShown ? [throttleSeries()] : []),
    ...throughputSeries,
    ...capabilitySeries
  ]
  function throttleSeries(): LineSeriesOption {
    return line(
      'throttle',
      labels.series.throttle,
      4,
      5,
      columnPoints(x, data.throttlePercent, indices),
      palette.series[4],
      {
        step: 'end',
        areaStyle: { color: palette.series[4], opacity: 0.15 },
        markLine: markLine()
      }
    )
  }

  // ---- Titles and legends per panel --------------------------------------------------------
  const titleStyle = { color: palette.text, fontSize: 13, fontWeight: 600 as const }
  const titles = [
    { text: labels.panels.timeline, top: timelineLayout.titleTop },
    { text: labels.panels.memory, top: panels[0].titleTop },
    { text: labels.panels.rates, top: panels[1].titleTop },
    { text: labels.panels.downtime, top: panels[2].titleTop },
    ...(throttleShown ? [{ text: labels.panels.throttle, top: panels[3].titleTop }] : []),
    { text: labels.panels.throughput, top: panels[4].titleTop },
    ...extraPanels.map((panel, k) => ({ text: panel.title, top: panels[5 + k].titleTop }))
  ].map((t, i) => ({ id: `title-${i}`, left: 8, top: t.top, text: t.text, textStyle: titleStyle }))

  const legendCommon = {
    type: 'scroll' as const,
    right: RIGHT,
    itemWidth: 14,
    itemHeight: 8,
    textStyle: { color: palette.muted, fontSize: 11 },
    pageTextStyle: { color: palette.muted },
    inactiveColor: palette.axis
  }
  const legends = [
    {
      data: [labels.series.remaining, labels.series.threshold, labels.series.transferred],
      top: panels[0].titleTop
    },
    {
      data: [labels.series.dirtyRate, labels.series.guestWrites, labels.series.bandwidth],
      top: panels[1].titleTop
    },
    { data: [labels.series.expectedDowntime], top: panels[2].titleTop },
    { data: throughputSeries.map((s) => String(s.name)), top: panels[4].titleTop, width: '45%' },
    ...extraPanels.map((panel, k) => ({ data: [...panel.legend], top: panels[5 + k].titleTop, width: '45%' }))
  ].map((l, i) => ({ id: `legend-${i}`, ...legendCommon, ...l }))

  const allX = grids.map((_, i) => i)
  const option: LabChartOption = {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { color: palette.text },
    title: titles,
    legend: legends,
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    axisPointer: { link: [{ xAxisIndex: 'all' }], lineStyle: { color: palette.muted } },
    tooltip: {
      trigger: 'axis',
      className: 'lab-chart-tooltip',
      confine: true,
      backgroundColor: palette.tooltipBackground,
      borderColor: palette.axis,
      textStyle: { color: palette.text, fontSize: 12 },
      axisPointer: { type: 'line' },
      formatter: (raw: unknown) => tooltipText(raw, input, lanes)
    },
    dataZoom: [
      {
        id: 'x-inside',
        type: 'inside',
        xAxisIndex: allX,
        filterMode: 'none',
        zoomOnMouseWheel: 'ctrl',
        moveOnMouseWheel: false,
        moveOnMouseMove: true
      },
      {
        id: 'x-slider',
        type: 'slider',
        xAxisIndex: allX,
        filterMode: 'none',
        top: sliderTop,
        left: LEFT,
        right: RIGHT,
        height: 20,
        borderColor: palette.axis,
        textStyle: { color: palette.muted },
        labelFormatter: (v: number) => formatSecondsTick(v, locale),
        dataBackground: { lineStyle: { color: palette.axis }, areaStyle: { color: palette.grid } }
      },
      ...(scrollableLanes
        ? [
            {
              id: 'lanes',
              type: 'slider' as const,
              yAxisIndex: 0,
              orient: 'vertical' as const,
              filterMode: 'weakFilter' as const,
              right: 24,
              top: timelineLayout.top,
              height: timelineLayout.height,
              width: 14,
              showDetail: false,
              brushSelect: false,
              zoomLock: true,
              borderColor: palette.axis,
              ...(input.initial ? { startValue: 0, endValue: MAX_VISIBLE_LANES - 1 } : {})
            },
            {
              id: 'lanes-inside',
              type: 'inside' as const,
              yAxisIndex: 0,
              filterMode: 'weakFilter' as const,
              zoomOnMouseWheel: false,
              moveOnMouseWheel: 'shift' as const,
              moveOnMouseMove: false
            }
          ]
        : [])
    ],
    series
  }
  return { option, height, scrollableLanes, xMaxMs: xMax }
}

interface AxisParam {
  axisValue?: number
  seriesId?: string
  seriesName?: string
  seriesType?: string
  marker?: string
  value?: unknown
}

/** The tooltip: the time, every lane's state then, and each plotted value in its unit. */
function tooltipText(raw: unknown, input: LiveChartInput, lanes: readonly TimelineLane[]): string {
  const params = (Array.isArray(raw) ? raw : [raw]) as AxisParam[]
  const t = params.find((p) => typeof p.axisValue === 'number')?.axisValue
  if (t === undefined) return ''
  const { labels, locale } = input
  const rows: string[] = [`<strong>${escapeHtml(labels.time)} ${formatMs(t, locale)}</strong>`]
  // Lane states at t (at most a few lanes, so the tooltip stays small).
  const states = laneSegments(input.data.timeline, lanes.slice(0, 4), Math.min(t, input.playheadMs)).filter(
    (s) => s.startMs <= t && (s.endMs > t || s.endMs === s.startMs)
  )
  for (const s of states)
    rows.push(
      `${escapeHtml(labels.lane(lanes[s.lane]))}: ${escapeHtml(labels.state(s.state))}${s.detail ? ` (${escapeHtml(s.detail)})` : ''}`
    )
  // The last sync or phase change before t: what the marker lines left of the pointer are.
  const marker = runMarkers(input.data.timeline, Math.min(t, input.playheadMs)).at(-1)
  if (marker) rows.push(`${escapeHtml(labels.marker(marker))} · ${formatMs(marker.timeMs, locale)}`)
  for (const p of params) {
    if (p.seriesType === 'custom' || !Array.isArray(p.value)) continue
    const v = p.value[1] as number | null
    if (v === null || v === undefined) continue
    rows.push(
      `${p.marker ?? ''}${escapeHtml(p.seriesName ?? '')}: ${formatSeriesValue(p.seriesId ?? '', v, locale)}`
    )
  }
  return rows.join('<br/>')
}

/** A swimlane segment's tooltip: "vCPU 0: running", then "0 s – 38.4 s (38.4 s)". */
function laneTooltipText(
  raw: unknown,
  input: LiveChartInput,
  lanes: readonly TimelineLane[],
  stateNames: readonly TimelineState[]
): string {
  const value = (raw as { value?: unknown }).value
  if (!Array.isArray(value)) return ''
  const [lane, startMs, endMs, state, detail] = value as [number, number, number, number, string]
  const { labels, locale } = input
  const head = `${escapeHtml(labels.lane(lanes[lane]))}: ${escapeHtml(labels.state(stateNames[state]))}`
  const span = `${formatMs(startMs, locale)} – ${formatMs(endMs, locale)} (${formatMs(endMs - startMs, locale)})`
  return [`<strong>${head}</strong>`, ...(detail ? [escapeHtml(detail)] : []), span].join('<br/>')
}

function formatAxisValue(unit: CapabilityAxis['unit'], v: number, locale: string): string {
  switch (unit) {
    case 'percent':
      return `${v} %`
    case 'mibps':
      return `${formatDecimal(v, locale, 0)} MiB/s`
    case 'ms':
      return formatMs(v, locale)
    case 'per-second':
      return `${formatDecimal(v, locale, 0)}/s`
    case 'count':
      return formatDecimal(v, locale, 0)
  }
}

function formatSeriesValue(id: string, v: number, locale: string): string {
  if (id === 'xbzrle-hit-rate') return `${formatDecimal(v, locale, 1)} %`
  if (id.startsWith('xbzrle-')) return `${formatDecimal(v, locale, 0)}/s`
  if (id.startsWith('postcopy-')) return formatDecimal(v, locale, 0)
  if (id.startsWith('dirty-limit-')) return formatMs(v, locale)
  switch (id) {
    case 'remaining':
    case 'threshold':
      return formatBytes(v * MIB, locale)
    case 'transferred':
      return formatBytes(v * GIB, locale)
    case 'expected-downtime':
      return formatMs(v, locale)
    case 'throttle':
      return `${formatDecimal(v, locale, 0)} %`
    default:
      return `${formatDecimal(v, locale, v < 10 ? 2 : 1)} MiB/s`
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
