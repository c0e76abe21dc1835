/**
 * What KVM's dirty log reports to the migration thread, as pure rules (docs/qemu-rules.md §4.1–
 * §4.3, docs/engine.md "Dirty bitmap and KVM's dirty log"). QEMU enables KVM's manual dirty-log
 * protect (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2): KVM_GET_DIRTY_LOG reports a page but leaves it
 * write-enabled, and only KVM_CLEAR_DIRTY_LOG on its clear_bmap chunk write-protects it again
 * (migration/ram.c migration_clear_memory_region_dirty_bitmap). The migration bitmap that holds
 * these bits is src/engine/migration/dirty-bitmap.ts.
 */
import { CLEAR_BITMAP_SHIFT } from './constants'

/** The clear_bmap chunk of a page: 2^CLEAR_BITMAP_SHIFT pages per chunk (§4.3). */
export function clearBitmapChunk(page: number): number {
  return page >>> CLEAR_BITMAP_SHIFT
}

/**
 * Does KVM's log report a write to this page at the next sync (ramblock_sync_dirty_bitmap →
 * KVM_GET_DIRTY_LOG, §4.2)? A page the last sync did not report was write-protected, so its
 * write faulted and is in the log. A page the last sync reported stayed write-enabled until its
 * chunk was re-armed: its write is in the log only when it came at or after the re-arm.
 *
 * @param lastWritePlus1 the page's last write this period, virtual µs + 1 (an integer ≥ 1).
 * @param chunkRearmedAtUs when the page's chunk was re-armed since the last sync; Infinity when
 *   it was not (no page of the chunk was sent since then).
 */
export function kvmReportsWrite(
  wasReported: boolean,
  lastWritePlus1: number,
  chunkRearmedAtUs: number
): boolean {
  // lastWrite = lastWritePlus1 − 1 ≥ rearm ⇔ lastWritePlus1 > rearm (integer µs).
  return !wasReported || lastWritePlus1 > chunkRearmedAtUs
}

/**
 * When the send of a run of pages re-arms a chunk (migration_clear_memory_region_dirty_bitmap
 * runs just before the first page of the chunk goes): page j of a run that starts at `startUs`
 * and costs `costUs` per page is read at ⌊startUs + j × costUs⌋ µs, the same clock as the
 * destination's send times (docs/engine.md "Oracle").
 */
export function chunkRearmUs(
  runStartPage: number,
  firstPageInChunk: number,
  startUs: number,
  costUs: number
): number {
  return Math.floor(startUs + (firstPageInChunk - runStartPage) * costUs)
}
