import { describe, expect, it } from 'vitest'
import { runInThread } from '../../src/engine/migration/in-thread'
import { parseConfig, type LabConfigInput } from '../../src/shared/config'
import { CONFIG_PRESETS } from '../../src/shared/presets'
import type { MigrationResult, RunTelemetry } from '../../src/shared/result'

// dirty-limit end to end (docs/engine.md "Dirty-limit"): the guest that out-dirties its
// link, a 512 MiB guest rewriting 64 MiB at 64 MiB/s over a 32 MiB/s max-bandwidth.

async function run(input: LabConfigInput): Promise<{ result: MigrationResult; telemetry: RunTelemetry }> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(`${parsed.error.message} ${parsed.error.details?.join('; ')}`)
  return runInThread(parsed.config, {})
}

const MIB = 1024 * 1024
const guest = (caps: Record<string, boolean>, parameters: Record<string, number> = {}): LabConfigInput => ({
  guest: {
    'memory-mib': 512,
    vcpus: 1,
    'dirty-ring-size': 4096,
    workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 64, 'working-set-mib': 64 }]
  },
  migration: { capabilities: caps, parameters: { 'max-bandwidth': 32 * MIB, ...parameters } }
})

describe('dirty-limit on a guest that out-dirties the link', () => {
  it('plain pre-copy never converges: the iteration policy cancels it', async () => {
    const { result } = await run(guest({}))
    // 64 MiB/s of writes against 32 MiB/s of link: every pass leaves ~1.5 s of expected downtime.
    expect(result.status).toBe('cancelled')
    expect(result.lab.outcome).toMatchObject({ kind: 'max-iterations', 'dirty-sync-count': 31 })
    expect(result['dirty-limit-throttle-time-per-round']).toBeUndefined()
    expect(result.lab.verified).toBe(true)
  })

  it('dirty-limit at 8 MB/s slows the vCPU through its ring and completes, verified', async () => {
    const plain = (await run(guest({}))).result
    const { result, telemetry } = await run(guest({ 'dirty-limit': true }, { 'vcpu-dirty-limit': 8 }))
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    expect(result.lab['mismatched-pages']).toBe(0)
    expect(result.downtime).toBeLessThan(300)
    // The limit's first step (dirtylimit_set_throttle): 64 MB/s against a quota of 8 with a
    // 16 MiB ring: ring-full 250,000 µs, sleep_pct 87, ⌊250,000 × 87 / 13⌋ = 1,673,076 µs per
    // ring-full exit; later periods see 0 or 13 MB/s, within 25 of the quota, and keep it.
    expect(result['dirty-limit-throttle-time-per-round']).toBe(1_673_076)
    expect(result['dirty-limit-ring-full-time']).toBeGreaterThanOrEqual(0)
    // Far fewer bytes than the run that never converged.
    expect(result.ram.transferred).toBeLessThan(plain.ram.transferred / 2)
    // The lanes show where the limit started and the vCPU's ring-full sleeps.
    expect(
      telemetry.timeline.some((e) => e.lane === 'migration' && e.detail === 'dirty-limit 8 MB/s per vCPU')
    ).toBe(true)
    expect(
      telemetry.timeline.some(
        (e) => e.lane === 'vcpu-0' && e.state === 'throttled' && e.detail === 'dirty-limit'
      )
    ).toBe(true)
  })
})

describe('the preset guestperf dirty-limit, beside guestperf auto-converge', () => {
  it('both complete verified; dirty-limit takes its first step at the 1 MB/s quota', async () => {
    const preset = (id: string) => CONFIG_PRESETS.find((p) => p.id === id)!.config
    const ac = (await run(preset('guestperf-auto-converge'))).result
    const dl = (await run(preset('guestperf-dirty-limit'))).result
    expect([ac.status, dl.status]).toEqual(['completed', 'completed'])
    expect([ac.lab.verified, dl.lab.verified]).toEqual([true, true])
    expect(ac['cpu-throttle-percentage']).toBe(20)
    expect(dl['cpu-throttle-percentage']).toBeUndefined()
    // The stress guest writes 1024 MB/s: ring-full 16e6 / 1024 = 15,625 µs; sleep_pct
    // ⌊1023 × 100 / 1024⌋ = 99; Δ = 15,625 × 99 / 1 = 1,546,875 = the clamp 99 × ring-full.
    expect(dl['dirty-limit-throttle-time-per-round']).toBe(1_546_875)
    expect(dl['dirty-limit-ring-full-time']).toBe(15_625)
  })
})
