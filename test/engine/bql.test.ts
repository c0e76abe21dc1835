import { describe, expect, it } from 'vitest'
import { BqlLedger } from '../../src/engine/migration/bql'
import type { VcpuStats } from '../../src/shared/protocol/vcpu'

// The BQL ledger (docs/qemu-rules.md §1.6): expected numbers derived by hand next to them.

const vcpu = (bqlWaitUs: number, longestStallUs: number): VcpuStats => ({
  writes: 0,
  runUs: 0,
  bqlWaitUs,
  longestStallUs,
  stalls: 0,
  throttleSleepUs: 0
})

describe('BqlLedger', () => {
  it('sums the migration thread holds and the vCPUs waits, in ms', () => {
    const bql = new BqlLedger()
    bql.recordHold(0, 1500) // setup: 1.5 ms
    bql.recordHold(100_000, 100_000) // an empty hold is none
    bql.recordHold(200_000, 204_000) // a sync: 4 ms
    // held 1.5 + 4 = 5.5 ms in 2 holds, the longest 4 ms; vCPU waits 0.3 + 0.9 = 1.2 ms, the
    // longest single stall 0.7 ms
    expect(bql.stats([vcpu(300, 200), vcpu(900, 700)])).toEqual({
      'held-ms': 5.5,
      holds: 2,
      'longest-hold-ms': 4,
      'vcpu-wait-ms': 1.2,
      'longest-vcpu-stall-ms': 0.7
    })
  })

  it('is free once its latest hold ends, and tells the vCPUs a hold as a bql entry', () => {
    const bql = new BqlLedger()
    expect(bql.freeAtUs).toBe(0)
    bql.recordHold(5000, 9000)
    bql.recordHold(6000, 7000) // inside the first: still free at 9000
    expect(bql.freeAtUs).toBe(9000)
    expect(bql.scheduleHold(5000, 9000)).toEqual({ kind: 'bql', startUs: 5000, endUs: 9000 })
  })
})
