import { PostcopyBlocktime, postcopyFaultLatencyUs } from '../../shared/engine/postcopy'
import { touchedPageRanges, type GuestLayout } from '../../shared/engine/workload'
import type { PostcopyRunRequest } from '../../shared/protocol/vcpu'

/**
 * Linux's largest autotuned TCP send buffer (net.ipv4.tcp_wmem max, 4 MiB by default): how much of
 * the background push can sit in the main channel ahead of an urgent page without
 * postcopy-preempt. The migration thread writes pages into the socket as fast as it can and
 * blocks once the buffer is full, so at most this much is queued ahead of it.
 */
export const SOCKET_SEND_BUFFER_BYTES = 4 * 1024 * 1024

/**
 * The destination of a postcopy run and the return path (migration/postcopy-ram.c,
 * migration/ram.c): which pages arrived when, the page requests and their latency, and the
 * faults for the blocktime report. The migration thread (simulator.ts) owns the sending; this
 * keeps what the postcopy phase adds to it.
 *
 * Each vCPU is told, once per step, the arrivals since its last step — only of pages it can
 * write (touchedPageRanges): a vCPU looks an arrival up only for a page it touches, so the rest
 * would be dead weight (issue 11: telling all 16 vCPUs of every page was most of a 64 GiB
 * postcopy run). vCPUs with the same working set share one filtering pass.
 */
export class PostcopyDestination {
  /** Arrival time + 1 of each page sent after the switch (0 = not sent since): the oracle's half. */
  readonly arrivalPlus1: Uint32Array
  /** Pages sent since the switch, in send order (a page goes once: it leaves the dirty bitmap). */
  private sentLog = new Uint32Array(1 << 16)
  private sentCount = 0
  private readonly toldUpTo: number[]
  /** Per vCPU: the pages it can write, as [start, end) ranges; the index of its range group. */
  private readonly ranges: readonly (readonly [number, number])[][]
  private readonly groupOf: number[]
  /** Per range group: the last filtering pass, reused by a vCPU of the group asking the same span. */
  private readonly groupPass: (
    { from: number; to: number; told: Omit<PostcopyRunRequest, 'untilUs'> } | undefined
  )[]
  /** Main-channel bursts of the background push, [start, end) µs, oldest first. */
  private burstStart: number[] = []
  private burstEnd: number[] = []
  /** The faults (vCPU, page, fault time, wake time), in the order they were served. */
  private faultVcpu = new Uint32Array(1024)
  private faultPage = new Uint32Array(1024)
  private faultAtUs = new Float64Array(1024)
  private faultWakeUs = new Float64Array(1024)
  /** Per vCPU: the fault already requested (time), so a still-blocked vCPU is not counted twice. */
  private readonly requestedAtUs: number[]
  requests = 0
  lastArrivalUs = 0

  constructor(
    layout: GuestLayout,
    readonly dstStartUs: number,
    private readonly rttUs: number,
    private readonly linkBytesPerS: number,
    private readonly preempt: boolean
  ) {
    const vcpus = layout.vcpus.length
    this.arrivalPlus1 = new Uint32Array(layout.totalPages)
    this.toldUpTo = new Array<number>(vcpus).fill(0)
    this.requestedAtUs = new Array<number>(vcpus).fill(-1)
    this.ranges = layout.vcpus.map((plan) => touchedPageRanges(plan, layout.nonZeroPages))
    const groups = new Map<string, number>()
    this.groupOf = this.ranges.map((r) => {
      const key = JSON.stringify(r)
      let g = groups.get(key)
      if (g === undefined) groups.set(key, (g = groups.size))
      return g
    })
    this.groupPass = new Array(groups.size).fill(undefined)
  }

  /** Pages p … p + n − 1 left the source at sendUs + j × costUs; each arrives one way after its last byte. */
  sent(p: number, n: number, sendUs: number, costUs: number): void {
    const firstArrivalUs = sendUs + costUs + this.rttUs / 2
    const arrivalPlus1 = this.arrivalPlus1
    for (let j = 0; j < n; j++) arrivalPlus1[p + j] = Math.floor(firstArrivalUs + j * costUs) + 1
    if (this.sentCount + n > this.sentLog.length) {
      const grown = new Uint32Array(Math.max(this.sentLog.length * 2, this.sentCount + n))
      grown.set(this.sentLog.subarray(0, this.sentCount))
      this.sentLog = grown
    }
    const log = this.sentLog
    let at = this.sentCount
    for (let j = 0; j < n; j++) log[at++] = p + j
    this.sentCount = at
    const last = Math.floor(firstArrivalUs + (n - 1) * costUs)
    if (last > this.lastArrivalUs) this.lastArrivalUs = last
  }

  /** A ram_save_iterate pass of the background push held the main channel over [startUs, endUs). */
  burst(startUs: number, endUs: number): void {
    if (endUs <= startUs) return
    this.burstStart.push(startUs)
    this.burstEnd.push(endUs)
  }

  /**
   * The arrivals this vCPU has not been told yet, of pages it can write, as (page, arrival + 1)
   * pairs. vCPUs of one range group asking the same span share the array
   * (read-only: the link copies them; a few hundred entries copy faster than they move).
   */
  arrivalsFor(vcpu: number): Omit<PostcopyRunRequest, 'untilUs'> {
    const from = this.toldUpTo[vcpu]
    const to = this.sentCount
    this.toldUpTo[vcpu] = to
    const group = this.groupOf[vcpu]
    let pass = this.groupPass[group]
    if (pass === undefined || pass.from !== from || pass.to !== to) {
      pass = { from, to, told: { arrivals: this.filter(this.ranges[vcpu], from, to) } }
      this.groupPass[group] = pass
    }
    return pass.told
  }

  /** The pages of sentLog[from, to) inside `ranges`, in send order, each with its arrival + 1. */
  private filter(ranges: readonly (readonly [number, number])[], from: number, to: number): Uint32Array {
    if (ranges.length === 0 || to <= from) return new Uint32Array(0)
    const log = this.sentLog
    const out = new Uint32Array(2 * (to - from))
    const arrivalPlus1 = this.arrivalPlus1
    let n = 0
    const [s0, e0] = ranges[0]
    const [s1, e1] = ranges.length > 1 ? ranges[1] : [0, 0]
    for (let i = from; i < to; i++) {
      const page = log[i]
      if ((page >= s0 && page < e0) || (page >= s1 && page < e1)) {
        out[n++] = page
        out[n++] = arrivalPlus1[page]
      }
    }
    return n === out.length ? out : out.slice(0, n)
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
    const i = this.requests++
    if (i === this.faultVcpu.length) {
      const grow = <T extends Uint32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2)
        b.set(a)
        return b
      }
      this.faultVcpu = grow(this.faultVcpu)
      this.faultPage = grow(this.faultPage)
      this.faultAtUs = grow(this.faultAtUs)
      this.faultWakeUs = grow(this.faultWakeUs)
    }
    this.faultVcpu[i] = vcpu
    this.faultPage[i] = page
    this.faultAtUs[i] = atUs
    this.faultWakeUs[i] = wakeUs
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
   * order; a page's placement wakes every vCPU waiting on it). Event 2i is fault i's begin, 2i + 1
   * its end; at the same time ends go first, then the order the faults were served in.
   */
  blocktime(vcpus: number): { 'postcopy-blocktime': number; 'postcopy-vcpu-blocktime': number[] } {
    const ledger = new PostcopyBlocktime(vcpus)
    const n = this.requests
    const time = new Float64Array(2 * n)
    for (let i = 0; i < n; i++) {
      time[2 * i] = this.faultAtUs[i]
      time[2 * i + 1] = this.faultWakeUs[i]
    }
    const order = new Uint32Array(2 * n)
    for (let e = 0; e < order.length; e++) order[e] = e
    // (time, end before begin, index): a total order, so the sort needs no stability.
    order.sort((x, y) => time[x] - time[y] || (y & 1) - (x & 1) || x - y)
    for (const e of order) {
      const i = e >>> 1
      const since = time[e] - this.dstStartUs
      if ((e & 1) === 0) ledger.faultBegin(this.faultVcpu[i], this.faultPage[i], since, false)
      else ledger.pageReceived(this.faultPage[i], since)
    }
    return ledger.report()
  }
}
