import {
  PAGE_CHUNK_PAGES,
  PAGE_CHUNK_PENDING_WRITES,
  PAGE_CHUNK_SHIFT,
  TELEMETRY_TICK_US,
  US_PER_S
} from '../../shared/engine/constants'
import { seedStream, type Sfc32State } from '../../shared/engine/random'
import {
  VcpuClock,
  dirtyRingFullRunUs,
  type VcpuClockSink,
  type VcpuLaneState
} from '../../shared/engine/vcpu-clock'
import type { VcpuPlan } from '../../shared/engine/workload'
import type {
  FinishReply,
  FinishRequest,
  HarvestReply,
  HarvestRequest,
  LastWriteChunks,
  PostcopyRunReply,
  PostcopyRunRequest,
  PostcopyStartReply,
  PostcopyStartRequest,
  PostcopyTouchReply,
  ThroughputChunk,
  VcpuStats,
  VcpuTimelineEntry
} from '../../shared/protocol/vcpu'

const CHUNK_WORDS = PAGE_CHUNK_PAGES >>> 5
const CHUNK_MASK = PAGE_CHUNK_PAGES - 1

export interface VcpuSimulatorOptions {
  readonly plan: VcpuPlan
  readonly totalPages: number
  /** Pages at or above this bound are zero; working sets wrap here. */
  readonly nonZeroPages: number
  readonly seed: number
  /** Test hook (fault injection): lose this vCPU's dirty log once, at a sync after the first pass. */
  readonly dropDirtyLogOnce?: boolean
  /** guest.dirty-ring-size: KVM dirty ring entries; 0 or absent = the dirty bitmap (no ring-full exits). */
  readonly dirtyRingSize?: number
  /** XBZRLE is on: count writes per page between harvests (HarvestReply.writeCounts). */
  readonly countWrites?: boolean
  /**
   * The link moves ArrayBuffers (Port.movesArrayBuffers, or the same thread): a dirty log may be
   * a view of a larger buffer, which the migration thread hands back (HarvestRequest.spare) to be
   * written again. Otherwise each log is a fresh buffer fitted to its pages, since it is copied.
   */
  readonly reuseLogBuffers?: boolean
}

/**
 * One guest vCPU: its workload generator, dirty log and last-write record (DESIGN.md §2).
 *
 * Writes happen at fixed steps of guest run time — write k at run time ⌊k × 10⁶ / rate⌋ µs — and
 * the VcpuClock maps run time to virtual time through throttle sleeps, BQL stalls and stop. So a
 * vCPU's writes over any interval depend only on (seed, index, workload, schedule), and it
 * computes them lazily when the migration thread asks. Everything is kept in chunks of 2^15
 * pages allocated on first write, so an idle vCPU of a huge guest costs nothing.
 */
export class VcpuSimulator {
  readonly vcpu: number
  private readonly plan: VcpuPlan
  private readonly clock: VcpuClock
  private readonly random: Sfc32State
  private readonly usPerWrite: number
  private readonly wrapPages: number
  /** Index of the next write (k). */
  private nextWrite = 0
  private writes = 0

  /** Dirty log since the last harvest: a bitmap per chunk. */
  private readonly dirtyChunks: (Int32Array | undefined)[]
  private readonly dirtyChunkTouched: Uint8Array
  private readonly dirtyChunkList: number[] = []
  private dirtyCount = 0

  /** The oracle's record: last write time + 1 per page, per chunk. */
  private readonly lastWriteChunks: (Uint32Array | undefined)[]
  /**
   * With countWrites: writes per page since the last harvest, per chunk (meaningful only where
   * the dirty bit is set); else undefined.
   */
  private readonly writeCountChunks: (Uint16Array | undefined)[] | undefined
  /**
   * Writes not yet applied to the last-write record and the dirty log, per chunk: (index, t + 1)
   * pairs in write order, the first pendingLength words of each (see applyPending).
   */
  private readonly pendingChunks: (Uint32Array | undefined)[]
  private readonly pendingLength: Int32Array
  /**
   * Chunks that may have pending writes, each listed once (pendingListed) until the list is
   * drained: takeDirtyLog sizes its reply from this list, and a busy chunk listed again after
   * each full batch made the reply tens of times the pages it held (85x at a 30 s sync period).
   */
  private readonly pendingList: number[] = []
  private readonly pendingListed: Uint8Array
  /** A chunk's queue is applied when it holds this many words (the first batch is short). */
  private batchWords = FIRST_BATCH_WORDS

  /** Writes per telemetry bucket, from `bucketBase` on. */
  private bucketBase = 0
  private buckets: number[] = []

  private timeline: VcpuTimelineEntry[] = []
  /** After postcopy_start: the guest runs on the destination (see PostcopyGuest). */
  private postcopy: PostcopyGuest | undefined
  private dropDirtyLogOnce: boolean
  /**
   * takeDirtyLog's result, read (and let go) by harvest. Fields, not a returned object literal:
   * a code dependency of the literal (most likely its allocation site's pretenuring decision, as
   * its results survive to be posted) changed during the run, which threw away takeDirtyLog's
   * optimized code in each vCPU isolate once per run (node --trace-deopt: lazy deopt at the
   * literal, "code dependencies") and aborted its OSR compiles (issue 11).
   */
  private loggedPages: Uint32Array = EMPTY
  private loggedLastWritePlus1: Uint32Array = EMPTY
  private loggedWriteCounts: Uint16Array | undefined = undefined
  private readonly hasDirtyRing: boolean
  private readonly reuseLogBuffers: boolean
  /** Log buffers handed back by the migration thread (HarvestRequest.spare), to write again. */
  private readonly spareBuffers: ArrayBuffer[] = []

  constructor(opts: VcpuSimulatorOptions) {
    this.plan = opts.plan
    this.vcpu = opts.plan.vcpu
    this.clock = new VcpuClock(
      opts.plan.ioExitsPerSecond,
      dirtyRingFullRunUs(opts.plan.writesPerSecond, opts.dirtyRingSize ?? 0)
    )
    this.hasDirtyRing = (opts.dirtyRingSize ?? 0) > 0
    this.random = seedStream(opts.seed, opts.plan.vcpu)
    this.usPerWrite = opts.plan.writesPerSecond > 0 ? US_PER_S / opts.plan.writesPerSecond : Infinity
    this.wrapPages = opts.nonZeroPages
    const chunks = Math.ceil(opts.totalPages / PAGE_CHUNK_PAGES)
    this.dirtyChunks = new Array(chunks)
    this.dirtyChunkTouched = new Uint8Array(chunks)
    this.lastWriteChunks = new Array(chunks)
    this.writeCountChunks = opts.countWrites === true ? new Array(chunks) : undefined
    this.pendingChunks = new Array(chunks)
    this.pendingLength = new Int32Array(chunks)
    this.pendingListed = new Uint8Array(chunks)
    this.dropDirtyLogOnce = opts.dropDirtyLogOnce ?? false
    this.reuseLogBuffers = opts.reuseLogBuffers ?? false
    this.timeline.push({ timeUs: 0, state: opts.plan.pattern === 'idle' ? 'running' : 'running' })
  }

  /** Runs the guest to `req.untilUs` and returns (and clears) the dirty log when asked. */
  harvest(req: HarvestRequest): HarvestReply {
    if (req.spare !== undefined && this.reuseLogBuffers) this.keepSpare(req.spare)
    this.clock.addEvents(req.events)
    this.advance(req.untilUs)
    let pages: Uint32Array = EMPTY
    let lastWritePlus1: Uint32Array = EMPTY
    let writeCounts: Uint16Array | undefined
    if (req.dirtyLog) {
      this.takeDirtyLog()
      pages = this.loggedPages
      lastWritePlus1 = this.loggedLastWritePlus1
      writeCounts = this.loggedWriteCounts
      this.loggedPages = EMPTY
      this.loggedLastWritePlus1 = EMPTY
      this.loggedWriteCounts = undefined
      if (this.dropDirtyLogOnce && req.firstRoundComplete && pages.length > 0) {
        // Fault injection: a lost KVM dirty log (like QEMU 7.2's TCG bug, §17). The oracle must see it.
        this.dropDirtyLogOnce = false
        if (this.reuseLogBuffers)
          this.keepSpare([
            pages.buffer,
            lastWritePlus1.buffer,
            ...(writeCounts ? [writeCounts.buffer] : [])
          ] as ArrayBuffer[])
        pages = EMPTY
        lastWritePlus1 = EMPTY
        writeCounts = undefined
      }
    }
    return {
      vcpu: this.vcpu,
      untilUs: req.untilUs,
      pages,
      lastWritePlus1,
      ...(this.writeCountChunks !== undefined ? { writeCounts: writeCounts ?? EMPTY16 } : {}),
      stats: this.stats(),
      throughput: this.takeBuckets(req.untilUs, false),
      timeline: this.takeTimeline()
    }
  }

  /** Runs the guest to the end of the run; hands over the last-write record when asked. */
  finish(req: FinishRequest): FinishReply {
    this.clock.addEvents(req.events)
    this.advance(req.untilUs)
    // Every page has arrived by the end of a postcopy run, so the destination guest runs freely.
    if (this.postcopy) this.postcopyAdvance(req.untilUs)
    return {
      vcpu: this.vcpu,
      untilUs: req.untilUs,
      stats: this.stats(),
      throughput: this.takeBuckets(req.untilUs, true),
      timeline: this.takeTimeline(),
      oracle: req.oracle ? this.lastWrites() : undefined
    }
  }

  /** The ArrayBuffers of a reply, to move them instead of copying. */
  static transferList(reply: HarvestReply | FinishReply): ArrayBuffer[] {
    const out: ArrayBuffer[] = []
    if ('pages' in reply && reply.pages.byteLength > 0) out.push(reply.pages.buffer as ArrayBuffer)
    if ('lastWritePlus1' in reply && reply.lastWritePlus1.byteLength > 0)
      out.push(reply.lastWritePlus1.buffer as ArrayBuffer)
    if ('writeCounts' in reply && reply.writeCounts !== undefined && reply.writeCounts.byteLength > 0)
      out.push(reply.writeCounts.buffer as ArrayBuffer)
    if ('oracle' in reply && reply.oracle)
      for (const a of reply.oracle.lastWritePlus1) out.push(a.buffer as ArrayBuffer)
    return out
  }

  /**
   * postcopy_start switched (migration/migration.c): the source guest is stopped for good (its
   * `stop` came with the last harvest); from `dstStartUs` the guest runs on the destination, where
   * the pages in `missing` are not yet placed. Returns the source's last writes for the oracle.
   */
  postcopyStart(req: PostcopyStartRequest): PostcopyStartReply {
    const source = this.lastWrites()
    const copy: LastWriteChunks = {
      chunkShift: source.chunkShift,
      chunks: source.chunks,
      lastWritePlus1: source.lastWritePlus1.map((a) => a.slice())
    }
    this.postcopy = {
      // Each vCPU learns of arrivals at its own pace: a private copy (in-thread links share req).
      missing: req.missing.slice(),
      arrivalPlus1: new Array(this.lastWriteChunks.length),
      firstTouchPlus1: new Array(this.lastWriteChunks.length),
      nowUs: req.dstStartUs,
      runUs: 0,
      blockedUs: 0,
      faults: 0,
      faultPage: -1,
      faultAtUs: 0,
      faultLocal: false,
      lastShiftUs: 0,
      nextLaneFaultUs: 0,
      laneShowsFault: false,
      urgentLatencyUs: req.urgentLatencyUs,
      requests: []
    }
    this.timeline.push({ timeUs: req.dstStartUs, state: 'running', detail: 'destination' })
    return { vcpu: this.vcpu, sourceOracle: copy }
  }

  /**
   * The destination guest runs to `req.untilUs` or to its first touch of a page that has not
   * arrived: userfaultfd stops the vCPU there (migration/postcopy-ram.c postcopy_ram_fault_thread)
   * until the page is placed. A blocked vCPU wakes when its page's arrival is told.
   */
  postcopyRun(req: PostcopyRunRequest): PostcopyRunReply {
    const pc = this.postcopy
    if (pc === undefined) throw new Error('postcopyRun before postcopyStart')
    this.noteArrivals(pc, req.arrivals)
    this.postcopyAdvance(req.untilUs)
    // A fault resolved here (postcopy-preempt) is reported as a request, not as a stop.
    const stopped = pc.faultPage >= 0 && !pc.faultLocal
    const requests = Float64Array.from(pc.requests)
    pc.requests = []
    return {
      vcpu: this.vcpu,
      reachedUs: stopped ? pc.faultAtUs : Math.max(pc.nowUs, req.untilUs),
      faultPage: stopped ? pc.faultPage : -1,
      requests,
      stats: this.stats(),
      throughput: this.takeBuckets(Math.min(pc.nowUs, req.untilUs), false),
      timeline: this.takeTimeline()
    }
  }

  /** The first-touch record of the destination guest (the oracle's destination side). */
  postcopyTouches(): PostcopyTouchReply {
    const chunks: number[] = []
    const arrays: Uint32Array[] = []
    this.postcopy?.firstTouchPlus1.forEach((a, i) => {
      if (a !== undefined) {
        chunks.push(i)
        arrays.push(a)
      }
    })
    return { vcpu: this.vcpu, firstTouch: { chunkShift: PAGE_CHUNK_SHIFT, chunks, lastWritePlus1: arrays } }
  }

  /**
   * The lane shows a fault at most every FAULT_LANE_EVERY_US per vCPU (a vCPU under postcopy can
   * fault thousands of times a second: the lane samples them, the stats count them all). Returns
   * whether this one is shown.
   */
  private laneFault(pc: PostcopyGuest, atUs: number, page: number): boolean {
    if (atUs < pc.nextLaneFaultUs) return false
    pc.nextLaneFaultUs = atUs + FAULT_LANE_EVERY_US
    pc.laneShowsFault = true
    this.timeline.push({ timeUs: atUs, state: 'page-fault', detail: `page ${page}` })
    return true
  }

  /** Arrival times (+1) of sent pages, kept only for pages this guest still misses. */
  private noteArrivals(pc: PostcopyGuest, arrivals: Uint32Array): void {
    const missing = pc.missing
    const chunks = pc.arrivalPlus1
    for (let i = 0; i < arrivals.length; i += 2) {
      const page = arrivals[i]
      if ((missing[page >>> 5] & (1 << (page & 31))) === 0) continue
      const chunk = page >>> PAGE_CHUNK_SHIFT
      let a = chunks[chunk]
      if (a === undefined) chunks[chunk] = a = new Uint32Array(PAGE_CHUNK_PAGES)
      a[page & CHUNK_MASK] = arrivals[i + 1]
    }
  }

  private postcopyAdvance(untilUs: number): void {
    const pc = this.postcopy as PostcopyGuest
    if (pc.faultPage >= 0) {
      const page = pc.faultPage
      const a = pc.arrivalPlus1[page >>> PAGE_CHUNK_SHIFT]?.[page & CHUNK_MASK] ?? 0
      if (a === 0) return
      // UFFDIO_COPY placed the page: the vCPU resumes (mark_postcopy_blocktime_end).
      const wakeUs = Math.max(pc.faultAtUs, a - 1)
      pc.blockedUs += wakeUs - pc.faultAtUs
      pc.nowUs = wakeUs
      pc.faultPage = -1
      if (pc.laneShowsFault) this.timeline.push({ timeUs: wakeUs, state: 'running' })
      pc.laneShowsFault = false
    }
    if (pc.nowUs >= untilUs) return
    const startUs = pc.nowUs
    const runStartUs = this.clock.runUs + pc.runUs
    pc.faultLocal = false
    const stopUs = this.writeRun(startUs, untilUs, runStartUs, pc)
    const endUs = stopUs < 0 ? untilUs : stopUs
    pc.runUs += endUs - startUs - pc.lastShiftUs
    pc.nowUs = endUs
    if (stopUs >= 0) {
      if (!pc.faultLocal) pc.faults++
      pc.faultAtUs = stopUs
      this.laneFault(pc, stopUs, pc.faultPage)
    }
  }

  private stats(): VcpuStats {
    const c = this.clock
    return {
      writes: this.writes,
      runUs: c.runUs + (this.postcopy?.runUs ?? 0),
      bqlWaitUs: c.bqlWaitUs,
      longestStallUs: c.longestStallUs,
      stalls: c.stalls,
      throttleSleepUs: c.throttleSleepUs,
      ...(this.hasDirtyRing
        ? { dirtyLimitSleepUs: c.dirtyLimitSleepUs, ringFullExits: c.ringFullExits }
        : {}),
      ...(this.postcopy
        ? { postcopyBlockedUs: this.postcopy.blockedUs, postcopyFaults: this.postcopy.faults }
        : {})
    }
  }

  private advance(untilUs: number): void {
    const sink: VcpuClockSink = {
      run: (startUs, endUs, runStartUs) => this.writeRun(startUs, endUs, runStartUs),
      state: (timeUs: number, state: VcpuLaneState, detail?: string) =>
        this.timeline.push(detail === undefined ? { timeUs, state } : { timeUs, state, detail })
    }
    this.clock.advance(untilUs, sink)
  }

  /**
   * The guest runs over virtual [startUs, endUs) from run time runStartUs: make its writes.
   * The hot loop of the whole lab: locals only, the sfc32 step of random.ts inlined (the tests
   * check both give the same pages), no allocation per write.
   */
  private writeRun(startUs: number, endUs: number, runStartUs: number, pc?: PostcopyGuest): number {
    const perWrite = this.usPerWrite
    if (perWrite === Infinity) return -1
    let runEndUs = runStartUs + (endUs - startUs)
    /** µs this run spent blocked on urgent pages resolved here (postcopy-preempt). */
    let shiftUs = 0
    const plan = this.plan
    const regionStart = plan.regionStartPage
    const regionPages = plan.regionPages
    const wrap = this.wrapPages
    const pattern = plan.pattern === 'uniform' ? UNIFORM : plan.pattern === 'hotspot' ? HOTSPOT : SEQUENTIAL
    const hotPages = plan.hotPages
    const coldPages = regionPages - hotPages
    const hotFraction = plan.hotFraction
    const seqStart = plan.sequentialStartOffset
    const pendingChunks = this.pendingChunks
    const pendingLength = this.pendingLength
    const pendingList = this.pendingList
    const pendingListed = this.pendingListed
    // The first batch is applied after a few writes, while the loop is still interpreted: the
    // optimizing compiler then knows this path, and V8 does not throw the compiled loop away
    // (deoptimize and compile again, in each vCPU's isolate) when a queue first fills.
    let batchWords = this.batchWords
    const random = this.random
    let a = random.a
    let b = random.b
    let c = random.c
    let d = random.d
    let dirtyCount = this.dirtyCount
    const first = this.nextWrite
    let k = first
    let bucket = -1
    let bucketEndUs = -1
    let count = 0
    let faultAtUs = -1
    const missing = pc?.missing
    for (;;) {
      const runAt = Math.floor(k * perWrite)
      if (runAt >= runEndUs) break
      let t = startUs + shiftUs + (runAt - runStartUs)
      const a0 = a
      const b0 = b
      const c0 = c
      const d0 = d
      let offset: number
      if (pattern === SEQUENTIAL) {
        offset = (seqStart + k) % regionPages
      } else {
        // sfc32 step (random.ts nextUint32), then nextBelow / nextUnit.
        let r = (((a + b) | 0) + d) | 0
        d = (d + 1) | 0
        a = b ^ (b >>> 9)
        b = (c + (c << 3)) | 0
        c = (c << 21) | (c >>> 11)
        c = (c + r) | 0
        let u = r >>> 0
        if (pattern === UNIFORM) {
          offset = Math.floor((u * regionPages) / TWO_POW_32)
          if (offset >= regionPages) offset = regionPages - 1
        } else {
          let hot = true
          if (coldPages !== 0) {
            hot = u / TWO_POW_32 < hotFraction
            r = (((a + b) | 0) + d) | 0
            d = (d + 1) | 0
            a = b ^ (b >>> 9)
            b = (c + (c << 3)) | 0
            c = (c << 21) | (c >>> 11)
            c = (c + r) | 0
            u = r >>> 0
          }
          const n = hot ? hotPages : coldPages
          let o = Math.floor((u * n) / TWO_POW_32)
          if (o >= n) o = n - 1
          offset = hot ? o : hotPages + o
        }
      }
      let page = regionStart + offset
      if (page >= wrap) page -= wrap
      const chunk = page >>> PAGE_CHUNK_SHIFT
      const index = page & CHUNK_MASK
      if (missing !== undefined && pc !== undefined) {
        // On the destination after postcopy_start: a page not yet placed stops the vCPU (a
        // userfault) before the write, which is redone after the page arrives.
        const mw = page >>> 5
        const mbit = 1 << (page & 31)
        if ((missing[mw] & mbit) !== 0) {
          const arrived = pc.arrivalPlus1[chunk]?.[index] ?? 0
          if ((arrived === 0 || arrived - 1 > t) && pc.urgentLatencyUs > 0) {
            // postcopy-preempt: the page comes on its own channel one fault latency later
            // (postcopyFaultLatencyUs, behind nothing), or when the copy already on its way
            // arrives; the vCPU knows both, so it blocks here and reports the request.
            const wakeUs = arrived === 0 ? t + pc.urgentLatencyUs : arrived - 1
            pc.requests.push(page, t, wakeUs)
            pc.faults++
            if (wakeUs >= endUs) {
              // Still blocked at the end of this step: wake at the start of a later one.
              let arr = pc.arrivalPlus1[chunk]
              if (arr === undefined) pc.arrivalPlus1[chunk] = arr = new Uint32Array(PAGE_CHUNK_PAGES)
              arr[index] = wakeUs + 1
              a = a0
              b = b0
              c = c0
              d = d0
              pc.faultPage = page
              pc.faultAtUs = t
              pc.faultLocal = true
              faultAtUs = t
              break
            }
            if (this.laneFault(pc, t, page)) this.timeline.push({ timeUs: wakeUs, state: 'running' })
            pc.laneShowsFault = false
            pc.blockedUs += wakeUs - t
            shiftUs += wakeUs - t
            runEndUs -= wakeUs - t
            t = wakeUs
          } else if (arrived === 0 || arrived - 1 > t) {
            a = a0
            b = b0
            c = c0
            d = d0
            pc.faultPage = page
            faultAtUs = t
            break
          }
          missing[mw] &= ~mbit
        }
        let touch = pc.firstTouchPlus1[chunk]
        if (touch === undefined) pc.firstTouchPlus1[chunk] = touch = new Uint32Array(PAGE_CHUNK_PAGES)
        if (touch[index] === 0) touch[index] = t + 1
      }
      // The write is queued on its chunk and applied with the chunk's next ones (applyPending):
      // a uniform guest writes random pages of a record 8 MiB per GiB of working set, so a write
      // applied at once was a cache and TLB miss; a batch finds its chunk's 128 KiB hot. The
      // queue is applied in order before anything reads the record or the log.
      let pend = pendingChunks[chunk]
      if (pend === undefined) pendingChunks[chunk] = pend = new Uint32Array(PENDING_WORDS)
      let n = pendingLength[chunk]
      if (n === 0 && pendingListed[chunk] === 0) {
        pendingListed[chunk] = 1
        pendingList.push(chunk)
      }
      pend[n] = index
      pend[n + 1] = t + 1
      n += 2
      if (n >= batchWords) {
        this.dirtyCount = dirtyCount
        this.applyPending(chunk, n)
        dirtyCount = this.dirtyCount
        n = 0
        this.batchWords = batchWords = PENDING_WORDS
      }
      pendingLength[chunk] = n
      if (t >= bucketEndUs) {
        if (bucket >= 0) this.addToBucket(bucket, count)
        bucket = Math.floor(t / TELEMETRY_TICK_US)
        bucketEndUs = (bucket + 1) * TELEMETRY_TICK_US
        count = 0
      }
      count++
      k++
    }
    if (bucket >= 0) this.addToBucket(bucket, count)
    if (pc !== undefined) pc.lastShiftUs = shiftUs
    random.a = a
    random.b = b
    random.c = c
    random.d = d
    this.dirtyCount = dirtyCount
    this.writes += k - first
    this.nextWrite = k
    return faultAtUs
  }

  /**
   * Applies a chunk's pending writes (n words: index, t + 1 pairs, in write order) to its
   * last-write record and dirty log, as if each had been applied when it was made: a page's last
   * write wins, its first since the harvest sets its dirty bit (KVM's dirty log, one bit per page)
   * and counts it.
   */
  private applyPending(chunk: number, n: number): void {
    const pend = this.pendingChunks[chunk] as Uint32Array
    let lw = this.lastWriteChunks[chunk]
    if (lw === undefined) this.lastWriteChunks[chunk] = lw = new Uint32Array(PAGE_CHUNK_PAGES)
    let dirty = this.dirtyChunks[chunk]
    if (dirty === undefined) this.dirtyChunks[chunk] = dirty = new Int32Array(CHUNK_WORDS)
    if (this.dirtyChunkTouched[chunk] === 0) {
      this.dirtyChunkTouched[chunk] = 1
      this.dirtyChunkList.push(chunk)
    }
    const countChunks = this.writeCountChunks
    let wc: Uint16Array | undefined
    if (countChunks !== undefined) {
      wc = countChunks[chunk]
      if (wc === undefined) countChunks[chunk] = wc = new Uint16Array(PAGE_CHUNK_PAGES)
    }
    let dirtyCount = this.dirtyCount
    for (let i = 0; i < n; i += 2) {
      const index = pend[i]
      lw[index] = pend[i + 1]
      const word = index >>> 5
      const bit = 1 << (index & 31)
      const bits = dirty[word]
      const firstSinceHarvest = (bits & bit) === 0
      if (firstSinceHarvest) {
        dirty[word] = bits | bit
        dirtyCount++
      }
      if (wc !== undefined) {
        // A page's count is only read while its dirty bit is set, so the first write since the
        // harvest stores 1 without reading the stale count (a load from a cold cache line was
        // most of the cost of counting, issue 11); later writes add up to 65535.
        if (firstSinceHarvest) wc[index] = 1
        else if (wc[index] !== 0xffff) wc[index]++
      }
    }
    this.dirtyCount = dirtyCount
  }

  /** Applies every chunk's pending writes (before the log or the record is read). */
  private applyAllPending(): void {
    for (const chunk of this.pendingList) {
      const n = this.pendingLength[chunk]
      if (n > 0) this.applyPending(chunk, n)
      this.pendingLength[chunk] = 0
      this.pendingListed[chunk] = 0
    }
    this.pendingList.length = 0
  }

  private addToBucket(bucket: number, count: number): void {
    const i = bucket - this.bucketBase
    while (this.buckets.length <= i) this.buckets.push(0)
    this.buckets[i] += count
  }

  /** Buckets that ended by `untilUs` (all of them, the last partial, when `final`). */
  private takeBuckets(untilUs: number, final: boolean): ThroughputChunk {
    const end = final ? Math.ceil(untilUs / TELEMETRY_TICK_US) : Math.floor(untilUs / TELEMETRY_TICK_US)
    const n = Math.max(0, end - this.bucketBase)
    while (this.buckets.length < n) this.buckets.push(0)
    const chunk: ThroughputChunk = { startBucket: this.bucketBase, writes: this.buckets.slice(0, n) }
    this.buckets = this.buckets.slice(n)
    this.bucketBase += n
    return chunk
  }

  private takeTimeline(): VcpuTimelineEntry[] {
    const out = this.timeline
    this.timeline = []
    return out
  }

  /**
   * Takes the dirty log into loggedPages …: sorted unique page numbers, each page's last write (+1)
   * for the oracle; clears the log (like KVM_CLEAR_DIRTY_LOG). One pass: the last-write record is
   * read from the chunk being scanned, not looked up again page by page (it was a third of a vCPU's
   * time, issue 11).
   */
  private takeDirtyLog(): void {
    // At most one more logged page per pending write, and no more than the chunk's pages; the
    // chunks with pending writes are logged.
    let bound = this.dirtyCount
    for (const chunk of this.pendingList) {
      this.pendingListed[chunk] = 0
      bound += Math.min(this.pendingLength[chunk] >>> 1, PAGE_CHUNK_PAGES)
      if (this.dirtyChunkTouched[chunk] === 0) {
        this.dirtyChunkTouched[chunk] = 1
        this.dirtyChunkList.push(chunk)
      }
    }
    // An empty log (the setup sync's, at least) takes the same path to the same stores below, so
    // they have type feedback when the scan loop is compiled on stack (an untried store there
    // deoptimizes it, node --trace-deopt: "Insufficient type feedback for generic named access").
    const out = bound === 0 ? EMPTY : new Uint32Array(this.logBuffer(bound * 4), 0, bound)
    const lastOut = bound === 0 ? EMPTY : new Uint32Array(this.logBuffer(bound * 4), 0, bound)
    const countChunks = this.writeCountChunks
    const countOut =
      countChunks !== undefined && bound > 0
        ? new Uint16Array(this.logBuffer(bound * 2), 0, bound)
        : undefined
    let n = 0
    const list = this.dirtyChunkList.sort((a, b) => a - b)
    for (const chunk of list) {
      this.dirtyChunkTouched[chunk] = 0
      // The chunk's pending writes go in just before it is scanned, so the scan finds their
      // last-write entries still in the cache.
      const pending = this.pendingLength[chunk]
      if (pending > 0) {
        this.applyPending(chunk, pending)
        this.pendingLength[chunk] = 0
      }
      const words = this.dirtyChunks[chunk]
      if (words === undefined) continue
      // Every logged page was written, so its chunk has a last-write record.
      const lastWrite = this.lastWriteChunks[chunk] as Uint32Array
      const counts = countChunks?.[chunk]
      const base = chunk << PAGE_CHUNK_SHIFT
      for (let w = 0; w < CHUNK_WORDS; w++) {
        let bits = words[w]
        if (bits === 0) continue
        words[w] = 0
        const wordIndex = w << 5
        while (bits !== 0) {
          const low = bits & -bits
          const index = wordIndex + (31 - Math.clz32(low))
          out[n] = base + index
          // The count stays: the page's next write after this harvest overwrites it (writeRun).
          if (countOut !== undefined && counts !== undefined) countOut[n] = counts[index]
          lastOut[n++] = lastWrite[index]
          bits ^= low
        }
      }
    }
    this.dirtyChunkList.length = 0
    this.pendingList.length = 0
    this.dirtyCount = 0
    // A page written more than once since its chunk's last batch counts once, so n may fall short
    // of the bound. Where buffers move, the reply is a view of n pages (the buffer comes back);
    // where they are copied whole, it is a view while the bound is at most twice n and a copy of
    // the n pages when it is more. Always a view or a copy, so the first harvest, whose log is
    // whole, tries the subarray calls too.
    const copy = bound > 2 * n && !this.reuseLogBuffers
    const fit = <T extends Uint32Array | Uint16Array>(a: T): T =>
      (copy ? a.slice(0, n) : a.subarray(0, n)) as T
    this.loggedPages = fit(out)
    this.loggedLastWritePlus1 = fit(lastOut)
    this.loggedWriteCounts = countOut === undefined ? undefined : fit(countOut)
  }

  /** Keeps handed-back log buffers, the largest LOG_BUFFERS_KEPT of them. */
  private keepSpare(buffers: readonly ArrayBuffer[]): void {
    const spare = this.spareBuffers
    for (const b of buffers) if (b.byteLength > 0) spare.push(b)
    if (spare.length > LOG_BUFFERS_KEPT) {
      spare.sort((x, y) => y.byteLength - x.byteLength)
      spare.length = LOG_BUFFERS_KEPT
    }
  }

  /**
   * A buffer of at least `bytes` for a dirty log: the smallest handed-back one that is large
   * enough, else a new one (with a quarter more room where it will come back, so a log that
   * grows a little next time still fits).
   */
  private logBuffer(bytes: number): ArrayBuffer {
    const spare = this.spareBuffers
    let best = -1
    for (let i = 0; i < spare.length; i++)
      if (spare[i].byteLength >= bytes && (best < 0 || spare[i].byteLength < spare[best].byteLength)) best = i
    if (best >= 0) {
      const b = spare[best]
      spare[best] = spare[spare.length - 1]
      spare.pop()
      return b
    }
    return new ArrayBuffer(this.reuseLogBuffers ? Math.ceil((bytes * 5) / 16) * 4 : bytes)
  }

  private lastWrites(): LastWriteChunks {
    this.applyAllPending()
    const chunks: number[] = []
    const arrays: Uint32Array[] = []
    this.lastWriteChunks.forEach((a, i) => {
      if (a !== undefined) {
        chunks.push(i)
        arrays.push(a)
      }
    })
    return { chunkShift: PAGE_CHUNK_SHIFT, chunks, lastWritePlus1: arrays }
  }
}

/** The destination guest after postcopy_start (one vCPU's view). */
interface PostcopyGuest {
  /** Bit set = the page is not placed on the destination as far as this vCPU has seen. */
  readonly missing: Int32Array
  /** Arrival time + 1 of pages sent after the switch, per chunk (0 = not sent yet). */
  readonly arrivalPlus1: (Uint32Array | undefined)[]
  /** First destination touch + 1 per page, per chunk: the oracle's destination side. */
  readonly firstTouchPlus1: (Uint32Array | undefined)[]
  /** Virtual time the destination guest has reached, µs. */
  nowUs: number
  /** Guest run time on the destination, µs. */
  runUs: number
  /** Time blocked on userfaults, µs. */
  blockedUs: number
  faults: number
  /** The page this vCPU is blocked on, or -1. */
  faultPage: number
  faultAtUs: number
  /** The block was resolved here (postcopy-preempt): the migration process knows it as a request. */
  faultLocal: boolean
  /** Blocked µs inside the last writeRun (urgent pages resolved here). */
  lastShiftUs: number
  /** The next fault the lane shows is at or after this, µs (laneFault). */
  nextLaneFaultUs: number
  /** The lane shows the current fault (its wake is shown too). */
  laneShowsFault: boolean
  /** postcopy-preempt: the latency of an urgent page, µs; 0 = ask the migration process. */
  readonly urgentLatencyUs: number
  /** Requests made here since the last reply: page, fault time, wake time. */
  requests: number[]
}

/** The lane shows a vCPU's faults at most this often, µs (10 ms). */
const FAULT_LANE_EVERY_US = 10_000

const EMPTY = new Uint32Array(0)
const EMPTY16 = new Uint16Array(0)
/** Words of a chunk's pending list: (index, t + 1) per write. */
const PENDING_WORDS = 2 * PAGE_CHUNK_PENDING_WRITES
/** Handed-back log buffers a vCPU keeps: its last log's two or three, and as many again. */
const LOG_BUFFERS_KEPT = 6
/** Words of the first batch a vCPU applies (see writeRun): 16 writes. */
const FIRST_BATCH_WORDS = 32
const TWO_POW_32 = 4294967296
const UNIFORM = 0
const HOTSPOT = 1
const SEQUENTIAL = 2
