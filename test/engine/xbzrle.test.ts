import { describe, expect, it } from 'vitest'
import { SendTimes } from '../../src/engine/migration/send-times'
import { XBZRLE_MISS, XBZRLE_OVERFLOW, XBZRLE_SKIPPED, XbzrleSender } from '../../src/engine/migration/xbzrle'
import {
  cacheInsertAllowed,
  cacheSlot,
  cacheSlots,
  ulebBytes,
  xbzrleEncodedBytes,
  xbzrleRates
} from '../../src/shared/engine/xbzrle'

// Every expected number is derived by hand from QEMU's migration/page_cache.c,
// migration/xbzrle.c xbzrle_encode_buffer and migration/ram.c save_xbzrle_page /
// migration_update_rates (docs/engine.md "XBZRLE"); the derivation is next to it.
const PAGE = 4096
const MIB = 1024 * 1024
/** The destination's send record of a 16-page guest: nothing sent yet. */
const NEVER_SENT = new SendTimes(16)

describe('page cache (page_cache.c)', () => {
  it.each([
    [64 * MIB, 16384], // 64 MiB / 4 KiB
    [PAGE, 1], // the smallest cache migrate_params_check allows
    [8192, 2]
  ])('cache_init: %i bytes hold %i pages', (size, slots) => {
    expect(cacheSlots(size, PAGE)).toBe(slots)
  })

  it.each([
    [5, 16384, 5],
    [16385, 16384, 1], // 16385 & 16383
    [7, 2, 1]
  ])('cache_get_cache_pos: page %i in %i slots → slot %i', (page, slots, slot) => {
    expect(cacheSlot(page, slots)).toBe(slot)
  })

  it.each([
    [-1, 0, 7, 3, true], // empty slot
    [7, 5, 7, 5, true], // the same page is rewritten
    [9, 4, 7, 5, false], // another page, 4 + 2 > 5: still fresh
    [9, 3, 7, 5, true] // 3 + 2 = 5, not > 5: old enough to replace
  ])('cache_insert: slot holds %i (age %i), insert %i at age %i → %s', (slotPage, age, page, now, ok) => {
    expect(cacheInsertAllowed(slotPage, age, page, now)).toBe(ok)
  })
})

describe('xbzrle_encode_buffer: encoded length of a 4 KiB page', () => {
  it.each([
    [0, 127, 1],
    [0, 128, 2],
    [0, 4096, 2]
  ])('uleb128_encode_small(%i…%i)', (_from, n, bytes) => {
    expect(ulebBytes(n)).toBe(bytes)
  })

  it.each([
    [0, 0, 0], // unchanged: skipped
    [1, 8, 11], // zero run 4088 (2) + uleb(8) (1) + 8
    [3, 24, 33], // 3 runs of 8, zero runs ⌊4072/3⌋ = 1357 (2): 3 × 11
    [100, 800, 1000], // 100 runs of 8, zero runs ⌊3296/100⌋ = 32 (1): 100 × (1 + 1 + 8)
    [1, 200, 204], // zero run 3896 (2) + uleb(200) (2) + 200
    [2, 4000, 4006], // runs of 2000, zero runs 48 (1): 2 × (1 + 2 + 2000)
    [2, 4090, 4096], // runs of 2045, zero runs 3 (1): 2 × 2048 = 4096, just fits
    [2, 4092, -1], // runs of 2046: 2 × 2049 = 4098 > 4096
    [1, 4095, -1], // 1 + 2 + 4095 = 4098 > 4096
    [1, 4096, -1], // the whole page: always an overflow
    [512, 4096, -1] // 512 writes of 8 bytes cover the page
  ])('%i write(s) changing %i bytes → %i', (writes, changed, encoded) => {
    expect(xbzrleEncodedBytes(writes, changed, PAGE)).toBe(encoded)
  })
})

describe('migration_update_rates: cache-miss-rate and encoding-rate', () => {
  it('miss rate over pages sent; encoding rate = hits × page / encoded bytes', () => {
    // 100 misses of 400 pages = 0.25; 300 hits × 4096 / 4200 bytes = 292.571…
    const r = xbzrleRates({
      cacheMisses: 100,
      pagesSent: 400,
      pagesEncoded: 300,
      bytesEncoded: 4200,
      pageSize: PAGE
    })
    expect(r?.cacheMissRate).toBe(0.25)
    expect(r?.encodingRate).toBeCloseTo(292.5714286, 6)
  })
  it('a period of misses only: encoding-rate 0', () => {
    expect(
      xbzrleRates({ cacheMisses: 16384, pagesSent: 16384, pagesEncoded: 0, bytesEncoded: 0, pageSize: PAGE })
    ).toEqual({ cacheMissRate: 1, encodingRate: 0 })
  })
  it('no page sent over the period: the rates keep their values (null)', () => {
    expect(
      xbzrleRates({ cacheMisses: 0, pagesSent: 0, pagesEncoded: 0, bytesEncoded: 0, pageSize: PAGE })
    ).toBeNull()
  })
})

describe('save_xbzrle_page on a 2-page cache', () => {
  const sender = () =>
    new XbzrleSender({
      cacheSizeBytes: 2 * PAGE,
      pageSize: PAGE,
      totalPages: 16,
      encodeBytesPerS: 2 * 1024 ** 3
    })

  it('first sight is a miss; the next send of the page is its delta', () => {
    const x = sender()
    expect(x.savePage(0, 2, false)).toBe(XBZRLE_MISS)
    x.addWrites(Uint32Array.of(0), Uint16Array.of(1), Uint32Array.of(100), NEVER_SENT, 8)
    // header 8 + flag 1 + length 2 + encoded 11 = 22 on the wire; xbzrle bytes leave the header out.
    expect(x.savePage(0, 3, false)).toBe(22)
    expect(x.stats()).toMatchObject({ 'cache-size': 8192, pages: 1, bytes: 14, 'cache-miss': 1, overflow: 0 })
    // 4096 / 2 GiB/s = 1.907 µs per hit
    expect(x.encodeUs).toBeCloseTo(1.9073, 4)
  })

  it('a fresh page is not replaced for CACHED_PAGE_LIFETIME syncs', () => {
    const x = sender()
    x.savePage(0, 3, false) // slot 0 ← page 0 at age 3
    expect(x.savePage(2, 3, false)).toBe(XBZRLE_MISS) // 3 + 2 > 3: refused
    expect(x.savePage(2, 4, false)).toBe(XBZRLE_MISS) // 3 + 2 > 4: refused
    expect(x.savePage(2, 5, false)).toBe(XBZRLE_MISS) // 3 + 2 = 5: replaced
    expect(x.savePage(2, 6, false)).toBe(15) // now cached: a hit (smallest delta, see below)
    expect(x.savePage(0, 6, false)).toBe(XBZRLE_MISS) // evicted (and page 2, age 6, stays)
    // misses: page 0 at 3, page 2 at 3, 4, 5, page 0 at 6; one hit (page 2 at 6)
    expect(x.stats()).toMatchObject({ 'cache-miss': 5, pages: 1 })
  })

  it('a hit refreshes the age, so a page sent every sync keeps its slot', () => {
    const x = sender()
    x.savePage(0, 3, false)
    x.savePage(0, 10, false) // hit: age 10
    expect(x.savePage(2, 11, false)).toBe(XBZRLE_MISS) // 10 + 2 > 11: refused
    expect(x.savePage(0, 11, false)).toBe(15) // still a hit
  })

  it('a whole-page rewrite overflows: a normal page, a page counted in bytes', () => {
    const x = sender()
    x.savePage(1, 2, false)
    x.addWrites(Uint32Array.of(1), Uint16Array.of(1), Uint32Array.of(100), NEVER_SENT, 4096)
    expect(x.savePage(1, 3, false)).toBe(XBZRLE_OVERFLOW)
    expect(x.stats()).toMatchObject({ pages: 1, bytes: 4096, overflow: 1 })
  })

  it('last_stage: a miss is not inserted', () => {
    const x = sender()
    expect(x.savePage(1, 2, true)).toBe(XBZRLE_MISS)
    expect(x.savePage(1, 3, true)).toBe(XBZRLE_MISS)
  })

  it('writes add up per page until it is sent', () => {
    const x = sender()
    x.savePage(0, 2, false)
    x.addWrites(Uint32Array.of(0), Uint16Array.of(2), Uint32Array.of(100), NEVER_SENT, 8)
    x.addWrites(Uint32Array.of(0), Uint16Array.of(1), Uint32Array.of(100), NEVER_SENT, 8)
    // 3 writes of 8: 33 encoded (table above) + 11 = 44 on the wire
    expect(x.savePage(0, 3, false)).toBe(44)
    // the fault hook (xbzrleSkipDelta) takes a hit for unchanged: nothing is sent
    expect(x.savePage(0, 4, false, true)).toBe(XBZRLE_SKIPPED)
  })

  it('writes made before the page was last sent are already on the destination', () => {
    const x = sender()
    x.savePage(0, 2, false)
    const sentAt = new SendTimes(16)
    sentAt.record(0, 1, 500, 0) // sent at 500 µs: its send time + 1 is 501
    // last write at 499 µs (+1 = 500 < 501): sent with it, nothing new
    x.addWrites(Uint32Array.of(0), Uint16Array.of(3), Uint32Array.of(500), sentAt, 8)
    // the lab cannot tell it from a page with writes not yet reported: the smallest delta,
    // uleb(4095) 2 + uleb(1) 1 + 1 byte = 4, 8 + 3 + 4 = 15 on the wire
    expect(x.savePage(0, 3, false)).toBe(15)
    // last write at 500 µs (+1 = 501, not < 501): after the send, counted
    x.addWrites(Uint32Array.of(0), Uint16Array.of(1), Uint32Array.of(501), sentAt, 8)
    expect(x.savePage(0, 4, false)).toBe(22)
  })

  it('rates close per period, from the counters since the last close', () => {
    const x = sender()
    x.savePage(0, 2, false) // miss
    x.plainPages(4, 3) // 3 pages sent without XBZRLE
    x.updateRates()
    expect(x.stats()).toMatchObject({ 'cache-miss-rate': 0.25, 'encoding-rate': 0 }) // 1 miss of 4 pages
    x.addWrites(Uint32Array.of(0), Uint16Array.of(1), Uint32Array.of(100), NEVER_SENT, 8)
    x.savePage(0, 3, false) // hit: 14 bytes
    x.updateRates()
    // 0 misses of 1 page; 1 × 4096 / 14 = 292.571429
    expect(x.stats()).toMatchObject({ 'cache-miss-rate': 0, 'encoding-rate': 292.571429 })
  })
})
