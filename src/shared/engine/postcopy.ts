/**
 * QEMU's postcopy rules (capabilities `postcopy-ram`, `postcopy-preempt`, `postcopy-blocktime`)
 * as pure functions and one explicit-state ledger, so the migration process owns the state and
 * tests check each rule by hand (test/engine/postcopy.test.ts).
 */

/**
 * The lab's policy for `migrate-start-postcopy`, as guestperf's engine does it (Engine._migrate
 * in tests/migration-stress/guestperf/engine.py): once `dirty-sync-count ≥ post_copy_iters`, send
 * the command once. QEMU itself never switches on its own (qmp_migrate_start_postcopy only sets
 * `start_postcopy`). `afterSyncs` undefined = never.
 */
export function shouldSendStartPostcopy(
  dirtySyncCount: number,
  afterSyncs: number | undefined,
  alreadySent: boolean
): boolean {
  return !alreadySent && afterSyncs !== undefined && dirtySyncCount >= afterSyncs
}

export interface PostcopySwitchInput {
  /** migrate-start-postcopy was received (`start_postcopy`). */
  readonly startPostcopy: boolean
  readonly inPostcopy: boolean
  /** Bytes that must go before the switch: 0 for RAM with postcopy-ram (ram_state_pending_*). */
  readonly mustPrecopyBytes: number
  /** Every pending byte, postcopiable or not. */
  readonly pendingBytes: number
  readonly thresholdBytes: number
  /** can_switchover: false while switchover-ack waits for the destination's ACK. */
  readonly canSwitchover: boolean
}

/**
 * migration_iteration_run (migration/migration.c), in QEMU's order: a pre-copy that can complete
 * (`pending ≤ threshold`) completes as pre-copy; otherwise, when migrate-start-postcopy was sent,
 * `must_precopy ≤ threshold` and the destination allows the switchover, postcopy_start runs.
 */
export function postcopySwitchDecision(s: PostcopySwitchInput): 'complete' | 'postcopy-start' | 'iterate' {
  if (!s.inPostcopy && s.pendingBytes <= s.thresholdBytes && s.canSwitchover) return 'complete'
  if (!s.inPostcopy && s.startPostcopy && s.mustPrecopyBytes <= s.thresholdBytes && s.canSwitchover)
    return 'postcopy-start'
  return 'iterate'
}

/** QEMU_VM_COMMAND (1) + be16 command + be16 length (migration/savevm.c qemu_savevm_command_send). */
export const VM_COMMAND_HEADER_BYTES = 5
/** MAX_DISCARDS_PER_COMMAND (migration/postcopy-ram.c): ranges per MIG_CMD_POSTCOPY_RAM_DISCARD. */
export const MAX_DISCARD_ENTRIES = 12
/** One discard range: be64 start + be64 length (qemu_savevm_send_postcopy_ram_discard). */
export const DISCARD_RANGE_BYTES = 16

/**
 * Bytes of the discard messages postcopy_start sends for the pages still dirty at the switch
 * (ram_postcopy_send_discard_bitmap → postcopy_discard_send_range, batches of
 * MAX_DISCARDS_PER_COMMAND → qemu_savevm_send_postcopy_ram_discard). Each message is the command
 * header, a version byte, the RAMBlock name's length byte, the name and its NUL, then 16 bytes
 * per range.
 */
export function discardMessagesBytes(ranges: number, ramBlockName = 'pc.ram'): number {
  if (ranges <= 0) return 0
  const messages = Math.ceil(ranges / MAX_DISCARD_ENTRIES)
  const perMessage = VM_COMMAND_HEADER_BYTES + 1 + 1 + ramBlockName.length + 1
  return messages * perMessage + ranges * DISCARD_RANGE_BYTES
}

/** Runs of consecutive set pages in a dirty bitmap: the ranges the discard messages carry. */
export function dirtyRanges(isDirty: (page: number) => boolean, pages: number): number {
  let ranges = 0
  let inRun = false
  for (let p = 0; p < pages; p++) {
    const d = isDirty(p)
    if (d && !inRun) ranges++
    inRun = d
  }
  return ranges
}

/**
 * The package postcopy_start sends as MIG_CMD_PACKAGED (migration/migration.c postcopy_start,
 * migration/savevm.c qemu_savevm_send_packaged): its own header + be32 length (9), then
 * POSTCOPY_LISTEN (5), the device state, PING with a be32 (9) and POSTCOPY_RUN (5).
 */
export const POSTCOPY_PACKAGE_OVERHEAD_BYTES = 9 + 5 + 9 + 5

export interface PostcopyDowntimeInput {
  /** migration_stop_vm: vm_stop_force_state, µs. */
  readonly stopUs: number
  /** The last bitmap sync inside ram_postcopy_send_discard_bitmap, µs (BQL held). */
  readonly syncUs: number
  readonly discardBytes: number
  readonly deviceStateBytes: number
  /** The link, bytes/s: the switchover runs without the rate limit (migration_switchover_start). */
  readonly linkBytesPerS: number
}

/**
 * The `downtime` QEMU reports for a postcopy run (migration/migration.c postcopy_start): from
 * migration_stop_vm to migration_downtime_end, which runs right after the package is written. So
 * it covers stop + last sync + discard + device state, and ends before the destination has loaded
 * the package and started the guest (the destination's resume is outside it). µs.
 */
export function postcopyDowntimeUs(s: PostcopyDowntimeInput): number {
  const bytes = s.discardBytes + s.deviceStateBytes + POSTCOPY_PACKAGE_OVERHEAD_BYTES
  const wireUs = s.linkBytesPerS > 0 ? Math.ceil((bytes / s.linkBytesPerS) * 1_000_000) : 0
  return s.stopUs + s.syncUs + wireUs
}

export interface FaultLatencyInput {
  /** Round trip of the link, µs: the request goes over the return path, the page comes back. */
  readonly rttUs: number
  readonly linkBytesPerS: number
  /** Bytes of the page record (header + 4096). */
  readonly pageRecordBytes: number
  /** Bytes already queued on the main channel ahead of the urgent page. */
  readonly queuedAheadBytes: number
  /** postcopy-preempt: the urgent page goes on its own channel, queued behind nothing. */
  readonly preempt: boolean
}

/**
 * How long a vCPU that faults on a missing page waits for it, µs. The destination's fault thread
 * sends MIG_RP_MSG_REQ_PAGES (migration/postcopy-ram.c postcopy_request_page →
 * migrate_send_rp_req_pages), half a round trip; the source's return-path thread queues it
 * (migration/ram.c ram_save_queue_pages) and the migration thread takes queued pages first
 * (get_queued_page), but the page goes out behind what the main channel already holds. With
 * postcopy-preempt the return-path thread sends it at once on the preempt channel
 * (ram_save_host_page_urgent), behind nothing. The page then crosses the link, half a round trip.
 */
export function postcopyFaultLatencyUs(s: FaultLatencyInput): number {
  const ahead = s.preempt ? 0 : s.queuedAheadBytes
  const wireUs = s.linkBytesPerS > 0 ? ((ahead + s.pageRecordBytes) / s.linkBytesPerS) * 1_000_000 : 0
  return Math.ceil(s.rttUs + wireUs)
}

/**
 * The destination's blocktime accounting (capability `postcopy-blocktime`,
 * migration/postcopy-ram.c mark_postcopy_blocktime_begin / mark_postcopy_blocktime_end), with
 * QEMU's quirks:
 * - times are whole ms since the listen started (get_low_time_offset, at least 1, because 0 means
 *   "no fault pending");
 * - a vCPU's blocktime is the sum of (arrival − fault) over its faults;
 * - `postcopy-blocktime` grows only when a page arrives while every vCPU is blocked, by
 *   (arrival − the last fault to begin): the time all of them were down together.
 * A fault on a page that has already arrived is undone at once (QEMU re-checks the receive bitmap).
 */
export class PostcopyBlocktime {
  private readonly faultAddr: number[]
  private readonly faultTimeMs: number[]
  private readonly vcpuBlocktimeMs: number[]
  private vcpusDown = 0
  private lastBeginMs = 0
  private totalBlocktimeMs = 0

  constructor(private readonly vcpus: number) {
    this.faultAddr = new Array<number>(vcpus).fill(-1)
    this.faultTimeMs = new Array<number>(vcpus).fill(0)
    this.vcpuBlocktimeMs = new Array<number>(vcpus).fill(0)
  }

  /** get_low_time_offset: whole ms since the start, at least 1. */
  static lowTimeOffsetMs(sinceStartUs: number): number {
    const ms = Math.floor(sinceStartUs / 1000)
    return ms < 1 ? 1 : ms
  }

  /** mark_postcopy_blocktime_begin: vCPU `vcpu` faulted on `page` at `sinceStartUs`. */
  faultBegin(vcpu: number, page: number, sinceStartUs: number, alreadyReceived: boolean): void {
    const now = PostcopyBlocktime.lowTimeOffsetMs(sinceStartUs)
    if (this.faultAddr[vcpu] === -1) this.vcpusDown++
    this.lastBeginMs = now
    this.faultTimeMs[vcpu] = now
    this.faultAddr[vcpu] = page
    if (alreadyReceived) {
      this.faultAddr[vcpu] = -1
      this.faultTimeMs[vcpu] = 0
      this.vcpusDown--
    }
  }

  /** mark_postcopy_blocktime_end: `page` was placed at `sinceStartUs`; wakes every vCPU on it. */
  pageReceived(page: number, sinceStartUs: number): void {
    const now = PostcopyBlocktime.lowTimeOffsetMs(sinceStartUs)
    let affected = 0
    let allDown = false
    for (let i = 0; i < this.vcpus; i++) {
      if (this.faultAddr[i] !== page || this.faultTimeMs[i] === 0) continue
      this.faultAddr[i] = -1
      affected++
      if (!allDown && this.vcpusDown === this.vcpus) allDown = true
      this.vcpuBlocktimeMs[i] += now - this.faultTimeMs[i]
    }
    this.vcpusDown -= affected
    if (allDown) this.totalBlocktimeMs += now - this.lastBeginMs
  }

  /** query-migrate on the destination: `postcopy-blocktime` and `postcopy-vcpu-blocktime`, ms. */
  report(): { 'postcopy-blocktime': number; 'postcopy-vcpu-blocktime': number[] } {
    return {
      'postcopy-blocktime': this.totalBlocktimeMs,
      'postcopy-vcpu-blocktime': [...this.vcpuBlocktimeMs]
    }
  }
}
