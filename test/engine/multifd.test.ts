import { describe, expect, it } from 'vitest'
import {
  channelOfPacket,
  channelPageCost,
  multifdPacketBytes,
  multifdPagesPerPacket,
  pooledPageUs,
  singleSenderPageUs,
  zeroPagePath
} from '../../src/shared/engine/multifd'

// Every expected number is derived by hand from QEMU's migration/multifd.h and multifd.c
// (docs/engine.md "multifd"); the derivation is next to it.
const GIB = 1024 ** 3

describe('multifd packets', () => {
  it.each([
    [4096, 128], // MULTIFD_PACKET_SIZE 512 KiB / 4 KiB
    [65536, 8], // 512 KiB / 64 KiB
    [1 << 20, 1] // a page above the packet size: one page per packet
  ])('page size %i → %i pages per packet', (pageSize, pages) => {
    expect(multifdPagesPerPacket(pageSize)).toBe(pages)
  })

  it.each([
    [128, 1344], // 320 header + 8 × 128 offsets
    [8, 384], // 320 + 64
    [0, 320] // header only
  ])('packet_len of %i page slots = %i bytes', (pages, bytes) => {
    expect(multifdPacketBytes(pages)).toBe(bytes)
  })

  it.each([
    [0, 4, 0],
    [5, 4, 1], // round-robin: 5 mod 4
    [7, 1, 0]
  ])('packet %i over %i channels goes to channel %i', (packet, channels, channel) => {
    expect(channelOfPacket(packet, channels)).toBe(channel)
  })

  it.each([
    ['legacy', 'main'],
    ['multifd', 'channel'],
    ['none', 'normal']
  ] as const)('zero-page-detection %s → zero pages go %s', (detection, path) => {
    expect(zeroPagePath(detection)).toBe(path)
  })
})

describe('channel cost', () => {
  it.each([
    // none at 2 GiB/s: 4096 B × 1e6 / 2^31 B/s = 1.9073486328125 µs, the page itself on the wire
    ['none', 2, 0.1, 2.7, 4096, 1.9073486328125],
    // zlib at 0.1 GiB/s: 4096e6 / (0.1 × 2^30) = 38.14697265625 µs; 4096 / 2.7 = 1517.037 B
    ['zlib', 2, 0.1, 2.7, 4096 / 2.7, 38.14697265625],
    // a speed of 0 = free
    ['zstd', 2, 0, 2.9, 4096 / 2.9, 0]
  ] as const)(
    '%s: send %f GiB/s, compress %f GiB/s, ratio %f → %f B, %f µs',
    (compression, send, compress, ratio, wire, cpu) => {
      const c = channelPageCost({
        pageSize: 4096,
        compression,
        sendBytesPerS: send * GIB,
        compressBytesPerS: compress * GIB,
        ratio
      })
      expect(c.wireBytes).toBeCloseTo(wire, 9)
      expect(c.cpuUs).toBeCloseTo(cpu, 9)
    }
  )

  it.each([
    // 100 Gbit/s: 4096 B = 0.32768 µs of wire; 1.9073 µs of CPU / 1 channel: CPU-bound
    [0.32768, 1.9073486328125, 1, 1.9073486328125],
    // 4 channels: 1.9073 / 4 = 0.476837158203125 µs, still above the wire
    [0.32768, 1.9073486328125, 4, 0.476837158203125],
    // 8 channels: 0.238 µs of CPU, the wire (0.328 µs) is the bottleneck
    [0.32768, 1.9073486328125, 8, 0.32768]
  ])('wire %f µs, CPU %f µs over %i channels → %f µs per page', (wire, cpu, channels, us) => {
    expect(pooledPageUs(wire, cpu, channels)).toBeCloseTo(us, 12)
  })

  it.each([
    // 1 Gbit/s: 4104 B × 0.008 µs = 32.832 µs of wire, above 1.907 µs of CPU: the wire, exactly
    [32.832, 2, 32.832],
    // 100 Gbit/s: 4104 × 0.00008 = 0.32832 µs < 1.907 µs: CPU-bound
    [0.32832, 2, 1.9073486328125],
    // 0 = free
    [0.32832, 0, 0.32832]
  ])('single sender: wire %f µs at %f GiB/s → %f µs', (wire, gib, us) => {
    expect(singleSenderPageUs(wire, 4096, gib * GIB)).toBe(us)
  })
})
