import type { ThroughputPoints } from '../../../shared/history'
import type { RunSnapshot } from '../../../shared/protocol/lab-api-runs'
import type { TelemetryBatch } from '../../../shared/protocol/migration'
import type { ProgressSample, TimelineEvent, TimelineLane, TimelineState } from '../../../shared/result'
import { CapabilitySeries } from './capability-data'

/**
 * One run's telemetry as the live screen draws it: progress as parallel columns in chart units,
 * each vCPU's throughput as (time, value) points, and the timeline events in time order.
 *
 * Deliberately not reactive (style.md rule 15): a 64-vCPU run of an hour holds millions of
 * numbers, and Vue must not wrap each of them. The store keeps one instance with markRaw and bumps
 * a version counter when it grows; charts read it when they redraw.
 */

const MIB = 1024 * 1024

export interface ThroughputColumn {
  readonly vcpu: number
  readonly bucketMs: number
  readonly timeMs: number[]
  readonly mibPerS: number[]
}

export class RunData {
  readonly timeMs: number[] = []
  readonly transferredBytes: number[] = []
  readonly remainingBytes: number[] = []
  readonly thresholdBytes: number[] = []
  /** dirty-pages-rate × page size, MiB/s. */
  readonly dirtyRateMibps: number[] = []
  /** The 100 ms window's bandwidth estimate (bytes per ms), MiB/s. */
  readonly bandwidthMibps: number[] = []
  readonly expectedDowntimeMs: number[] = []
  readonly throttlePercent: number[] = []
  readonly dirtySyncCount: number[] = []
  readonly status: ProgressSample['status'][] = []
  /** XBZRLE, multifd, postcopy and dirty-limit over time (columns empty of data without them). */
  readonly capabilities = new CapabilitySeries()
  readonly timeline: TimelineEvent[] = []
  readonly throughput = new Map<number, ThroughputColumn>()
  /**
   * Throughput across all vCPUs per bucket (index = time / bucket), kept as data arrives so that a
   * 64-vCPU guest's summary (slowest, mean, fastest) costs one pass over buckets, not over vCPUs.
   */
  readonly across = {
    bucketMs: 0,
    min: [] as number[],
    max: [] as number[],
    sum: [] as number[],
    count: [] as number[]
  }
  /** Virtual ms the received telemetry reaches. */
  reachedMs = 0
  /** Points received (for tests and the "downsampled" note). */
  points = 0

  constructor(readonly pageSize = 4096) {}

  private addProgress(p: ProgressSample): void {
    this.timeMs.push(p['time-ms'])
    this.transferredBytes.push(p['transferred-bytes'])
    this.remainingBytes.push(p['remaining-bytes'])
    this.thresholdBytes.push(p['threshold-bytes'])
    this.dirtyRateMibps.push((p['dirty-pages-rate'] * this.pageSize) / MIB)
    this.bandwidthMibps.push((p['bandwidth-bytes-per-ms'] * 1000) / MIB)
    this.expectedDowntimeMs.push(p['expected-downtime-ms'])
    this.throttlePercent.push(p['cpu-throttle-percentage'])
    this.dirtySyncCount.push(p['dirty-sync-count'])
    this.status.push(p.status)
    this.capabilities.add(p)
    if (p['time-ms'] > this.reachedMs) this.reachedMs = p['time-ms']
  }

  private addEvents(events: readonly TimelineEvent[]): void {
    if (events.length === 0) return
    const lastBefore =
      this.timeline.length > 0 ? this.timeline[this.timeline.length - 1]['time-ms'] : -Infinity
    for (const e of events) this.timeline.push(e)
    // Batches arrive in virtual-time order; sort (stably) only if one did not.
    if (events[0]['time-ms'] < lastBefore || !isSorted(events))
      this.timeline.sort((a, b) => a['time-ms'] - b['time-ms'])
    const last = this.timeline[this.timeline.length - 1]['time-ms']
    if (last > this.reachedMs) this.reachedMs = last
  }

  private column(vcpu: number, bucketMs: number): ThroughputColumn {
    let column = this.throughput.get(vcpu)
    if (!column) {
      column = { vcpu, bucketMs, timeMs: [], mibPerS: [] }
      this.throughput.set(vcpu, column)
    }
    return column
  }

  append(batch: TelemetryBatch): void {
    for (const p of batch.progress) this.addProgress(p)
    for (const piece of batch.throughput) {
      const column = this.column(piece.vcpu, piece['bucket-ms'])
      const values = piece['mib-per-s']
      for (let i = 0; i < values.length; i++) {
        const t = piece['start-ms'] + i * piece['bucket-ms']
        column.timeMs.push(t)
        column.mibPerS.push(values[i])
        this.addAcross(t, values[i], piece['bucket-ms'])
      }
      this.points += values.length
    }
    this.addEvents(batch.timeline)
    this.points += batch.progress.length + batch.timeline.length
    if (batch['time-ms'] > this.reachedMs) this.reachedMs = batch['time-ms']
  }

  static fromSnapshot(snapshot: RunSnapshot, pageSize = 4096): RunData {
    const data = new RunData(pageSize)
    for (const p of snapshot.progress) data.addProgress(p)
    for (const series of snapshot.throughput) data.addThroughputPoints(series)
    data.addEvents(snapshot.timeline)
    data.points = snapshot.progress.length + snapshot.timeline.length
    for (const s of snapshot.throughput) data.points += s['mib-per-s'].length
    return data
  }

  private addThroughputPoints(series: ThroughputPoints): void {
    const column = this.column(series.vcpu, series['bucket-ms'])
    for (let i = 0; i < series['time-ms'].length; i++) {
      column.timeMs.push(series['time-ms'][i])
      column.mibPerS.push(series['mib-per-s'][i])
      this.addAcross(series['time-ms'][i], series['mib-per-s'][i], series['bucket-ms'])
    }
  }

  private addAcross(timeMs: number, value: number, bucketMs: number): void {
    const across = this.across
    if (across.bucketMs === 0) across.bucketMs = bucketMs > 0 ? bucketMs : 100
    const k = Math.round(timeMs / across.bucketMs)
    if (across.count[k] === undefined) {
      // Fill holes so the arrays stay dense (and fast).
      for (let j = across.count.length; j < k; j++) {
        across.count[j] = 0
        across.sum[j] = 0
        across.min[j] = Infinity
        across.max[j] = -Infinity
      }
      across.count[k] = 0
      across.sum[k] = 0
      across.min[k] = Infinity
      across.max[k] = -Infinity
    }
    across.count[k]++
    across.sum[k] += value
    if (value < across.min[k]) across.min[k] = value
    if (value > across.max[k]) across.max[k] = value
  }

  /** The end of the run's virtual time: the last thing that happened (destination resume). */
  get endMs(): number {
    return this.reachedMs
  }

  /** Number of progress samples at or before `timeMs`. */
  progressCountAt(timeMs: number): number {
    return countAtOrBefore(this.timeMs, timeMs)
  }
}

function isSorted(events: readonly TimelineEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i]['time-ms'] < events[i - 1]['time-ms']) return false
  return true
}

/** How many entries of an ascending array are ≤ `value` (binary search). */
export function countAtOrBefore(sorted: ArrayLike<number>, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Lanes top to bottom: the migration thread, the destination, then every vCPU. */
export function laneOrder(vcpuCount: number): TimelineLane[] {
  const lanes: TimelineLane[] = ['migration', 'destination']
  for (let i = 0; i < vcpuCount; i++) lanes.push(`vcpu-${i}`)
  return lanes
}

export interface LaneSegment {
  readonly lane: number
  readonly startMs: number
  readonly endMs: number
  readonly state: TimelineState
  readonly detail?: string
}

/**
 * The swimlane segments up to `untilMs`: each event starts a segment of its lane that lasts until
 * the lane's next event (or `untilMs`). Lanes not in `lanes` are ignored.
 */
export function laneSegments(
  events: readonly TimelineEvent[],
  lanes: readonly TimelineLane[],
  untilMs: number
): LaneSegment[] {
  const index = new Map<string, number>(lanes.map((lane, i) => [lane, i]))
  const open = new Map<number, { startMs: number; state: TimelineState; detail?: string }>()
  const segments: LaneSegment[] = []
  for (const e of events) {
    if (e['time-ms'] > untilMs) break
    const lane = index.get(e.lane)
    if (lane === undefined) continue
    const previous = open.get(lane)
    if (previous && e['time-ms'] > previous.startMs)
      segments.push({
        lane,
        startMs: previous.startMs,
        endMs: e['time-ms'],
        state: previous.state,
        detail: previous.detail
      })
    open.set(lane, {
      startMs: e['time-ms'],
      state: e.state,
      ...(e.detail !== undefined ? { detail: e.detail } : {})
    })
  }
  for (const [lane, segment] of open)
    if (untilMs > segment.startMs || segment.state === 'done' || segment.state === 'resumed')
      segments.push({
        lane,
        startMs: segment.startMs,
        endMs: Math.max(untilMs, segment.startMs),
        state: segment.state,
        detail: segment.detail
      })
  return segments
}

export interface RunMarker {
  readonly timeMs: number
  readonly kind: 'sync' | 'phase'
  /** `dirty-sync-count 3`, `stop-and-copy`, `postcopy-active`, `resumed`… */
  readonly label: string
}

/** Dirty syncs and phase changes (migration and destination lanes) up to `untilMs`. */
export function runMarkers(events: readonly TimelineEvent[], untilMs: number): RunMarker[] {
  const markers: RunMarker[] = []
  let lastMigrationState: TimelineState | undefined
  for (const e of events) {
    if (e['time-ms'] > untilMs) break
    if (e.lane === 'migration') {
      if (e.state === 'syncing')
        markers.push({ timeMs: e['time-ms'], kind: 'sync', label: e.detail ?? 'sync' })
      else if (
        (e.state === 'stop-and-copy' || e.state === 'postcopy-active' || e.state === 'done') &&
        e.state !== lastMigrationState
      )
        markers.push({ timeMs: e['time-ms'], kind: 'phase', label: e.state })
      lastMigrationState = e.state
    } else if (e.lane === 'destination' && e.state === 'resumed')
      markers.push({ timeMs: e['time-ms'], kind: 'phase', label: 'resumed' })
  }
  return markers
}
