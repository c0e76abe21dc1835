/**
 * QEMU's dirty-limit rules (capability `dirty-limit`) as pure functions over explicit state. QEMU
 * keeps part of this state in statics and in CPUState; here it is passed in and returned, so the
 * migration process owns it and tests can check each step by hand (test/engine/dirty-limit.test.ts).
 *
 * Units follow QEMU: dirty rates are "MB/s" that are really MiB/s (qemu_target_pages_to_MiB),
 * whole numbers rounded down; throttle and ring-full times are µs, whole numbers.
 */

/** DIRTYLIMIT_TOLERANCE_RANGE (system/dirtylimit.c): a rate within 25 MB/s of the quota is done. */
export const DIRTYLIMIT_TOLERANCE_RANGE_MBPS = 25
/** DIRTYLIMIT_LINEAR_ADJUSTMENT_PCT (system/dirtylimit.c): above a 50 % gap the step is linear. */
export const DIRTYLIMIT_LINEAR_ADJUSTMENT_PCT = 50
/** DIRTYLIMIT_THROTTLE_PCT_MAX (system/dirtylimit.c): the sleep is at most 99 ring-full times. */
export const DIRTYLIMIT_THROTTLE_PCT_MAX = 99
/** DIRTYLIMIT_CALC_TIME_MS (include/system/dirtylimit.h): the stat period outside dirty-limit migration. */
export const DIRTYLIMIT_CALC_TIME_MS = 1000
/** KVM_DIRTY_RING_RSVD_ENTRIES (KVM include/linux/kvm_dirty_ring.h). */
export const KVM_DIRTY_RING_RSVD_ENTRIES = 64
/** x86 kvm_cpu_dirty_log_size(): the PML buffer, PML_LOG_NR_ENTRIES = 512 (KVM arch/x86/kvm/vmx). */
export const KVM_X86_PML_ENTRIES = 512
/**
 * The accelerator property `dirty-ring-size`: 0 = off, else a power of two (QEMU checks only that,
 * accel/kvm/kvm-all.c kvm_set_dirty_ring_size; the bounds are KVM's, see qemu-rules.md §18).
 */
export const KVM_DIRTY_RING_MIN_ENTRIES = 256
export const KVM_DIRTY_RING_MAX_ENTRIES = 65536

/**
 * The ring entries a vCPU fills before KVM exits with KVM_EXIT_DIRTY_RING_FULL: KVM's soft limit,
 * `size − kvm_dirty_ring_get_rsvd_entries()` = size − (64 + 512 PML entries) on x86
 * (KVM virt/kvm/dirty_ring.c kvm_dirty_ring_alloc, kvm_dirty_ring_soft_full).
 */
export function dirtyRingSoftLimitEntries(ringSizeEntries: number): number {
  return Math.max(1, ringSizeEntries - KVM_DIRTY_RING_RSVD_ENTRIES - KVM_X86_PML_ENTRIES)
}

/**
 * qemu_target_pages_to_MiB (`pages >> (20 − TARGET_PAGE_BITS)`): whole MiB, rounded down.
 */
export function targetPagesToMib(pages: number, pageSize: number): number {
  return Math.floor((pages * pageSize) / (1024 * 1024))
}

/**
 * do_calculate_dirtyrate (migration/dirtyrate.c): a vCPU's dirty rate over one stat period,
 * `MiB(pages × 1000) / period_ms` with both divisions rounded down ("multiply by 1000 ms/s before
 * converting down to megabytes").
 */
export function vcpuDirtyRateMbps(dirtiedPages: number, periodMs: number, pageSize: number): number {
  if (periodMs <= 0) return 0
  return Math.floor(targetPagesToMib(dirtiedPages * 1000, pageSize) / periodMs)
}

/**
 * vcpu_dirty_rate_stat_collect (system/dirtylimit.c): the stat period is
 * `x-vcpu-dirty-limit-period` while a dirty-limit migration runs, else DIRTYLIMIT_CALC_TIME_MS.
 */
export function dirtyLimitStatPeriodMs(migrationUsesDirtyLimit: boolean, periodParamMs: number): number {
  return migrationUsesDirtyLimit ? periodParamMs : DIRTYLIMIT_CALC_TIME_MS
}

/**
 * dirtylimit_dirty_ring_full_time (system/dirtylimit.c): how long a vCPU dirtying at the highest
 * rate seen so far takes to fill its ring, µs: `ring_MiB × 1e6 / max_dirtyrate`. QEMU keeps
 * `max_dirtyrate` in a function-local static that only grows, so it is state here:
 * `maxDirtyRateSeenMbps` in, the new maximum out.
 */
export function dirtyRingFullTimeUs(
  ringSizeEntries: number,
  pageSize: number,
  dirtyRateMbps: number,
  maxDirtyRateSeenMbps: number
): { ringFullTimeUs: number; maxDirtyRateSeenMbps: number } {
  const max = Math.max(maxDirtyRateSeenMbps, dirtyRateMbps)
  const ringMib = targetPagesToMib(ringSizeEntries, pageSize)
  return { ringFullTimeUs: max > 0 ? Math.floor((ringMib * 1_000_000) / max) : 0, maxDirtyRateSeenMbps: max }
}

/** dirtylimit_done (system/dirtylimit.c): within DIRTYLIMIT_TOLERANCE_RANGE of the quota. */
export function dirtyLimitDone(quotaMbps: number, currentMbps: number): boolean {
  return Math.abs(quotaMbps - currentMbps) <= DIRTYLIMIT_TOLERANCE_RANGE_MBPS
}

/** dirtylimit_need_linear_adjustment (system/dirtylimit.c): `(max − min) × 100 / max > 50`. */
export function dirtyLimitNeedsLinearAdjustment(quotaMbps: number, currentMbps: number): boolean {
  const max = Math.max(quotaMbps, currentMbps)
  const min = Math.min(quotaMbps, currentMbps)
  return max > 0 && Math.floor(((max - min) * 100) / max) > DIRTYLIMIT_LINEAR_ADJUSTMENT_PCT
}

export interface DirtyLimitAdjustInput {
  /** The vCPU's quota, `vcpu-dirty-limit` MB/s. */
  readonly quotaMbps: number
  /** Its dirty rate over the last stat period, MB/s (vcpuDirtyRateMbps). */
  readonly currentMbps: number
  /** cpu->throttle_us_per_full before this step, µs. */
  readonly throttleUsPerFull: number
  /** The static max_dirtyrate of dirtylimit_dirty_ring_full_time, MB/s. */
  readonly maxDirtyRateSeenMbps: number
  readonly ringSizeEntries: number
  readonly pageSize: number
}

export interface DirtyLimitAdjustOutput {
  readonly throttleUsPerFull: number
  readonly maxDirtyRateSeenMbps: number
}

/**
 * dirtylimit_adjust_throttle → dirtylimit_set_throttle (system/dirtylimit.c), run for every
 * limited vCPU after each stat period by dirtylimit_process:
 * - a rate within 25 MB/s of the quota leaves the sleep alone;
 * - a rate of 0 sets it to 0 (and does not touch the ring-full maximum);
 * - a gap above 50 % steps linearly: `sleep_pct = |current − quota| × 100 / (current if over,
 *   quota if under)` (integer), `Δ = trunc(ring_full × sleep_pct / (100 − sleep_pct))`, added when
 *   over the quota, subtracted when under;
 * - else the step is ± ring_full / 10 (integer);
 * - then clamped to [0, 99 × ring_full].
 */
export function dirtyLimitAdjust(s: DirtyLimitAdjustInput): DirtyLimitAdjustOutput {
  if (dirtyLimitDone(s.quotaMbps, s.currentMbps))
    return { throttleUsPerFull: s.throttleUsPerFull, maxDirtyRateSeenMbps: s.maxDirtyRateSeenMbps }
  if (s.currentMbps === 0) return { throttleUsPerFull: 0, maxDirtyRateSeenMbps: s.maxDirtyRateSeenMbps }
  const full = dirtyRingFullTimeUs(s.ringSizeEntries, s.pageSize, s.currentMbps, s.maxDirtyRateSeenMbps)
  const ringFull = full.ringFullTimeUs
  const over = s.quotaMbps < s.currentMbps
  let throttle = s.throttleUsPerFull
  if (dirtyLimitNeedsLinearAdjustment(s.quotaMbps, s.currentMbps)) {
    const base = over ? s.currentMbps : s.quotaMbps
    const sleepPct = Math.floor((Math.abs(s.currentMbps - s.quotaMbps) * 100) / base)
    const step = Math.trunc((ringFull * sleepPct) / (100 - sleepPct))
    throttle += over ? step : -step
  } else {
    const step = Math.floor(ringFull / 10)
    throttle += over ? step : -step
  }
  throttle = Math.max(0, Math.min(throttle, ringFull * DIRTYLIMIT_THROTTLE_PCT_MAX))
  return { throttleUsPerFull: throttle, maxDirtyRateSeenMbps: full.maxDirtyRateSeenMbps }
}

/**
 * migration_trigger_throttle → migration_dirty_limit_guest (migration/ram.c): the same
 * `dirty_rate_high_cnt ≥ 2` trigger as auto-converge starts the limit; a second trigger with the
 * same `vcpu-dirty-limit` while the limit is in service changes nothing (QEMU keeps the last quota
 * in a static). Returns the quota to set on every vCPU, or null for "nothing to do".
 */
export function dirtyLimitOnTrigger(
  inService: boolean,
  lastQuotaMbps: number | null,
  vcpuDirtyLimitMbps: number
): number | null {
  if (inService && lastQuotaMbps === vcpuDirtyLimitMbps) return null
  return vcpuDirtyLimitMbps
}

/**
 * dirtylimit_throttle_time_per_round (system/dirtylimit.c), query-migrate's
 * `dirty-limit-throttle-time-per-round`: the largest throttle_us_per_full over the vCPUs, µs.
 */
export function dirtyLimitThrottleTimePerRoundUs(throttleUsPerFull: readonly number[]): number {
  let max = 0
  for (const t of throttleUsPerFull) if (t > max) max = t
  return max
}

/**
 * dirtylimit_ring_full_time (system/dirtylimit.c), query-migrate's `dirty-limit-ring-full-time`:
 * the ring-full time at the average rate of the running vCPUs (integer division), 0 when nothing
 * is dirtied. It goes through dirtylimit_dirty_ring_full_time, so it also feeds (and reads) the
 * static maximum.
 */
export function dirtyLimitRingFullTimeUs(
  ratesMbps: readonly number[],
  ringSizeEntries: number,
  pageSize: number,
  maxDirtyRateSeenMbps: number
): { ringFullTimeUs: number; maxDirtyRateSeenMbps: number } {
  let sum = 0
  for (const r of ratesMbps) sum += r
  if (sum === 0 || ratesMbps.length === 0) return { ringFullTimeUs: 0, maxDirtyRateSeenMbps }
  return dirtyRingFullTimeUs(
    ringSizeEntries,
    pageSize,
    Math.floor(sum / ratesMbps.length),
    maxDirtyRateSeenMbps
  )
}

/**
 * What a vCPU over its limit ends up doing (kvm_cpu_exec's KVM_EXIT_DIRTY_RING_FULL case in
 * accel/kvm/kvm-all.c → dirtylimit_vcpu_execute in system/dirtylimit.c): every time its ring
 * reaches the soft limit it exits, its ring alone is reaped, and it sleeps throttle_us_per_full.
 * Over a span of guest run time that dirties `softLimit` new pages every `fillUs`, the vCPU
 * spends `sleep / (fill + sleep)` of wall time asleep. Returns the dirty rate the guest keeps,
 * MiB/s of wall time, for a guest that dirties `unthrottledMibps` while it runs.
 */
export function dirtyLimitedRateMibps(
  unthrottledMibps: number,
  ringSizeEntries: number,
  pageSize: number,
  throttleUsPerFull: number
): number {
  if (unthrottledMibps <= 0) return 0
  const fillBytes = dirtyRingSoftLimitEntries(ringSizeEntries) * pageSize
  const fillUs = (fillBytes / (unthrottledMibps * 1024 * 1024)) * 1_000_000
  return (unthrottledMibps * fillUs) / (fillUs + throttleUsPerFull)
}

/** What migration_trigger_throttle (migration/ram.c) does once the trigger fires. */
export type ThrottleMechanism = 'auto-converge' | 'dirty-limit' | null

/**
 * migration_trigger_throttle (migration/ram.c): once `dirty_rate_high_cnt` reaches 2,
 * auto-converge throttles (mig_throttle_guest_down), else dirty-limit limits every vCPU
 * (migration_dirty_limit_guest). migrate_caps_check refuses both together, so the order only
 * mirrors QEMU's `if / else if`. null: the sync does not evaluate the trigger at all.
 */
export function throttleMechanism(autoConverge: boolean, dirtyLimit: boolean): ThrottleMechanism {
  if (autoConverge) return 'auto-converge'
  if (dirtyLimit) return 'dirty-limit'
  return null
}

/** The dirty-limit thread's state across stat periods (system/dirtylimit.c statics + CPUState). */
export interface DirtyLimitState {
  /** cpu->throttle_us_per_full per vCPU, µs. */
  readonly throttleUsPerFull: readonly number[]
  /** The last period's dirty rate per vCPU, MB/s (vcpu_dirty_rate_get). */
  readonly ratesMbps: readonly number[]
  /** dirtylimit_dirty_ring_full_time's static max_dirtyrate, MB/s (one for all vCPUs). */
  readonly maxDirtyRateSeenMbps: number
}

export function dirtyLimitInitialState(vcpus: number): DirtyLimitState {
  return {
    throttleUsPerFull: new Array<number>(vcpus).fill(0),
    ratesMbps: new Array<number>(vcpus).fill(0),
    maxDirtyRateSeenMbps: 0
  }
}

/**
 * One pass of dirtylimit_process (system/dirtylimit.c) after a stat period: each vCPU's rate
 * (vcpuDirtyRateMbps over the pages it dirtied in the period), then dirtylimit_adjust_throttle for
 * every vCPU in index order: the ring-full maximum is one static, so vCPU 0's rate feeds vCPU 1's
 * step.
 */
export function dirtyLimitProcess(
  state: DirtyLimitState,
  dirtiedPages: readonly number[],
  periodMs: number,
  quotaMbps: number,
  ringSizeEntries: number,
  pageSize: number
): DirtyLimitState {
  let max = state.maxDirtyRateSeenMbps
  const rates = dirtiedPages.map((pages) => vcpuDirtyRateMbps(pages, periodMs, pageSize))
  const throttle = rates.map((currentMbps, v) => {
    const out = dirtyLimitAdjust({
      quotaMbps,
      currentMbps,
      throttleUsPerFull: state.throttleUsPerFull[v] ?? 0,
      maxDirtyRateSeenMbps: max,
      ringSizeEntries,
      pageSize
    })
    max = out.maxDirtyRateSeenMbps
    return out.throttleUsPerFull
  })
  return { throttleUsPerFull: throttle, ratesMbps: rates, maxDirtyRateSeenMbps: max }
}
