import type { LabConfig } from '../../shared/config/schema'
import { GIB } from '../../shared/engine/constants'
import {
  MULTIFD_FLUSH_FLAG_BYTES,
  channelOfPacket,
  channelPageCost,
  multifdPacketBytes,
  multifdPagesPerPacket,
  pooledPageUs,
  singleSenderPageUs,
  zeroPagePath
} from '../../shared/engine/multifd'
import { ZERO_PAGE_RECORD_BYTES, linkBytesPerSecond, normalPageRecordBytes } from '../../shared/engine/rules'
import type { MultifdChannelStats } from '../../shared/result'

/** What one page of a kind costs the sender: bytes on the wire and µs of the stream. */
export interface PageCost {
  readonly bytes: number
  readonly costUs: number
}

/** Per-channel counters of the multifd channels (multifd_send_thread). */
class MultifdChannels {
  readonly pagesPerPacket: number
  readonly packetBytes: number
  readonly stats: MultifdChannelStats[]
  /** Pages in the packet being filled (multifd_queue_page); 0 = no packet open. */
  private packetFill = 0
  private packets = 0

  constructor(
    readonly channels: number,
    pageSize: number
  ) {
    this.pagesPerPacket = multifdPagesPerPacket(pageSize)
    this.packetBytes = multifdPacketBytes(this.pagesPerPacket)
    this.stats = Array.from({ length: channels }, (_, channel) => ({
      channel,
      bytes: 0,
      packets: 0,
      pages: 0
    }))
  }

  /**
   * Queues `n` pages of `dataBytes` each; returns the packet bytes this adds (a packet's fixed
   * packet_len is counted when its first page is queued). Each packet goes to the next channel.
   */
  queue(n: number, dataBytes: number): number {
    let left = n
    let headerBytes = 0
    while (left > 0) {
      if (this.packetFill === 0) {
        headerBytes += this.packetBytes
        this.stats[channelOfPacket(this.packets, this.channels)].packets++
        this.stats[channelOfPacket(this.packets, this.channels)].bytes += this.packetBytes
        this.packets++
      }
      const k = Math.min(left, this.pagesPerPacket - this.packetFill)
      const ch = this.stats[channelOfPacket(this.packets - 1, this.channels)]
      ch.pages += k
      ch.bytes += k * dataBytes
      this.packetFill = (this.packetFill + k) % this.pagesPerPacket
      left -= k
    }
    return headerBytes
  }

  /**
   * multifd_send_sync_main: the open packet goes as it is, then every channel sends a packet
   * with MULTIFD_FLAG_SYNC and no pages. Returns the bytes of the SYNC packets.
   */
  sync(): number {
    this.packetFill = 0
    for (const ch of this.stats) {
      ch.bytes += this.packetBytes
      ch.packets++
    }
    return this.channels * this.packetBytes
  }
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
  /** RAM bytes sent after postcopy_start (`postcopy-bytes`). */
  postcopyBytes = 0
  /** Set by postcopy_start: from then on RAM records count as postcopy bytes. */
  inPostcopy = false
  normalPages = 0
  duplicatePages = 0
  /** Bytes on the multifd channels: packets and their page data (mig_stats.multifd_bytes). */
  multifdBytes = 0

  private readonly normal: PageCost
  private readonly zero: PageCost
  /** zero-page-detection none: zero pages go out (and are counted) as normal pages. */
  private readonly zeroIsNormal: boolean
  /** With multifd: where zero pages go, and the channels. */
  private readonly zeroPath: 'main' | 'channel' | 'normal'
  private readonly multifd: MultifdChannels | undefined

  constructor(c: LabConfig, pageSize: number) {
    this.linkBytesPerS = linkBytesPerSecond(c.network['bandwidth-mbps'])
    this.usPerByte = 1_000_000 / this.linkBytesPerS
    const p = c.migration.parameters
    const h = c.host
    const detection = p['zero-page-detection']
    this.zeroPath = zeroPagePath(detection)
    const scan = h['zero-scan-gib-per-s']
    const scanUs = scan > 0 ? (pageSize * 1_000_000) / (scan * GIB) : 0
    // The zero record of save_zero_page: found by buffer_is_zero on the migration thread.
    const zeroRecord = {
      bytes: ZERO_PAGE_RECORD_BYTES,
      costUs: ZERO_PAGE_RECORD_BYTES * this.usPerByte + scanUs
    }
    if (c.migration.capabilities.multifd) {
      // ram_save_target_page → ram_save_multifd_page: a normal page is queued to the channels
      // (multifd_queue_page), whose threads send (or compress and send) it.
      const channels = p['multifd-channels']
      this.multifd = new MultifdChannels(channels, pageSize)
      const compression = p['multifd-compression']
      const cost = channelPageCost({
        pageSize,
        compression,
        sendBytesPerS: h['multifd-channel-gib-per-s'] * GIB,
        compressBytesPerS:
          (compression === 'zlib' ? h['multifd-zlib-gib-per-s'] : h['multifd-zstd-gib-per-s']) * GIB,
        ratio: compression === 'zlib' ? h['multifd-zlib-ratio'] : h['multifd-zstd-ratio']
      })
      const wireBytes = Math.ceil(cost.wireBytes)
      this.normal = {
        bytes: wireBytes,
        costUs: pooledPageUs(wireBytes * this.usPerByte, cost.cpuUs, channels)
      }
      this.zeroIsNormal = this.zeroPath === 'normal'
      // zero-page-detection multifd: multifd_send_zero_page_detect in the channel, the page goes as
      // an offset in the packet with no data; legacy: the migration thread's save_zero_page first.
      this.zero =
        this.zeroPath === 'channel'
          ? { bytes: 0, costUs: pooledPageUs(0, scanUs, channels) }
          : this.zeroPath === 'main'
            ? zeroRecord
            : this.normal
      return
    }
    this.multifd = undefined
    const normalBytes = normalPageRecordBytes(pageSize)
    const wireUs = normalBytes * this.usPerByte
    this.normal = {
      bytes: normalBytes,
      costUs: singleSenderPageUs(wireUs, pageSize, h['sender-gib-per-s'] * GIB)
    }
    // zero-page-detection none: zero pages go out as normal pages (§4.5); otherwise
    // buffer_is_zero scans the whole page on the sender first (legacy and multifd alike without
    // multifd: save_zero_page).
    this.zeroIsNormal = detection === 'none'
    this.zero = this.zeroIsNormal ? this.normal : zeroRecord
  }

  /** The cost of one page: a zero page (non-zero = false) or a normal one. */
  pageCost(zero: boolean): PageCost {
    return zero ? this.zero : this.normal
  }

  /** Counts bytes that are not page records; returns their wire time, µs. */
  sendBytes(bytes: number, ramRecord: boolean, vmRunning: boolean): number {
    this.transferred += bytes
    if (ramRecord) {
      if (this.inPostcopy) this.postcopyBytes += bytes
      else if (vmRunning) this.precopyBytes += bytes
      else this.downtimeBytes += bytes
    }
    return bytes * this.usPerByte
  }

  /** multifd is on: normal pages go through the channels. */
  get usesMultifd(): boolean {
    return this.multifd !== undefined
  }

  /** True when a page of this kind goes through the multifd channels. */
  inChannel(zero: boolean): boolean {
    return this.multifd !== undefined && (!zero || this.zeroPath !== 'main')
  }

  /**
   * Counts `n` pages of one kind sent back to back (their cost came from pageCost); returns the
   * wire time of the multifd packets they opened, µs (0 without multifd).
   */
  sendPages(n: number, zero: boolean, vmRunning: boolean): number {
    const bytes = n * this.pageCost(zero).bytes
    this.transferred += bytes
    if (zero && !this.zeroIsNormal) this.duplicatePages += n
    else this.normalPages += n
    if (this.multifd !== undefined && this.inChannel(zero)) {
      // multifd_send_thread adds packet_len + next_packet_size to multifd_bytes only; precopy-
      // and downtime-bytes count the main channel (ram_transferred_add).
      const headerBytes = this.multifd.queue(n, this.pageCost(zero).bytes)
      this.transferred += headerBytes
      this.multifdBytes += bytes + headerBytes
      return headerBytes * this.usPerByte
    }
    if (this.inPostcopy) this.postcopyBytes += bytes
    else if (vmRunning) this.precopyBytes += bytes
    else this.downtimeBytes += bytes
    return 0
  }

  /**
   * multifd_send_sync_main plus RAM_SAVE_FLAG_MULTIFD_FLUSH on the main channel (ram.c: when the
   * dirty-page search wraps, in ram_save_setup and ram_save_complete); returns the wire time, µs
   * (0 without multifd: nothing happens).
   */
  multifdSync(): number {
    if (this.multifd === undefined) return 0
    const syncBytes = this.multifd.sync()
    this.multifdBytes += syncBytes
    this.transferred += syncBytes + MULTIFD_FLUSH_FLAG_BYTES
    return (syncBytes + MULTIFD_FLUSH_FLAG_BYTES) * this.usPerByte
  }

  /** Per-channel counters, or undefined without multifd. */
  channelStats(): MultifdChannelStats[] | undefined {
    return this.multifd?.stats.map((s) => ({ ...s }))
  }
}
