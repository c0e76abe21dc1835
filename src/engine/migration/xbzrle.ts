import type { SendTimeRecord } from '../../shared/engine/oracle'
import {
  XBZRLE_RECORD_EXTRA_BYTES,
  cacheInsertAllowed,
  cacheSlot,
  cacheSlots,
  xbzrleEncodedBytes,
  xbzrleRates
} from '../../shared/engine/xbzrle'
import { PAGE_HEADER_BYTES } from '../../shared/engine/rules'
import type { XbzrleCacheStats } from '../../shared/result'

/**
 * What save_xbzrle_page decided for one page, as a number (no allocation per page): > 0 a hit
 * sent as an XBZRLE record of that many wire bytes (header included), or one of these.
 */
export const XBZRLE_SKIPPED = 0
export const XBZRLE_MISS = -1
export const XBZRLE_OVERFLOW = -2

const MAX_U16 = 0xffff

/**
 * The sender's XBZRLE state (migration/ram.c XBZRLE, migration/page_cache.c): the page cache
 * (which page each slot holds and its age), what changed on each page since it was last sent
 * (from the vCPUs' write counts), and xbzrle_counters. The cache holds the version last sent, so
 * "changed since cached" is "written since last sent" for every page the cache holds.
 */
export class XbzrleSender {
  readonly cacheSizeBytes: number
  private readonly pageSize: number
  private readonly slots: number
  private readonly slotPage: Int32Array
  private readonly slotAge: Float64Array
  /**
   * Per page, writes (low 16 bits) and bytes changed (high 16 bits) since it was last sent, each
   * saturating at 65535: one word, so a page costs one cache line, not two (issue 11).
   */
  private readonly sinceSent: Uint32Array
  /** Encode cost of one page on the sender, µs. */
  readonly encodeUs: number

  // xbzrle_counters
  private pages = 0
  private bytes = 0
  private cacheMiss = 0
  private overflow = 0
  private cacheMissRate = 0
  private encodingRate = 0
  // migration_update_rates' _prev values
  private pagesSentPrev = 0
  private pagesSent = 0
  private missPrev = 0
  private pagesPrev = 0
  private bytesPrev = 0

  constructor(opts: {
    cacheSizeBytes: number
    pageSize: number
    totalPages: number
    /** host.xbzrle-encode-gib-per-s in bytes/s; 0 = free. */
    encodeBytesPerS: number
  }) {
    this.cacheSizeBytes = opts.cacheSizeBytes
    this.pageSize = opts.pageSize
    this.slots = cacheSlots(opts.cacheSizeBytes, opts.pageSize)
    this.slotPage = new Int32Array(this.slots).fill(-1)
    this.slotAge = new Float64Array(this.slots)
    this.sinceSent = new Uint32Array(opts.totalPages)
    this.encodeUs = opts.encodeBytesPerS > 0 ? (opts.pageSize * 1_000_000) / opts.encodeBytesPerS : 0
  }

  /**
   * A vCPU's write counts for the pages of its dirty log, each write changing `bytesPerWrite`.
   * A page whose last write (`lastWritePlus1`) came before its last send (`sendTimes`, the
   * destination's record) was sent with those writes in it: they add nothing to its next delta
   * (the oracle's rule: a write at w is on the destination when w + 1 < send + 1).
   */
  addWrites(
    pages: Uint32Array,
    counts: Uint16Array,
    lastWritePlus1: Uint32Array,
    sendTimes: Pick<SendTimeRecord, 'sendPlus1'>,
    bytesPerWrite: number
  ): void {
    const since = this.sinceSent
    for (let i = 0; i < pages.length; i++) {
      const p = pages[i]
      if (lastWritePlus1[i] < sendTimes.sendPlus1(p)) continue
      const k = counts[i]
      const old = since[p]
      const writes = Math.min(MAX_U16, (old & MAX_U16) + k)
      const bytes = Math.min(MAX_U16, (old >>> 16) + k * bytesPerWrite)
      since[p] = (writes | (bytes << 16)) >>> 0
    }
  }

  /**
   * save_xbzrle_page for a non-zero page, once xbzrle_started: a miss inserts the page (unless
   * last_stage or the slot's page is still fresh) and sends it normally; a hit encodes the delta,
   * updates the cache (unless last_stage or skipped) and sends the encoding, or a normal page on
   * overflow. `skipDelta` (fault injection) claims every hit unchanged.
   */
  savePage(page: number, generation: number, lastStage: boolean, skipDelta = false): number {
    const slot = cacheSlot(page, this.slots)
    const since = this.sinceSent[page]
    const writes = since & MAX_U16
    const changed = since >>> 16
    this.sinceSent[page] = 0
    if (this.slotPage[slot] !== page) {
      // cache_is_cached: miss.
      this.cacheMiss++
      this.pagesSent++
      if (!lastStage) this.insert(slot, page, generation)
      return XBZRLE_MISS
    }
    // A hit refreshes the entry's age (cache_is_cached); every hit counts as an encoded page.
    this.slotAge[slot] = generation
    this.pages++
    // A dirty page with no write known since its last send may still hold writes the vCPUs have
    // not reported yet (they come with the next sync): the lab cannot tell it unchanged, so it
    // sends the smallest delta (one changed byte) instead of skipping it. QEMU would skip a page
    // that really is unchanged; the lab never does (docs/engine.md "XBZRLE").
    const encoded = skipDelta
      ? 0
      : writes === 0
        ? xbzrleEncodedBytes(1, 1, this.pageSize)
        : xbzrleEncodedBytes(writes, changed, this.pageSize)
    if (encoded === 0) return XBZRLE_SKIPPED
    this.pagesSent++
    if (encoded < 0) {
      this.overflow++
      this.bytes += this.pageSize
      return XBZRLE_OVERFLOW
    }
    this.bytes += encoded + XBZRLE_RECORD_EXTRA_BYTES
    return PAGE_HEADER_BYTES + XBZRLE_RECORD_EXTRA_BYTES + encoded
  }

  /**
   * Pages [p, p + n) were sent without XBZRLE (before xbzrle_started, or zero pages): what
   * changed on them is on the destination now; they count for the miss rate's page count. (A
   * zero page is never written, so it is sent once, in the first round, before xbzrle_started:
   * xbzrle_cache_zero_page never has anything to do in the lab.)
   */
  plainPages(p: number, n: number): void {
    this.pagesSent += n
    this.sinceSent.fill(0, p, p + n)
  }

  /** migration_update_rates, when a sync closes the period. */
  updateRates(): void {
    const rates = xbzrleRates({
      cacheMisses: this.cacheMiss - this.missPrev,
      pagesSent: this.pagesSent - this.pagesSentPrev,
      pagesEncoded: this.pages - this.pagesPrev,
      bytesEncoded: this.bytes - this.bytesPrev,
      pageSize: this.pageSize
    })
    if (rates === null) return
    this.cacheMissRate = rates.cacheMissRate
    this.encodingRate = rates.encodingRate
    this.pagesSentPrev = this.pagesSent
    this.missPrev = this.cacheMiss
    this.pagesPrev = this.pages
    this.bytesPrev = this.bytes
  }

  /** query-migrate's xbzrle-cache (populate_ram_info). */
  stats(): XbzrleCacheStats {
    return {
      'cache-size': this.cacheSizeBytes,
      bytes: this.bytes,
      pages: this.pages,
      'cache-miss': this.cacheMiss,
      'cache-miss-rate': round6(this.cacheMissRate),
      'encoding-rate': round6(this.encodingRate),
      overflow: this.overflow
    }
  }

  private insert(slot: number, page: number, generation: number): void {
    if (!cacheInsertAllowed(this.slotPage[slot], this.slotAge[slot], page, generation)) return
    this.slotPage[slot] = page
    this.slotAge[slot] = generation
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
