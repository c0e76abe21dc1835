import { describe, expect, it } from 'vitest'
import { VcpuSimulator } from '../../src/engine/vcpu/simulator'
import { nextBelow, nextUint32, seedStream } from '../../src/shared/engine/random'
import {
  ScheduleError,
  VcpuClock,
  type VcpuLaneState,
  type VcpuScheduleEvent
} from '../../src/shared/engine/vcpu-clock'
import {
  layoutGuest,
  touchedPageRanges,
  type GuestSpec,
  type WorkloadSpec
} from '../../src/shared/engine/workload'
import type { HarvestRequest } from '../../src/shared/protocol/vcpu'

/** Runs a clock to `untilUs`; returns the run intervals, the lane states and the clock. */
function runClock(ioExitsPerSecond: number, events: VcpuScheduleEvent[], untilUs: number) {
  const clock = new VcpuClock(ioExitsPerSecond)
  clock.addEvents(events)
  const runs: Array<[number, number]> = []
  const states: Array<[number, VcpuLaneState]> = []
  clock.advance(untilUs, {
    run: (start, end) => runs.push([start, end]),
    state: (t, s) => states.push([t, s])
  })
  return { clock, runs, states }
}

describe('VcpuClock: when guest code runs', () => {
  it('runs all the time when nothing is scheduled', () => {
    const { clock } = runClock(200, [], 1_000_000)
    expect(clock.runUs).toBe(1_000_000)
    expect(clock.bqlWaitUs).toBe(0)
  })

  it.each([
    // Over 1 s the throttle timer fires every 10 ms / (1 − p) and the vCPU sleeps p / (1 − p) × 10 ms
    // after each tick: it runs 10 ms per cycle, a run fraction of 1 − p (§5.4).
    [20, 800_000],
    [50, 500_000],
    [90, 100_000],
    [99, 10_000]
  ])('at a %i %% throttle runs %i µs of each second', (pct, runUs) => {
    const { clock } = runClock(0, [{ kind: 'throttle', atUs: 0, pct }], 1_000_000)
    expect(clock.runUs).toBe(runUs)
    expect(clock.throttleSleepUs).toBe(1_000_000 - runUs)
  })

  it('stalls an I/O exit that falls inside a BQL hold until the hold ends (§1.7)', () => {
    // 200 exits/s = one every 5 ms of run time: exits at 5, 10, 15 ms… The one at 10 ms falls
    // in the hold [8 ms, 20 ms) and waits 10 ms; the vCPU ran 8 + 2 ms before it, 10 ms after.
    const { clock, states } = runClock(200, [{ kind: 'bql', startUs: 8_000, endUs: 20_000 }], 30_000)
    expect(clock.bqlWaitUs).toBe(10_000)
    expect(clock.longestStallUs).toBe(10_000)
    expect(clock.runUs).toBe(20_000)
    expect(states).toEqual([
      [10_000, 'bql-wait'],
      [20_000, 'running']
    ])
  })

  it('runs through a hold when no I/O exit falls in it', () => {
    // Exits every 5 ms of run time: a hold over [11 ms, 14 ms) sees none.
    const { clock } = runClock(200, [{ kind: 'bql', startUs: 11_000, endUs: 14_000 }], 30_000)
    expect(clock.bqlWaitUs).toBe(0)
    expect(clock.runUs).toBe(30_000)
  })

  it('wakes from a throttle sleep only when it gets the BQL back', () => {
    // 50 %: tick at 0, sleep to 10 ms; a hold over [5 ms, 15 ms) delays the wake-up to 15 ms.
    const events: VcpuScheduleEvent[] = [
      { kind: 'throttle', atUs: 0, pct: 50 },
      { kind: 'bql', startUs: 5_000, endUs: 15_000 }
    ]
    const { clock } = runClock(0, events, 20_000)
    expect(clock.bqlWaitUs).toBe(5_000)
    // The next tick is at 20 ms, so the vCPU ran from 15 to 20 ms.
    expect(clock.runUs).toBe(5_000)
  })

  it('delays a throttle tick that falls in a hold to the end of the hold (main-loop timer)', () => {
    // 50 %: ticks at 0 and 20 ms; the second is due inside [18 ms, 26 ms), fires at 26 ms.
    const events: VcpuScheduleEvent[] = [
      { kind: 'throttle', atUs: 0, pct: 50 },
      { kind: 'bql', startUs: 18_000, endUs: 26_000 }
    ]
    const { clock } = runClock(0, events, 30_000)
    // Ran 10–26 ms (no I/O exits, so the hold did not stall it), then sleeps from 26 ms.
    expect(clock.runUs).toBe(16_000)
  })

  it('runs no guest code after stop', () => {
    const { clock, states } = runClock(200, [{ kind: 'stop', atUs: 7_000 }], 50_000)
    expect(clock.runUs).toBe(7_000)
    expect(clock.stopped).toBe(true)
    expect(states).toEqual([[7_000, 'stopped']])
  })

  it('refuses a schedule that goes back in time', () => {
    const clock = new VcpuClock(200)
    clock.advance(10_000, { run: () => {}, state: () => {} })
    expect(() => clock.addEvents([{ kind: 'bql', startUs: 5_000, endUs: 12_000 }])).toThrow(ScheduleError)
    expect(() => clock.advance(9_000, { run: () => {}, state: () => {} })).toThrow(ScheduleError)
  })
})

describe('seeded random streams', () => {
  it('gives the same stream for the same (seed, vCPU) and different ones otherwise', () => {
    const take = (seed: number, vcpu: number): number[] => {
      const s = seedStream(seed, vcpu)
      return Array.from({ length: 8 }, () => nextUint32(s))
    }
    expect(take(1, 0)).toEqual(take(1, 0))
    expect(take(1, 0)).not.toEqual(take(2, 0))
    expect(take(1, 0)).not.toEqual(take(1, 1))
  })

  it('draws integers below n, uniformly', () => {
    const s = seedStream(42, 3)
    const counts = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) counts[nextBelow(s, 10)]++
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500)
  })
})

const workload = (over: Partial<WorkloadSpec>): WorkloadSpec => ({
  vcpus: 'all',
  pattern: 'uniform',
  'dirty-rate-mibps': 16,
  'working-set-mib': 64,
  'hot-set-mib': 8,
  'hot-fraction': 0.9,
  shared: false,
  'io-exits-per-second': 200,
  ...over
})

const guest = (over: Partial<GuestSpec>): GuestSpec => ({
  'memory-mib': 1024,
  vcpus: 2,
  'page-size': 4096,
  'zero-fraction': 0,
  workloads: [workload({})],
  ...over
})

describe('workload layout', () => {
  it('lays unshared working sets one after another, wrapping around the non-zero memory', () => {
    // 1 GiB, a quarter zero: 196,608 non-zero pages; 3 regions of 80,000 pages wrap once.
    const layout = layoutGuest(
      guest({ vcpus: 3, 'zero-fraction': 0.25, workloads: [workload({ 'working-set-mib': 312.5 })] })
    )
    expect(layout.nonZeroPages).toBe(196_608)
    expect(layout.vcpus.map((p) => p.regionStartPage)).toEqual([0, 80_000, 160_000])
    expect(layout.vcpus.every((p) => p.regionPages === 80_000)).toBe(true)
  })

  it('gives a shared working set to all its vCPUs, and idles vCPUs named by no entry', () => {
    const layout = layoutGuest(
      guest({ vcpus: 3, workloads: [workload({ vcpus: [0, 2], shared: true, pattern: 'sequential' })] })
    )
    expect(layout.vcpus[0].regionStartPage).toBe(layout.vcpus[2].regionStartPage)
    // Sequential sweeps over a shared set start apart.
    expect(layout.vcpus[2].sequentialStartOffset).toBe(layout.vcpus[0].regionPages / 2)
    expect(layout.vcpus[1]).toMatchObject({ pattern: 'idle', writesPerSecond: 0, ioExitsPerSecond: 0 })
  })

  it('names the pages each vCPU can write: its region, split where it wraps; none when idle', () => {
    // 196,608 non-zero pages, regions of 80,000: vCPU 2's [160,000, 240,000) wraps to
    // [160,000, 196,608) + [0, 43,392); vCPU 3 is idle.
    const g = guest({
      vcpus: 4,
      'zero-fraction': 0.25,
      workloads: [workload({ vcpus: [0, 1, 2], 'working-set-mib': 312.5 })]
    })
    const layout = layoutGuest(g)
    const ranges = layout.vcpus.map((p) => touchedPageRanges(p, layout.nonZeroPages))
    expect(ranges).toEqual([
      [[0, 80_000]],
      [[80_000, 160_000]],
      [
        [160_000, 196_608],
        [0, 43_392]
      ],
      []
    ])
    // Every page a vCPU writes lies in its ranges (the wrapped vCPU 2, 30 s of writes).
    const sim = new VcpuSimulator({
      plan: layout.vcpus[2],
      totalPages: layout.totalPages,
      nonZeroPages: layout.nonZeroPages,
      seed: 3
    })
    const { pages } = sim.harvest(harvest(30_000_000))
    const inRanges = (p: number): boolean => ranges[2].some(([s, e]) => p >= s && p < e)
    expect(pages.length).toBeGreaterThan(50_000)
    expect(Array.from(pages).every(inRanges)).toBe(true)
    expect(Array.from(pages).some((p) => p < 43_392)).toBe(true)
  })
})

function vcpu(
  g: GuestSpec,
  index: number,
  opts: { seed?: number; drop?: boolean; reuse?: boolean; countWrites?: boolean } = {}
): VcpuSimulator {
  const layout = layoutGuest(g)
  return new VcpuSimulator({
    plan: layout.vcpus[index],
    totalPages: layout.totalPages,
    nonZeroPages: layout.nonZeroPages,
    seed: opts.seed ?? 1,
    dropDirtyLogOnce: opts.drop,
    reuseLogBuffers: opts.reuse,
    countWrites: opts.countWrites
  })
}

const harvest = (untilUs: number, over: Partial<HarvestRequest> = {}): HarvestRequest => ({
  untilUs,
  events: [],
  dirtyLog: true,
  dirtySyncCount: 2,
  firstRoundComplete: false,
  ...over
})

describe('VcpuSimulator: the guest and its dirty log', () => {
  it('writes dirty-rate-mibps of pages per second of run time', () => {
    // 16 MiB/s = 4,096 pages/s: 4,096 writes in the first second.
    const sim = vcpu(guest({}), 0)
    const reply = sim.harvest(harvest(1_000_000))
    expect(reply.stats.writes).toBe(4096)
    // Throughput telemetry: ten 100 ms buckets of 409 or 410 writes = 16 MiB/s.
    expect(reply.throughput.writes).toHaveLength(10)
    expect(reply.throughput.writes.reduce((a, b) => a + b, 0)).toBe(4096)
  })

  it('returns sorted, unique pages inside its working set, and clears the log', () => {
    const sim = vcpu(guest({}), 1)
    const { pages } = sim.harvest(harvest(2_000_000))
    for (let i = 1; i < pages.length; i++) expect(pages[i]).toBeGreaterThan(pages[i - 1])
    // vCPU 1's region follows vCPU 0's: pages [16,384, 32,768).
    expect(pages[0]).toBeGreaterThanOrEqual(16_384)
    expect(pages[pages.length - 1]).toBeLessThan(32_768)
    expect(sim.harvest(harvest(2_000_000)).pages).toHaveLength(0)
  })

  it('dirties W·(1 − e^(−n/W)) distinct pages for n uniform writes over W pages (§17)', () => {
    // W = 16,384 pages; 4 s at 4,096 pages/s = 16,384 writes: 16,384 × (1 − e^−1) = 10,356.9.
    const { pages } = vcpu(guest({}), 0).harvest(harvest(4_000_000))
    expect(Math.abs(pages.length - 10_357) / 10_357).toBeLessThan(0.02)
  })

  it('keeps the hot set hot: hot-fraction of the writes land in the first hot-set pages', () => {
    const g = guest({ workloads: [workload({ pattern: 'hotspot', 'hot-set-mib': 4, 'hot-fraction': 0.9 })] })
    const sim = vcpu(g, 0)
    const { pages } = sim.harvest(harvest(100_000))
    // 409 writes in 100 ms; the hot set (1,024 pages) takes ~90 % of the distinct pages.
    const hot = Array.from(pages).filter((p) => p < 1024).length
    expect(hot / pages.length).toBeGreaterThan(0.8)
  })

  it('sweeps page after page in the sequential pattern, wrapping at the end of its region', () => {
    // 16 MiB/s over a 1 MiB region (256 pages): 4,096 writes sweep it 16 times in a second.
    const g = guest({ workloads: [workload({ pattern: 'sequential', 'working-set-mib': 1 })] })
    const { pages, stats } = vcpu(g, 0).harvest(harvest(1_000_000))
    expect(stats.writes).toBe(4096)
    expect(Array.from(pages)).toEqual(Array.from({ length: 256 }, (_, i) => i))
  })

  it('collects at a harvest at S exactly the writes with t < S', () => {
    // Write k at run time ⌊k × 244.140625 µs⌋: write 4 is at 976 µs, write 5 at 1,220 µs.
    const a = vcpu(guest({ workloads: [workload({ pattern: 'sequential' })] }), 0)
    expect(Array.from(a.harvest(harvest(977)).pages)).toEqual([0, 1, 2, 3, 4])
    expect(Array.from(a.harvest(harvest(1_221)).pages)).toEqual([5])
    const b = vcpu(guest({ workloads: [workload({ pattern: 'sequential' })] }), 0)
    expect(Array.from(b.harvest(harvest(976)).pages)).toEqual([0, 1, 2, 3])
  })

  it("draws its pages from the vCPU's sfc32 stream of random.ts", () => {
    // The generator inlines the sfc32 step for speed; the pages must be those of the shared one.
    const g = guest({ workloads: [workload({ 'working-set-mib': 4 })] })
    const { pages, stats } = vcpu(g, 1, { seed: 9 }).harvest(harvest(250_000))
    const stream = seedStream(9, 1)
    const expected = new Set<number>()
    // vCPU 1's region starts after vCPU 0's 1,024 pages.
    for (let k = 0; k < stats.writes; k++) expected.add(1024 + nextBelow(stream, 1024))
    expect(new Set(pages)).toEqual(expected)
  })

  it('writes the same pages for the same seed, different ones for another seed', () => {
    const run = (seed: number): number[] =>
      Array.from(vcpu(guest({}), 0, { seed }).harvest(harvest(500_000)).pages)
    expect(run(5)).toEqual(run(5))
    expect(run(5)).not.toEqual(run(6))
  })

  it('counts the writes to each dirty page since the previous harvest (XBZRLE), none carried over', () => {
    // 4 MiB (1,024 pages) at 16 MiB/s: 1,024 writes in the first 250 ms, so most pages are
    // written 0–3 times per period, and pages written before a harvest but not after must
    // count 0 then (they are not in the log), not their old count.
    const g = guest({ workloads: [workload({ 'working-set-mib': 4 })] })
    const layout = layoutGuest(g)
    const sim = new VcpuSimulator({
      plan: layout.vcpus[1],
      totalPages: layout.totalPages,
      nonZeroPages: layout.nonZeroPages,
      seed: 9,
      countWrites: true
    })
    const stream = seedStream(9, 1)
    let done = 0
    for (const untilUs of [250_000, 500_000, 1_000_000, 1_100_000]) {
      const reply = sim.harvest(harvest(untilUs))
      const expected = new Map<number, number>()
      for (; done < reply.stats.writes; done++) {
        const page = 1024 + nextBelow(stream, 1024)
        expected.set(page, (expected.get(page) ?? 0) + 1)
      }
      const got = new Map(Array.from(reply.pages, (p, i) => [p, reply.writeCounts?.[i]]))
      expect(got).toEqual(expected)
      expect(Math.max(...expected.values())).toBeGreaterThan(1)
    }
  })

  it('replies with a dirty log no larger than twice the pages it holds, however long the sync period', () => {
    // 128 MiB (one 2^15-page chunk) written at 2000 MiB/s for 10 s: 5 M writes, hundreds of full
    // write batches on one chunk between two harvests. The reply's buffers are transferred whole
    // to the migration thread; each batch once listed the chunk again and sized the reply by
    // every listing (about 25x the 32,768 pages at a 10 s period).
    const g = guest({
      vcpus: 1,
      workloads: [workload({ 'working-set-mib': 128, 'dirty-rate-mibps': 2000 })]
    })
    const sim = vcpu(g, 0)
    for (const untilUs of [10_000_000, 10_500_000]) {
      const reply = sim.harvest(harvest(untilUs))
      expect(reply.pages.length).toBeGreaterThan(30_000)
      expect(reply.pages.buffer.byteLength).toBeLessThanOrEqual(2 * reply.pages.byteLength)
      expect(reply.lastWritePlus1.buffer.byteLength).toBeLessThanOrEqual(2 * reply.lastWritePlus1.byteLength)
    }
  })

  it('writes its next dirty logs into the buffers handed back, with the same pages and times', () => {
    // Where buffers move (worker_threads), the migration thread hands each merged log back and
    // the vCPU writes the next one into it instead of into fresh memory (a page fault per 4 KiB).
    const g = guest({ workloads: [workload({ 'dirty-rate-mibps': 200 })] })
    const plain = vcpu(g, 0, { countWrites: true })
    const reusing = vcpu(g, 0, { reuse: true, countWrites: true })
    let spare: ArrayBuffer[] | undefined
    let reused = 0
    for (const untilUs of [1_000_000, 2_000_000, 2_500_000, 4_000_000, 4_100_000]) {
      const want = plain.harvest(harvest(untilUs))
      const got = reusing.harvest(harvest(untilUs, spare ? { spare } : {}))
      expect(Array.from(got.pages)).toEqual(Array.from(want.pages))
      expect(Array.from(got.lastWritePlus1)).toEqual(Array.from(want.lastWritePlus1))
      expect(Array.from(got.writeCounts ?? [])).toEqual(Array.from(want.writeCounts ?? []))
      const buffers = [got.pages.buffer, got.lastWritePlus1.buffer, got.writeCounts?.buffer]
      if (spare) reused += buffers.filter((b) => spare?.includes(b as ArrayBuffer)).length
      spare = buffers.filter((b) => b !== undefined && b.byteLength > 0) as ArrayBuffer[]
    }
    // Four later harvests, three buffers each; the 1.5 s period's log outgrows the 1 s one's
    // buffers once at most (new ones get a quarter more room).
    expect(reused).toBeGreaterThanOrEqual(9)
  })

  it('ignores handed-back buffers where logs are copied, and fits each log to its pages', () => {
    const sim = vcpu(guest({}), 0)
    const first = sim.harvest(harvest(1_000_000))
    const spare = [first.pages.buffer as ArrayBuffer, first.lastWritePlus1.buffer as ArrayBuffer]
    const next = sim.harvest(harvest(2_000_000, { spare }))
    expect(next.pages.length).toBeGreaterThan(0)
    expect(spare).not.toContain(next.pages.buffer)
    expect(spare).not.toContain(next.lastWritePlus1.buffer)
    expect(next.pages.buffer.byteLength).toBeLessThanOrEqual(2 * next.pages.byteLength)
  })

  it('writes the same pages however the harvests are split', () => {
    const whole = vcpu(guest({}), 0).harvest(harvest(900_000)).pages
    const split = vcpu(guest({}), 0)
    const parts = [300_000, 600_000, 900_000].flatMap((t) => Array.from(split.harvest(harvest(t)).pages))
    expect(new Set(parts)).toEqual(new Set(whole))
  })

  it('slows its writes to (1 − p) under a throttle (§5.4, §17)', () => {
    const sim = vcpu(guest({}), 0)
    const reply = sim.harvest(harvest(1_000_000, { events: [{ kind: 'throttle', atUs: 0, pct: 40 }] }))
    // Runs 600 ms of the second: 0.6 × 4,096 = 2,457.6 writes.
    expect(Math.abs(reply.stats.writes - 2458)).toBeLessThanOrEqual(1)
  })

  it('stops writing at stop', () => {
    const sim = vcpu(guest({}), 0)
    sim.harvest(harvest(500_000, { events: [{ kind: 'stop', atUs: 500_000 }] }))
    expect(sim.harvest(harvest(2_000_000)).stats.writes).toBe(2048)
  })

  it('keeps the last write time of every page for the oracle, apart from the dirty log', () => {
    const sim = vcpu(guest({ workloads: [workload({ pattern: 'sequential' })] }), 0)
    sim.harvest(harvest(1_000))
    const finish = sim.finish({ untilUs: 1_000, events: [], oracle: true })
    const record = finish.oracle
    if (!record) throw new Error('oracle record expected')
    expect(record.chunks).toEqual([0])
    // Pages 0–4 written at 0, 244, 488, 732, 976 µs (stored + 1).
    expect(Array.from(record.lastWritePlus1[0].subarray(0, 6))).toEqual([1, 245, 489, 733, 977, 0])
  })

  it('loses its dirty log once after the first pass when the fault is injected', () => {
    const sim = vcpu(guest({}), 0, { drop: true })
    expect(sim.harvest(harvest(100_000)).pages.length).toBeGreaterThan(0)
    expect(sim.harvest(harvest(200_000, { firstRoundComplete: true })).pages).toHaveLength(0)
    expect(sim.harvest(harvest(300_000, { firstRoundComplete: true })).pages.length).toBeGreaterThan(0)
  })
})
