import { describe, expect, it } from 'vitest'
import { TelemetryBatcher } from '../../src/engine/migration/telemetry-batcher'
import type { TelemetryBatch } from '../../src/shared/protocol/migration'
import type { ProgressSample } from '../../src/shared/result'

const sample = (timeUs: number) => ({ 'time-ms': timeUs / 1000 }) as ProgressSample

describe('TelemetryBatcher', () => {
  it('samples every 100 ms mark before a time and sends a batch once ten have gathered', () => {
    const batches: TelemetryBatch[] = []
    const t = new TelemetryBatcher((b) => batches.push(b), sample, 4096)
    // marks before 950 ms: 0, 100, …, 900 = 10 samples → one batch, stamped with now (950 ms)
    t.sampleUpTo(950_000, 950_000)
    expect(batches).toHaveLength(1)
    expect(batches[0]['time-ms']).toBe(950)
    expect(batches[0].progress.map((p) => p['time-ms'])).toEqual([
      0, 100, 200, 300, 400, 500, 600, 700, 800, 900
    ])
    // the next mark is 1000 ms: nothing before 1000 ms, and an empty flush sends nothing
    t.sampleUpTo(1_000_000, 1_000_000)
    t.flush(1_000_000)
    expect(batches).toHaveLength(1)
  })

  it('turns a vCPU reply into MiB/s and lane events, leaving out its initial running', () => {
    const batches: TelemetryBatch[] = []
    const t = new TelemetryBatcher((b) => batches.push(b), sample, 4096)
    // 256 writes of 4 KiB in a 100 ms bucket = 1 MiB per 0.1 s = 10 MiB/s; bucket 3 starts at 300 ms
    t.vcpu(2, { startBucket: 3, writes: [256, 0] }, [
      { timeUs: 0, state: 'running' },
      { timeUs: 1500, state: 'stopped' }
    ])
    t.flush(2000)
    expect(batches[0].throughput).toEqual([
      { vcpu: 2, 'bucket-ms': 100, 'start-ms': 300, 'mib-per-s': [10, 0] }
    ])
    expect(batches[0].timeline).toEqual([{ 'time-ms': 1.5, lane: 'vcpu-2', state: 'stopped' }])
  })
})
