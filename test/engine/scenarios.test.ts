import { describe, expect, it } from 'vitest'
import { runInThread, type EngineTestHooks } from '../../src/engine/migration/in-thread'
import { parseConfig, type LabConfigInput } from '../../src/shared/config'
import type { MigrationResult, RunTelemetry } from '../../src/shared/result'

// Whole migrations in one thread (vCPU simulators linked directly to the migration thread), with
// answers derived in closed form from docs/qemu-rules.md where one exists.

async function run(
  input: LabConfigInput,
  opts: { seed?: number; hooks?: EngineTestHooks } = {}
): Promise<{ result: MigrationResult; telemetry: RunTelemetry }> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(`${parsed.error.message} ${parsed.error.details?.join('; ')}`)
  return runInThread(parsed.config, opts)
}

/** A number written the way the engine's reasons write it (mb: 1 decimal of 10⁶ bytes). */
const mb = (bytes: number) => (bytes / 1e6).toFixed(1)
const ms1 = (ms: number) => ms.toFixed(1)

/** The result without the one field that is not deterministic. */
function comparable(result: MigrationResult): MigrationResult {
  return { ...result, lab: { ...result.lab, 'wall-time-ms': 0 } }
}

const idleGiB: LabConfigInput = { guest: { 'memory-mib': 1024, vcpus: 1, workloads: [{ pattern: 'idle' }] } }

describe('an idle guest', () => {
  it('goes over in one pass at max-bandwidth and switches over with part of the pass unsent (§17)', async () => {
    const { result } = await run(idleGiB)
    // 1 GiB = 262,144 pages of 4,104 wire bytes. Each 100 ms window sends 3,271 pages: the budget
    // 13,421,772 B / 4,104 = 3,270.4, and the page that crosses it still goes (§3.1). The
    // threshold is then 134,259 B/ms × 300 ms ≈ 40.28 MB = 9,833 pages: after 77 windows 10,277
    // pages remain (too many), after 78 windows 7,006 — the lazy sync at 7,800 ms finds nothing
    // new and completion starts after its 1 ms hold; the final sync follows the 5 ms stop.
    expect(result.status).toBe('completed')
    expect(result.lab.iterations.map((i) => [i.trigger, i['time-ms']])).toEqual([
      ['setup', 1],
      ['lazy', 7800],
      ['final', 7806]
    ])
    expect(result.ram['dirty-sync-count']).toBe(3)
    expect(result.lab.iterations[1]['remaining-pages']).toBe(7006)
    // Downtime: stop 5 ms + final sync 1 ms + 7,006 × 4,104 B at 1.25 GB/s (23.0 ms) + 256 KiB
    // of device state (0.21 ms) = 29.2 ms: far below the limit, because the last part runs at
    // link speed (§10.5, §15.2).
    expect(result.downtime).toBeCloseTo(29.212, 1)
    expect(result.lab['downtime-breakdown']['ram-ms']).toBeCloseTo(23.0, 1)
    expect(result['total-time']).toBeCloseTo(7801 + 29.2, 0)
    expect(result.ram.normal).toBe(262_144)
    expect(result.ram.duplicate).toBe(0)
    expect(result.ram['dirty-pages-rate']).toBe(0)
    // Every page went once: the RAM bytes are 262,144 × 4,104 plus 18 bytes per iterate call.
    expect(result.ram['precopy-bytes'] + result.ram['downtime-bytes']).toBeGreaterThanOrEqual(262_144 * 4104)
    expect(result.ram['precopy-bytes'] + result.ram['downtime-bytes']).toBeLessThan(262_144 * 4104 * 1.0001)
    expect(result.ram['downtime-bytes']).toBe(7006 * 4104 + 8)
    expect(result.lab.verified).toBe(true)
    expect(result.lab['mismatched-pages']).toBe(0)
    // The reason as data: the same numbers, the same rounding (DESIGN.md §4).
    const outcome = result.lab.outcome
    if (outcome?.kind !== 'converged') throw new Error(`expected a converged outcome, got ${outcome?.kind}`)
    expect(outcome['pending-bytes']).toBe(7006 * 4096)
    expect(outcome['pending-bytes']).toBeLessThan(outcome['threshold-bytes'])
    expect(outcome['dirty-sync-count']).toBe(2)
    expect(outcome['downtime-ms']).toBe(Number(ms1(result.downtime ?? NaN)))
    expect(outcome['downtime-limit-ms']).toBe(300)
    expect(result.lab.reason).toBe(
      `completed: pending ${mb(outcome['pending-bytes'])} MB fell below the threshold ` +
        `${mb(outcome['threshold-bytes'])} MB at dirty-sync-count 2; ` +
        `downtime ${ms1(outcome['downtime-ms'])} ms (limit 300 ms)`
    )
  })

  it('sends zero pages as 9-byte records, so doubling an idle guest with zero memory costs little (§17)', async () => {
    const zeroHalf = await run({
      guest: { 'memory-mib': 2048, vcpus: 1, 'zero-fraction': 0.5, workloads: [{ pattern: 'idle' }] }
    })
    const full = await run(idleGiB)
    expect(zeroHalf.result.ram.duplicate).toBe(262_144)
    expect(zeroHalf.result.ram.normal).toBe(262_144)
    // 262,144 extra zero pages × 9 bytes = 2.36 MB more on the wire.
    const extra = zeroHalf.result.ram.transferred - full.result.ram.transferred
    expect(extra).toBeGreaterThan(262_144 * 9)
    expect(extra).toBeLessThan(262_144 * 9 + 100_000)
    // The sender's buffer_is_zero scan (10 GiB/s) costs ~0.1 s; the wire time barely moves.
    expect(zeroHalf.result['total-time'] - full.result['total-time']).toBeLessThan(300)
    expect(zeroHalf.result.lab.verified).toBe(true)
  })
})

describe('a hot set that never fits the threshold', () => {
  it('is cancelled by policy with expected-downtime ≈ hot set / bandwidth (§2.4, §14)', async () => {
    // 2 GiB/s of writes all inside a 128 MiB hot set: each pass (≈0.7 s) rewrites every hot page,
    // so every sync finds the whole hot set dirty again: 134,217,728 B / 134,242 B/ms ≈ 1,000 ms,
    // above the 300 ms limit for ever. QEMU would iterate for ever; the lab gives up after 30 syncs.
    const { result } = await run({
      guest: {
        'memory-mib': 1024,
        vcpus: 1,
        workloads: [
          {
            pattern: 'hotspot',
            'dirty-rate-mibps': 2048,
            'working-set-mib': 512,
            'hot-set-mib': 128,
            'hot-fraction': 1
          }
        ]
      }
    })
    expect(result.status).toBe('cancelled')
    expect(result.lab.converged).toBe(false)
    expect(result.lab.reason).toMatch(/dirty-sync-count 31 exceeded max-iterations 30/)
    expect(result.lab.reason).toMatch(/expected-downtime \d+\.\d ms vs downtime-limit 300 ms/)
    expect(result.lab.outcome).toEqual({
      kind: 'max-iterations',
      'dirty-sync-count': 31,
      'max-iterations': 30,
      'expected-downtime-ms': Number(ms1(result['expected-downtime'])),
      'downtime-limit-ms': 300
    })
    expect(result.lab.reason).toBe(
      `cancelled by lab policy: dirty-sync-count 31 exceeded max-iterations 30; ` +
        `expected-downtime ${ms1(result['expected-downtime'])} ms vs downtime-limit 300 ms`
    )
    expect(result['expected-downtime']).toBeGreaterThan(900)
    expect(result['expected-downtime']).toBeLessThan(1010)
    expect(result.downtime).toBeUndefined()
    // The remaining bytes stay flat pass after pass (§17).
    const remaining = result.lab.iterations.slice(5).map((i) => i['remaining-pages'])
    expect(Math.max(...remaining) / Math.min(...remaining)).toBeLessThan(1.05)
    // No switchover; the oracle still checks that the destination lags only where the
    // migration thread knows it does (oracle.ts).
    expect(result.lab.verified).toBe(true)
    expect(result.lab['mismatched-pages']).toBe(0)
  })

  it('is cancelled after max-time-ms of virtual time', async () => {
    const { result } = await run({
      guest: { 'memory-mib': 4096, vcpus: 1 },
      migration: { policy: { 'max-time-ms': 5000 } }
    })
    expect(result.status).toBe('cancelled')
    expect(result.lab.reason).toMatch(/virtual time 5\d{3}\.\d ms exceeded max-time-ms 5000/)
    const outcome = result.lab.outcome
    if (outcome?.kind !== 'max-time') throw new Error(`expected a max-time outcome, got ${outcome?.kind}`)
    expect(outcome['max-time-ms']).toBe(5000)
    expect(outcome['virtual-time-ms']).toBe(Number(ms1(result['total-time'])))
    expect(outcome['virtual-time-ms']).toBeGreaterThan(5000)
    expect(outcome['downtime-limit-ms']).toBe(300)
    expect(result.lab.reason).toBe(
      `cancelled by lab policy: virtual time ${ms1(outcome['virtual-time-ms'])} ms exceeded max-time-ms 5000; ` +
        `expected-downtime ${ms1(outcome['expected-downtime-ms'])} ms vs downtime-limit 300 ms`
    )
    expect(result['total-time']).toBeGreaterThan(5000)
    expect(result['total-time']).toBeLessThan(5101)
  })
})

describe('a converging uniform workload', () => {
  // 32 MiB/s of random writes over 1 GiB (25 % of the 128 MiB/s bandwidth) in a 2 GiB guest.
  const converging: LabConfigInput = {
    guest: { 'memory-mib': 2048, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 32, 'working-set-mib': 1024 }] }
  }

  it('needs about 6 syncs at a dirty rate of a quarter of the bandwidth (§17)', async () => {
    const { result } = await run(converging)
    expect(result.status).toBe('completed')
    expect(result.ram['dirty-sync-count']).toBeGreaterThanOrEqual(5)
    expect(result.ram['dirty-sync-count']).toBeLessThanOrEqual(7)
    expect(result.downtime).toBeLessThan(300)
    expect(result.lab.verified).toBe(true)
  })

  it('finds W·(1 − e^(−R·T/W)) newly dirty pages at the first lazy sync (§17)', async () => {
    const { result } = await run(converging)
    const first = result.lab.iterations[1]
    // W = 262,144 pages, R = 8,192 pages/s, T = the sync time. Pages dirtied before their first
    // send are not new (§4.1), so the count is below the whole dirty set but most of it, because
    // the sweep runs ahead of most writes only at its start.
    const t = first['time-ms'] / 1000
    const dirtySet = 262_144 * (1 - Math.exp((-8192 * t) / 262_144))
    expect(first['dirty-pages']).toBeLessThan(dirtySet)
    expect(first['dirty-pages']).toBeGreaterThan(0.6 * dirtySet)
    // Each later pass is shorter, so each sync finds fewer pages.
    const found = result.lab.iterations.filter((i) => i.trigger === 'lazy').map((i) => i['dirty-pages'])
    for (let i = 1; i < found.length; i++) expect(found[i]).toBeLessThan(found[i - 1])
  })

  it('reports the pages per sync, the BQL holds and the guest pause breakdown', async () => {
    const { result } = await run(converging)
    const syncs = result.ram['dirty-sync-count']
    expect(result.lab.iterations).toHaveLength(syncs)
    // One hold per sync outside completion, plus the completion's: setup, lazy syncs, completion.
    expect(result.lab.bql.holds).toBe(syncs)
    expect(result.lab.bql['held-ms']).toBeGreaterThan(result.downtime ?? 0)
    const b = result.lab['downtime-breakdown']
    expect(
      b['stop-ms'] + b['final-sync-ms'] + b['ram-ms'] + b['device-state-ms'] + b['resume-ms']
    ).toBeCloseTo(result.lab['guest-pause-ms'], 6)
    // Without a return path QEMU's downtime leaves out the destination's resume (§10.1).
    expect(result.lab['guest-pause-ms'] - (result.downtime ?? 0)).toBeCloseTo(b['resume-ms'], 6)
  })
})

describe('auto-converge', () => {
  // 200 MiB/s of random writes over 256 MiB, with 128 MiB/s: each pass leaves ~115 MiB dirty.
  const hot: LabConfigInput = {
    guest: { 'memory-mib': 1024, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 200, 'working-set-mib': 256 }] },
    migration: { policy: { 'max-iterations': 60 } }
  }

  it('raises the throttle 20 → 30 → 40 and converges where plain precopy does not (§5)', async () => {
    const plain = await run(hot)
    expect(plain.result.status).toBe('cancelled')
    const throttled = await run({
      ...hot,
      migration: { ...hot.migration, capabilities: { 'auto-converge': true } }
    })
    expect(throttled.result.status).toBe('completed')
    expect(throttled.result.lab.verified).toBe(true)
    const steps = [...new Set(throttled.result.lab.iterations.map((i) => i['cpu-throttle-percentage']))]
    expect(steps.slice(0, 3)).toEqual([0, 20, 30])
    // cpu-throttle-initial first, then cpu-throttle-increment at a time.
    expect(steps.every((p, i) => i <= 1 || p === steps[i - 1] + 10)).toBe(true)
    expect(throttled.result['cpu-throttle-percentage']).toBe(steps[steps.length - 1])
    expect(plain.result['cpu-throttle-percentage']).toBeUndefined()
  })

  it("slows the guest's writes to about (1 − throttle) (§17)", async () => {
    const { result, telemetry } = await run({
      ...hot,
      migration: { ...hot.migration, capabilities: { 'auto-converge': true } }
    })
    const at20 = result.lab.iterations.find((i) => i['cpu-throttle-percentage'] === 20)
    const at30 = result.lab.iterations.find((i) => i['cpu-throttle-percentage'] === 30)
    if (!at20 || !at30) throw new Error('expected a throttle of 20 then 30 %')
    // Average guest throughput between the two syncs: 200 MiB/s × 0.8 = 160 MiB/s.
    const series = telemetry.throughput[0]
    const from = Math.ceil(at20['time-ms'] / 100) + 1
    const to = Math.floor(at30['time-ms'] / 100) - 1
    const buckets = series['mib-per-s'].slice(from, to)
    const mean = buckets.reduce((a, b) => a + b, 0) / buckets.length
    expect(mean).toBeGreaterThan(150)
    expect(mean).toBeLessThan(170)
    // The vCPU lane shows the throttle.
    expect(telemetry.timeline).toContainEqual(
      expect.objectContaining({ lane: 'vcpu-0', state: 'throttled', detail: '20%' })
    )
  })

  it('syncs every 5 s on its timer when a pass takes longer (§5.4)', async () => {
    // 8 GiB at 128 MiB/s: one pass takes a minute; after the first lazy sync, passes over the
    // 4 GiB working set still take > 5 s, so the timer syncs in between.
    const { result } = await run({
      guest: {
        'memory-mib': 8192,
        vcpus: 1,
        workloads: [{ 'dirty-rate-mibps': 100, 'working-set-mib': 4096 }]
      },
      migration: { capabilities: { 'auto-converge': true }, policy: { 'max-time-ms': 120_000 } }
    })
    const timer = result.lab.iterations.filter((i) => i.trigger === 'throttle-timer')
    expect(timer.length).toBeGreaterThan(0)
    // Never during the first pass (dirty-sync-count ≤ 1 skips it).
    const firstLazy = result.lab.iterations.find((i) => i.trigger === 'lazy')
    expect(timer[0]['time-ms']).toBeGreaterThan(firstLazy?.['time-ms'] ?? Infinity)
    expect(result['cpu-throttle-percentage']).toBeGreaterThanOrEqual(20)
  })
})

describe('return path (§10.1, §11)', () => {
  it("makes QEMU's downtime include the destination's load and resume", async () => {
    const base: LabConfigInput = { guest: { 'memory-mib': 1024, vcpus: 1 } }
    const without = await run(base)
    const withRp = await run({ ...base, migration: { capabilities: { 'return-path': true } } })
    // The iterations are the same; only the accounting of the end differs: + 30 ms resume
    // + 0.1 ms there + 0.1 ms back for SHUT (RTT 0.2 ms).
    expect(withRp.result.lab.iterations).toEqual(without.result.lab.iterations)
    expect((withRp.result.downtime ?? 0) - (without.result.downtime ?? 0)).toBeCloseTo(30.2, 6)
    expect(withRp.result.lab['guest-pause-ms']).toBeCloseTo(without.result.lab['guest-pause-ms'], 6)
    expect(withRp.result.downtime).toBeCloseTo(withRp.result.lab['guest-pause-ms'] + 0.1, 6)
  })

  it('waits for the switchover ACK with switchover-ack (§2.3)', async () => {
    const { result } = await run({
      ...idleGiB,
      migration: { capabilities: { 'return-path': true, 'switchover-ack': true } }
    })
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
  })
})

describe('determinism', () => {
  const workload: LabConfigInput = {
    guest: {
      'memory-mib': 1024,
      vcpus: 3,
      workloads: [
        { vcpus: [0], pattern: 'hotspot', 'dirty-rate-mibps': 48, 'working-set-mib': 256 },
        { vcpus: [1, 2], pattern: 'uniform', 'dirty-rate-mibps': 16, shared: true }
      ]
    }
  }

  it('gives the same result and telemetry for the same config and seed', async () => {
    const a = await run(workload)
    const b = await run(workload)
    expect(comparable(b.result)).toEqual(comparable(a.result))
    expect(b.telemetry).toEqual(a.telemetry)
  })

  it('changes a random workload with another seed', async () => {
    const a = await run(workload, { seed: 1 })
    const b = await run(workload, { seed: 2 })
    expect(b.result.lab.seed).toBe(2)
    expect(b.result.lab.iterations.map((i) => i['dirty-pages'])).not.toEqual(
      a.result.lab.iterations.map((i) => i['dirty-pages'])
    )
  })
})

describe('the oracle', () => {
  const writing: LabConfigInput = {
    guest: { 'memory-mib': 1024, vcpus: 2, workloads: [{ 'dirty-rate-mibps': 24, 'working-set-mib': 256 }] }
  }

  it('verifies every converged run', async () => {
    const { result } = await run(writing)
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    expect(result.lab['mismatched-pages']).toBe(0)
  })

  it('catches a vCPU whose dirty log was lost once after the first pass', async () => {
    const { result } = await run(writing, { hooks: { dropDirtyLogOfVcpu: 1 } })
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(false)
    expect(result.lab['mismatched-pages']).toBeGreaterThan(0)
    expect(result.lab.reason).toMatch(/ORACLE: \d+ page\(s\) differ at switchover/)
  })

  it('catches a skipped final sync', async () => {
    const { result } = await run(writing, { hooks: { skipFinalSync: true } })
    expect(result.lab.verified).toBe(false)
    expect(result.lab['mismatched-pages']).toBeGreaterThan(0)
  })

  // A cancelled run has no switchover, but the destination may lag only where the migration
  // thread knows it does: pages set in its bitmap, or written since the last harvest.
  // A hot set too large for the threshold (never converges) plus rare writes over the rest of a
  // large working set: a cold page whose dirty bit is lost is not rewritten before the cancel, so
  // the loss cannot heal by a later harvest.
  const neverConverges: LabConfigInput = {
    guest: {
      'memory-mib': 2048,
      vcpus: 2,
      workloads: [
        {
          pattern: 'hotspot',
          'dirty-rate-mibps': 200,
          'working-set-mib': 1000,
          'hot-set-mib': 64,
          'hot-fraction': 0.9
        }
      ]
    },
    migration: { policy: { 'max-iterations': 8 } }
  }

  it('verifies a run cancelled by policy: nothing differs that is not known to be dirty', async () => {
    const { result } = await run(neverConverges)
    expect(result.status).toBe('cancelled')
    expect(result.ram.remaining).toBeGreaterThan(0)
    expect(result.lab.verified).toBe(true)
    expect(result.lab['mismatched-pages']).toBe(0)
  })

  it('catches a lost dirty log in a run that is cancelled', async () => {
    const { result } = await run(neverConverges, { hooks: { dropDirtyLogOfVcpu: 0 } })
    expect(result.status).toBe('cancelled')
    expect(result.lab.verified).toBe(false)
    expect(result.lab['mismatched-pages']).toBeGreaterThan(0)
    expect(result.lab.reason).toMatch(
      /ORACLE: \d+ page\(s\) are stale on the destination without being marked dirty/
    )
  })

  it('has nothing to catch when the guest does not write', async () => {
    const { result } = await run(idleGiB, { hooks: { skipFinalSync: true } })
    expect(result.lab.verified).toBe(true)
  })
})

describe('telemetry', () => {
  it('samples progress every 100 ms of virtual time and shows the pause in the guest throughput', async () => {
    const { result, telemetry } = await run({
      guest: { 'memory-mib': 512, vcpus: 2, workloads: [{ vcpus: [0], 'dirty-rate-mibps': 16 }] },
      migration: { capabilities: { 'return-path': true } }
    })
    const times = telemetry.progress.map((p) => p['time-ms'])
    for (let i = 1; i < times.length - 1; i++) expect(times[i] - times[i - 1]).toBe(100)
    expect(telemetry.progress[0].status).toBe('setup')
    expect(telemetry.progress[telemetry.progress.length - 1]).toMatchObject({
      status: 'completed',
      'time-ms': result['total-time'],
      'transferred-bytes': result.ram.transferred
    })
    // vCPU 0 writes 16 MiB/s until it stops; vCPU 1 is named by no workload and stays idle.
    const [v0, v1] = telemetry.throughput
    expect(v0['mib-per-s'][10]).toBeCloseTo(16, 0)
    expect(v0['mib-per-s'][v0['mib-per-s'].length - 1]).toBeLessThan(16)
    expect(v1['mib-per-s'].every((x) => x === 0)).toBe(true)
    // Swimlanes: the migration's phases, the destination's resume, each vCPU's stop.
    const states = (lane: string): string[] =>
      telemetry.timeline.filter((e) => e.lane === lane).map((e) => e.state)
    expect(states('migration')).toEqual(
      expect.arrayContaining(['setup', 'iterating', 'syncing', 'stop-and-copy', 'done'])
    )
    expect(states('destination')).toEqual(['idle', 'loading', 'resumed'])
    expect(states('vcpu-0')[states('vcpu-0').length - 1]).toBe('stopped')
    const stop = telemetry.timeline.find((e) => e.lane === 'vcpu-0' && e.state === 'stopped')
    const resumed = telemetry.timeline.find((e) => e.lane === 'destination' && e.state === 'resumed')
    expect((resumed?.['time-ms'] ?? 0) - (stop?.['time-ms'] ?? 0)).toBeCloseTo(
      result.lab['guest-pause-ms'],
      6
    )
  })

  it('measures vCPU stalls on the BQL during syncs (§1.7)', async () => {
    // 16 GiB: each sync holds the BQL 16 ms; a vCPU exits for I/O every 5 ms, so it stalls.
    const stalls = await run({
      guest: { 'memory-mib': 16_384, vcpus: 1, workloads: [{ 'working-set-mib': 64 }] }
    })
    expect(stalls.result.lab.bql['vcpu-wait-ms']).toBeGreaterThan(0)
    expect(stalls.result.lab.bql['longest-vcpu-stall-ms']).toBeLessThanOrEqual(
      stalls.result.lab.bql['longest-hold-ms']
    )
    const none = await run({
      guest: {
        'memory-mib': 16_384,
        vcpus: 1,
        workloads: [{ 'working-set-mib': 64, 'io-exits-per-second': 0 }]
      }
    })
    expect(none.result.lab.bql['vcpu-wait-ms']).toBe(0)
  })
})

describe('edge cases', () => {
  it.each<[string, LabConfigInput, 'completed' | 'cancelled']>([
    [
      'a 1 MiB guest, sent before the first window closes',
      { guest: { 'memory-mib': 1, vcpus: 1 } },
      'completed'
    ],
    [
      'four vCPUs sweeping one shared 1 MiB set at 1 GiB/s',
      {
        guest: {
          'memory-mib': 1,
          vcpus: 4,
          workloads: [{ pattern: 'sequential', shared: true, 'dirty-rate-mibps': 1000 }]
        }
      },
      'completed'
    ],
    [
      'downtime-limit 0: only an empty pending can switch over',
      { guest: { 'memory-mib': 64, vcpus: 2 }, migration: { parameters: { 'downtime-limit': 0 } } },
      'completed'
    ],
    [
      'no rate limit on a 1 Mbit/s link',
      {
        guest: { 'memory-mib': 256, vcpus: 1 },
        migration: { parameters: { 'max-bandwidth': 0 }, policy: { 'max-time-ms': 20_000 } },
        network: { 'bandwidth-mbps': 1 }
      },
      'cancelled'
    ],
    [
      'zero-page-detection none on a mostly zero guest',
      {
        guest: { 'memory-mib': 256, 'zero-fraction': 0.99, workloads: [{ 'working-set-mib': 1 }] },
        migration: { parameters: { 'zero-page-detection': 'none' } }
      },
      'completed'
    ],
    [
      'every host cost set to 0',
      {
        guest: { 'memory-mib': 256 },
        host: {
          'sync-ms-per-gib': 0,
          'dirty-log-start-ms-per-gib': 0,
          'stop-ms': 0,
          'resume-ms': 0,
          'zero-scan-gib-per-s': 0,
          'dst-load-gib-per-s': 0
        },
        network: { 'rtt-ms': 0 }
      },
      'completed'
    ]
  ])('%s runs to an end', async (_name, input, status) => {
    const { result } = await run(input)
    expect(result.status).toBe(status)
    if (status === 'completed') expect(result.lab.verified).toBe(true)
  })

  it('sends zero pages as normal pages with zero-page-detection none (§4.5)', async () => {
    const { result } = await run({
      guest: { 'memory-mib': 64, vcpus: 1, 'zero-fraction': 0.5, workloads: [{ pattern: 'idle' }] },
      migration: { parameters: { 'zero-page-detection': 'none' } }
    })
    expect(result.ram.duplicate).toBe(0)
    expect(result.ram.normal).toBe(16_384)
  })

  it('leaves a load tail when the destination loads slower than the link', async () => {
    const base: LabConfigInput = { guest: { 'memory-mib': 512, vcpus: 1 } }
    const fast = await run(base)
    const slow = await run({ ...base, host: { 'dst-load-gib-per-s': 0.1 } })
    // Same source side; the destination needs ~10× longer for the stop-and-copy bytes.
    expect(slow.result.downtime).toBe(fast.result.downtime)
    const bytes = slow.result.ram['downtime-bytes']
    const tailMs = (bytes / (0.1 * 1024 ** 3)) * 1000 - (bytes / 1.25e9) * 1000
    expect(slow.result.lab['guest-pause-ms'] - fast.result.lab['guest-pause-ms']).toBeGreaterThan(
      tailMs * 0.99
    )
  })
})
