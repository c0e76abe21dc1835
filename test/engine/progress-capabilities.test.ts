import { describe, expect, it } from 'vitest'
import { runInThread } from '../../src/engine/migration/in-thread'
import { parseConfig } from '../../src/shared/config'
import { findPreset } from '../../src/shared/presets'
import type { MigrationResult, ProgressSample, RunTelemetry } from '../../src/shared/result'

// The capabilities' counters in the progress samples (the Live view's XBZRLE, multifd, postcopy
// and dirty-limit charts): present only with the capability, cumulative (never falling), and at
// the run's end equal to what the result reports.

async function runPreset(id: string): Promise<{ result: MigrationResult; telemetry: RunTelemetry }> {
  const preset = findPreset(id)
  if (!preset) throw new Error(`no preset ${id}`)
  const parsed = parseConfig(preset.config)
  if (!parsed.ok) throw new Error(`${parsed.error.message} ${parsed.error.details?.join('; ')}`)
  return runInThread(parsed.config)
}

const CAPABILITY_KEYS = [
  'xbzrle-pages',
  'xbzrle-cache-miss',
  'xbzrle-overflow',
  'xbzrle-bytes',
  'multifd-channel-bytes',
  'postcopy-requests',
  'dirty-limit-throttle-us-per-full'
] as const

function presentKeys(progress: readonly ProgressSample[]): string[] {
  return CAPABILITY_KEYS.filter((k) => progress.some((p) => p[k] !== undefined))
}

function nonDecreasing(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v >= values[i - 1])
}

describe('progress samples of a run with a capability', () => {
  it('carry no capability field without a capability', async () => {
    const { telemetry } = await runPreset('guestperf-defaults')
    expect(telemetry.progress.length).toBeGreaterThan(10)
    expect(presentKeys(telemetry.progress)).toEqual([])
  })

  it('XBZRLE: cumulative cache hits, misses, overflows and bytes ending at the xbzrle-cache counters', async () => {
    const { result, telemetry } = await runPreset('xbzrle-small-writes')
    const progress = telemetry.progress
    expect(presentKeys(progress)).toEqual([
      'xbzrle-pages',
      'xbzrle-cache-miss',
      'xbzrle-overflow',
      'xbzrle-bytes'
    ])
    for (const key of ['xbzrle-pages', 'xbzrle-cache-miss', 'xbzrle-overflow', 'xbzrle-bytes'] as const)
      expect(nonDecreasing(progress.map((p) => p[key] ?? NaN)), key).toBe(true)
    const last = progress[progress.length - 1]
    const cache = result['xbzrle-cache']!
    expect(last['xbzrle-pages']).toBe(cache.pages)
    expect(last['xbzrle-cache-miss']).toBe(cache['cache-miss'])
    expect(last['xbzrle-overflow']).toBe(cache.overflow)
    expect(last['xbzrle-bytes']).toBe(cache.bytes)
    // The first pass only fills the cache (misses); hits come in later rounds.
    expect(cache.pages).toBeGreaterThan(1000)
    const firstHit = progress.findIndex((p) => (p['xbzrle-pages'] ?? 0) > 0)
    expect(firstHit).toBeGreaterThan(0)
    expect(progress[firstHit - 1]['xbzrle-cache-miss']).toBeGreaterThan(0)
  })

  it('multifd: each channel’s bytes so far, ending at lab.multifd-channels', async () => {
    const { result, telemetry } = await runPreset('guestperf-multifd')
    const progress = telemetry.progress
    expect(presentKeys(progress)).toEqual(['multifd-channel-bytes'])
    const channels = result.lab['multifd-channels']!
    expect(channels).toHaveLength(4)
    for (const p of progress) expect(p['multifd-channel-bytes']).toHaveLength(4)
    for (let c = 0; c < 4; c++)
      expect(nonDecreasing(progress.map((p) => p['multifd-channel-bytes']![c]))).toBe(true)
    expect(progress[progress.length - 1]['multifd-channel-bytes']).toEqual(channels.map((c) => c.bytes))
  })

  it('postcopy: page requests so far, 0 until the switch, ending at ram.postcopy-requests', async () => {
    const { result, telemetry } = await runPreset('postcopy-out-dirtying')
    const progress = telemetry.progress
    expect(presentKeys(progress)).toEqual(['postcopy-requests'])
    expect(nonDecreasing(progress.map((p) => p['postcopy-requests']!))).toBe(true)
    for (const p of progress) if (p.status === 'active') expect(p['postcopy-requests']).toBe(0)
    expect(result.ram['postcopy-requests']).toBeGreaterThan(0)
    expect(progress[progress.length - 1]['postcopy-requests']).toBe(result.ram['postcopy-requests'])
  })

  it('dirty-limit: each vCPU’s sleep per full ring, 0 until the limit starts, ending at the reported maximum', async () => {
    const { result, telemetry } = await runPreset('guestperf-dirty-limit')
    const progress = telemetry.progress
    expect(presentKeys(progress)).toEqual(['dirty-limit-throttle-us-per-full'])
    expect(progress[0]['dirty-limit-throttle-us-per-full']).toEqual([0])
    const last = progress[progress.length - 1]['dirty-limit-throttle-us-per-full']!
    expect(Math.max(...last)).toBe(result['dirty-limit-throttle-time-per-round'])
    expect(Math.max(...last)).toBeGreaterThan(0)
  })
})
