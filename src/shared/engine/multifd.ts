/**
 * multifd's rules (QEMU's migration/multifd.c, multifd-zero-page.c, multifd-zlib.c,
 * multifd-zstd.c and migration/ram.c ram_save_target_page), pure; the channel state that
 * uses them is src/engine/migration/sender.ts. docs/engine.md "multifd" explains each.
 */

/** MULTIFD_PACKET_SIZE (multifd.h): a packet carries at most 512 KiB of pages. */
export const MULTIFD_PACKET_SIZE = 512 * 1024
/**
 * MultiFDPacket_t without its offset array (multifd.h): magic, version, flags, pages_alloc,
 * normal_pages, next_packet_size (6 × 4), packet_num (8), zero_pages + unused32 (2 × 4),
 * unused64[3] (24) and ramblock[256] = 320 bytes.
 */
export const MULTIFD_PACKET_HEADER_BYTES = 320
/** One uint64_t offset per page slot of the packet (MultiFDPacket_t.offset[]). */
export const MULTIFD_OFFSET_BYTES = 8
/** RAM_SAVE_FLAG_MULTIFD_FLUSH on the main channel after a multifd_send_sync_main (ram.c). */
export const MULTIFD_FLUSH_FLAG_BYTES = 8

export type MultifdCompression = 'none' | 'zlib' | 'zstd'
export type ZeroPageDetection = 'none' | 'legacy' | 'multifd'

/** multifd_ram_page_count: pages per packet = MULTIFD_PACKET_SIZE / page size. */
export function multifdPagesPerPacket(pageSize: number): number {
  return Math.max(1, Math.floor(MULTIFD_PACKET_SIZE / pageSize))
}

/**
 * packet_len of multifd_send_setup: the header plus an offset slot for every page the packet may
 * hold. QEMU writes the whole packet_len for every packet, however full (multifd_send_thread),
 * and a SYNC packet (MULTIFD_FLAG_SYNC) is such a packet with no pages.
 */
export function multifdPacketBytes(pagesPerPacket: number): number {
  return MULTIFD_PACKET_HEADER_BYTES + MULTIFD_OFFSET_BYTES * pagesPerPacket
}

/**
 * Where zero pages are found (ram_save_target_page, multifd_send_zero_page_detect):
 * `legacy` = on the migration thread, sent as a zero record on the main channel (save_zero_page);
 * `multifd` = in the channel threads, the page travels as an offset in the packet with no data;
 * `none` = not looked for, the page is sent as a normal page.
 */
export function zeroPagePath(detection: ZeroPageDetection): 'main' | 'channel' | 'normal' {
  return detection === 'legacy' ? 'main' : detection === 'multifd' ? 'channel' : 'normal'
}

/** The host cost of one channel thread for one normal page. */
export interface ChannelCost {
  /** Bytes of page data put on the wire (next_packet_size share): the page, or it compressed. */
  readonly wireBytes: number
  /** CPU of the channel thread for the page, µs. */
  readonly cpuUs: number
}

export interface ChannelCostInput {
  readonly pageSize: number
  readonly compression: MultifdCompression
  /** host.multifd-channel-gib-per-s (none): send path of one channel, bytes/s; 0 = free. */
  readonly sendBytesPerS: number
  /** Compression speed of one channel, bytes of page per second (zlib/zstd); 0 = free. */
  readonly compressBytesPerS: number
  /** Compression ratio (page bytes / compressed bytes), ≥ 1. */
  readonly ratio: number
}

/**
 * A normal page in a channel: nocomp_send_prepare hands the page itself to the socket (CPU =
 * the send path's copy); zlib_send_prepare / zstd_send_prepare compress it first (CPU = the
 * compressor, wire = page / ratio).
 */
export function channelPageCost(i: ChannelCostInput): ChannelCost {
  if (i.compression === 'none')
    return { wireBytes: i.pageSize, cpuUs: i.sendBytesPerS > 0 ? (i.pageSize * 1e6) / i.sendBytesPerS : 0 }
  return {
    wireBytes: i.pageSize / i.ratio,
    cpuUs: i.compressBytesPerS > 0 ? (i.pageSize * 1e6) / i.compressBytesPerS : 0
  }
}

/**
 * The stream time of one page when `channels` sender threads share the work and one link carries
 * their sum: the channels take packets in turn (multifd_send picks the next free channel,
 * round-robin from next_channel), so in steady state N threads give N × one thread's CPU rate,
 * and the page takes the longer of its wire time and its CPU time / N.
 */
export function pooledPageUs(wireUs: number, cpuUs: number, channels: number): number {
  return Math.max(wireUs, cpuUs / channels)
}

/**
 * The single-threaded (non-multifd) sender: a normal page costs the longer of its wire time and
 * the migration thread's own CPU for it (host.sender-gib-per-s; 0 = free). With the default the
 * wire is longer on every link below ~17 Gbit/s, so no existing result changes.
 */
export function singleSenderPageUs(wireUs: number, pageSize: number, senderBytesPerS: number): number {
  if (senderBytesPerS <= 0) return wireUs
  return Math.max(wireUs, (pageSize * 1e6) / senderBytesPerS)
}

/** The channel a packet goes to: multifd_send's round-robin over the channels. */
export function channelOfPacket(packetIndex: number, channels: number): number {
  return packetIndex % channels
}
