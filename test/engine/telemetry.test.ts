import { describe, expect, it } from 'vitest'
import { appendTelemetry, emptyTelemetry } from '../../src/shared/engine/telemetry'
import type { TelemetryBatch } from '../../src/shared/protocol/migration'
import type { TimelineEvent } from '../../src/shared/result'

const batch = (over: Partial<TelemetryBatch>): TelemetryBatch => ({
  'time-ms': 0,
  progress: [],
  throughput: [],
  timeline: [],
  ...over
})

const event = (t: number, lane: TimelineEvent['lane'], state: TimelineEvent['state']): TimelineEvent => ({
  'time-ms': t,
  lane,
  state
})

describe('appendTelemetry', () => {
  it("continues each vCPU's throughput series where the last batch stopped", () => {
    const t = emptyTelemetry()
    const chunk = (vcpu: number, start: number, values: number[]) => ({
      vcpu,
      'bucket-ms': 100,
      'start-ms': start,
      'mib-per-s': values
    })
    appendTelemetry(t, batch({ throughput: [chunk(0, 0, [16, 16]), chunk(1, 0, [0, 0])] }))
    appendTelemetry(t, batch({ throughput: [chunk(1, 200, [0]), chunk(0, 200, [12.8, 12.8])] }))
    // A gap (a bucket no batch reported) is kept as a zero, so later values keep their times.
    appendTelemetry(t, batch({ throughput: [chunk(0, 500, [0])] }))
    expect(t.throughput).toEqual([chunk(0, 0, [16, 16, 12.8, 12.8, 0, 0]), chunk(1, 0, [0, 0, 0])])
  })

  it('keeps the timeline in time order across lanes and batches, stable for equal times', () => {
    const t = emptyTelemetry()
    appendTelemetry(
      t,
      batch({
        timeline: [
          event(0, 'migration', 'setup'),
          event(30, 'migration', 'syncing'),
          event(31, 'migration', 'iterating')
        ]
      })
    )
    // The vCPU lanes of the same stretch arrive with the next batch.
    appendTelemetry(
      t,
      batch({
        timeline: [
          event(30, 'vcpu-0', 'bql-wait'),
          event(31, 'vcpu-0', 'running'),
          event(40, 'vcpu-0', 'stopped')
        ]
      })
    )
    expect(t.timeline.map((e) => `${e['time-ms']} ${e.lane} ${e.state}`)).toEqual([
      '0 migration setup',
      '30 migration syncing',
      '30 vcpu-0 bql-wait',
      '31 migration iterating',
      '31 vcpu-0 running',
      '40 vcpu-0 stopped'
    ])
  })
})
