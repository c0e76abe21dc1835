import type { LabConfig } from '../../shared/config/schema'
import { GIB } from '../../shared/engine/constants'
import { ZERO_PAGE_RECORD_BYTES, linkBytesPerSecond, normalPageRecordBytes } from '../../shared/engine/rules'

/** What one page of a kind costs the sender: bytes on the wire and µs of the stream. */
export interface PageCost {
  readonly bytes: number
  readonly costUs: number
}

/**
 * The page-send path of the migration thread (ram_save_target_page / save_zero_page /
 * ram_save_page in QEMU's migration/ram.c, docs/engine.md §4): what a page costs and the wire
 * accounting of everything sent (`ram.transferred`, `precopy-bytes`, `downtime-bytes`, `normal`,
 * `duplicate`). The dirty-bitmap walk that chooses the pages stays in the simulator; it asks
 * this part what a page costs and tells it what went out.
 */
export class PageSender {
  /** Wire time of one byte, µs. */
  readonly usPerByte: number
  readonly linkBytesPerS: number
  /** Every byte sent so far (migration_transferred_bytes). */
  transferred = 0
  precopyBytes = 0
  downtimeBytes = 0
  normalPages = 0
  duplicatePages = 0

  private readonly normal: PageCost
  private readonly zero: PageCost
  /** zero-page-detection none: zero pages go out (and are counted) as normal pages. */
  private readonly zeroIsNormal: boolean

  constructor(c: LabConfig, pageSize: number) {
    this.linkBytesPerS = linkBytesPerSecond(c.network['bandwidth-mbps'])
    this.usPerByte = 1_000_000 / this.linkBytesPerS
    const normalBytes = normalPageRecordBytes(pageSize)
    this.normal = { bytes: normalBytes, costUs: normalBytes * this.usPerByte }
    // zero-page-detection none: zero pages go out as normal pages (§4.5); otherwise
    // buffer_is_zero scans the whole page on the sender first.
    this.zeroIsNormal = c.migration.parameters['zero-page-detection'] === 'none'
    const scan = c.host['zero-scan-gib-per-s']
    const scanUs = scan > 0 ? (pageSize * 1_000_000) / (scan * GIB) : 0
    this.zero = this.zeroIsNormal
      ? this.normal
      : { bytes: ZERO_PAGE_RECORD_BYTES, costUs: ZERO_PAGE_RECORD_BYTES * this.usPerByte + scanUs }
  }

  /** The cost of one page: a zero page (non-zero = false) or a normal one. */
  pageCost(zero: boolean): PageCost {
    return zero ? this.zero : this.normal
  }

  /** Counts bytes that are not page records; returns their wire time, µs. */
  sendBytes(bytes: number, ramRecord: boolean, vmRunning: boolean): number {
    this.transferred += bytes
    if (ramRecord) {
      if (vmRunning) this.precopyBytes += bytes
      else this.downtimeBytes += bytes
    }
    return bytes * this.usPerByte
  }

  /** Counts `n` pages of one kind sent back to back (their cost came from pageCost). */
  sendPages(n: number, zero: boolean, vmRunning: boolean): void {
    const bytes = n * this.pageCost(zero).bytes
    this.transferred += bytes
    if (vmRunning) this.precopyBytes += bytes
    else this.downtimeBytes += bytes
    if (zero && !this.zeroIsNormal) this.duplicatePages += n
    else this.normalPages += n
  }
}
