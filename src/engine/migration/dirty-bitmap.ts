import { CLEAR_BITMAP_PAGES, CLEAR_BITMAP_SHIFT } from '../../shared/engine/constants'
import { chunkRearmUs, kvmReportsWrite } from '../../shared/engine/dirty-log'

/** 32-bit words of one clear_bmap chunk in a bitmap of one bit per page. */
const CHUNK_WORDS = CLEAR_BITMAP_PAGES / 32

/** One vCPU's dirty log at a sync: sorted, unique pages and each page's last write (µs + 1). */
export interface DirtyLog {
  readonly pages: Uint32Array
  readonly lastWritePlus1: Uint32Array
}

/**
 * The migration bitmap (RAMBlock->bmap, `migration_dirty_pages`) and the model of KVM's dirty log
 * behind it (docs/qemu-rules.md §4, §14; docs/engine.md "Dirty bitmap and KVM's dirty log"):
 *
 * - `bmap`: bit set = the page is dirty and will be sent (ram_init_bitmaps sets every bit).
 * - `reported`: KVM's dirty bitmap as of the last sync — with manual protect those pages stay
 *   write-enabled, so their writes go untracked until their chunk is re-armed (§4.2).
 * - per clear_bmap chunk, when it was re-armed (KVM_CLEAR_DIRTY_LOG) since the last sync: the
 *   first page sent from a chunk re-arms it (migration_clear_memory_region_dirty_bitmap, §4.3).
 *
 * The sweep (find_dirty_block) asks it for dirty pages and runs; the sync
 * (migration_bitmap_sync → ramblock_sync_dirty_bitmap) merges the vCPUs' logs into it. The rules
 * are pure functions in src/shared/engine/dirty-log.ts.
 */
export class DirtyBitmap {
  /** Bit set = dirty (one bit per page, 32 per word). The oracle and postcopy read it. */
  readonly bmap: Int32Array
  /** migration_dirty_pages: the set bits of bmap. */
  dirtyPages: number
  private readonly reported: Int32Array
  /** Per clear_bmap chunk: when it was re-armed since the last sync (Infinity: not yet). */
  private readonly chunkRearmedAtUs: Float64Array
  private rearmedChunks: number[] = []
  /** The re-armed chunks' words of `reported` as the last sync left them (merge scratch). */
  private readonly reportedBefore: Int32Array

  constructor(readonly totalPages: number) {
    const words = Math.ceil(totalPages / 32)
    // ram_init_bitmaps: every bit set, so every page is sent (§1.3).
    this.bmap = new Int32Array(words).fill(-1)
    const tail = totalPages & 31
    if (tail !== 0) this.bmap[words - 1] = (1 << tail) - 1
    // KVM's "initially set" dirty bitmap: every page counts as reported by the setup sync.
    this.reported = new Int32Array(words).fill(-1)
    this.reportedBefore = new Int32Array(words)
    this.chunkRearmedAtUs = new Float64Array(Math.ceil(totalPages / CLEAR_BITMAP_PAGES)).fill(Infinity)
    this.dirtyPages = totalPages
  }

  isDirty(page: number): boolean {
    return (this.bmap[page >>> 5] & (1 << (page & 31))) !== 0
  }

  /** First dirty page at or after `from`, or -1. */
  findDirty(from: number): number {
    if (from >= this.totalPages) return -1
    const bmap = this.bmap
    let w = from >>> 5
    let bits = bmap[w] & (-1 << (from & 31))
    while (bits === 0) {
      if (++w >= bmap.length) return -1
      bits = bmap[w]
    }
    const p = (w << 5) + (31 - Math.clz32(bits & -bits))
    return p < this.totalPages ? p : -1
  }

  /** The first clean page after `p` (a dirty page), bounded by `bound`. */
  runEnd(p: number, bound: number): number {
    const bmap = this.bmap
    let w = p >>> 5
    let bits = ~bmap[w] & (-1 << (p & 31))
    while (bits === 0) {
      if (++w >= bmap.length) return bound
      if (w << 5 >= bound) return bound
      bits = ~bmap[w]
    }
    const end = (w << 5) + (31 - Math.clz32(bits & -bits))
    return Math.min(end, bound)
  }

  /** migration_bitmap_clear_dirty for a run of `n` dirty pages from `p` (all set). */
  clearRun(p: number, n: number): void {
    this.clearBits(p, n)
    this.dirtyPages -= n
  }

  /** Clears the bits of pages p … p + n − 1 (the caller counts them off dirtyPages). */
  clearBits(p: number, n: number): void {
    const bmap = this.bmap
    let page = p
    const end = p + n
    while (page < end) {
      const w = page >>> 5
      const bit = page & 31
      const count = Math.min(32 - bit, end - page)
      const mask = count === 32 ? -1 : ((1 << count) - 1) << bit
      bmap[w] &= ~mask
      page += count
    }
  }

  /** migration_bitmap_clear_dirty for one dirty page. */
  clearPage(page: number): void {
    this.bmap[page >>> 5] &= ~(1 << (page & 31))
    this.dirtyPages--
  }

  /**
   * migration_clear_memory_region_dirty_bitmap (§4.3): the first page sent from a chunk after a
   * sync re-arms KVM's dirty tracking for the chunk (KVM_CLEAR_DIRTY_LOG) just before it goes.
   * The run's page j goes at ⌊startUs + j × costUs⌋.
   */
  rearmChunks(p: number, n: number, startUs: number, costUs: number): void {
    const clearedAt = this.chunkRearmedAtUs
    const first = p >>> CLEAR_BITMAP_SHIFT
    const last = (p + n - 1) >>> CLEAR_BITMAP_SHIFT
    // The common case: a short run inside a chunk already re-armed.
    if (first === last && clearedAt[first] !== Infinity) return
    for (let c = first; c <= last; c++) {
      if (clearedAt[c] !== Infinity) continue
      clearedAt[c] = chunkRearmUs(p, Math.max(p, c * CLEAR_BITMAP_PAGES), startUs, costUs)
      this.rearmedChunks.push(c)
    }
  }

  /**
   * migration_bitmap_sync's merge (§4.1, §4.2): ORs the vCPUs' dirty logs into bmap as KVM would
   * have reported them (kvmReportsWrite), counting only newly set bits, and sets `reported` to
   * what this sync reports: re-armed chunks report only their tracked writes, chunks not re-armed
   * keep their bits (KVM still has them set and reports them again). Then every chunk's
   * clear_bmap bit is set again (the next send re-arms it). `logs` undefined: a sync that merged
   * nothing (fault injection). Adds the newly dirty pages to dirtyPages and returns them.
   */
  sync(logs: readonly DirtyLog[] | undefined): number {
    let newlyDirty = 0
    if (logs !== undefined) newlyDirty = this.merge(logs)
    for (const c of this.rearmedChunks) this.chunkRearmedAtUs[c] = Infinity
    this.rearmedChunks = []
    this.dirtyPages += newlyDirty
    return newlyDirty
  }

  /**
   * One pass over every reported page. A page's "reported at the last sync" bit is read from
   * `reportedBefore` in re-armed chunks (whose `reported` words are cleared first) and from
   * `reported` itself elsewhere: there a bit set by another vCPU's log in this same merge is one
   * the page had to be dirty for anyway (its bmap bit is already set), so the count is the same.
   */
  private merge(logs: readonly DirtyLog[]): number {
    const bmap = this.bmap
    const reported = this.reported
    const before = this.reportedBefore
    const clearedAt = this.chunkRearmedAtUs
    for (const c of this.rearmedChunks) {
      const from = c * CHUNK_WORDS
      const to = Math.min(reported.length, from + CHUNK_WORDS)
      before.set(reported.subarray(from, to), from)
      reported.fill(0, from, to)
    }
    let newlyDirty = 0
    for (const log of logs) {
      const pages = log.pages
      const writes = log.lastWritePlus1
      for (let i = 0; i < pages.length; i++) {
        const p = pages[i]
        const w = p >>> 5
        const bit = 1 << (p & 31)
        const rearmAt = clearedAt[p >>> CLEAR_BITMAP_SHIFT]
        const wasReported = ((rearmAt === Infinity ? reported[w] : before[w]) & bit) !== 0
        if (!kvmReportsWrite(wasReported, writes[i], rearmAt)) continue
        reported[w] |= bit
        if ((bmap[w] & bit) === 0) {
          bmap[w] |= bit
          newlyDirty++
        }
      }
    }
    return newlyDirty
  }
}
