import { describe, expect, it } from 'vitest'
import { VcpuSimulator } from '../../src/engine/vcpu/simulator'
import { dirtyLimitAdjust } from '../../src/shared/engine/dirty-limit'
import {
  VcpuClock,
  dirtyRingFullRunUs,
  type VcpuLaneState,
  type VcpuScheduleEvent
} from '../../src/shared/engine/vcpu-clock'
import { layoutGuest, type WorkloadSpec } from '../../src/shared/engine/workload'

// Ring-full exits and dirty-limit sleeps (kvm_cpu_exec's KVM_EXIT_DIRTY_RING_FULL case in
// accel/kvm/kvm-all.c, dirtylimit_vcpu_execute in system/dirtylimit.c). Expected numbers are
// derived by hand next to each assertion.

function runClock(ringFullRunUs: number, events: VcpuScheduleEvent[], untilUs: number) {
  const clock = new VcpuClock(0, ringFullRunUs)
  clock.addEvents(events)
  const states: Array<[number, VcpuLaneState]> = []
  clock.advance(untilUs, { run: () => undefined, state: (t, s) => states.push([t, s]) })
  return { clock, states }
}

describe('dirtyRingFullRunUs', () => {
  it.each([
    [16_384, 4096, 214_843.75], // 64 MiB/s = 16,384 pages/s; 3520 entries / 16,384 × 1e6
    [16_384, 0, Infinity], // no ring: the dirty bitmap never exits
    [0, 4096, Infinity] // an idle vCPU never fills its ring
  ])('%i pages/s, ring %i → %f µs of run time', (rate, ring, us) => {
    expect(dirtyRingFullRunUs(rate, ring)).toBe(us)
  })
})

describe('VcpuClock: ring-full exits', () => {
  it('exits without sleeping when no limit is in service', () => {
    // exits at run time 100, 200, … 900 ms; the one at 1000 ms is not reached before 1 s
    const { clock, states } = runClock(100_000, [], 1_000_000)
    expect(clock.runUs).toBe(1_000_000)
    expect(clock.ringFullExits).toBe(9)
    expect(clock.dirtyLimitSleepUs).toBe(0)
    expect(states).toEqual([])
  })

  it('sleeps throttle_us_per_full after each ring-full exit', () => {
    // run 0–100 ms, sleep to 400, run to 500, sleep to 800, run to 900, sleep (still on at 1 s)
    const { clock, states } = runClock(
      100_000,
      [{ kind: 'dirty-limit', atUs: 0, sleepUsPerFull: 300_000 }],
      1_000_000
    )
    expect(clock.runUs).toBe(300_000)
    expect(clock.ringFullExits).toBe(3)
    expect(clock.dirtyLimitSleepUs).toBe(600_000) // the third sleep is not over
    expect(clock.throttleSleepUs).toBe(0)
    expect(states).toEqual([
      [100_000, 'throttled'],
      [400_000, 'running'],
      [500_000, 'throttled'],
      [800_000, 'running'],
      [900_000, 'throttled']
    ])
  })

  it('reaps under the BQL: an exit inside a hold waits for it, then sleeps', () => {
    // exit at 100 ms inside the hold [50, 150): waits 50 ms; sleep 150–350, run 350–450,
    // sleep 450–650, run 650–750, sleep 750–950, run 950–1000: run 350 ms, 3 sleeps of 200 ms
    const { clock } = runClock(
      100_000,
      [
        { kind: 'bql', startUs: 50_000, endUs: 150_000 },
        { kind: 'dirty-limit', atUs: 0, sleepUsPerFull: 200_000 }
      ],
      1_000_000
    )
    expect(clock.bqlWaitUs).toBe(50_000)
    expect(clock.stalls).toBe(1)
    expect(clock.runUs).toBe(350_000)
    expect(clock.dirtyLimitSleepUs).toBe(600_000)
    expect(clock.ringFullExits).toBe(3)
  })

  it('applies a new sleep from the next ring-full exit on', () => {
    // exits at 100 and 200 ms sleep 0; the limit set at 250 ms applies from the exit at 300 ms:
    // sleep 300–400, run 400–500, sleep 500–600, run –700, sleep –800, run –900, sleep –1000
    const { clock } = runClock(
      100_000,
      [
        { kind: 'dirty-limit', atUs: 0, sleepUsPerFull: 0 },
        { kind: 'dirty-limit', atUs: 250_000, sleepUsPerFull: 100_000 }
      ],
      1_000_000
    )
    expect(clock.runUs).toBe(600_000)
    expect(clock.ringFullExits).toBe(6)
    expect(clock.dirtyLimitSleepUs).toBe(300_000) // the fourth sleep ends exactly at 1 s
  })
})

describe('VcpuClock: the same schedule however the harvests split it', () => {
  it.each([[[1_000_000]], [[100_000, 1_000_000]], [[400_000, 400_001, 900_000, 1_000_000]]])(
    'advancing to %j',
    (stops) => {
      const clock = new VcpuClock(200, 100_000)
      clock.addEvents([
        { kind: 'bql', startUs: 50_000, endUs: 150_000 },
        { kind: 'dirty-limit', atUs: 0, sleepUsPerFull: 200_000 }
      ])
      for (const t of stops) clock.advance(t, { run: () => undefined, state: () => undefined })
      // the figures of one advance to 1 s, whatever the split
      const one = new VcpuClock(200, 100_000)
      one.addEvents([
        { kind: 'bql', startUs: 50_000, endUs: 150_000 },
        { kind: 'dirty-limit', atUs: 0, sleepUsPerFull: 200_000 }
      ])
      one.advance(1_000_000, { run: () => undefined, state: () => undefined })
      expect([clock.runUs, clock.ringFullExits, clock.dirtyLimitSleepUs, clock.bqlWaitUs]).toEqual([
        one.runUs,
        one.ringFullExits,
        one.dirtyLimitSleepUs,
        one.bqlWaitUs
      ])
      expect(one.ringFullExits).toBe(3)
    }
  )
})

/** One vCPU of a 512 MiB guest running `over`, no I/O exits, with an optional dirty ring. */
function oneVcpu(over: Partial<WorkloadSpec>, dirtyRingSize?: number): VcpuSimulator {
  const layout = layoutGuest({
    'memory-mib': 512,
    vcpus: 1,
    'page-size': 4096,
    'zero-fraction': 0,
    workloads: [
      {
        vcpus: 'all',
        pattern: 'uniform',
        'dirty-rate-mibps': 16,
        'working-set-mib': 64,
        'hot-set-mib': 64,
        'hot-fraction': 0.9,
        shared: false,
        'io-exits-per-second': 0,
        ...over
      }
    ]
  })
  return new VcpuSimulator({
    plan: layout.vcpus[0],
    totalPages: layout.totalPages,
    nonZeroPages: layout.nonZeroPages,
    seed: 1,
    ...(dirtyRingSize !== undefined ? { dirtyRingSize } : {})
  })
}

describe('VcpuSimulator with a dirty ring', () => {
  it('slows a 64 MiB/s writer held to a limit of 8 MB/s', () => {
    // The first dirty-limit step for this guest: 1,673,076 µs per ring full (dirty-limit.test.ts).
    const sleep = dirtyLimitAdjust({
      quotaMbps: 8,
      currentMbps: 64,
      throttleUsPerFull: 0,
      maxDirtyRateSeenMbps: 0,
      ringSizeEntries: 4096,
      pageSize: 4096
    }).throttleUsPerFull
    expect(sleep).toBe(1_673_076)
    const sim = oneVcpu({ pattern: 'sequential', 'dirty-rate-mibps': 64, 'working-set-mib': 64 }, 4096)
    const reply = sim.harvest({
      untilUs: 10_000_000,
      events: [{ kind: 'dirty-limit', atUs: 0, sleepUsPerFull: sleep }],
      dirtyLog: true,
      dirtySyncCount: 2,
      firstRoundComplete: false
    })
    // Ring full every 214,843.75 µs of run time; a cycle is that + 1,673,076 µs of sleep. The 6th
    // exit is at run time ⌊6 × 214,843.75⌋ = 1,289,062 µs, virtual 1,289,062 + 5 × 1,673,076 =
    // 9,654,442 µs, and its sleep runs past 10 s: 5 sleeps are over.
    expect(reply.stats.runUs).toBe(1_289_062)
    expect(reply.stats.ringFullExits).toBe(6)
    expect(reply.stats.dirtyLimitSleepUs).toBe(5 * 1_673_076)
    // 16,384 writes per second of run time: 1.289062 s × 16,384 = 21,119.99 → 21,120 writes,
    // 82.5 MiB in 10 s: 8.25 MiB/s instead of 64 (the steady state, a whole cycle, is 7.28).
    expect(reply.stats.writes).toBe(21_120)
  })

  it('reports no ring statistics without a ring', () => {
    const sim = oneVcpu({ pattern: 'uniform', 'dirty-rate-mibps': 16, 'working-set-mib': 32 })
    const reply = sim.harvest({
      untilUs: 1_000_000,
      events: [],
      dirtyLog: true,
      dirtySyncCount: 2,
      firstRoundComplete: false
    })
    expect(reply.stats.runUs).toBe(1_000_000)
    expect(reply.stats).not.toHaveProperty('ringFullExits')
  })
})
