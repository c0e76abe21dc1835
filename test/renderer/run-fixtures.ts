import type { LabMethod, LabOutcome, LabResult } from '../../src/shared/protocol/lab-api'
import type { RunSnapshot } from '../../src/shared/protocol/lab-api-runs'
import type { TelemetryBatch } from '../../src/shared/protocol/migration'
import type { MigrationResult, ProgressSample, TimelineEvent } from '../../src/shared/result'
import type { LiveChartLabels } from '../../src/renderer/src/charts/live-options'
import { FakeLabClient } from './fake-lab-client'

/**
 * Fixtures of the run screens' tests: telemetry and results shaped like the engine's, and
 * RunFakeClient, a stand-in host for the cases that replay a run of chosen telemetry and result
 * (see fake-lab-client.ts for why those remain; runs on the real host use ServiceLabClient).
 */

/** Answers runs.start/cancel/get itself, so the test can push the run's telemetry and end. */
export class RunFakeClient extends FakeLabClient {
  nextRunId = 7
  startError: { kind: 'Validation'; message: string; details: string[] } | null = null
  snapshot: RunSnapshot | null = null
  /** runs.cancel's answer: cancelled (default), or refused as for a run that ended before then. */
  cancelled = true
  /** runs.cancel (and runs.get, after it) answer once this resolves (run.finished may come first). */
  cancelGate: Promise<void> = Promise.resolve()

  override async call<M extends LabMethod>(method: M, params?: unknown): Promise<LabOutcome<LabResult<M>>> {
    if (method === 'runs.start') {
      this.calls.push({ method, params })
      if (this.startError) return { ok: false, error: this.startError }
      return { ok: true, value: { runId: this.nextRunId } as LabResult<M> }
    }
    if (method === 'runs.cancel') {
      this.calls.push({ method, params })
      await this.cancelGate
      return {
        ok: true,
        value: { runId: (params as { runId: number }).runId, cancelled: this.cancelled } as LabResult<M>
      }
    }
    if (method === 'runs.get') {
      this.calls.push({ method, params })
      // The host answers in order: a runs.get after a runs.cancel is answered after it.
      await this.cancelGate
      if (!this.snapshot) return { ok: false, error: { kind: 'NotFound', message: 'There is no run 99.' } }
      return { ok: true, value: this.snapshot as LabResult<M> }
    }
    return super.call(method, params)
  }
}

export function sample(timeMs: number, extra: Partial<ProgressSample> = {}): ProgressSample {
  return {
    'time-ms': timeMs,
    status: 'active',
    'transferred-bytes': timeMs * 1000,
    'remaining-bytes': 1e9 - timeMs * 1000,
    'dirty-pages-rate': 256,
    mbps: 1000,
    'bandwidth-bytes-per-ms': 134_217.728,
    'threshold-bytes': 40e6,
    'expected-downtime-ms': 300,
    'dirty-sync-count': 1,
    'cpu-throttle-percentage': 0,
    ...extra
  }
}

export function batch(fromMs: number, toMs: number, timeline: TimelineEvent[] = []): TelemetryBatch {
  const progress: ProgressSample[] = []
  for (let t = fromMs; t <= toMs; t += 100) progress.push(sample(t))
  const values = progress.map(() => 16)
  return {
    'time-ms': toMs,
    progress,
    throughput: [
      { vcpu: 0, 'bucket-ms': 100, 'start-ms': fromMs, 'mib-per-s': values },
      { vcpu: 1, 'bucket-ms': 100, 'start-ms': fromMs, 'mib-per-s': values.map(() => 15) }
    ],
    timeline
  }
}

export function result(extra: Partial<MigrationResult> = {}): MigrationResult {
  return {
    status: 'completed',
    'total-time': 2000,
    'setup-time': 8,
    downtime: 39.4,
    'expected-downtime': 280,
    ram: {
      transferred: 2e9,
      remaining: 0,
      total: 4 * 2 ** 30,
      duplicate: 0,
      normal: 480_000,
      'normal-bytes': 480_000 * 4096,
      'dirty-pages-rate': 256,
      mbps: 1080,
      'dirty-sync-count': 4,
      'page-size': 4096,
      'pages-per-second': 32_000,
      'precopy-bytes': 1.9e9,
      'downtime-bytes': 0.1e9,
      'postcopy-bytes': 0,
      'multifd-bytes': 0
    },
    lab: {
      verified: true,
      'mismatched-pages': 0,
      seed: 1,
      'engine-version': '1.0.0',
      reason: 'completed: pending 37.6 MB fell below the threshold 40.3 MB at dirty-sync-count 3',
      converged: true,
      'guest-pause-ms': 69.5,
      'downtime-breakdown': {
        'stop-ms': 5,
        'final-sync-ms': 4,
        'ram-ms': 30.2,
        'device-state-ms': 0.2,
        'resume-ms': 30.1
      },
      iterations: [],
      bql: { 'held-ms': 20, holds: 4, 'longest-hold-ms': 8, 'vcpu-wait-ms': 3, 'longest-vcpu-stall-ms': 1 },
      'wall-time-ms': 120,
      'virtual-time-ms': 2000,
      source: 'simulated'
    },
    ...extra
  }
}

/** The live chart's labels in English, as the tests read them. */
export const chartLabels: LiveChartLabels = {
  lane: (lane) =>
    lane === 'migration'
      ? 'Migration thread'
      : lane === 'destination'
        ? 'Destination'
        : `vCPU ${lane.slice(5)}`,
  state: (state) => state,
  panels: {
    timeline: 'Who runs when',
    memory: 'Memory',
    rates: 'Rates',
    downtime: 'Downtime',
    throttle: 'Throttle',
    throughput: 'Throughput'
  },
  series: {
    remaining: 'Remaining',
    threshold: 'Threshold',
    transferred: 'Transferred',
    dirtyRate: 'Dirty rate',
    guestWrites: 'Guest writes',
    bandwidth: 'Bandwidth',
    expectedDowntime: 'Expected downtime',
    downtimeLimit: 'downtime-limit',
    throttle: 'Throttle',
    vcpu: (n) => `vCPU ${n}`,
    vcpuMin: 'Slowest',
    vcpuMean: 'Mean',
    vcpuMax: 'Fastest'
  },
  marker: (m) => m.label,
  time: 'Time',
  capabilities: {
    panels: { xbzrle: 'XBZRLE cache', multifd: 'multifd', postcopy: 'Postcopy', dirtyLimit: 'Dirty-limit' },
    series: {
      xbzrleHitRate: 'Cache hit rate',
      xbzrleHits: 'Hits',
      xbzrleMisses: 'Misses',
      xbzrleOverflows: 'Overflows',
      multifdChannel: (n) => `Channel ${n}`,
      postcopyRequests: 'Page requests',
      postcopyFaults: 'vCPU page faults',
      dirtyLimitVcpu: (n) => `vCPU ${n}`
    }
  }
}
