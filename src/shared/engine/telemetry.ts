import type { RunTelemetry, VcpuThroughputSeries } from '../result'
import type { TelemetryBatch } from '../protocol/migration'

export function emptyTelemetry(): RunTelemetry {
  return { progress: [], throughput: [], timeline: [] }
}

/** Where a throughput series ends: the start of the bucket after its last one, ms. */
export function seriesEndMs(series: VcpuThroughputSeries): number {
  return series['start-ms'] + series['mib-per-s'].length * series['bucket-ms']
}

/**
 * Whether `next` continues `previous` without a gap: the same vCPU's buckets of the same width,
 * starting where `previous` ends (to a millionth of a bucket: the times are sums of floats).
 * The one rule for joining series pieces, in the LabApi's telemetry events and in the history.
 */
export function seriesContinues(previous: VcpuThroughputSeries, next: VcpuThroughputSeries): boolean {
  return (
    previous.vcpu === next.vcpu &&
    previous['bucket-ms'] === next['bucket-ms'] &&
    Math.abs(seriesEndMs(previous) - next['start-ms']) <= previous['bucket-ms'] * 1e-6
  )
}

/**
 * Appends one streamed batch to a run's telemetry. Throughput chunks of a vCPU continue its
 * series; timeline events are kept in time order (stable, so one lane's order is kept).
 */
export function appendTelemetry(into: RunTelemetry, batch: TelemetryBatch): void {
  for (const p of batch.progress) into.progress.push(p)
  for (const chunk of batch.throughput) {
    const series = into.throughput.find((s) => s.vcpu === chunk.vcpu)
    if (!series) {
      into.throughput.push({ ...chunk, 'mib-per-s': [...chunk['mib-per-s']] })
      continue
    }
    // A chunk starts where the series ends; pad a gap with zeros rather than shift later data.
    const gap = Math.round((chunk['start-ms'] - seriesEndMs(series)) / series['bucket-ms'])
    for (let i = 0; i < gap; i++) series['mib-per-s'].push(0)
    for (const v of chunk['mib-per-s']) series['mib-per-s'].push(v)
  }
  // Events arrive lane by lane, each lane in time order; keep the whole list in time order
  // (stable: events at the same time keep their arrival order). Most land at the end.
  const incoming = [...batch.timeline].sort((a, b) => a['time-ms'] - b['time-ms'])
  const timeline = into.timeline
  for (const e of incoming) {
    const t = e['time-ms']
    if (timeline.length === 0 || timeline[timeline.length - 1]['time-ms'] <= t) {
      timeline.push(e)
      continue
    }
    let lo = 0
    let hi = timeline.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (timeline[mid]['time-ms'] <= t) lo = mid + 1
      else hi = mid
    }
    timeline.splice(lo, 0, e)
  }
}
