/**
 * QEMU's fixed constants that the engine follows (docs/qemu-rules.md §12), and the
 * engine's own units. Virtual time is an integer number of microseconds everywhere.
 */

/** One millisecond of virtual time, µs. */
export const US_PER_MS = 1000
/** One second of virtual time, µs. */
export const US_PER_S = 1_000_000

/** BUFFER_DELAY: the rate-limit / counter window, 100 ms (§2.1, §3.1). */
export const BUFFER_DELAY_US = 100 * US_PER_MS
/** XFER_LIMIT_RATIO = 1000 / BUFFER_DELAY: the per-second cap is spent in 10 windows (§3.1). */
export const XFER_LIMIT_RATIO = 10
/** MAX_WAIT: ram_save_iterate returns after 50 ms even when budget is left (§3.3). */
export const MAX_WAIT_US = 50 * US_PER_MS
/** ram_save_iterate looks at the clock only every 64 pages: `(i & 63) == 0` (§3.3). */
export const MAX_WAIT_CHECK_PAGES = 64
/** A sync that ends more than 1000 ms after the period began closes the period (§4.1). */
export const DIRTY_RATE_PERIOD_US = 1000 * US_PER_MS
/** expected_downtime is refreshed only when the window moved more than this many bytes (§2.1). */
export const EXPECTED_DOWNTIME_MIN_WINDOW_BYTES = 10_000
/** dirty_rate_high_cnt must reach this to throttle (§5.2). */
export const DIRTY_RATE_HIGH_COUNT_TRIGGER = 2
/** CPU_THROTTLE_TIMESLICE: each throttle cycle runs the vCPU for 10 ms (§5.4). */
export const CPU_THROTTLE_TIMESLICE_US = 10 * US_PER_MS
/** cpu_throttle_set clamps to [1, 99] (§5.3). */
export const CPU_THROTTLE_PCT_MIN = 1
export const CPU_THROTTLE_PCT_MAX = 99
/** The auto-converge periodic dirty-sync timer (9.2+), 5000 ms (§5.4). */
export const CPU_THROTTLE_DIRTY_SYNC_TIMESLICE_US = 5000 * US_PER_MS

/**
 * KVM's dirty log is re-armed (KVM_CLEAR_DIRTY_LOG, manual protect) per chunk of
 * 2^x-clear-bitmap-shift target pages, just before the first page of the chunk is sent after a
 * sync: CLEAR_BITMAP_SHIFT_DEFAULT = 18, 1 GiB chunks at 4 KiB (§4.2, §4.3).
 */
export const CLEAR_BITMAP_SHIFT = 18
export const CLEAR_BITMAP_PAGES = 2 ** CLEAR_BITMAP_SHIFT

/** Progress samples and vCPU throughput buckets are taken on this grid of virtual time. */
export const TELEMETRY_TICK_US = 100 * US_PER_MS

/** Bytes in a mebibyte / gibibyte. */
export const MIB = 1024 * 1024
export const GIB = 1024 * MIB

/**
 * vCPU processes keep their dirty log and the oracle's last-write times in chunks of
 * 2^15 pages (128 MiB of guest RAM at 4 KiB), allocated on first write, so an idle huge guest
 * costs nothing (docs/engine.md "Memory").
 */
export const PAGE_CHUNK_SHIFT = 15
export const PAGE_CHUNK_PAGES = 1 << PAGE_CHUNK_SHIFT
/**
 * A vCPU queues up to this many writes per chunk (8 bytes each: page index, time + 1) before it
 * applies them to the chunk's last-write record and dirty bitmap in one batch; about a sync
 * period's writes of a busy chunk, so a harvest reads entries it has just applied (issue 11).
 */
export const PAGE_CHUNK_PENDING_WRITES = 8192
