import { describe, expect, it } from 'vitest'
import { runInThread, type EngineTestHooks } from '../../src/engine/migration/in-thread'
import { parseConfig, type LabConfigInput } from '../../src/shared/config'
import { CONFIG_PRESETS } from '../../src/shared/presets'
import type { MigrationResult } from '../../src/shared/result'

// multifd end to end (docs/engine.md "multifd"). The figure: a CPU-bound sender — no rate
// limit, a 100 Gbit/s link, 16 GiB of non-zero memory — finishes ~4× faster on 4 channels than
// on 1. With the defaults one channel thread sends 2 GiB/s (host.multifd-channel-gib-per-s) and
// the link carries 100e9 / 8 bytes/s = 11.64 GiB/s, so 1 and 4 channels (2 and 8 GiB/s) are
// both CPU-bound:
//   1 channel:  4 194 304 pages × 4096 B / 2 GiB/s = 8.0 s of RAM, + setup and switchover
//   4 channels: 4 194 304 pages × 4096 B / 8 GiB/s = 2.0 s of RAM, + the same fixed costs

async function run(input: LabConfigInput, hooks: EngineTestHooks = {}): Promise<MigrationResult> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(`${parsed.error.message} ${parsed.error.details?.join('; ')}`)
  return (await runInThread(parsed.config, { hooks })).result
}

const GIB = 1024 ** 3
const cpuBound = (
  caps: Record<string, boolean>,
  parameters: Record<string, number | string> = {}
): LabConfigInput => ({
  guest: { 'memory-mib': 16 * 1024, vcpus: 1, 'zero-fraction': 0, workloads: [{ pattern: 'idle' }] },
  network: { 'bandwidth-mbps': 100_000 },
  migration: { capabilities: caps, parameters: { 'max-bandwidth': 0, ...parameters } }
})

describe('multifd: a CPU-bound sender', () => {
  it('finishes ~4× faster on 4 channels than on 1 (16 GiB, 100 Gbit/s, no rate limit)', async () => {
    const one = await run(cpuBound({ multifd: true }, { 'multifd-channels': 1 }))
    const four = await run(cpuBound({ multifd: true }, { 'multifd-channels': 4 }))
    const plain = await run(cpuBound({}))
    const speedup = one['total-time'] / four['total-time']
    console.log(
      `multifd figure: plain ${plain['total-time']} ms, 1 channel ${one['total-time']} ms, ` +
        `4 channels ${four['total-time']} ms, speed-up ${speedup.toFixed(2)}×`
    )
    for (const r of [one, four, plain]) {
      expect(r.status).toBe('completed')
      expect(r.lab.verified).toBe(true)
      expect(r.ram.normal).toBe((16 * GIB) / 4096)
    }
    // 8.0 s and 2.0 s of RAM (comment above) plus the same fixed setup/switchover costs.
    expect(one['total-time']).toBeGreaterThan(8000)
    expect(one['total-time']).toBeLessThan(8200)
    expect(four['total-time']).toBeGreaterThan(2000)
    expect(four['total-time']).toBeLessThan(2200)
    expect(speedup).toBeGreaterThan(3.7)
    expect(speedup).toBeLessThan(4.01)
    // The single-threaded sender at 2 GiB/s (host.sender-gib-per-s) is as CPU-bound as 1 channel.
    expect(plain['total-time']).toBeGreaterThan(8000)
    expect(plain['total-time']).toBeLessThan(8200)
    expect(plain.ram['multifd-bytes']).toBe(0)
    // Every page went over the channels: page data + one 1344-byte packet (320 + 8 × 128) per
    // 128 pages + SYNC packets; the main channel carries only headers, flags and device state.
    const data = 16 * GIB
    const packets = (16 * GIB) / 4096 / 128
    expect(four.ram['multifd-bytes']).toBeGreaterThanOrEqual(data + packets * 1344)
    expect(four.ram['multifd-bytes']).toBeLessThan(data + packets * 1344 + 100 * 4 * 1344)
    expect(four.ram.transferred - four.ram['multifd-bytes']).toBeLessThan(1024 * 1024)
    // Round-robin packets: the four channels carry equal shares.
    const channels = four.lab['multifd-channels'] ?? []
    expect(channels.map((c) => c.channel)).toEqual([0, 1, 2, 3])
    expect(channels.reduce((s, c) => s + c.bytes, 0)).toBe(four.ram['multifd-bytes'])
    for (const c of channels) expect(c.pages).toBe((16 * GIB) / 4096 / 4)
  })
})

const small = (
  caps: Record<string, boolean>,
  parameters: Record<string, number | string> = {}
): LabConfigInput => ({
  guest: {
    'memory-mib': 512,
    vcpus: 1,
    'zero-fraction': 0.5,
    workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 16, 'working-set-mib': 64 }]
  },
  migration: { capabilities: caps, parameters }
})

describe('multifd: rate limit, zero pages, compression, oracle', () => {
  it('max-bandwidth caps the sum of the channels (migration_rate_exceeded counts multifd bytes)', async () => {
    // 512 MiB, half zero, at the default 128 MiB/s cap: the non-zero half (256 MiB) takes ≥ 2 s
    // on 1 channel and on 8 alike — more channels do not raise a shared limit.
    const one = await run(small({ multifd: true }, { 'multifd-channels': 1 }))
    const eight = await run(small({ multifd: true }, { 'multifd-channels': 8 }))
    for (const r of [one, eight]) {
      expect(r.status).toBe('completed')
      expect(r.lab.verified).toBe(true)
      expect(r['total-time']).toBeGreaterThan(2000)
    }
    expect(Math.abs(one['total-time'] - eight['total-time'])).toBeLessThan(one['total-time'] * 0.05)
  })

  it('zero-page-detection: multifd finds zero pages in the channels, legacy on the main channel, none sends them', async () => {
    const inChannel = await run(small({ multifd: true }, { 'zero-page-detection': 'multifd' }))
    const legacy = await run(small({ multifd: true }, { 'zero-page-detection': 'legacy' }))
    const none = await run(small({ multifd: true }, { 'zero-page-detection': 'none' }))
    const zeroPages = (256 * 1024 * 1024) / 4096
    // multifd: zero pages are counted (duplicate) and carry no data: only their offsets.
    expect(inChannel.ram.duplicate).toBe(zeroPages)
    // legacy: save_zero_page on the migration thread, a 9-byte record each on the main channel.
    expect(legacy.ram.duplicate).toBe(zeroPages)
    expect(legacy.ram['multifd-bytes']).toBeLessThan(inChannel.ram['multifd-bytes'])
    expect(legacy.ram.transferred - legacy.ram['multifd-bytes']).toBeGreaterThan(zeroPages * 9)
    // none: every zero page goes as a whole page through the channels.
    expect(none.ram.duplicate).toBe(0)
    expect(none.ram['multifd-bytes']).toBeGreaterThan(inChannel.ram['multifd-bytes'] + zeroPages * 4096)
    for (const r of [inChannel, legacy, none]) expect(r.lab.verified).toBe(true)
  })

  it('zstd sends ~1/2.9 of the page bytes; zlib at 0.1 GiB/s per channel makes the sender CPU-bound', async () => {
    const big = (compression: string, channels: number): LabConfigInput => ({
      ...cpuBound({ multifd: true }, { 'multifd-compression': compression, 'multifd-channels': channels }),
      guest: { 'memory-mib': 2048, vcpus: 1, 'zero-fraction': 0, workloads: [{ pattern: 'idle' }] }
    })
    const none = await run(big('none', 2))
    const zstd = await run(big('zstd', 2))
    const zlib = await run(big('zlib', 2))
    // 2 GiB / 2.9 ≈ 0.69 GiB of data; 2 GiB at 2 × 0.1 GiB/s of zlib ≈ 10 s; zstd 2 × 0.47 → 2.1 s.
    expect(zstd.ram['multifd-bytes'] / none.ram['multifd-bytes']).toBeCloseTo(1 / 2.9, 2)
    expect(zlib['total-time']).toBeGreaterThan(10_000)
    expect(zlib['total-time']).toBeLessThan(10_300)
    expect(zstd['total-time']).toBeGreaterThan(2100)
    expect(zstd['total-time']).toBeLessThan(2300)
    for (const r of [none, zstd, zlib]) expect(r.lab.verified).toBe(true)
  })

  it('the oracle catches pages the channels never delivered (fault hook multifdSkipFinalSync)', async () => {
    const cfg = small({ multifd: true })
    const good = await run(cfg)
    const bad = await run(cfg, { multifdSkipFinalSync: true })
    expect(good.lab.verified).toBe(true)
    expect(bad.status).toBe('completed')
    expect(bad.lab.verified).toBe(false)
    expect(bad.lab['mismatched-pages']).toBeGreaterThan(0)
    expect(bad.lab.reason).toContain('ORACLE')
  })
})

describe('multifd presets (guestperf comparison)', () => {
  it('guestperf multifd completes like guestperf defaults (the 10 Gbit/s link is the limit); zstd sends ~1/6 of the bytes and finishes first', async () => {
    const preset = (id: string): LabConfigInput => {
      const p = CONFIG_PRESETS.find((x) => x.id === id)
      if (!p) throw new Error(id)
      return p.config
    }
    const plain = await run(preset('guestperf-defaults'))
    const multifd = await run(preset('guestperf-multifd'))
    const zstd = await run(preset('guestperf-multifd-zstd'))
    console.log(
      `guestperf presets: defaults ${plain.status} ${plain['total-time']} ms ${plain.ram.transferred} B; ` +
        `multifd ${multifd.status} ${multifd['total-time']} ms ${multifd.ram.transferred} B; ` +
        `zstd ${zstd.status} ${zstd['total-time']} ms ${zstd.ram.transferred} B`
    )
    for (const r of [plain, multifd, zstd]) expect(r.lab.verified).toBe(true)
    expect(multifd.ram['multifd-bytes']).toBeGreaterThan(0)
    expect(zstd.ram['multifd-bytes']).toBeLessThan(multifd.ram['multifd-bytes'])
    // The link (1.16 GiB/s) is below 4 channels × 2 GiB/s, so 4 channels change little; with zstd
    // the 4 × 0.47 GiB/s of compression is the pace, above what the link carries uncompressed.
    expect(Math.abs(multifd['total-time'] - plain['total-time'])).toBeLessThan(plain['total-time'] * 0.05)
    expect(zstd['total-time']).toBeLessThan(plain['total-time'] / 2)
  })
})
