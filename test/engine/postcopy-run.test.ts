import { describe, expect, it } from 'vitest'
import { runInThread, type EngineTestHooks } from '../../src/engine/migration/in-thread'
import { parseConfig, type LabConfigInput } from '../../src/shared/config'
import type { ReportRun } from '../../src/shared/report/model'
import type { MigrationResult, RunTelemetry } from '../../src/shared/result'

// postcopy-ram and postcopy-preempt end to end (docs/engine.md "Postcopy"): the guest
// that out-dirties its link, a 512 MiB guest rewriting 64 MiB at 64 MiB/s over a 32 MiB/s
// max-bandwidth (10 Gbit/s link, 0.2 ms RTT), where plain pre-copy never converges.

async function run(
  input: LabConfigInput,
  hooks: EngineTestHooks = {}
): Promise<{ result: MigrationResult; telemetry: RunTelemetry }> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(`${parsed.error.message} ${parsed.error.details?.join('; ')}`)
  return runInThread(parsed.config, { hooks })
}

const MIB = 1024 * 1024
const guest = (caps: Record<string, boolean>, vcpus = 1): LabConfigInput => ({
  guest: {
    'memory-mib': 512,
    vcpus,
    workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 64 / vcpus, 'working-set-mib': 64 }]
  },
  migration: {
    capabilities: caps,
    parameters: { 'max-bandwidth': 32 * MIB },
    policy: caps['postcopy-ram'] ? { 'postcopy-after-syncs': 3 } : {}
  }
})

function figures(label: string, r: MigrationResult): void {
  console.log(
    `${label}: status ${r.status}, verified ${r.lab.verified}, total ${r['total-time']} ms, ` +
      `downtime ${r.downtime} ms, guest pause ${r.lab['guest-pause-ms']} ms, ` +
      `postcopy-bytes ${r.ram['postcopy-bytes']}, postcopy-requests ${r.ram['postcopy-requests']}, ` +
      `postcopy-blocktime ${r['postcopy-blocktime']} ms, postcopy-vcpu-blocktime ${JSON.stringify(r['postcopy-vcpu-blocktime'])}`
  )
}

describe('postcopy on a guest that out-dirties the link', () => {
  it('plain pre-copy never converges; postcopy after 3 syncs and postcopy-preempt complete, verified', async () => {
    const plain = (await run(guest({}))).result
    expect(plain.status).toBe('cancelled')
    expect(plain.lab.outcome).toMatchObject({ kind: 'max-iterations' })
    const { result: pc, telemetry } = await run(guest({ 'postcopy-ram': true }))
    const { result: pre } = await run(guest({ 'postcopy-ram': true, 'postcopy-preempt': true }))
    figures('postcopy', pc)
    figures('postcopy-preempt', pre)
    for (const r of [pc, pre]) {
      expect(r.status).toBe('completed')
      expect(r.lab.verified).toBe(true)
      expect(r.lab['mismatched-pages']).toBe(0)
      expect(r.lab.outcome).toMatchObject({ kind: 'postcopy', 'dirty-sync-count': 3 })
      expect(r.ram.remaining).toBe(0)
      // The pages still dirty at the switch (most of the 64 MiB working set) went in postcopy.
      expect(r.ram['postcopy-bytes']).toBeGreaterThan(50e6)
      expect(r.ram['postcopy-requests']).toBeGreaterThan(0)
      // The switch itself is short: stop 5 ms + sync 0.5 ms + discard + device state (~0.23 ms),
      // far below the 300 ms limit plain pre-copy could never reach.
      expect(r.downtime).toBeCloseTo(5.734, 3)
      // The price is the guest's: it waited for pages (one vCPU: all vCPUs down = that vCPU).
      expect(r['postcopy-blocktime']).toBeGreaterThan(0)
      expect(r['postcopy-vcpu-blocktime']).toEqual([r['postcopy-blocktime']])
    }
    // Without preempt a request waits behind up to 4 MiB of background push (3.4 ms at
    // 10 Gbit/s); with preempt it costs about one round trip, so the guest is blocked less.
    expect(pc['postcopy-blocktime']).toBe(13)
    expect(pre['postcopy-blocktime']).toBe(7)
    expect(pre['postcopy-blocktime']!).toBeLessThan(pc['postcopy-blocktime']!)
    // The lanes show the background push and the vCPU's faults.
    expect(telemetry.timeline.some((e) => e.lane === 'migration' && e.state === 'postcopy-active')).toBe(true)
    expect(telemetry.timeline.some((e) => e.lane === 'vcpu-0' && e.state === 'page-fault')).toBe(true)
    expect(
      telemetry.timeline.some((e) => e.lane === 'migration' && e.detail === 'migrate-start-postcopy')
    ).toBe(true)
  })

  it('four vCPUs fault and wake independently; every vCPU has its blocktime; verified', async () => {
    const { result } = await run(guest({ 'postcopy-ram': true }, 4))
    figures('postcopy, 4 vCPUs', result)
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    const perVcpu = result['postcopy-vcpu-blocktime'] ?? []
    expect(perVcpu).toHaveLength(4)
    for (const ms of perVcpu) expect(ms).toBeGreaterThan(0)
    // All four down at once is rarer than any one of them down.
    expect(result['postcopy-blocktime']).toBeLessThanOrEqual(Math.min(...perVcpu))
  })

  it('the oracle fails when postcopy_start sends no discard bitmap (fault injection)', async () => {
    const { result } = await run(guest({ 'postcopy-ram': true }), { skipPostcopyDiscard: true })
    // The destination takes its stale copies of the pages dirtied since their last send as
    // present and the guest reads them before their last version arrives.
    expect(result.lab.verified).toBe(false)
    expect(result.lab['mismatched-pages']).toBeGreaterThan(0)
    expect(result.lab.reason).toMatch(/ORACLE: \d+ page\(s\) differ or were read on the destination before/)
  })
})

describe('the guestperf postcopy presets', () => {
  it('switch after 5 syncs and complete verified; preempt blocks the guest less', async () => {
    const { CONFIG_PRESETS } = await import('../../src/shared/presets')
    const preset = (id: string): LabConfigInput => {
      const p = CONFIG_PRESETS.find((x) => x.id === id)
      if (!p) throw new Error(`no preset ${id}`)
      return p.config
    }
    const pc = (await run(preset('guestperf-postcopy'))).result
    const pre = (await run(preset('guestperf-postcopy-preempt'))).result
    figures('guestperf postcopy', pc)
    figures('guestperf postcopy-preempt', pre)
    for (const r of [pc, pre]) {
      expect(r.status).toBe('completed')
      expect(r.lab.verified).toBe(true)
      expect(r.lab.outcome).toMatchObject({ kind: 'postcopy', 'dirty-sync-count': 5 })
    }
    // The stress guest writes in sweep order behind the background push, which outruns it
    // (1 GiB/s of writes, 10 Gbit/s link): it hardly faults, with or without preempt.
    expect(pre['postcopy-blocktime']!).toBeLessThanOrEqual(pc['postcopy-blocktime']!)
  })
})

describe('the report on a postcopy run', () => {
  it('says the downtime is the switch alone and names the blocked time and requests', async () => {
    const { interpretRun } = await import('../../src/shared/report/interpret')
    const parsed = parseConfig(guest({ 'postcopy-ram': true }))
    if (!parsed.ok) throw new Error('config')
    const { result } = await runInThread(parsed.config, {})
    const run: ReportRun = {
      record: { status: 'completed' } as ReportRun['record'],
      result,
      config: parsed.config as unknown as Record<string, unknown>,
      iterations: result.lab.iterations,
      progress: [],
      throughput: []
    }
    const text = interpretRun(run)
    expect(text.verdict).toBe('converged')
    expect(text.headline).toMatch(/^Completed in postcopy: migrate-start-postcopy went at dirty sync 3/)
    expect(text.paragraphs.join(' ')).toMatch(/7 page requests over the return path/)
    expect(text.paragraphs.join(' ')).toMatch(/postcopy-blocktime/)
  })
})
