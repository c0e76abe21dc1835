import type { LineSeriesOption } from 'echarts/charts'
import { minMaxBucketIndices } from '../../../shared/downsample'
import type { RunData } from './run-data'

/**
 * The live chart's panels for the capabilities a run has (issue 9), below the convergence
 * panels and on the same time axis; a run without a capability gets none of them. What each
 * shows (docs/engine.md "The Live view's capability charts"):
 * - XBZRLE cache: hits, misses and overflows per second and the hit rate, from the cumulative
 *   xbzrle-cache counters of the progress samples;
 * - multifd channels: MiB/s each channel sent, stacked (the top edge is their sum);
 * - postcopy page requests: the page requests the source received so far, and the vCPU faults
 *   so far at their own times (each a vCPU lane's "waiting for a page");
 * - dirty-limit: each vCPU's sleep per full dirty ring (throttle_us_per_full), ms.
 */

export interface CapabilityPanelLabels {
  readonly panels: {
    readonly xbzrle: string
    readonly multifd: string
    readonly postcopy: string
    readonly dirtyLimit: string
  }
  readonly series: {
    readonly xbzrleHitRate: string
    readonly xbzrleHits: string
    readonly xbzrleMisses: string
    readonly xbzrleOverflows: string
    readonly multifdChannel: (channel: number) => string
    readonly postcopyRequests: string
    /** vCPU page faults so far, counted from the lanes' page-fault events. */
    readonly postcopyFaults: string
    readonly dirtyLimitVcpu: (vcpu: number) => string
  }
}

/** One panel: its title, legend, value axes (in order) and series (yAxis = index into them). */
export interface CapabilityPanel {
  readonly id: 'xbzrle' | 'multifd' | 'postcopy' | 'dirty-limit'
  readonly title: string
  readonly legend: readonly string[]
  readonly axes: readonly CapabilityAxis[]
  readonly series: readonly CapabilitySeriesSpec[]
}

export interface CapabilityAxis {
  readonly unit: 'per-second' | 'percent' | 'mibps' | 'count' | 'ms'
  readonly position?: 'right'
}

export interface CapabilitySeriesSpec {
  readonly id: string
  readonly name: string
  /** Index into the panel's axes. */
  readonly axis: number
  readonly points: [number, number | null][]
  readonly colorIndex: number
  readonly extra?: Partial<LineSeriesOption>
}

/** Above this many channels or vCPUs a panel draws only the first ones (the legend says which). */
export const MAX_CAPABILITY_LINES = 16

export function capabilityPanels(
  data: RunData,
  /** Progress samples the playhead has reached. */
  n: number,
  labels: CapabilityPanelLabels,
  maxPoints: number,
  playheadMs: number
): CapabilityPanel[] {
  const c = data.capabilities
  const x = data.timeMs
  const points = (column: readonly number[], kept: readonly number[]): [number, number | null][] =>
    kept.map((i) => [x[i], Number.isFinite(column[i]) ? column[i] : null])
  const keep = (columns: readonly (readonly number[])[]): number[] =>
    minMaxBucketIndices(n, columns, maxPoints)
  const panels: CapabilityPanel[] = []
  /** A panel of one line per channel or vCPU (the first MAX_CAPABILITY_LINES), or null without any. */
  const perIndexPanel = (
    id: CapabilityPanel['id'],
    title: string,
    unit: CapabilityAxis['unit'],
    columns: readonly (readonly number[])[],
    spec: (index: number) => Pick<CapabilitySeriesSpec, 'id' | 'name' | 'extra'>
  ): CapabilityPanel | null => {
    const shown = columns.slice(0, MAX_CAPABILITY_LINES)
    if (shown.length === 0) return null
    const kept = keep(shown)
    const series = shown.map((column, i): CapabilitySeriesSpec => ({
      ...spec(i),
      axis: 0,
      points: points(column, kept),
      colorIndex: i
    }))
    return { id, title, legend: series.map((s) => s.name), axes: [{ unit }], series }
  }

  if (c.hasXbzrle) {
    const kept = keep([c.xbzrleHitsPerS, c.xbzrleMissesPerS, c.xbzrleOverflowsPerS, c.xbzrleHitRatePct])
    const s = labels.series
    panels.push({
      id: 'xbzrle',
      title: labels.panels.xbzrle,
      legend: [s.xbzrleHitRate, s.xbzrleHits, s.xbzrleMisses, s.xbzrleOverflows],
      axes: [{ unit: 'per-second' }, { unit: 'percent', position: 'right' }],
      series: [
        {
          id: 'xbzrle-hit-rate',
          name: s.xbzrleHitRate,
          axis: 1,
          points: points(c.xbzrleHitRatePct, kept),
          colorIndex: 2,
          extra: { lineStyle: { width: 2 } }
        },
        {
          id: 'xbzrle-hits',
          name: s.xbzrleHits,
          axis: 0,
          points: points(c.xbzrleHitsPerS, kept),
          colorIndex: 0
        },
        {
          id: 'xbzrle-misses',
          name: s.xbzrleMisses,
          axis: 0,
          points: points(c.xbzrleMissesPerS, kept),
          colorIndex: 3
        },
        {
          id: 'xbzrle-overflows',
          name: s.xbzrleOverflows,
          axis: 0,
          points: points(c.xbzrleOverflowsPerS, kept),
          colorIndex: 6,
          extra: { lineStyle: { width: 1.5, type: 'dashed' } }
        }
      ]
    })
  }

  // One line per channel, stacked: each band is one channel, the top edge their sum (what the
  // link carries).
  const multifd = perIndexPanel('multifd', labels.panels.multifd, 'mibps', c.multifdMibps, (ch) => ({
    id: `multifd-channel-${ch}`,
    name: labels.series.multifdChannel(ch),
    extra: { step: 'start', stack: 'multifd', areaStyle: { opacity: 0.35 } }
  }))
  if (multifd) panels.push(multifd)

  if (c.hasPostcopy) {
    const kept = keep([c.postcopyRequests])
    panels.push({
      id: 'postcopy',
      title: labels.panels.postcopy,
      legend: [labels.series.postcopyRequests, labels.series.postcopyFaults],
      axes: [{ unit: 'count' }],
      series: [
        {
          // At each fault's own time (the vCPU lanes' events), not at the 100 ms samples: a
          // postcopy phase may last only a few samples.
          id: 'postcopy-faults',
          name: labels.series.postcopyFaults,
          axis: 0,
          points: faultsSoFar(data, playheadMs, maxPoints),
          colorIndex: 6,
          extra: { step: 'end', lineStyle: { width: 1.5, type: 'dashed' } }
        },
        {
          id: 'postcopy-requests',
          name: labels.series.postcopyRequests,
          axis: 0,
          points: points(c.postcopyRequests, kept),
          colorIndex: 4,
          extra: { step: 'end', areaStyle: { opacity: 0.15 } }
        }
      ]
    })
  }

  const dirtyLimit = perIndexPanel(
    'dirty-limit',
    labels.panels.dirtyLimit,
    'ms',
    c.dirtyLimitSleepMs,
    (v) => ({
      id: `dirty-limit-vcpu-${v}`,
      name: labels.series.dirtyLimitVcpu(v),
      extra: { step: 'end' }
    })
  )
  if (dirtyLimit) panels.push(dirtyLimit)
  return panels
}

/**
 * vCPU page faults up to the playhead as a step line: one step at each page-fault event of a
 * vCPU lane (time order), thinned evenly beyond `maxPoints` (the count only grows).
 */
function faultsSoFar(data: RunData, playheadMs: number, maxPoints: number): [number, number | null][] {
  const points: [number, number | null][] = [[0, 0]]
  let faults = 0
  for (const e of data.timeline) {
    if (e['time-ms'] > playheadMs) break
    if (e.state !== 'page-fault' || !e.lane.startsWith('vcpu-')) continue
    faults++
    points.push([e['time-ms'], faults])
  }
  if (points.length > 1) points.push([Math.max(playheadMs, points[points.length - 1][0]), faults])
  if (points.length <= maxPoints) return points
  const step = points.length / maxPoints
  const thinned: [number, number | null][] = []
  for (let k = 0; k < maxPoints - 1; k++) thinned.push(points[Math.floor(k * step)])
  thinned.push(points[points.length - 1])
  return thinned
}
