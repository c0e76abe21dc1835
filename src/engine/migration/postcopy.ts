import { PostcopyBlocktime, postcopyFaultLatencyUs } from '../../shared/engine/postcopy'
import type { PostcopyRunRequest } from '../../shared/protocol/vcpu'

/**
 * Linux's largest autotuned TCP send buffer (net.ipv4.tcp_wmem max, 4 MiB by default): how much of
 * the background push can sit in the main channel ahead of an urgent page without
 * postcopy-preempt. The migration thread writes pages into the socket as fast as it can and
 * blocks once the buffer is full, so at most this much is queued ahead of it.
 */
export const SOCKET_SEND_BUFFER_BYTES = 4 * 1024 * 1024

/** One userfault as the destination saw it: vCPU, page, when it stopped and when the page came. */
interface FaultRecord {
  readonly vcpu: number
  readonly page: number
  readonly atUs: number
  readonly wakeUs: number
}

/**
 * The destination of a postcopy run and the return path (migration/postcopy-ram.c,
 * migration/ram.c): which pages arrived when, the page requests and their latency, and the
 * faults for the blocktime report. The migration thread (simulator.ts) owns the sending; this
 * keeps what the postcopy phase adds to it.
 */
export class PostcopyDestination {
  /** Arrival time + 1 of each page sent after the switch (0 = not sent since): the oracle's half. */
  readonly arrivalPlus1: Uint32Array
  /** Sent runs (page, count, first arrival, µs per page), told to each vCPU once. */
  private readonly runPages: number[] = []
  private readonly runCounts: number[] = []
  private readonly runStartUs: number[] = []
  private readonly runCostUs: number[] = []
  private readonly toldUpTo: number[]
  /** Main-channel bursts of the background push, [start, end) µs, oldest first. */
  private burstStart: number[] = []
  private burstEnd: number[] = []
  private readonly faults: FaultRecord[] = []
  /** Per vCPU: the fault already requested (time), so a still-blocked vCPU is not counted twice. */
  private readonly requestedAtUs: number[]
  requests = 0
  lastArrivalUs = 0

  constructor(
    totalPages: number,
    vcpus: number,
    readonly dstStartUs: number,
    private readonly rttUs: number,
    private readonly linkBytesPerS: number,
    private readonly preempt: boolean
  ) {
    this.arrivalPlus1 = new Uint32Array(totalPages)
    this.toldUpTo = new Array<number>(vcpus).fill(0)
    this.requestedAtUs = new Array<number>(vcpus).fill(-1)
  }

  /** Pages p … p + n − 1 left the source at sendUs + j × costUs; each arrives one way after its last byte. */
  sent(p: number, n: number, sendUs: number, costUs: number): void {
    const firstArrivalUs = sendUs + costUs + this.rttUs / 2
    for (let j = 0; j < n; j++) this.arrivalPlus1[p + j] = Math.floor(firstArrivalUs + j * costUs) + 1
    this.runPages.push(p)
    this.runCounts.push(n)
    this.runStartUs.push(firstArrivalUs)
    this.runCostUs.push(costUs)
    const last = Math.floor(firstArrivalUs + (n - 1) * costUs)
    if (last > this.lastArrivalUs) this.lastArrivalUs = last
  }

  /** A ram_save_iterate pass of the background push held the main channel over [startUs, endUs). */
  burst(startUs: number, endUs: number): void {
    if (endUs <= startUs) return
    this.burstStart.push(startUs)
    this.burstEnd.push(endUs)
  }

  /** The runs this vCPU has not been told yet. */
  runsFor(vcpu: number): Omit<PostcopyRunRequest, 'untilUs'> {
    const from = this.toldUpTo[vcpu]
    const to = this.runPages.length
    this.toldUpTo[vcpu] = to
    return {
      runPages: Uint32Array.from(this.runPages.slice(from, to)),
      runCounts: Uint32Array.from(this.runCounts.slice(from, to)),
      runStartUs: Float64Array.from(this.runStartUs.slice(from, to)),
      runCostUs: Float64Array.from(this.runCostUs.slice(from, to))
    }
  }

  /** Is this fault new (not the same blocked vCPU reporting the same fault again)? */
  isNewFault(vcpu: number, atUs: number): boolean {
    if (this.requestedAtUs[vcpu] === atUs) return false
    this.requestedAtUs[vcpu] = atUs
    return true
  }

  /**
   * Bytes of the background push queued in the main channel ahead of a request that reaches the
   * source at `atUs`: what is left of the burst on the wire then, at most the socket's send buffer.
   */
  queuedAheadBytes(atUs: number): number {
    for (let i = this.burstStart.length - 1; i >= 0; i--) {
      if (this.burstEnd[i] <= atUs) break
      if (this.burstStart[i] <= atUs)
        return Math.min(
          SOCKET_SEND_BUFFER_BYTES,
          Math.ceil(((this.burstEnd[i] - atUs) * this.linkBytesPerS) / 1_000_000)
        )
    }
    return 0
  }

  /**
   * A vCPU faulted on `page` at `atUs` and the page has not been sent since the switch: the
   * request (MIG_RP_MSG_REQ_PAGES) reaches the source half a round trip later, the page goes
   * behind what the main channel holds unless postcopy-preempt sends it on its own channel
   * (postcopyFaultLatencyUs). Returns when it leaves the source, µs.
   */
  requestSendUs(atUs: number, pageRecordBytes: number): number {
    const reachUs = atUs + this.rttUs / 2
    const ahead = this.preempt ? 0 : this.queuedAheadBytes(reachUs)
    const latencyUs = postcopyFaultLatencyUs({
      rttUs: this.rttUs,
      linkBytesPerS: this.linkBytesPerS,
      pageRecordBytes,
      queuedAheadBytes: ahead,
      preempt: this.preempt
    })
    // The page's own wire time and the way back are the end of the latency; it leaves before them.
    const pageWireUs = (pageRecordBytes * 1_000_000) / this.linkBytesPerS
    return Math.max(reachUs, atUs + latencyUs - this.rttUs / 2 - pageWireUs)
  }

  /** A fault, counted as one page request (ram_save_queue_pages: postcopy_requests++). */
  fault(vcpu: number, page: number, atUs: number, wakeUs: number): void {
    this.requests++
    this.faults.push({ vcpu, page, atUs, wakeUs })
    this.prune(atUs)
  }

  /** Bursts that ended long before `atUs` are no longer needed (faults come in time order per step). */
  private prune(atUs: number): void {
    if (this.burstEnd.length < 4096) return
    let keep = 0
    while (keep < this.burstEnd.length && this.burstEnd[keep] < atUs - 10 * this.rttUs - 1_000_000) keep++
    this.burstStart = this.burstStart.slice(keep)
    this.burstEnd = this.burstEnd.slice(keep)
  }

  /**
   * The destination's blocktime report (mark_postcopy_blocktime_begin / _end replayed in time
   * order; a page's placement wakes every vCPU waiting on it).
   */
  blocktime(vcpus: number): { 'postcopy-blocktime': number; 'postcopy-vcpu-blocktime': number[] } {
    const ledger = new PostcopyBlocktime(vcpus)
    type Ev = { t: number; begin: boolean; f: FaultRecord }
    const events: Ev[] = []
    for (const f of this.faults) {
      events.push({ t: f.atUs, begin: true, f })
      events.push({ t: f.wakeUs, begin: false, f })
    }
    events.sort((a, b) => a.t - b.t || Number(a.begin) - Number(b.begin))
    for (const e of events) {
      const since = e.t - this.dstStartUs
      if (e.begin) ledger.faultBegin(e.f.vcpu, e.f.page, since, false)
      else ledger.pageReceived(e.f.page, since)
    }
    return ledger.report()
  }
}
