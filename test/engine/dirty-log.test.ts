import { describe, expect, it } from 'vitest'
import { DirtyBitmap } from '../../src/engine/migration/dirty-bitmap'
import { CLEAR_BITMAP_PAGES } from '../../src/shared/engine/constants'
import { chunkRearmUs, clearBitmapChunk, kvmReportsWrite } from '../../src/shared/engine/dirty-log'
import { MAX_WAIT_BREAK_US, pagesBeforeMaxWait } from '../../src/shared/engine/rules'

// Every expected number below is derived by hand from docs/qemu-rules.md §3.3 and §4.1–§4.3;
// the derivation is in the comment next to it.

describe('clearBitmapChunk (§4.3: 2^18 pages per clear_bmap chunk)', () => {
  it.each([
    [0, 0], // the first page
    [262_143, 0], // 2^18 − 1: the last page of chunk 0
    [262_144, 1], // 2^18: the first page of chunk 1
    [268_435_455, 1023] // the last page of 1 TiB at 4 KiB: (2^28 − 1) >> 18 = 1023
  ])('page %i is in chunk %i', (page, chunk) => {
    expect(clearBitmapChunk(page)).toBe(chunk)
  })
})

describe('kvmReportsWrite (§4.2: manual protect leaves a reported page write-enabled until re-armed)', () => {
  it.each([
    // wasReported, lastWritePlus1, rearmedAtUs, reported?
    [false, 1, Infinity, true], // not reported last sync: write-protected, the write faulted
    [false, 500, 1000, true], // idem, whatever the re-arm time
    [true, 1_000_000, Infinity, false], // reported, chunk never re-armed: write-enabled all along
    [true, 1000, 1000, false], // last write at 999 µs, re-armed at 1000: before the re-arm
    [true, 1001, 1000, true], // last write at 1000 µs = the re-arm time: tracked again
    [true, 5000, 1000, true] // written long after the re-arm
  ])('reported %s, last write + 1 = %i, re-armed at %f → %s', (was, w, at, expected) => {
    expect(kvmReportsWrite(was, w, at)).toBe(expected)
  })
})

describe("chunkRearmUs (the re-arm goes just before the chunk's first page)", () => {
  it.each([
    // runStart, firstInChunk, startUs, costUs, µs
    [10, 10, 1000, 3.3, 1000], // the run's own first page: ⌊1000⌋
    [10, 13, 1000, 3.3, 1009], // page j = 3: ⌊1000 + 9.9⌋ = 1009
    [0, 262_144, 1000, 2, 525_288] // j = 2^18: ⌊1000 + 524 288⌋
  ])('run from %i, chunk from %i, start %f, %f µs/page → %i', (p, first, start, cost, us) => {
    expect(chunkRearmUs(p, first, start, cost)).toBe(us)
  })
})

describe('pagesBeforeMaxWait (§3.3: checked after loop index ≡ 0 mod 64, breaks at ≥ 51 ms)', () => {
  it('breaks at 51 ms', () => {
    // ⌊elapsed ms⌋ > 50 ⇔ elapsed ≥ 51 000 µs.
    expect(MAX_WAIT_BREAK_US).toBe(51_000)
  })
  it.each([
    // loopIndex, elapsedUs, costUs, pages
    // 1 ms pages from index 0: page j ends at (j + 1) ms, the first one ending ≥ 51 ms is j = 50;
    // the next checked page is index 64 (j = 64), so 65 pages go.
    [0, 0, 1000, 65],
    // from index 10 the checked pages are j = 54 (index 64), 118, …; j = 54 ≥ 50 → 55 pages.
    [10, 0, 1000, 55],
    // already past 51 ms: the very next page (index 0) is checked and breaks → 1 page.
    [0, 60_000, 10, 1],
    // past 51 ms from index 1: the next checked page is index 64, j = 63 → 64 pages.
    [1, 60_000, 10, 64],
    // 2 µs short of the break, 3 µs pages: page 0 ends at 51 001 ≥ 51 000, checked → 1 page.
    [0, 50_998, 3, 1],
    // 0.5 µs pages: j = 101 999 is the first to end at 51 000 (101 999 × 0.5 = 50 999.5 < 51 000);
    // the next multiple of 64 is ⌈101 999 / 64⌉ × 64 = 1594 × 64 = 102 016 → 102 017 pages.
    [0, 0, 0.5, 102_017]
  ])('loop index %i, %f µs elapsed, %f µs/page → %i pages', (i, elapsed, cost, pages) => {
    expect(pagesBeforeMaxWait(i, elapsed, cost)).toBe(pages)
  })
})

describe("DirtyBitmap (the migration bitmap and KVM's log behind it)", () => {
  it('starts with every page dirty and walks runs of dirty pages', () => {
    const b = new DirtyBitmap(70) // 3 words, the last with 70 − 64 = 6 pages
    expect(b.dirtyPages).toBe(70)
    expect(b.findDirty(69)).toBe(69)
    expect(b.findDirty(70)).toBe(-1)
    b.clearRun(3, 30) // pages 3..32 sent: 70 − 30 = 40 left
    expect(b.dirtyPages).toBe(40)
    expect(b.runEnd(0, 70)).toBe(3) // the run 0..2 ends at the first clean page, 3
    expect(b.findDirty(3)).toBe(33)
    expect(b.runEnd(33, 70)).toBe(70) // 33..69 all dirty: bounded by the end
    expect(b.runEnd(33, 40)).toBe(40) // … or by the bound
    b.clearPage(69)
    expect([b.dirtyPages, b.isDirty(69), b.isDirty(68)]).toEqual([39, false, true])
  })

  // Two whole chunks and a 5-page tail chunk.
  const total = 2 * CLEAR_BITMAP_PAGES + 5
  const log = (pages: number[], writesPlus1: number[]) => ({
    pages: Uint32Array.from(pages),
    lastWritePlus1: Uint32Array.from(writesPlus1)
  })

  it('merges only what KVM reports, once per page, and re-arms chunks when their first page goes', () => {
    const b = new DirtyBitmap(total)
    // The first pass: every page goes at 1000 + 2j µs, which re-arms chunk 0 at 1000, chunk 1 at
    // ⌊1000 + 2^18 × 2⌋ = 525 288 and the tail chunk at 1000 + 2^19 × 2 = 1 049 576.
    b.rearmChunks(0, total, 1000, 2)
    b.clearRun(0, total)
    expect(b.dirtyPages).toBe(0)
    // Sync 2 (every page was reported by the setup sync):
    // page 10 last written at 999 < 1000: before its chunk's re-arm → untracked;
    // page 11 written at 1000 ≥ 1000 → reported; page 2^18 + 7 written at 599 999 ≥ 525 288 → reported;
    // a second vCPU reporting page 11 again adds nothing.
    const newly = b.sync([log([10, 11, CLEAR_BITMAP_PAGES + 7], [1000, 1001, 600_000]), log([11], [1200])])
    expect(newly).toBe(2)
    expect([b.dirtyPages, b.isDirty(10), b.isDirty(11), b.isDirty(CLEAR_BITMAP_PAGES + 7)]).toEqual([
      2,
      false,
      true,
      true
    ])
    // Sync 3, nothing sent since sync 2 (no chunk re-armed): page 10 was not reported by sync 2,
    // so it was write-protected and its write is reported → 1 new; page 11 was reported and its
    // chunk not re-armed → untracked (and still dirty anyway).
    expect(b.sync([log([10, 11], [3000, 3000])])).toBe(1)
    expect(b.dirtyPages).toBe(3)
    // Page 11 goes at 4000, re-arming chunk 0 then. A write at 3499 (before the re-arm) to the
    // page sync 3 reported is untracked — the send at 4000 carried it — so page 11 stays clean;
    // page 10 (reported by sync 3, written at 4499 ≥ 4000) is reported but already dirty.
    b.rearmChunks(11, 1, 4000, 3)
    b.clearPage(11)
    expect(b.sync([log([10, 11], [4500, 3500])])).toBe(0)
    expect([b.dirtyPages, b.isDirty(11)]).toEqual([2, false])
    // Sync 5: chunk 0 was re-armed at 4000 and then reported page 11 as not dirty, so its bit in
    // KVM's bitmap was cleared: the write at 4999 faults and is reported.
    expect(b.sync([log([11], [5000])])).toBe(1)
  })

  it('a sync that merges nothing (fault injection) still sets every chunk to be re-armed', () => {
    const b = new DirtyBitmap(total)
    b.rearmChunks(0, 1, 1000, 1)
    b.clearPage(0)
    expect(b.sync(undefined)).toBe(0)
    // Chunk 0 re-armed again at 2000: a write at 1500 to the page the setup sync reported is
    // untracked, one at 2000 is reported.
    b.rearmChunks(1, 1, 2000, 1)
    b.clearPage(1)
    expect(b.sync([log([0, 1], [1501, 2001])])).toBe(1)
    expect([b.isDirty(0), b.isDirty(1)]).toEqual([false, true])
  })
})
