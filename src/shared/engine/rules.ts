/**
 * QEMU's migration rules as pure functions over explicit state (style.md rule 3). Each one cites
 * the section of docs/qemu-rules.md it follows. The migration process wraps them; tests
 * check them against numbers derived by hand (test/engine/rules.test.ts).
 */
import {
  BUFFER_DELAY_US,
  CPU_THROTTLE_DIRTY_SYNC_TIMESLICE_US,
  CPU_THROTTLE_PCT_MAX,
  CPU_THROTTLE_PCT_MIN,
  CPU_THROTTLE_TIMESLICE_US,
  DIRTY_RATE_HIGH_COUNT_TRIGGER,
  DIRTY_RATE_PERIOD_US,
  EXPECTED_DOWNTIME_MIN_WINDOW_BYTES,
  MAX_WAIT_CHECK_PAGES,
  MAX_WAIT_US,
  US_PER_MS,
  US_PER_S,
  XFER_LIMIT_RATIO
} from './constants'

// ---------------------------------------------------------------------------------------------
// Rate limit (§3.1)
// ---------------------------------------------------------------------------------------------

/**
 * migration_rate_set: the byte budget of one 100 ms window, `max-bandwidth / XFER_LIMIT_RATIO`
 * (integer division, as QEMU stores it). 0 means RATE_LIMIT_DISABLED: no budget.
 */
export function rateLimitBytesPerWindow(maxBandwidthBytesPerS: number): number {
  return Math.floor(maxBandwidthBytesPerS / XFER_LIMIT_RATIO)
}

/** migration_rate_exceeded: true once the window moved strictly more than its budget (§3.1). */
export function isRateExceeded(windowBytes: number, rateLimitBytes: number): boolean {
  return rateLimitBytes > 0 && windowBytes > rateLimitBytes
}

// ---------------------------------------------------------------------------------------------
// MAX_WAIT in ram_save_iterate (§3.3)
// ---------------------------------------------------------------------------------------------

/**
 * ram_save_iterate breaks when `(qemu_clock_get_ns() − t0) / 1e6 > MAX_WAIT`: the elapsed whole
 * milliseconds exceed 50, i.e. elapsed ≥ 51 ms (§3.3).
 */
export const MAX_WAIT_BREAK_US = MAX_WAIT_US + US_PER_MS

/**
 * How many more pages of `costUs` each ram_save_iterate sends before its MAX_WAIT check breaks
 * (migration/ram.c ram_save_iterate, §3.3): the check runs after the page with loop index i
 * when `(i & 63) == 0`, and breaks once MAX_WAIT_BREAK_US has elapsed. `loopIndex`: the loop
 * index of the next page; `elapsedUs`: time spent in this call before it. Page j (0-based from
 * the next one) ends at elapsedUs + (j + 1) × costUs, computed as that expression so the count
 * agrees with the send loop's own clock. `costUs` must be > 0 (a free page never reaches it).
 */
export function pagesBeforeMaxWait(loopIndex: number, elapsedUs: number, costUs: number): number {
  const breakAtUs = MAX_WAIT_BREAK_US
  // The first page after which the check runs: loop index ≡ 0 (mod 64).
  const firstCheck = (MAX_WAIT_CHECK_PAGES - (loopIndex % MAX_WAIT_CHECK_PAGES)) % MAX_WAIT_CHECK_PAGES
  // jMin: the first page that ends at or after the break time (an estimate, then made exact).
  let jMin = Math.max(0, Math.ceil((breakAtUs - elapsedUs) / costUs) - 1)
  while (jMin > 0 && elapsedUs + jMin * costUs >= breakAtUs) jMin--
  while (elapsedUs + (jMin + 1) * costUs < breakAtUs) jMin++
  // The first checked page at or after jMin.
  const from = Math.max(jMin, firstCheck)
  const j = firstCheck + Math.ceil((from - firstCheck) / MAX_WAIT_CHECK_PAGES) * MAX_WAIT_CHECK_PAGES
  return j + 1
}

// ---------------------------------------------------------------------------------------------
// Counters of a window: migration_update_counters (§2.1)
// ---------------------------------------------------------------------------------------------

export interface WindowInput {
  /** Bytes moved in the window (all channels, overheads included). */
  readonly transferredBytes: number
  /** Window length, µs; QEMU only closes a window after BUFFER_DELAY. */
  readonly timeSpentUs: number
  /** Pages (normal + zero) sent in the window. */
  readonly pagesSent: number
  /** avail-switchover-bandwidth, bytes/s (0 = use the measured bandwidth). */
  readonly availSwitchoverBandwidth: number
  readonly downtimeLimitMs: number
  /** dirty_bytes_last_sync: remaining bytes right after the last bitmap sync. */
  readonly dirtyBytesLastSync: number
  /** dirty-pages-rate of the last closed period, pages/s. */
  readonly dirtyPagesRate: number
  /** expected_downtime before this window, ms (kept when the rule does not refresh it). */
  readonly expectedDowntimeMs: number
}

export interface WindowCounters {
  /** bandwidth = transferred / time_spent, bytes per ms. */
  readonly bandwidthBytesPerMs: number
  /** threshold_size = expected_bw_per_ms × downtime_limit, bytes. */
  readonly thresholdBytes: number
  /** Decimal Mbit/s over this window. */
  readonly mbps: number
  readonly pagesPerSecond: number
  readonly expectedDowntimeMs: number
}

/** True when a window started at `windowStartUs` may be closed at `nowUs` (§2.1). */
export function windowElapsed(windowStartUs: number, nowUs: number): boolean {
  return nowUs >= windowStartUs + BUFFER_DELAY_US
}

/**
 * expected_bw_per_ms in migration_update_counters (QEMU migration/migration.c): the bandwidth the
 * switchover is expected to get, bytes/ms. avail-switchover-bandwidth (bytes/s), when set, replaces
 * the measured one (docs/engine.md §2.1).
 */
export function expectedBandwidthBytesPerMs(
  availSwitchoverBandwidthBytesPerS: number,
  measuredBytesPerMs: number
): number {
  return availSwitchoverBandwidthBytesPerS > 0 ? availSwitchoverBandwidthBytesPerS / 1000 : measuredBytesPerMs
}

/**
 * expected_downtime = dirty_bytes_last_sync / expected_bw_per_ms (migration_update_counters,
 * §2.1), ms — the one copy of the formula: windowCounters refreshes QEMU's figure with it, and
 * the lab records it for each dirty sync (what is pending after the sync). With no bandwidth
 * measured yet it keeps the last expected_downtime.
 */
export function syncExpectedDowntimeMs(
  dirtyBytesLastSync: number,
  expectedBwPerMs: number,
  lastExpectedDowntimeMs: number
): number {
  return expectedBwPerMs > 0 ? dirtyBytesLastSync / expectedBwPerMs : lastExpectedDowntimeMs
}

/**
 * migration_update_counters (§2.1). The estimate is one window, unsmoothed: a sync stall inside
 * the window lowers it and shrinks the threshold (§15.3).
 */
export function windowCounters(w: WindowInput): WindowCounters {
  const timeSpentMs = Math.max(BUFFER_DELAY_US, w.timeSpentUs) / US_PER_MS
  const bandwidthBytesPerMs = w.transferredBytes / timeSpentMs
  const expectedBwPerMs = expectedBandwidthBytesPerMs(w.availSwitchoverBandwidth, bandwidthBytesPerMs)
  const thresholdBytes = Math.floor(expectedBwPerMs * w.downtimeLimitMs)
  const mbps = (w.transferredBytes * 8) / (timeSpentMs / 1000) / 1000 / 1000
  const pagesPerSecond = w.pagesSent / (timeSpentMs / 1000)
  // expected_downtime is refreshed only when pages are being dirtied and the window moved data.
  const refresh =
    w.dirtyPagesRate !== 0 && w.transferredBytes > EXPECTED_DOWNTIME_MIN_WINDOW_BYTES && expectedBwPerMs > 0
  const expectedDowntimeMs = refresh
    ? syncExpectedDowntimeMs(w.dirtyBytesLastSync, expectedBwPerMs, w.expectedDowntimeMs)
    : w.expectedDowntimeMs
  return { bandwidthBytesPerMs, thresholdBytes, mbps, pagesPerSecond, expectedDowntimeMs }
}

// ---------------------------------------------------------------------------------------------
// Lazy sync and the decision of migration_iteration_run (§2.2, §2.3)
// ---------------------------------------------------------------------------------------------

/** pending_estimate = migration_dirty_pages × page size (§2.2). Device state is not pending. */
export function pendingBytes(dirtyPages: number, pageSize: number): number {
  return dirtyPages * pageSize
}

/** The exact (synced) pending size is fetched only when the estimate is below the threshold (§2.2). */
export function needsExactPending(pendingBytes: number, thresholdBytes: number): boolean {
  return pendingBytes < thresholdBytes
}

/** Completion: `(pending == 0 || pending < threshold) && can_switchover` (§2.3 step 1). */
export function shouldComplete(
  pendingBytes: number,
  thresholdBytes: number,
  canSwitchover: boolean
): boolean {
  return (pendingBytes === 0 || pendingBytes < thresholdBytes) && canSwitchover
}

// ---------------------------------------------------------------------------------------------
// Dirty-rate period and the auto-converge trigger (§4.1, §5.2, §5.3)
// ---------------------------------------------------------------------------------------------

/** A sync ending more than 1000 ms after the period started closes the period (§4.1 step 5). */
export function periodCloses(periodStartUs: number, syncEndUs: number): boolean {
  return syncEndUs > periodStartUs + DIRTY_RATE_PERIOD_US
}

/**
 * migration_update_rates: dirty_pages_rate = num_dirty_pages_period × 1000 / period_ms, pages/s,
 * integer (§4.1). Only newly dirtied pages count, so it reads low in the first pass (§15.4).
 */
export function dirtyPagesRate(
  newlyDirtyPagesInPeriod: number,
  periodStartUs: number,
  periodEndUs: number
): number {
  const periodUs = periodEndUs - periodStartUs
  return periodUs > 0 ? Math.floor((newlyDirtyPagesInPeriod * US_PER_S) / periodUs) : 0
}

export interface ThrottleTriggerInput {
  /** migration_transferred_bytes() since the period began, overheads included. */
  readonly bytesXferPeriod: number
  /** num_dirty_pages_period × page size. */
  readonly bytesDirtyPeriod: number
  /** throttle-trigger-threshold, %. */
  readonly triggerThresholdPct: number
  /** dirty_rate_high_cnt before this period. */
  readonly dirtyRateHighCount: number
}

export interface ThrottleTriggerOutcome {
  readonly dirtyRateHighCount: number
  /** Throttle down now (mig_throttle_guest_down). */
  readonly throttleDown: boolean
  /** bytes_dirty_threshold = bytes_xfer_period × threshold / 100. */
  readonly bytesDirtyThreshold: number
}

/**
 * migration_trigger_throttle (§5.2): a "high" period bumps dirty_rate_high_cnt; on reaching 2 it
 * resets to 0 and throttles. A low period never resets the count (§15.5).
 */
export function throttleTrigger(t: ThrottleTriggerInput): ThrottleTriggerOutcome {
  const bytesDirtyThreshold = Math.floor((t.bytesXferPeriod * t.triggerThresholdPct) / 100)
  if (t.bytesDirtyPeriod <= bytesDirtyThreshold)
    return { dirtyRateHighCount: t.dirtyRateHighCount, throttleDown: false, bytesDirtyThreshold }
  const count = t.dirtyRateHighCount + 1
  if (count >= DIRTY_RATE_HIGH_COUNT_TRIGGER)
    return { dirtyRateHighCount: 0, throttleDown: true, bytesDirtyThreshold }
  return { dirtyRateHighCount: count, throttleDown: false, bytesDirtyThreshold }
}

export interface ThrottleStepInput {
  /** Current throttle %, 0 when throttling is not active. */
  readonly throttlePct: number
  readonly initialPct: number
  readonly incrementPct: number
  readonly tailslow: boolean
  readonly maxPct: number
  readonly bytesDirtyPeriod: number
  readonly bytesDirtyThreshold: number
}

/** cpu_throttle_set clamps to [1, 99] (§5.3). */
export function clampThrottlePct(pct: number): number {
  return Math.min(CPU_THROTTLE_PCT_MAX, Math.max(CPU_THROTTLE_PCT_MIN, pct))
}

/**
 * mig_throttle_guest_down (§5.3): start at cpu-throttle-initial, then add cpu-throttle-increment,
 * or with tailslow the smaller step that would bring the dirty rate to the threshold, capped at
 * max-cpu-throttle. Integer arithmetic like QEMU's uint64 variables.
 */
export function throttleStep(s: ThrottleStepInput): number {
  if (s.throttlePct === 0) return clampThrottlePct(s.initialPct)
  let inc = s.incrementPct
  if (s.tailslow) {
    const cpuNow = 100 - s.throttlePct
    const cpuIdeal = Math.floor(cpuNow * (s.bytesDirtyThreshold / s.bytesDirtyPeriod))
    inc = Math.min(cpuNow - cpuIdeal, s.incrementPct)
  }
  return clampThrottlePct(Math.min(s.throttlePct + inc, s.maxPct))
}

/**
 * cpu_throttle_dirty_sync_timer_tick (migration/cpu-throttle.c, §5.4): every 5 s while
 * auto-converge is on, a migration_bitmap_sync when none happened since the last tick
 * (dirty-sync-count unchanged) and the first pass is over (dirty-sync-count > 1), while the
 * migration is active.
 */
export function throttleTimerSyncs(
  active: boolean,
  dirtySyncCount: number,
  countAtLastTick: number
): boolean {
  return active && dirtySyncCount > 1 && dirtySyncCount === countAtLastTick
}

/** The next tick of that timer: CPU_THROTTLE_DIRTY_SYNC_TIMESLICE (5 s) after this one ends, µs. */
export function nextThrottleTimerTickUs(tickEndUs: number): number {
  return tickEndUs + CPU_THROTTLE_DIRTY_SYNC_TIMESLICE_US
}

/** The throttle timer period, `10 ms / (1 − p)`, µs (§5.4). */
export function throttleCycleUs(pct: number): number {
  return Math.floor((CPU_THROTTLE_TIMESLICE_US * 100) / (100 - pct))
}

/** The sleep each tick queues on every vCPU, `p / (1 − p) × 10 ms`, µs (§5.4). */
export function throttleSleepUs(pct: number): number {
  return Math.floor((pct * CPU_THROTTLE_TIMESLICE_US) / (100 - pct))
}

// ---------------------------------------------------------------------------------------------
// Wire bytes (§4.5, §3.2, §1.3)
// ---------------------------------------------------------------------------------------------

/** Record header: 8-byte offset with flags ORed in (save_page_header, §4.5). */
export const PAGE_HEADER_BYTES = 8
/** RAM_SAVE_FLAG_ZERO record: header + 1 fill byte (§4.5). */
export const ZERO_PAGE_RECORD_BYTES = PAGE_HEADER_BYTES + 1
/** RAM_SAVE_FLAG_EOS, written at the end of every ram_save_iterate / ram_save_complete (§3.3). */
export const EOS_BYTES = 8
/** Savevm section header (type byte + 4-byte section id) and footer (same), §3.2. */
export const SECTION_HEADER_BYTES = 5
export const SECTION_FOOTER_BYTES = 5
/** Per iterate call: section header + EOS + footer. */
export const ITERATE_OVERHEAD_BYTES = SECTION_HEADER_BYTES + EOS_BYTES + SECTION_FOOTER_BYTES
/** QEMU_VM_EOF after the device state (§1.5 step 4). */
export const EOF_BYTES = 1
/**
 * Setup (§1.3): file magic + version (8), configuration section (~20), the RAM section start
 * (type, id, idstr "ram", instance, version: 17), MEM_SIZE record (8), the block list entry
 * "pc.ram" (len byte, idstr, used_length: 15), EOS (8), footer (5), plus the first page record's
 * idstr (7 bytes; later records carry RAM_SAVE_FLAG_CONTINUE).
 */
export const SETUP_BYTES = 8 + 20 + 17 + 8 + 15 + EOS_BYTES + SECTION_FOOTER_BYTES + 7

/** A normal page record, RAM_SAVE_FLAG_PAGE: header + the page (§4.5). */
export function normalPageRecordBytes(pageSize: number): number {
  return PAGE_HEADER_BYTES + pageSize
}

/** Link speed in bytes per second from decimal Mbit/s. */
export function linkBytesPerSecond(bandwidthMbps: number): number {
  return (bandwidthMbps * 1_000_000) / 8
}

/** Time to push `bytes` at `bytesPerSecond`, µs (fractional). */
export function transferUs(bytes: number, bytesPerSecond: number): number {
  return (bytes * US_PER_S) / bytesPerSecond
}

// ---------------------------------------------------------------------------------------------
// Downtime (§1.5, §10)
// ---------------------------------------------------------------------------------------------

export interface SwitchoverTimes {
  /** vm_stop_force_state, µs. */
  readonly stopUs: number
  /** The final migration_bitmap_sync, µs. */
  readonly finalSyncUs: number
  /** Remaining RAM at link speed (rate limit lifted, §10.5), µs. */
  readonly ramUs: number
  /** Device state + EOF at link speed, µs. */
  readonly deviceStateUs: number
  /**
   * Destination, from the source's last byte to vm_start, µs: the trip there (RTT / 2), the load
   * tail, block activation and vm_start.
   */
  readonly resumeUs: number
  /** The trip back of the destination's SHUT message (RTT / 2), µs. */
  readonly shutTripUs: number
  readonly returnPath: boolean
}

export interface SwitchoverOutcome {
  /** Source-reported downtime, µs (§10.1). */
  readonly downtimeUs: number
  /** Last instruction on the source to first on the destination, µs (§10.4). */
  readonly guestPauseUs: number
  /** stop, final sync, RAM, device state, resume, µs; they add up to the guest's pause. */
  readonly breakdownUs: {
    readonly stop: number
    readonly finalSync: number
    readonly ram: number
    readonly deviceState: number
    readonly resume: number
  }
}

/**
 * Downtime as QEMU reports it and as the guest feels it (§10.1, §10.4). Without a return path
 * QEMU's downtime ends when the source has pushed the last byte, so it leaves out the destination
 * (§15.7); with one, close_return_path_on_source waits for the destination's SHUT, sent after
 * vm_start, so it covers the whole pause plus SHUT's trip back. The guest's pause always runs to
 * the destination's vm_start.
 */
export function switchoverOutcome(t: SwitchoverTimes): SwitchoverOutcome {
  const sourceUs = t.stopUs + t.finalSyncUs + t.ramUs + t.deviceStateUs
  const guestPauseUs = sourceUs + t.resumeUs
  const downtimeUs = t.returnPath ? guestPauseUs + t.shutTripUs : sourceUs
  return {
    downtimeUs,
    guestPauseUs,
    breakdownUs: {
      stop: t.stopUs,
      finalSync: t.finalSyncUs,
      ram: t.ramUs,
      deviceState: t.deviceStateUs,
      resume: t.resumeUs
    }
  }
}

/**
 * The destination loads the stream as it arrives (ram_load_precopy, §1.6). When it loads slower
 * than the link, the stop-and-copy's bytes pile up and the load ends after the last byte arrives
 * by the difference of the two times. `loadBytesPerS` 0 means it keeps up with any link.
 */
export function destinationLoadTailUs(bytes: number, linkBytesPerS: number, loadBytesPerS: number): number {
  if (loadBytesPerS <= 0) return 0
  return Math.max(0, transferUs(bytes, loadBytesPerS) - transferUs(bytes, linkBytesPerS))
}

/** The final average QEMU reports: bytes × 8 / (total_time − setup_time) / 1000, Mbit/s (§1.5). */
export function averageMbps(transferredBytes: number, totalTimeMs: number, setupTimeMs: number): number {
  const ms = totalTimeMs - setupTimeMs
  return ms > 0 ? (transferredBytes * 8) / ms / 1000 : 0
}
