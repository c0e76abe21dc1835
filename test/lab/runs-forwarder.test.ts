import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  TelemetryForwarder,
  mergeTelemetryBatch,
  type ForwarderTimers
} from '../../src/main/lab/handlers/runs'
import { appendTelemetry, emptyTelemetry } from '../../src/shared/engine/telemetry'
import { openHistory } from '../../src/main/storage'
import type { TelemetryBatch } from '../../src/shared/protocol/migration'
import type { ProgressSample } from '../../src/shared/result'

// The host forwards a run's telemetry to the pages at most ~10 times a second, merging the
// engine's batches in between, without losing or reordering anything.

function sample(timeMs: number): ProgressSample {
  return {
    'time-ms': timeMs,
    status: 'active',
    'transferred-bytes': timeMs,
    'remaining-bytes': 1e9 - timeMs,
    'dirty-pages-rate': 0,
    mbps: 0,
    'bandwidth-bytes-per-ms': 0,
    'threshold-bytes': 0,
    'expected-downtime-ms': 300,
    'dirty-sync-count': 1,
    'cpu-throttle-percentage': 0
  }
}

/** The engine's batch of one virtual second: 10 samples, 10 buckets per vCPU, a sync event. */
function engineBatch(second: number, vcpus = 2): TelemetryBatch {
  const start = second * 1000
  return {
    'time-ms': start + 1000,
    progress: Array.from({ length: 10 }, (_, i) => sample(start + i * 100)),
    throughput: Array.from({ length: vcpus }, (_, vcpu) => ({
      vcpu,
      'bucket-ms': 100,
      'start-ms': start,
      'mib-per-s': Array.from({ length: 10 }, (_, i) => second * 10 + i + vcpu / 10)
    })),
    timeline: [
      {
        'time-ms': start + 500,
        lane: 'migration',
        state: 'syncing',
        detail: `dirty-sync-count ${second + 2}`
      }
    ]
  }
}

function fakeTimers() {
  let now = 0
  let pending: { at: number; fn: () => void } | undefined
  const timers: ForwarderTimers = {
    now: () => now,
    setTimeout: (fn, ms) => (pending = { at: now + ms, fn }),
    clearTimeout: () => (pending = undefined)
  }
  const advance = (ms: number) => {
    now += ms
    if (pending && pending.at <= now) {
      const { fn } = pending
      pending = undefined
      fn()
    }
  }
  return { timers, advance }
}

describe('telemetry forwarding', () => {
  it('sends the first batch at once, then one merged batch per 100 ms', () => {
    const sent: TelemetryBatch[] = []
    const { timers, advance } = fakeTimers()
    const forwarder = new TelemetryForwarder((b) => sent.push(b), timers)
    // The engine streams 40 batches in 80 ms of wall time.
    for (let s = 0; s < 40; s++) {
      forwarder.push(engineBatch(s))
      advance(2)
    }
    advance(100)
    forwarder.close()
    expect(sent.length).toBeGreaterThanOrEqual(2)
    expect(sent.length).toBeLessThanOrEqual(3)
    expect(sent[0].progress).toHaveLength(10)
  })

  it('loses nothing: the merged stream rebuilds the same telemetry', () => {
    const sent: TelemetryBatch[] = []
    const { timers, advance } = fakeTimers()
    const forwarder = new TelemetryForwarder((b) => sent.push(b), timers)
    const direct = emptyTelemetry()
    for (let s = 0; s < 25; s++) {
      const b = engineBatch(s)
      appendTelemetry(direct, b)
      forwarder.push(b)
      advance(7)
    }
    forwarder.close()
    const forwarded = emptyTelemetry()
    for (const b of sent) appendTelemetry(forwarded, b)
    expect(forwarded).toEqual(direct)
    // Pieces of one vCPU's series are joined, not sent as 25 fragments.
    expect(sent.at(-1)!.throughput.filter((t) => t.vcpu === 0).length).toBe(1)
  })

  it('sends early when a merged batch grows too large', () => {
    const sent: TelemetryBatch[] = []
    const { timers, advance } = fakeTimers()
    const forwarder = new TelemetryForwarder((b) => sent.push(b), timers, 100, 2000)
    // A 64-vCPU guest: 651 points per virtual second.
    for (let s = 0; s < 10; s++) {
      forwarder.push(engineBatch(s, 64))
      advance(1)
    }
    forwarder.close()
    expect(sent.length).toBeGreaterThanOrEqual(3)
    for (const b of sent.slice(0, -1)) {
      const points =
        b.progress.length + b.timeline.length + b.throughput.reduce((n, t) => n + t['mib-per-s'].length, 0)
      expect(points).toBeLessThan(2000 + 700)
    }
  })

  it('keeps series apart when a piece does not continue the last one', () => {
    const into = { 'time-ms': 0, progress: [], throughput: [], timeline: [] }
    mergeTelemetryBatch(into, {
      'time-ms': 100,
      progress: [],
      timeline: [],
      throughput: [{ vcpu: 0, 'bucket-ms': 100, 'start-ms': 0, 'mib-per-s': [1] }]
    })
    mergeTelemetryBatch(into, {
      'time-ms': 900,
      progress: [],
      timeline: [],
      throughput: [{ vcpu: 0, 'bucket-ms': 100, 'start-ms': 500, 'mib-per-s': [2] }]
    })
    expect(into.throughput).toHaveLength(2)
    expect(into['time-ms']).toBe(900)
  })

  it('joins a piece the way the history does: float noise in a start time is within a bucket', () => {
    // 0.1 ms buckets summed a thousand times are off by ~1e-12 ms; 100 ms buckets summed are off
    // by ~1e-5 ms. The history's writer joins both (a millionth of a bucket); the events did not.
    const dir = mkdtempSync(join(tmpdir(), 'lab-join-'))
    try {
      const history = openHistory(join(dir, 'h.db'))
      const pieces = [
        { vcpu: 0, 'bucket-ms': 100, 'start-ms': 0, 'mib-per-s': [1, 2] },
        { vcpu: 0, 'bucket-ms': 100, 'start-ms': 200 + 3e-5, 'mib-per-s': [3] }
      ]
      const into = { 'time-ms': 0, progress: [], throughput: [], timeline: [] }
      for (const piece of pieces)
        mergeTelemetryBatch(into, { 'time-ms': 300, progress: [], timeline: [], throughput: [piece] })
      const runId = history.beginRun({ config: {}, seed: 1, engineVersion: 'test' })
      for (const piece of pieces) history.append(runId, { throughput: [piece] })
      history.flush()
      const stored = history.getRun(runId).throughput
      expect(into.throughput).toHaveLength(1)
      expect(into.throughput[0]['mib-per-s']).toEqual([1, 2, 3])
      expect(stored).toHaveLength(1)
      expect(stored[0]['mib-per-s']).toEqual([1, 2, 3])
      history.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
