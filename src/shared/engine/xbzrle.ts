/**
 * XBZRLE's pure rules (docs/engine.md "XBZRLE"): the page cache's placement and replacement
 * (migration/page_cache.c), the encoded size of a page's delta (migration/xbzrle.c
 * xbzrle_encode_buffer), the wire record (migration/ram.c save_xbzrle_page) and the rates
 * query-migrate reports (migration/ram.c migration_update_rates).
 */

/** page_cache.c CACHED_PAGE_LIFETIME: a cached page is not replaced for this many syncs. */
export const CACHED_PAGE_LIFETIME = 2

/**
 * save_xbzrle_page: an XBZRLE record is the page header, ENCODING_FLAG_XBZRLE (1 byte) and the
 * encoded length (be16), then the encoded bytes. xbzrle_counters.bytes leaves the 8-byte header
 * out ("like compressed_size").
 */
export const XBZRLE_RECORD_EXTRA_BYTES = 1 + 2

/**
 * cache_init (page_cache.c): the cache holds `cache-size / page-size` pages (a power of two:
 * migrate_params_check refuses any other xbzrle-cache-size), one per slot.
 */
export function cacheSlots(cacheSizeBytes: number, pageSize: number): number {
  return Math.max(1, Math.floor(cacheSizeBytes / pageSize))
}

/** cache_get_cache_pos: direct-mapped, slot = page number & (slots − 1). */
export function cacheSlot(page: number, slots: number): number {
  return page & (slots - 1)
}

/**
 * cache_insert: a slot holding another page is only taken over once that page is at least
 * CACHED_PAGE_LIFETIME syncs old (`it_age + CACHED_PAGE_LIFETIME > current_age` refuses). An
 * empty slot, or the same page, is always (re)written. Ages are dirty-sync-count values.
 */
export function cacheInsertAllowed(
  slotPage: number,
  slotAge: number,
  page: number,
  currentAge: number
): boolean {
  if (slotPage < 0 || slotPage === page) return true
  return slotAge + CACHED_PAGE_LIFETIME <= currentAge
}

/** Bytes of uleb128_encode_small (util/cutils.c): 1 below 128, else 2 (it handles < 2^14). */
export function ulebBytes(n: number): number {
  return n < 0x80 ? 1 : 2
}

/**
 * The length xbzrle_encode_buffer(old, new, pageSize, dst, dlen = pageSize) returns for a page
 * on which `writes` writes changed `changedBytes` bytes since it was cached: 0 = unchanged (the
 * page is skipped), -1 = overflow (the encoding does not fit in one page).
 *
 * The lab's model of where the writes land: `writes` runs of equal length changedBytes / writes
 * (rounded up), spread evenly with equal zero runs before them — the most the delta can be for
 * that many writes (overlapping or adjacent writes only merge runs). The encoder emits, per run,
 * uleb(zero run) + uleb(non-zero run) + the non-zero bytes; the trailing zero run is left out.
 * Its overflow checks (d + 2 > dlen before each uleb, d + nzrun > dlen before copying a run) all
 * come down to: the whole encoding must fit in dlen = one page. A page changed everywhere is one
 * run of pageSize bytes after a 1-byte zero-run uleb: 1 + 2 + pageSize, always an overflow.
 */
export function xbzrleEncodedBytes(writes: number, changedBytes: number, pageSize: number): number {
  if (writes <= 0 || changedBytes <= 0) return 0
  if (changedBytes >= pageSize) return -1
  const runs = Math.min(writes, changedBytes)
  const run = Math.ceil(changedBytes / runs)
  const zeroRun = Math.floor((pageSize - changedBytes) / runs)
  const encoded = runs * (ulebBytes(zeroRun) + ulebBytes(run) + run)
  return encoded > pageSize ? -1 : encoded
}

/**
 * migration_update_rates, at a sync that closes the ≥ 1 s period: cache-miss-rate = misses /
 * target pages sent over the period; encoding-rate = (pages encoded × page size) / xbzrle bytes
 * over the period, 0 when no page was encoded or no byte counted. null when no page was sent
 * over the period: QEMU returns before the XBZRLE rates, which keep their last values.
 */
export function xbzrleRates(period: {
  readonly cacheMisses: number
  readonly pagesSent: number
  readonly pagesEncoded: number
  readonly bytesEncoded: number
  readonly pageSize: number
}): { cacheMissRate: number; encodingRate: number } | null {
  if (period.pagesSent === 0) return null
  const cacheMissRate = period.cacheMisses / period.pagesSent
  const encodingRate =
    period.pagesEncoded === 0 || period.bytesEncoded === 0
      ? 0
      : (period.pagesEncoded * period.pageSize) / period.bytesEncoded
  return { cacheMissRate, encodingRate }
}
