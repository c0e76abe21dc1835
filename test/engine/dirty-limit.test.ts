import { describe, expect, it } from 'vitest'
import {
  dirtyLimitAdjust,
  dirtyLimitDone,
  dirtyLimitedRateMibps,
  dirtyLimitNeedsLinearAdjustment,
  dirtyLimitInitialState,
  dirtyLimitOnTrigger,
  dirtyLimitProcess,
  dirtyLimitRingFullTimeUs,
  dirtyLimitStatPeriodMs,
  dirtyLimitThrottleTimePerRoundUs,
  dirtyRingFullTimeUs,
  dirtyRingSoftLimitEntries,
  targetPagesToMib,
  throttleMechanism,
  vcpuDirtyRateMbps,
  type DirtyLimitAdjustInput
} from '../../src/shared/engine/dirty-limit'

// Every expected number is derived by hand from QEMU's system/dirtylimit.c and
// migration/dirtyrate.c (docs/engine.md "Dirty-limit"); the derivation is next to it.
const PAGE = 4096
const RING = 4096 // -accel kvm,dirty-ring-size=4096: 4096 × 4 KiB = 16 MiB of ring

describe('dirty ring', () => {
  it.each([
    [4096, 3520], // 4096 − 64 reserved − 512 PML entries
    [65536, 64960], // 65536 − 576
    [256, 1] // below the reserve: KVM would refuse it; the lab keeps at least one entry
  ])('a ring of %i entries exits full after %i new dirty pages', (size, entries) => {
    expect(dirtyRingSoftLimitEntries(size)).toBe(entries)
  })

  it.each([
    [4096, 16], // 4096 × 4096 B = 16 MiB
    [255, 0], // 1,044,480 B < 1 MiB: rounded down
    [257, 1] // 1,052,672 B: 1 MiB
  ])('%i pages are %i whole MiB', (pages, mib) => {
    expect(targetPagesToMib(pages, PAGE)).toBe(mib)
  })
})

describe('vcpuDirtyRateMbps (do_calculate_dirtyrate)', () => {
  it.each([
    [16384, 1000, 64], // 64 MiB in 1 s: MiB(16,384,000 pages) = 64,000; / 1000 ms = 64
    [8192, 500, 64], // 32 MiB in 0.5 s: 32,000 / 500 = 64
    [100, 1000, 0], // 100 pages ≈ 0.39 MiB/s: MiB(100,000 pages) = 390; / 1000 = 0
    [5000, 0, 0] // no period: no rate
  ])('%i pages over %i ms → %i MB/s', (pages, ms, rate) => {
    expect(vcpuDirtyRateMbps(pages, ms, PAGE)).toBe(rate)
  })

  it('measures over x-vcpu-dirty-limit-period only while a dirty-limit migration runs', () => {
    expect(dirtyLimitStatPeriodMs(true, 500)).toBe(500)
    expect(dirtyLimitStatPeriodMs(false, 500)).toBe(1000) // DIRTYLIMIT_CALC_TIME_MS
  })
})

describe('dirtyRingFullTimeUs (dirtylimit_dirty_ring_full_time)', () => {
  it('divides the ring by the highest rate seen so far, a maximum that only grows', () => {
    // 16 MiB × 1e6 / 64 MB/s = 250,000 µs
    expect(dirtyRingFullTimeUs(RING, PAGE, 64, 0)).toEqual({
      ringFullTimeUs: 250_000,
      maxDirtyRateSeenMbps: 64
    })
    // A slower vCPU later still divides by 64 (the static max_dirtyrate)
    expect(dirtyRingFullTimeUs(RING, PAGE, 32, 64)).toEqual({
      ringFullTimeUs: 250_000,
      maxDirtyRateSeenMbps: 64
    })
    // A faster one raises it: 16e6 / 128 = 125,000
    expect(dirtyRingFullTimeUs(RING, PAGE, 128, 64)).toEqual({
      ringFullTimeUs: 125_000,
      maxDirtyRateSeenMbps: 128
    })
  })
})

describe('dirtylimit_done / dirtylimit_need_linear_adjustment', () => {
  it.each([
    [8, 33, true], // |25| ≤ 25
    [8, 34, false],
    [100, 76, true]
  ])('quota %i, current %i: done %s', (quota, current, done) => {
    expect(dirtyLimitDone(quota, current)).toBe(done)
  })

  it.each([
    [8, 64, true], // 56 × 100 / 64 = 87 > 50
    [40, 64, false], // 24 × 100 / 64 = 37
    [100, 60, false], // 40 × 100 / 100 = 40
    [100, 49, true], // 51 × 100 / 100 = 51
    [100, 50, false] // exactly 50 is not above 50
  ])('quota %i, current %i: linear %s', (quota, current, linear) => {
    expect(dirtyLimitNeedsLinearAdjustment(quota, current)).toBe(linear)
  })
})

describe('dirtyLimitAdjust (dirtylimit_set_throttle)', () => {
  const step = (over: Partial<DirtyLimitAdjustInput>): DirtyLimitAdjustInput => ({
    quotaMbps: 8,
    currentMbps: 64,
    throttleUsPerFull: 0,
    maxDirtyRateSeenMbps: 0,
    ringSizeEntries: RING,
    pageSize: PAGE,
    ...over
  })

  it.each<[string, Partial<DirtyLimitAdjustInput>, number, number]>([
    // ring full 250,000 µs; linear: sleep_pct = 56 × 100 / 64 = 87;
    // Δ = trunc(250,000 × 87 / 13) = trunc(1,673,076.9) = 1,673,076
    ['first step of a 64 MB/s guest limited to 8', {}, 1_673_076, 64],
    // current 40 < max 64: ring full still 250,000; sleep_pct = 32 × 100 / 40 = 80;
    // Δ = 250,000 × 80 / 20 = 1,000,000 → 2,673,076
    [
      'second step, guest at 40',
      { currentMbps: 40, throttleUsPerFull: 1_673_076, maxDirtyRateSeenMbps: 64 },
      2_673_076,
      64
    ],
    // within 25 MB/s of the quota: unchanged, and the maximum is not touched
    [
      'guest at 7, within tolerance',
      { currentMbps: 7, throttleUsPerFull: 2_673_076, maxDirtyRateSeenMbps: 64 },
      2_673_076,
      64
    ],
    // under the quota, gap 40 % (not linear): − ring full / 10 = − 25,000
    [
      'under the quota, small gap',
      { quotaMbps: 100, currentMbps: 60, throttleUsPerFull: 1_000_000, maxDirtyRateSeenMbps: 64 },
      975_000,
      64
    ],
    // under, gap 90 %: sleep_pct = 90 × 100 / 100 = 90; Δ = 250,000 × 90 / 10 = 2,250,000;
    // 1,000,000 − 2,250,000 < 0 → clamped to 0
    [
      'under the quota, large gap: clamped at 0',
      { quotaMbps: 100, currentMbps: 10, throttleUsPerFull: 1_000_000, maxDirtyRateSeenMbps: 64 },
      0,
      64
    ],
    // ring full 16e6 / 1000 = 16,000; sleep_pct = 999 × 100 / 1000 = 99; Δ = 16,000 × 99 / 1
    // = 1,584,000; 24,000,000 + Δ is above 99 × 16,000 = 1,584,000 → clamped to 1,584,000
    [
      'clamped at 99 ring-full times',
      { quotaMbps: 1, currentMbps: 1000, throttleUsPerFull: 24_000_000 },
      1_584_000,
      1000
    ],
    // nothing dirtied, 30 MB/s away from the quota: the sleep goes to 0
    ['idle vCPU far under the quota', { quotaMbps: 30, currentMbps: 0, throttleUsPerFull: 500 }, 0, 0],
    // nothing dirtied but within 25 of a quota of 8: dirtylimit_done first, so it is kept
    [
      'idle vCPU near the quota keeps its sleep',
      { quotaMbps: 8, currentMbps: 0, throttleUsPerFull: 500 },
      500,
      0
    ]
  ])('%s', (_name, over, throttle, max) => {
    expect(dirtyLimitAdjust(step(over))).toEqual({ throttleUsPerFull: throttle, maxDirtyRateSeenMbps: max })
  })
})

describe('starting the limit and what query-migrate shows', () => {
  it('starts on the auto-converge trigger and ignores a repeat with the same quota', () => {
    expect(dirtyLimitOnTrigger(false, null, 8)).toBe(8)
    expect(dirtyLimitOnTrigger(true, 8, 8)).toBeNull()
    expect(dirtyLimitOnTrigger(true, 8, 16)).toBe(16) // the parameter changed
  })

  it('dirty-limit-throttle-time-per-round is the largest per-vCPU sleep', () => {
    expect(dirtyLimitThrottleTimePerRoundUs([0, 1_673_076, 5])).toBe(1_673_076)
    expect(dirtyLimitThrottleTimePerRoundUs([])).toBe(0)
  })

  it('dirty-limit-ring-full-time is the ring-full time at the average rate', () => {
    // average (64 + 0) / 2 = 32: 16e6 / 32 = 500,000
    expect(dirtyLimitRingFullTimeUs([64, 0], RING, PAGE, 0)).toEqual({
      ringFullTimeUs: 500_000,
      maxDirtyRateSeenMbps: 32
    })
    // the static maximum 64 wins: 250,000
    expect(dirtyLimitRingFullTimeUs([64, 0], RING, PAGE, 64).ringFullTimeUs).toBe(250_000)
    expect(dirtyLimitRingFullTimeUs([0, 0], RING, PAGE, 64).ringFullTimeUs).toBe(0)
  })
})

describe('what a guest over the limit keeps', () => {
  it('slows a 64 MiB/s writer to about 7.3 MiB/s after the first step', () => {
    // fill = 3520 entries × 4 KiB = 13.75 MiB at 64 MiB/s = 214,843.75 µs of run time;
    // 64 × 214,843.75 / (214,843.75 + 1,673,076) = 7.2831 MiB/s
    expect(dirtyLimitedRateMibps(64, RING, PAGE, 1_673_076)).toBeCloseTo(7.2831, 4)
    expect(dirtyLimitedRateMibps(64, RING, PAGE, 0)).toBe(64)
    expect(dirtyLimitedRateMibps(0, RING, PAGE, 1000)).toBe(0)
  })
})

describe('migration_trigger_throttle chooses the mechanism (migration/ram.c)', () => {
  it.each([
    [false, false, null], // neither capability: the trigger is not evaluated
    [true, false, 'auto-converge'], // mig_throttle_guest_down
    [false, true, 'dirty-limit'], // migration_dirty_limit_guest
    [true, true, 'auto-converge'] // refused by migrate_caps_check; `if` before `else if`
  ] as const)('auto-converge %s, dirty-limit %s → %s', (ac, dl, expected) => {
    expect(throttleMechanism(ac, dl)).toBe(expected)
  })
})

describe('dirtylimit_process: one stat period over every vCPU (system/dirtylimit.c)', () => {
  it.each([
    {
      // 16,384 pages = 64 MiB in 1,000 ms → 64 MB/s; ring-full 16e6 / 64 = 250,000 µs;
      // sleep_pct ⌊56 × 100 / 64⌋ = 87; Δ = ⌊250,000 × 87 / 13⌋ = 1,673,076
      name: 'one vCPU at 64 MB/s, quota 8',
      pages: [16_384],
      periodMs: 1000,
      expected: { throttleUsPerFull: [1_673_076], ratesMbps: [64], maxDirtyRateSeenMbps: 64 }
    },
    {
      // 8,192 pages in 500 ms: ⌊MiB(8,192,000) / 500⌋ = ⌊32,000 / 500⌋ = 64 MB/s: the same step
      name: 'a 500 ms period',
      pages: [8192],
      periodMs: 500,
      expected: { throttleUsPerFull: [1_673_076], ratesMbps: [64], maxDirtyRateSeenMbps: 64 }
    },
    {
      // vCPU 1: 2,048 pages → 8 MB/s, within 25 of the quota: left alone at 0
      name: 'a vCPU already under its quota is left alone',
      pages: [16_384, 2048],
      periodMs: 1000,
      expected: { throttleUsPerFull: [1_673_076, 0], ratesMbps: [64, 8], maxDirtyRateSeenMbps: 64 }
    },
    {
      // vCPU 0 at 128 MB/s: ring-full 16e6 / 128 = 125,000; sleep_pct ⌊120 × 100 / 128⌋ = 93;
      // Δ = ⌊125,000 × 93 / 7⌋ = 1,660,714. vCPU 1 at 64 MB/s reads the static maximum 128:
      // ring-full 125,000, sleep_pct 87, Δ = ⌊125,000 × 87 / 13⌋ = 836,538 (not 1,673,076)
      name: 'the ring-full maximum is one static for all vCPUs',
      pages: [32_768, 16_384],
      periodMs: 1000,
      expected: { throttleUsPerFull: [1_660_714, 836_538], ratesMbps: [128, 64], maxDirtyRateSeenMbps: 128 }
    }
  ])('$name', ({ pages, periodMs, expected }) => {
    const state = dirtyLimitInitialState(pages.length)
    expect(dirtyLimitProcess(state, pages, periodMs, 8, RING, PAGE)).toEqual(expected)
  })
})
