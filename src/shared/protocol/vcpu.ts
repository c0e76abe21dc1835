/**
 * The contracts of a vCPU process (style.md rule 6): its control link to the supervisor, and the
 * link to the migration process that the supervisor hands over (DESIGN.md §1).
 *
 * The migration process is the only clock driver. It tells each vCPU the schedule as it happens
 * (BQL holds, throttle changes, stop) and asks it to run its guest up to a virtual time; the vCPU
 * answers with its dirty log since the last harvest, like KVM_GET_DIRTY_LOG / a dirty-ring reap
 * (docs/qemu-rules.md §4.1, §4.2), plus its own telemetry.
 */
import type { LabConfig } from '../config/schema'
import type { VcpuLaneState, VcpuScheduleEvent } from '../engine/vcpu-clock'
import type { LinkContract } from './rpc'

export type { VcpuScheduleEvent, VcpuLaneState }

/** Sent by the supervisor with the port to the migration process. */
export interface VcpuInit {
  readonly config: LabConfig
  /** The run's seed (may differ from config.seed when the caller overrides it). */
  readonly seed: number
  /** This vCPU's index, 0-based. */
  readonly vcpu: number
}

/** What a vCPU answers on its control link. */
export interface VcpuControlContract extends LinkContract {
  readonly requests: {
    /** Sets the vCPU up and starts serving the migration link handed over with this request. */
    readonly init: { readonly params: VcpuInit; readonly result: null }
    /**
     * Forgets the run: closes the migration link and drops the guest, so the next `init` starts
     * a new run in this same process (a sweep's process pool, src/main/process/engine-pool.ts).
     */
    readonly reset: { readonly params: null; readonly result: null }
  }
  readonly events: Record<never, never>
}

export interface HarvestRequest {
  /** Run the guest up to this virtual time (exclusive): writes at t < untilUs are in this reply. */
  readonly untilUs: number
  /** Schedule entries the vCPU has not been told yet, in time order; none starts before untilUs's past. */
  readonly events: readonly VcpuScheduleEvent[]
  /**
   * true: return and clear the dirty log (a bitmap sync, §4.1); false: only advance the guest and
   * report telemetry (lets vCPUs compute in parallel with the migration thread).
   */
  readonly dirtyLog: boolean
  /** dirty-sync-count this harvest belongs to (0 when dirtyLog is false). */
  readonly dirtySyncCount: number
  /** The sweep has wrapped at least once (complete_round, §3.4): the first pass is over. */
  readonly firstRoundComplete: boolean
  /**
   * Buffers of this vCPU's earlier dirty logs (HarvestReply pages, lastWritePlus1, writeCounts)
   * that the migration thread has merged, handed back (moved, on a link that moves ArrayBuffers)
   * for the vCPU to write its next logs into. A fresh buffer costs a page fault per 4 KiB on its
   * first write, most of a harvest's time on a virtual machine (issue 11). Absent: none.
   */
  readonly spare?: readonly ArrayBuffer[]
}

/** vCPU statistics, cumulative since the start of the run. */
export interface VcpuStats {
  /** Page writes the guest made. */
  readonly writes: number
  /** Guest run time, µs. */
  readonly runUs: number
  /** Time waiting for the BQL, µs (§1.7). */
  readonly bqlWaitUs: number
  readonly longestStallUs: number
  readonly stalls: number
  /** Time in auto-converge sleeps, µs (§5.4). */
  readonly throttleSleepUs: number
  /** With a dirty ring only: time in dirty-limit sleeps after ring-full exits, µs. */
  readonly dirtyLimitSleepUs?: number
  /** With a dirty ring only: KVM_EXIT_DIRTY_RING_FULL exits taken. */
  readonly ringFullExits?: number
  /** After a switch to postcopy: time blocked on userfaults on the destination, µs. */
  readonly postcopyBlockedUs?: number
  /** After a switch to postcopy: userfaults taken on the destination. */
  readonly postcopyFaults?: number
}

/** Writes per telemetry bucket (TELEMETRY_TICK_US long), for buckets completed since the last reply. */
export interface ThroughputChunk {
  /** Index of the first bucket in `writes`. */
  readonly startBucket: number
  readonly writes: readonly number[]
}

export interface VcpuTimelineEntry {
  readonly timeUs: number
  readonly state: VcpuLaneState
  readonly detail?: string
}

export interface HarvestReply {
  readonly vcpu: number
  readonly untilUs: number
  /** Dirty pages since the last harvest: sorted, unique page numbers. Empty when dirtyLog was false. */
  readonly pages: Uint32Array
  /**
   * For each page in `pages`, the virtual µs of its last write + 1: the migration thread needs it
   * to tell writes KVM tracked from writes made before the page's chunk was re-armed (§4.3).
   */
  readonly lastWritePlus1: Uint32Array
  /**
   * With XBZRLE only: for each page in `pages`, how many writes it took since the last harvest
   * (saturating at 65535). The sender adds them up per page until the page is sent, to size its
   * XBZRLE delta (migration/xbzrle.c xbzrle_encode_buffer; docs/engine.md "XBZRLE").
   */
  readonly writeCounts?: Uint16Array
  readonly stats: VcpuStats
  readonly throughput: ThroughputChunk
  readonly timeline: readonly VcpuTimelineEntry[]
}

export interface FinishRequest {
  /** Run the guest up to the end of the run. */
  readonly untilUs: number
  readonly events: readonly VcpuScheduleEvent[]
  /** Send the last-write times for the oracle (only after a switchover). */
  readonly oracle: boolean
}

/**
 * The oracle's input (DESIGN.md §2 "Oracle"): for every page this vCPU wrote, the virtual time of
 * its last write plus one (0 = not written), in chunks of 2^chunkShift pages. Kept apart from the
 * dirty log, so a broken dirty log cannot hide from it.
 */
export interface LastWriteChunks {
  readonly chunkShift: number
  /** Chunk numbers, ascending. */
  readonly chunks: readonly number[]
  /** One array of 2^chunkShift entries per chunk. */
  readonly lastWritePlus1: readonly Uint32Array[]
}

export interface FinishReply {
  readonly vcpu: number
  readonly untilUs: number
  readonly stats: VcpuStats
  /** Every remaining bucket, the last one possibly partial. */
  readonly throughput: ThroughputChunk
  readonly timeline: readonly VcpuTimelineEntry[]
  readonly oracle?: LastWriteChunks
}

/** What a vCPU answers on its link to the migration process. */
export interface VcpuPeerContract extends LinkContract {
  readonly requests: {
    readonly harvest: { readonly params: HarvestRequest; readonly result: HarvestReply }
    readonly finish: { readonly params: FinishRequest; readonly result: FinishReply }
    readonly postcopyStart: { readonly params: PostcopyStartRequest; readonly result: PostcopyStartReply }
    readonly postcopyRun: { readonly params: PostcopyRunRequest; readonly result: PostcopyRunReply }
    readonly postcopyTouches: { readonly params: null; readonly result: PostcopyTouchReply }
  }
  readonly events: Record<never, never>
}

/**
 * postcopy_start has switched: the guest runs on the destination from `dstStartUs` on, and a page
 * set in `missing` is not there yet (the discard bitmap plus every page never sent,
 * migration/ram.c ram_postcopy_send_discard_bitmap). The vCPU keeps a copy of its last writes on
 * the source so far, for the oracle, and replies with it.
 */
export interface PostcopyStartRequest {
  readonly dstStartUs: number
  /** Bit set = page not on the destination (one bit per page, 32 per word). */
  readonly missing: Int32Array
  /**
   * With postcopy-preempt an urgent page arrives this long after its fault, µs, whatever else is
   * sent (its own channel): the vCPU then resolves its faults itself and reports them as
   * requests. 0 = without preempt (a fault stops the vCPU until the migration process answers).
   */
  readonly urgentLatencyUs: number
}

export interface PostcopyStartReply {
  readonly vcpu: number
  /** The source's last writes (the oracle's source side): the source is stopped for good. */
  readonly sourceOracle: LastWriteChunks
}

/**
 * Runs the destination guest to `untilUs` or to its first fault (a touch of a page not yet
 * arrived). It tells the vCPU of pages sent since its last request, of those it can write
 * (touchedPageRanges in src/shared/engine/workload.ts), as pairs: page arrivals[2i] arrives at
 * arrivals[2i + 1] − 1 µs. One array per message: each typed array costs the link a clone.
 */
export interface PostcopyRunRequest {
  readonly untilUs: number
  readonly arrivals: Uint32Array
}

export interface PostcopyRunReply {
  readonly vcpu: number
  /** How far the guest ran: untilUs, or the time of the fault. */
  readonly reachedUs: number
  /** The page the vCPU faulted on (blocked until it arrives), or -1. */
  readonly faultPage: number
  /**
   * Faults the vCPU resolved itself (urgentLatencyUs), as triples: page, fault time, wake time
   * (µs) at requests[3i], [3i + 1], [3i + 2].
   */
  readonly requests: Float64Array
  readonly stats: VcpuStats
  readonly throughput: ThroughputChunk
  readonly timeline: readonly VcpuTimelineEntry[]
}

/**
 * The oracle's destination side: per page, the first time (+1) the destination guest touched it,
 * in chunks like LastWriteChunks. Sent once, at the end of a postcopy run.
 */
export interface PostcopyTouchReply {
  readonly vcpu: number
  readonly firstTouch: LastWriteChunks
}
