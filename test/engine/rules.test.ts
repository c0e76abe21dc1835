import { describe, expect, it } from 'vitest'
import {
  EOS_BYTES,
  ITERATE_OVERHEAD_BYTES,
  ZERO_PAGE_RECORD_BYTES,
  averageMbps,
  destinationLoadTailUs,
  dirtyPagesRate,
  isRateExceeded,
  linkBytesPerSecond,
  needsExactPending,
  normalPageRecordBytes,
  periodCloses,
  rateLimitBytesPerWindow,
  shouldComplete,
  switchoverOutcome,
  throttleCycleUs,
  throttleSleepUs,
  throttleStep,
  throttleTrigger,
  throttleTimerSyncs,
  nextThrottleTimerTickUs,
  windowCounters,
  expectedBandwidthBytesPerMs,
  syncExpectedDowntimeMs,
  type ThrottleStepInput,
  type WindowInput
} from '../../src/shared/engine/rules'

// Every expected number below is derived by hand from docs/qemu-rules.md; the
// derivation is in the comment next to it.

const window = (over: Partial<WindowInput>): WindowInput => ({
  transferredBytes: 13_421_800,
  timeSpentUs: 100_000,
  pagesSent: 3270,
  availSwitchoverBandwidth: 0,
  downtimeLimitMs: 300,
  dirtyBytesLastSync: 100_000_000,
  dirtyPagesRate: 1000,
  expectedDowntimeMs: 300,
  ...over
})

describe('rate limit (§3.1)', () => {
  it.each([
    // 128 MiB/s / XFER_LIMIT_RATIO 10 = 13,421,772.8 → QEMU keeps the integer 13,421,772.
    [134_217_728, 13_421_772],
    // 1 GiB/s / 10 = 107,374,182.4 → 107,374,182.
    [1_073_741_824, 107_374_182],
    // 0 = RATE_LIMIT_DISABLED.
    [0, 0]
  ])('max-bandwidth %i B/s gives a budget of %i bytes per 100 ms window', (maxBandwidth, budget) => {
    expect(rateLimitBytesPerWindow(maxBandwidth)).toBe(budget)
  })

  it('is exceeded only strictly above the budget, and never when disabled', () => {
    expect(isRateExceeded(13_421_772, 13_421_772)).toBe(false)
    expect(isRateExceeded(13_421_773, 13_421_772)).toBe(true)
    expect(isRateExceeded(1e15, 0)).toBe(false)
  })
})

describe('expected_bw_per_ms and the per-sync expected downtime (§2.1)', () => {
  it.each([
    // avail-switchover-bandwidth unset (0): the measured 134,218 bytes/ms is used as is.
    [0, 134_218, 134_218],
    // 1 GiB/s = 1,073,741,824 B/s set: / 1000 = 1,073,741.824 bytes/ms, the measured one ignored.
    [1_073_741_824, 134_218, 1_073_741.824],
    // Nothing measured yet and nothing set: 0 (the caller keeps the last expected downtime).
    [0, 0, 0]
  ])('avail %i B/s, measured %f B/ms → %f B/ms', (avail, measured, expected) => {
    expect(expectedBandwidthBytesPerMs(avail, measured)).toBe(expected)
  })

  it.each([
    // 100,000,000 pending bytes / 134,218 B/ms = 745.05... ms.
    [100_000_000, 134_218, 300, 100_000_000 / 134_218],
    // 33,554,432 bytes (32 MiB) / 33,554.432 B/ms (32 MiB/s) = 1000 ms exactly.
    [33_554_432, 33_554.432, 300, 1000],
    // No bandwidth yet: the last expected downtime (300 ms, the downtime-limit at connect) is kept.
    [100_000_000, 0, 300, 300]
  ])('%i pending bytes at %f B/ms (last %i ms) → %f ms', (pending, bw, last, expected) => {
    expect(syncExpectedDowntimeMs(pending, bw, last)).toBeCloseTo(expected, 9)
  })
})

describe('window counters: migration_update_counters (§2.1)', () => {
  it('gives the threshold of the worked example in §2.5: 134,218 B/ms × 300 ms ≈ 40.3 MB', () => {
    // 13,421,800 B in 100 ms = 134,218 B/ms; × 300 ms = 40,265,400 B ≈ 9,830 pages of 4 KiB.
    const c = windowCounters(window({}))
    expect(c.bandwidthBytesPerMs).toBe(134_218)
    expect(c.thresholdBytes).toBe(40_265_400)
    expect(Math.floor(c.thresholdBytes / 4096)).toBe(9830)
    // mbps = 13,421,800 × 8 / 0.1 s / 10^6 = 1,073.744 Mbit/s (decimal, this window only).
    expect(c.mbps).toBeCloseTo(1073.744, 6)
    // pages_per_second = 3,270 / 0.1 s.
    expect(c.pagesPerSecond).toBeCloseTo(32_700, 6)
    // expected_downtime = dirty_bytes_last_sync / bw = 100,000,000 / 134,218 = 745.0566 ms.
    expect(c.expectedDowntimeMs).toBeCloseTo(745.0566, 3)
  })

  it('shrinks the threshold when a stall stretched the window (§15.3)', () => {
    // Same bytes over 150 ms: 89,478.67 B/ms × 300 = 26,843,600 B.
    const c = windowCounters(window({ timeSpentUs: 150_000 }))
    expect(c.bandwidthBytesPerMs).toBeCloseTo(89_478.667, 3)
    expect(c.thresholdBytes).toBe(26_843_600)
  })

  it('uses avail-switchover-bandwidth for the threshold and expected downtime when set', () => {
    // 1.25 GB/s → 1,250,000 B/ms; × 300 ms = 375,000,000 B; 10^8 B / 1.25·10^6 B/ms = 80 ms.
    const c = windowCounters(window({ availSwitchoverBandwidth: 1_250_000_000 }))
    expect(c.thresholdBytes).toBe(375_000_000)
    expect(c.expectedDowntimeMs).toBe(80)
    // The measured bandwidth is still reported as measured.
    expect(c.bandwidthBytesPerMs).toBe(134_218)
  })

  it('keeps expected-downtime while nothing is being dirtied or the window moved ≤ 10,000 bytes', () => {
    expect(windowCounters(window({ dirtyPagesRate: 0 })).expectedDowntimeMs).toBe(300)
    expect(windowCounters(window({ transferredBytes: 10_000 })).expectedDowntimeMs).toBe(300)
    expect(windowCounters(window({ transferredBytes: 10_001 })).expectedDowntimeMs).not.toBe(300)
  })

  it('gives a zero threshold for a window that moved nothing', () => {
    const c = windowCounters(window({ transferredBytes: 0 }))
    expect(c.thresholdBytes).toBe(0)
    expect(c.expectedDowntimeMs).toBe(300)
  })
})

describe('lazy sync and the completion decision (§2.2, §2.3)', () => {
  it('syncs only when the estimate is strictly below the threshold', () => {
    expect(needsExactPending(40_000_000, 40_265_400)).toBe(true)
    expect(needsExactPending(40_265_400, 40_265_400)).toBe(false)
    // At start the threshold is 0: no sync until the first window closed.
    expect(needsExactPending(4_294_967_296, 0)).toBe(false)
  })

  it('completes when pending is 0 or below the threshold, and only when switchover is allowed', () => {
    expect(shouldComplete(0, 0, true)).toBe(true)
    expect(shouldComplete(1, 0, true)).toBe(false)
    expect(shouldComplete(40_000_000, 40_265_400, true)).toBe(true)
    expect(shouldComplete(40_000_000, 40_265_400, false)).toBe(false)
  })
})

describe('dirty-rate period (§4.1)', () => {
  it('closes only more than 1000 ms after it began', () => {
    expect(periodCloses(0, 1_000_000)).toBe(false)
    expect(periodCloses(0, 1_000_001)).toBe(true)
  })

  it.each([
    // 5,000 new pages in 1.25 s → 5,000 × 1000 / 1,250 = 4,000 pages/s.
    [5000, 0, 1_250_000, 4000],
    // 999 pages in 3 s → 333 pages/s (integer division).
    [999, 2_000_000, 5_000_000, 333]
  ])('%i newly dirty pages from %i µs to %i µs give %i pages/s', (pages, start, end, rate) => {
    expect(dirtyPagesRate(pages, start, end)).toBe(rate)
  })
})

describe('auto-converge trigger (§5.2)', () => {
  // 1 s at 128 MiB/s moved 134,217,728 B; threshold 50 % → 67,108,864 B of dirtying.
  const base = { bytesXferPeriod: 134_217_728, triggerThresholdPct: 50 }

  it('throttles on the second high period, and resets the count', () => {
    const first = throttleTrigger({ ...base, bytesDirtyPeriod: 70_000_000, dirtyRateHighCount: 0 })
    expect(first).toEqual({ dirtyRateHighCount: 1, throttleDown: false, bytesDirtyThreshold: 67_108_864 })
    const second = throttleTrigger({ ...base, bytesDirtyPeriod: 70_000_000, dirtyRateHighCount: 1 })
    expect(second).toEqual({ dirtyRateHighCount: 0, throttleDown: true, bytesDirtyThreshold: 67_108_864 })
  })

  it('never resets the count on a low period (§15.5)', () => {
    // Equal to the threshold is not above it.
    const low = throttleTrigger({ ...base, bytesDirtyPeriod: 67_108_864, dirtyRateHighCount: 1 })
    expect(low.dirtyRateHighCount).toBe(1)
    expect(low.throttleDown).toBe(false)
  })
})

describe('throttle step: mig_throttle_guest_down (§5.3)', () => {
  const step = (over: Partial<ThrottleStepInput>): number =>
    throttleStep({
      throttlePct: 0,
      initialPct: 20,
      incrementPct: 10,
      tailslow: false,
      maxPct: 99,
      bytesDirtyPeriod: 70_000_000,
      bytesDirtyThreshold: 67_108_864,
      ...over
    })

  it('walks the default sequence 20 → 30 → … → 90 → 99', () => {
    const seen: number[] = []
    let pct = 0
    for (let i = 0; i < 10; i++) seen.push((pct = step({ throttlePct: pct })))
    expect(seen).toEqual([20, 30, 40, 50, 60, 70, 80, 90, 99, 99])
  })

  it('stops at max-cpu-throttle', () => {
    expect(step({ throttlePct: 90, maxPct: 95 })).toBe(95)
    expect(step({ throttlePct: 95, maxPct: 95 })).toBe(95)
  })

  it('tailslow takes the smaller ideal step near the tail', () => {
    // cpu_now = 100 − 90 = 10; cpu_ideal = ⌊10 × 67,108,864 / 70,000,000⌋ = ⌊9.587⌋ = 9;
    // inc = min(10 − 9, 10) = 1 → 91.
    expect(step({ throttlePct: 90, tailslow: true })).toBe(91)
    // Dirtying at twice the threshold: cpu_now 80, ideal ⌊80 × 0.5⌋ = 40, inc = min(40, 10) = 10.
    expect(step({ throttlePct: 20, tailslow: true, bytesDirtyPeriod: 134_217_728 })).toBe(30)
  })

  it('starts at cpu-throttle-initial, clamped to [1, 99]', () => {
    expect(step({ initialPct: 35 })).toBe(35)
    expect(step({ throttlePct: 98, incrementPct: 50 })).toBe(99)
  })
})

describe('throttle duty cycle (§5.4)', () => {
  it.each([
    // p: timer every 10 ms / (1 − p), sleep p / (1 − p) × 10 ms — the table of §5.4.
    [20, 12_500, 2_500],
    [50, 20_000, 10_000],
    [90, 100_000, 90_000],
    [99, 1_000_000, 990_000],
    // 30 %: 10 / 0.7 = 14.2857 ms, 3 / 0.7 = 4.2857 ms, to the µs below.
    [30, 14_285, 4_285]
  ])('at %i percent the cycle is %i µs with %i µs of sleep', (pct, cycle, sleep) => {
    expect(throttleCycleUs(pct)).toBe(cycle)
    expect(throttleSleepUs(pct)).toBe(sleep)
    // The vCPU runs 10 ms of each cycle: run fraction 1 − p.
    expect(cycle - sleep).toBeGreaterThanOrEqual(9_999)
    expect(cycle - sleep).toBeLessThanOrEqual(10_001)
  })
})

describe('wire bytes (§4.5)', () => {
  it('counts 8 + 4096 per normal page, 8 + 1 per zero page, 8 + 5 + 5 per iterate call', () => {
    expect(normalPageRecordBytes(4096)).toBe(4104)
    expect(ZERO_PAGE_RECORD_BYTES).toBe(9)
    expect(EOS_BYTES).toBe(8)
    expect(ITERATE_OVERHEAD_BYTES).toBe(18)
  })

  it('turns decimal Mbit/s into bytes per second', () => {
    // 10,000 Mbit/s = 10^10 bit/s = 1.25·10^9 B/s.
    expect(linkBytesPerSecond(10_000)).toBe(1_250_000_000)
  })
})

describe('downtime (§10)', () => {
  const times = {
    stopUs: 5_000,
    finalSyncUs: 4_000,
    ramUs: 30_000,
    deviceStateUs: 210,
    resumeUs: 30_100,
    shutTripUs: 100
  }

  it('without a return path ends when the source pushed the last byte', () => {
    const o = switchoverOutcome({ ...times, returnPath: false })
    // 5 + 4 + 30 + 0.21 ms; the guest's pause adds the destination's 30.1 ms.
    expect(o.downtimeUs).toBe(39_210)
    expect(o.guestPauseUs).toBe(69_310)
    const b = o.breakdownUs
    expect(b.stop + b.finalSync + b.ram + b.deviceState + b.resume).toBe(o.guestPauseUs)
  })

  it('with a return path includes the destination load, resume and SHUT trip', () => {
    const o = switchoverOutcome({ ...times, returnPath: true })
    expect(o.downtimeUs).toBe(69_410)
    expect(o.guestPauseUs).toBe(69_310)
  })

  it('adds a load tail only when the destination loads slower than the link', () => {
    // 40 MB at 1.25 GB/s takes 32 ms; at 1 GiB/s 37.253 ms: 5.253 ms are left after the last byte.
    expect(destinationLoadTailUs(40_000_000, 1_250_000_000, 1_073_741_824)).toBeCloseTo(5_252.9, 1)
    expect(destinationLoadTailUs(40_000_000, 1_250_000_000, 4 * 1_073_741_824)).toBe(0)
    expect(destinationLoadTailUs(40_000_000, 1_250_000_000, 0)).toBe(0)
  })

  it('reports the final mbps as QEMU does: bytes × 8 / (total − setup) / 1000', () => {
    // 5,541,966,495 B over 41,043.436 − 8 ms → 1,080.426 Mbit/s.
    expect(averageMbps(5_541_966_495, 41_043.436, 8)).toBeCloseTo(1080.426, 3)
  })
})

describe('the auto-converge 5 s dirty-sync timer (§5.4, cpu_throttle_dirty_sync_timer_tick)', () => {
  it.each([
    // active, dirty-sync-count, count at the last tick, syncs?
    [true, 5, 5, true], // no sync since the last tick, first pass over (5 > 1): sync
    [true, 6, 5, false], // a sync happened since the last tick: none needed
    [true, 1, 1, false], // still in the first pass (count 1): never
    [false, 5, 5, false] // not active (stop-and-copy, postcopy): never
  ])('active %s, count %i, count at last tick %i → %s', (active, count, prev, syncs) => {
    expect(throttleTimerSyncs(active, count, prev)).toBe(syncs)
  })
  it('ticks every 5000 ms after the last tick ended', () => {
    // started before setup at 0 → first tick at 5 000 000 µs; a tick whose sync ended at 5 012 000
    // µs → next at 10 012 000 µs
    expect(nextThrottleTimerTickUs(0)).toBe(5_000_000)
    expect(nextThrottleTimerTickUs(5_012_000)).toBe(10_012_000)
  })
})
