import { TELEMETRY_TICK_US, US_PER_MS } from '../../shared/engine/constants'
import type { TelemetryBatch } from '../../shared/protocol/migration'
import type { ThroughputChunk, VcpuTimelineEntry } from '../../shared/protocol/vcpu'
import type { ProgressSample, TimelineEvent, VcpuThroughputSeries } from '../../shared/result'
import { round3 } from './result'

/** A telemetry batch is sent at each sync and at least this often (progress samples). */
const BATCH_EVERY_SAMPLES = 10

/**
 * What the migration thread tells the host while the run goes (DESIGN.md §4, docs/engine.md
 * "Telemetry"): a progress sample at every 100 ms mark of virtual time (guestperf's sampling,
 * docs/qemu-rules.md §13.5), the lanes' timeline events and the vCPUs' write throughput,
 * gathered into batches. The migration thread says what a sample holds (`sample`) and when a
 * batch must go (`flush`, at each sync and at the end).
 */
export class TelemetryBatcher {
  private nextSampleUs = 0
  private progress: ProgressSample[] = []
  private throughput: VcpuThroughputSeries[] = []
  private timeline: TimelineEvent[] = []

  constructor(
    private readonly emit: (batch: TelemetryBatch) => void,
    /** The progress sample of virtual time `timeUs` (the counters as they are now). */
    private readonly sample: (timeUs: number) => ProgressSample,
    private readonly pageSize: number
  ) {}

  /** A timeline event on a lane. */
  event(lane: TimelineEvent['lane'], timeUs: number, state: TimelineEvent['state'], detail?: string): void {
    const event: TimelineEvent = { 'time-ms': timeUs / US_PER_MS, lane, state }
    if (detail !== undefined) event.detail = detail
    this.timeline.push(event)
  }

  /**
   * A progress sample at every 100 ms mark before `beforeUs`; a batch goes once it holds
   * BATCH_EVERY_SAMPLES of them (`nowUs`: the batch's time). The run's end adds a last sample of
   * its own (`sampleAt`).
   */
  sampleUpTo(beforeUs: number, nowUs: number): void {
    while (this.nextSampleUs < beforeUs) {
      this.sampleAt(this.nextSampleUs)
      this.nextSampleUs += TELEMETRY_TICK_US
    }
    if (this.progress.length >= BATCH_EVERY_SAMPLES) this.flush(nowUs)
  }

  sampleAt(timeUs: number): void {
    this.progress.push(this.sample(timeUs))
  }

  /**
   * A vCPU's reply: its write throughput (writes per 100 ms bucket, as MiB/s) and its lane's
   * events. The initial 'running' is announced by the migration thread at setup.
   */
  vcpu(vcpu: number, throughput: ThroughputChunk, timeline: readonly VcpuTimelineEntry[]): void {
    if (throughput.writes.length > 0) {
      const mibPerWrite = this.pageSize / (1024 * 1024)
      const perSecond = 1_000_000 / TELEMETRY_TICK_US
      this.throughput.push({
        vcpu,
        'bucket-ms': TELEMETRY_TICK_US / US_PER_MS,
        'start-ms': (throughput.startBucket * TELEMETRY_TICK_US) / US_PER_MS,
        'mib-per-s': throughput.writes.map((w) => round3(w * mibPerWrite * perSecond))
      })
    }
    for (const e of timeline) {
      if (e.timeUs === 0 && e.state === 'running') continue
      this.event(`vcpu-${vcpu}`, e.timeUs, e.state, e.detail)
    }
  }

  /** Sends what has gathered as one batch of virtual time `nowUs` (nothing when empty). */
  flush(nowUs: number): void {
    if (this.progress.length === 0 && this.throughput.length === 0 && this.timeline.length === 0) return
    const batch: TelemetryBatch = {
      'time-ms': nowUs / US_PER_MS,
      progress: this.progress,
      throughput: this.throughput,
      timeline: this.timeline
    }
    this.progress = []
    this.throughput = []
    this.timeline = []
    this.emit(batch)
  }
}
