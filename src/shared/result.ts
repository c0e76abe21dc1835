/**
 * The result contract (DESIGN.md §4): one object shaped like QEMU's `query-migrate` reply
 * (docs/qemu-rules.md §11), plus a `lab` object with what QEMU cannot tell.
 * Field names in the QEMU part are QEMU's own (kebab-case); units are QEMU's (ms, bytes, pages).
 * `migration-lab run CONFIG --json` prints exactly this; tools outside the repo rely on it.
 */

export type MigrationStatus = 'completed' | 'cancelled' | 'failed'

/** `ram` of query-migrate (MigrationStats, §11). */
export interface RamStats {
  /** Total bytes on all channels, overheads included. */
  transferred: number
  /** Dirty bytes known at the last sync and not yet sent (0 after completion). */
  remaining: number
  /** Total migratable RAM bytes. */
  total: number
  /** Zero pages sent (count). */
  duplicate: number
  /** Full pages sent (count). */
  normal: number
  /** normal × page-size: payload only. */
  'normal-bytes': number
  /** Newly dirtied pages per second over the last ≥1 s sync period (§4.1). */
  'dirty-pages-rate': number
  /** Average Mbit/s over (total-time − setup-time), as QEMU reports at the end. */
  mbps: number
  'dirty-sync-count': number
  'page-size': number
  /** Pages sent in the last window, per second. */
  'pages-per-second': number
  /** RAM bytes sent while the VM ran. */
  'precopy-bytes': number
  /** RAM bytes sent while the VM was stopped (not postcopy). */
  'downtime-bytes': number
  /** RAM bytes sent in postcopy. */
  'postcopy-bytes': number
  /** Bytes sent by multifd channels (0 without multifd). */
  'multifd-bytes': number
  /**
   * Page requests the source received from the destination in postcopy (MigrationStats
   * `postcopy-requests`; ram_save_queue_pages counts them). Present with postcopy-ram.
   */
  'postcopy-requests'?: number
}

/**
 * `xbzrle-cache` of query-migrate (populate_ram_info, migration/migration.c), present only with
 * the xbzrle capability; the counters are migration/ram.c's xbzrle_counters.
 */
export interface XbzrleCacheStats {
  /** xbzrle-cache-size, bytes. */
  'cache-size': number
  /** Encoded bytes sent (record headers of 8 bytes left out), plus a page per overflow. */
  bytes: number
  /** Cache hits: pages encoded, skipped as unchanged, or overflowed. */
  pages: number
  'cache-miss': number
  /** Misses / pages sent over the last ≥ 1 s sync period (migration_update_rates). */
  'cache-miss-rate': number
  /** (Hits × page size) / encoded bytes over the last period; 0 without hits. */
  'encoding-rate': number
  /** Hits whose encoding did not fit in a page: sent as normal pages. */
  overflow: number
}

/** Why the guest was paused, in ms, in the order it happened (§10). */
export interface DowntimeBreakdown {
  /** vm_stop_force_state: pausing vCPUs, state-change notifiers, block drain. */
  'stop-ms': number
  /** The last migration_bitmap_sync under the BQL. */
  'final-sync-ms': number
  /** Remaining dirty RAM sent with the rate limit lifted (link speed). */
  'ram-ms': number
  /** Non-iterable device state (not in pending, §10.3). */
  'device-state-ms': number
  /** Destination: tail of the load, block activation, vm_start. */
  'resume-ms': number
}

/** One record per dirty bitmap sync (`dirty-sync-count` increment, §4.1). */
export interface SyncRecord {
  /** dirty-sync-count after this sync (1 = the setup sync). */
  'dirty-sync-count': number
  /** Virtual ms since migration start. */
  'time-ms': number
  /** What triggered it: setup, lazy (pending < threshold), auto-converge 5 s timer, final. */
  trigger: 'setup' | 'lazy' | 'throttle-timer' | 'final'
  /** Pages sent since the previous sync. */
  'pages-sent': number
  /** Newly dirtied pages this sync found (only previously clean pages count). */
  'dirty-pages': number
  /** Pages known dirty after the sync (remaining / page size). */
  'remaining-pages': number
  /** Bandwidth estimate of the last 100 ms window, bytes per ms. */
  'bandwidth-bytes-per-ms': number
  /** threshold_size in bytes at the time of the sync. */
  'threshold-bytes': number
  /**
   * Dirty bytes after this sync ÷ the bandwidth estimate at the sync, ms: the expected-downtime
   * query-migrate reports from the next window close on (§2.1), when the window moved data.
   */
  'expected-downtime-ms': number
  /** Auto-converge throttle % in force (0 when none). */
  'cpu-throttle-percentage': number
  /** How long the BQL was held for this sync, ms. */
  'bql-hold-ms': number
}

/** SyncRecord fields, in the contract's order: CSV columns, the history's stored sync records. */
export const SYNC_RECORD_FIELDS = [
  'dirty-sync-count',
  'time-ms',
  'trigger',
  'pages-sent',
  'dirty-pages',
  'remaining-pages',
  'bandwidth-bytes-per-ms',
  'threshold-bytes',
  'expected-downtime-ms',
  'cpu-throttle-percentage',
  'bql-hold-ms'
] as const satisfies readonly (keyof SyncRecord)[]

export interface BqlStats {
  /** Total time the migration thread held the BQL, ms. */
  'held-ms': number
  /** Number of separate holds (setup, each sync, completion, …). */
  holds: number
  /** Longest single hold, ms. */
  'longest-hold-ms': number
  /** Sum over vCPUs of time spent waiting for the BQL on I/O exits, ms. */
  'vcpu-wait-ms': number
  /** Longest single vCPU stall waiting for the BQL, ms. */
  'longest-vcpu-stall-ms': number
}

/**
 * How a simulated run ended, as data (the same numbers `LabInfo.reason` states in English, rounded
 * as it rounds them: times to 0.1 ms; bytes exact, the text shows them in MB). Lets a reader
 * build the sentence in its own language.
 */
export type RunOutcome =
  | {
      /** Switchover: pending fell below the threshold (or nothing known dirty was left). */
      kind: 'converged'
      /** Pending bytes when the switchover was decided (0: nothing known dirty was left). */
      'pending-bytes': number
      /** threshold_size at that moment, bytes. */
      'threshold-bytes': number
      'dirty-sync-count': number
      /** QEMU's `downtime`, ms. */
      'downtime-ms': number
      'downtime-limit-ms': number
    }
  | {
      /**
       * Switched to postcopy (the lab's policy sent migrate-start-postcopy) and every page has
       * since arrived on the destination.
       */
      kind: 'postcopy'
      /** dirty-sync-count when migrate-start-postcopy was sent (postcopy-after-syncs). */
      'dirty-sync-count': number
      /** QEMU's `downtime` of the switch, ms. */
      'downtime-ms': number
      'downtime-limit-ms': number
      /** Page requests the destination sent over the return path. */
      'postcopy-requests': number
      /** The destination's `postcopy-blocktime`, ms. */
      'postcopy-blocktime-ms': number
    }
  | {
      /** Lab policy: virtual time went past max-time-ms. */
      kind: 'max-time'
      'virtual-time-ms': number
      'max-time-ms': number
      'expected-downtime-ms': number
      'downtime-limit-ms': number
    }
  | {
      /** Lab policy: dirty-sync-count went past max-iterations. */
      kind: 'max-iterations'
      'dirty-sync-count': number
      'max-iterations': number
      'expected-downtime-ms': number
      'downtime-limit-ms': number
    }
  | {
      /** Someone cancelled the run; `detail` is the reason they gave (free text). */
      kind: 'user-cancel'
      detail: string
      'expected-downtime-ms': number
      'downtime-limit-ms': number
    }

/** One multifd channel's sender thread over the run (lab only: QEMU reports the sum). */
export interface MultifdChannelStats {
  /** Channel index, 0-based (multifd_send_state->params[i]). */
  channel: number
  /** Bytes this channel sent: packets (packet_len each) and their page data. */
  bytes: number
  /** Packets sent, SYNC packets included. */
  packets: number
  /** Pages carried (normal and zero). */
  pages: number
}

export interface LabInfo {
  /** Destination memory equalled source memory at switchover (independent oracle). */
  verified: boolean
  /** Pages that differed at switchover (0 when verified; undefined when not checked). */
  'mismatched-pages'?: number
  seed: number
  'engine-version': string
  /** Why the run ended the way it did: converged, the policy limit hit, the failure. */
  reason: string
  /**
   * `reason` as data, for simulated runs (absent in imported and older results). An oracle
   * problem is not part of it: see `verified` and `mismatched-pages`.
   */
  outcome?: RunOutcome
  /** Did the migration reach switchover (status completed)? */
  converged: boolean
  /** The pause as the guest felt it: last instruction on the source to first on the destination. */
  'guest-pause-ms': number
  'downtime-breakdown': DowntimeBreakdown
  iterations: SyncRecord[]
  bql: BqlStats
  /** Wall-clock ms the run took on this machine (not deterministic). */
  'wall-time-ms': number
  /** Virtual ms simulated. */
  'virtual-time-ms': number
  /** How this result was obtained: simulated by the engine, or imported from a real QEMU. */
  source: 'simulated' | 'measured'
  /** Measured runs (`migration-lab measure`): the QEMU that ran it, e.g. "10.0.2". */
  'qemu-version'?: string
  /** Measured runs: the accelerator, kvm or tcg. */
  accel?: 'kvm' | 'tcg'
  /** multifd only: each channel's share (the Live view's per-channel throughput). */
  'multifd-channels'?: MultifdChannelStats[]
}

export interface MigrationResult {
  status: MigrationStatus
  /** ms from migration start to completion (or to cancellation). */
  'total-time': number
  /** ms in setup, before iterations begin. */
  'setup-time': number
  /** ms, source-reported (§10.1); present when completed. */
  downtime?: number
  /** ms = dirty bytes at last sync / expected bandwidth (§2.1). */
  'expected-downtime': number
  ram: RamStats
  /** Current auto-converge throttle %, present only while throttling was active. */
  'cpu-throttle-percentage'?: number
  /**
   * dirty-limit only, once the limit is in service (populate_ram_info, migration/migration.c): the
   * largest throttle_us_per_full over the vCPUs, µs (dirtylimit_throttle_time_per_round).
   */
  'dirty-limit-throttle-time-per-round'?: number
  /** dirty-limit only: ring-full time at the vCPUs' average dirty rate, µs (dirtylimit_ring_full_time). */
  'dirty-limit-ring-full-time'?: number
  'xbzrle-cache'?: XbzrleCacheStats
  /**
   * Destination, after a switch to postcopy (capability postcopy-blocktime,
   * migration/postcopy-ram.c fill_destination_postcopy_migration_info): ms during which every vCPU
   * was blocked on a page not yet placed at the same time.
   */
  'postcopy-blocktime'?: number
  /** Destination, after a switch to postcopy: ms each vCPU was blocked on page faults. */
  'postcopy-vcpu-blocktime'?: number[]
  /** Human-readable error, when status is failed. */
  'error-desc'?: string
  lab: LabInfo
}

// ---------------------------------------------------------------------------------------------
// Telemetry: streamed to the supervisor while a run goes (batched, never a message per page),
// kept in the history database, and printed with `--full`.
// ---------------------------------------------------------------------------------------------

/** A progress snapshot every 100 ms of virtual time (like guestperf's Progress, §13.5). */
export interface ProgressSample {
  'time-ms': number
  /** Migration status at that time: setup, active, device (stop-and-copy), completed… */
  status: 'setup' | 'active' | 'device' | 'postcopy-active' | 'completed' | 'cancelled' | 'failed'
  'transferred-bytes': number
  'remaining-bytes': number
  'dirty-pages-rate': number
  /** Mbit/s over the last window. */
  mbps: number
  'bandwidth-bytes-per-ms': number
  'threshold-bytes': number
  'expected-downtime-ms': number
  'dirty-sync-count': number
  'cpu-throttle-percentage': number
  // The capabilities' counters (issue 9), present only in runs with the capability, so a run
  // without it has exactly the samples it had before. Counters are cumulative as query-migrate
  // reports them; a rate over time is the difference between two samples.
  /** xbzrle only: cache hits so far (xbzrle-cache `pages`: encoded, unchanged or overflowed). */
  'xbzrle-pages'?: number
  /** xbzrle only: cache misses so far (xbzrle-cache `cache-miss`). */
  'xbzrle-cache-miss'?: number
  /** xbzrle only: hits whose encoding did not fit a page so far (xbzrle-cache `overflow`). */
  'xbzrle-overflow'?: number
  /** xbzrle only: encoded bytes sent so far (xbzrle-cache `bytes`). */
  'xbzrle-bytes'?: number
  /** multifd only: bytes each channel has sent so far, index = channel (lab.multifd-channels). */
  'multifd-channel-bytes'?: number[]
  /** postcopy-ram only: page requests the source has received so far (ram.postcopy-requests). */
  'postcopy-requests'?: number
  /**
   * dirty-limit only: each vCPU's sleep per full dirty ring in force, µs, index = vCPU
   * (throttle_us_per_full, system/dirtylimit.c; 0 = not throttled).
   */
  'dirty-limit-throttle-us-per-full'?: number[]
}

/** The optional capability fields of a ProgressSample that hold one number. */
export const PROGRESS_CAPABILITY_FIELDS = [
  'xbzrle-pages',
  'xbzrle-cache-miss',
  'xbzrle-overflow',
  'xbzrle-bytes',
  'postcopy-requests'
] as const satisfies readonly (keyof ProgressSample)[]

/**
 * The numeric fields of a ProgressSample after `time-ms` and `status`, in the contract's order:
 * the history's stored column order (src/main/storage/codec.ts) and the CSV report's columns.
 */
export const PROGRESS_NUMBER_FIELDS = [
  'transferred-bytes',
  'remaining-bytes',
  'dirty-pages-rate',
  'mbps',
  'bandwidth-bytes-per-ms',
  'threshold-bytes',
  'expected-downtime-ms',
  'dirty-sync-count',
  'cpu-throttle-percentage'
] as const satisfies readonly (keyof ProgressSample)[]

/**
 * A vCPU's guest throughput over time, in buckets of `bucketMs` virtual ms: how many MiB the
 * guest program wrote per second in each bucket (guestperf's "ms per GiB", turned around so a
 * pause shows as a drop to zero).
 */
export interface VcpuThroughputSeries {
  vcpu: number
  'bucket-ms': number
  /** Start of the first bucket, virtual ms. */
  'start-ms': number
  /** MiB/s in each bucket. */
  'mib-per-s': number[]
}

/** Swimlane timeline events for the UI (DESIGN.md §2, issue 5). */
export type TimelineLane = 'migration' | 'destination' | `vcpu-${number}`
export type TimelineState =
  // migration thread
  | 'setup'
  | 'iterating'
  | 'syncing' // bitmap sync under the BQL
  | 'stop-and-copy'
  | 'postcopy-active'
  | 'done'
  // vCPUs
  | 'running'
  | 'throttled'
  | 'bql-wait'
  | 'stopped'
  | 'page-fault' // postcopy: blocked on a page not yet on the destination
  // destination
  | 'idle'
  | 'loading'
  | 'resumed'

/** One lane is in one state from `start-ms` until the next event of the same lane. */
export interface TimelineEvent {
  'time-ms': number
  lane: TimelineLane
  state: TimelineState
  /** Optional detail (e.g. throttle %, sync number). */
  detail?: string
}

/** Everything a run produces beyond the result. */
export interface RunTelemetry {
  progress: ProgressSample[]
  throughput: VcpuThroughputSeries[]
  timeline: TimelineEvent[]
}

/** `--full` output: the result plus all telemetry. */
export interface FullRunOutput {
  result: MigrationResult
  telemetry: RunTelemetry
}
