import { describe, expect, it } from 'vitest'
import {
  LIMITS,
  canonicalConfigJson,
  checkRunResources,
  configJsonSchema,
  defaultConfig,
  estimateRunMemory,
  parseConfig
} from '../../src/shared/config'

const GIB = 1024 ** 3

function problems(input: unknown): string[] {
  const r = parseConfig(input)
  if (r.ok) throw new Error('expected the config to be refused')
  expect(r.error.kind).toBe('Validation')
  return [...(r.error.details ?? [])]
}

describe('defaults', () => {
  it("fills QEMU's defaults (§12) and the lab's documented ones", () => {
    const c = defaultConfig()
    expect(c.migration.parameters).toMatchObject({
      'downtime-limit': 300,
      'max-bandwidth': 134_217_728,
      'avail-switchover-bandwidth': 0,
      'cpu-throttle-initial': 20,
      'cpu-throttle-increment': 10,
      'max-cpu-throttle': 99,
      'throttle-trigger-threshold': 50,
      'cpu-throttle-tailslow': false,
      'xbzrle-cache-size': 64 * 1024 * 1024,
      'multifd-channels': 2
    })
    expect(c.migration.policy).toEqual({ 'max-time-ms': 300_000, 'max-iterations': 30 })
    expect(c.guest).toMatchObject({ 'memory-mib': 4096, vcpus: 2, 'page-size': 4096 })
    // One workload for all vCPUs; each owns half of the non-zero memory, like guestperf's stress.
    expect(c.guest.workloads).toHaveLength(1)
    expect(c.guest.workloads[0]).toMatchObject({ vcpus: 'all', pattern: 'uniform', 'working-set-mib': 2048 })
    expect(Object.values(c.migration.capabilities).every((v) => v === false)).toBe(true)
  })

  it('is what an empty or a null input gives', () => {
    expect(parseConfig({})).toEqual({ ok: true, config: defaultConfig() })
    expect(parseConfig(undefined)).toEqual({ ok: true, config: defaultConfig() })
  })

  it('shares the non-zero memory among the vCPUs an entry drives', () => {
    const r = parseConfig({
      guest: {
        'memory-mib': 1024,
        vcpus: 4,
        'zero-fraction': 0.5,
        workloads: [{ vcpus: [0], pattern: 'sequential' }, { shared: false }]
      }
    })
    if (!r.ok) throw new Error(r.error.message)
    // 512 MiB non-zero: entry 0 drives vCPU 0 alone (all of it); entry 1 the other three (512/3).
    expect(r.config.guest.workloads[0]['working-set-mib']).toBe(512)
    expect(r.config.guest.workloads[1]['working-set-mib']).toBeCloseTo(512 / 3, 1)
  })
})

describe('validation', () => {
  it('lists every problem with its path', () => {
    const details = problems({
      guest: {
        vcpus: 2,
        'memory-mib': 512,
        colour: 'blue',
        workloads: [{ vcpus: [0, 5], 'working-set-mib': 1024, pattern: 'hotspot', 'hot-set-mib': 2048 }]
      },
      network: { 'bandwidth-mbps': -1 },
      migration: { parameters: { 'downtime-limit': 'fast' }, capabilities: { 'switchover-ack': true } }
    })
    expect(details).toEqual(
      expect.arrayContaining([
        'guest.colour: unknown key',
        expect.stringMatching(/^network\.bandwidth-mbps: /),
        expect.stringMatching(/^migration\.parameters\.downtime-limit: .*number/),
        expect.stringMatching(/^guest\.workloads\[0\]\.vcpus\[1\]: vCPU 5 does not exist/),
        expect.stringMatching(
          /^guest\.workloads\[0\]\.working-set-mib: 1024 MiB is larger than the non-zero memory/
        ),
        expect.stringMatching(/^guest\.workloads\[0\]\.hot-set-mib: 2048 MiB is larger than the working set/),
        'migration.capabilities.switchover-ack: needs return-path (§2.3)'
      ])
    )
    expect(details).toHaveLength(7)
  })

  it.each([
    [{ guest: { 'memory-mib': LIMITS.maxMemoryMib + 1 } }, /^guest\.memory-mib: /],
    [{ guest: { vcpus: 513 } }, /^guest\.vcpus: /],
    [{ guest: { 'page-size': 2048 } }, /^guest\.page-size: only 4096/],
    [{ guest: { workloads: [{ pattern: 'bursty' }] } }, /^guest\.workloads\[0\]\.pattern: /],
    [{ guest: { workloads: [{ vcpus: 'some' }] } }, /^guest\.workloads\[0\]\.vcpus: expected "all"/],
    [
      { migration: { parameters: { 'downtime-limit': 2_000_001 } } },
      /^migration\.parameters\.downtime-limit: /
    ],
    [
      { migration: { parameters: { 'xbzrle-cache-size': 1000 } } },
      /xbzrle-cache-size: must be a power of two/
    ],
    [
      { migration: { parameters: { 'cpu-throttle-initial': 50, 'max-cpu-throttle': 40 } } },
      /max-cpu-throttle: 40 is below/
    ],
    [{ migration: { policy: { 'max-time-ms': 3_600_001 } } }, /^migration\.policy\.max-time-ms: /],
    [
      { guest: { 'zero-fraction': 1 } },
      /^guest\.workloads\[0\]\.pattern: the workload writes but all memory is zero/
    ],
    [{ seed: -1 }, /^seed: /],
    [5, /^\(config\): /]
  ])('refuses %j', (input, pattern) => {
    expect(problems(input)).toEqual([expect.stringMatching(pattern)])
  })

  it('enforces the capability interlocks of §12', () => {
    expect(
      problems({ migration: { capabilities: { 'dirty-limit': true, 'auto-converge': true } } })
    ).toContain('migration.capabilities.dirty-limit: cannot be used together with auto-converge (§6.1)')
    expect(problems({ migration: { capabilities: { multifd: true, xbzrle: true } } })).toContain(
      'migration.capabilities.xbzrle: Multifd is not compatible with xbzrle (turn off migration.capabilities.multifd or xbzrle)'
    )
    expect(problems({ migration: { capabilities: { multifd: true, 'postcopy-ram': true } } })).toContain(
      'migration.capabilities.postcopy-ram: cannot be used together with multifd at this QEMU version (§8.1)'
    )
    expect(problems({ migration: { capabilities: { 'postcopy-preempt': true } } })).toContain(
      'migration.capabilities.postcopy-preempt: needs postcopy-ram (§12)'
    )
  })

  it('dirty-limit needs the dirty ring (migrate_caps_check)', () => {
    expect(problems({ migration: { capabilities: { 'dirty-limit': true } } })).toContain(
      "migration.capabilities.dirty-limit: needs KVM's dirty ring: set guest.dirty-ring-size (e.g. 4096); the dirty bitmap cannot limit per vCPU (§6.1)"
    )
    // With a ring it is simulated (docs/engine.md "Dirty-limit").
    const r = parseConfig({
      guest: { 'dirty-ring-size': 4096 },
      migration: { capabilities: { 'dirty-limit': true }, parameters: { 'vcpu-dirty-limit': 8 } }
    })
    expect(r.ok).toBe(true)
  })

  it.each([1000, 128, 131072, -1])('refuses dirty-ring-size %i', (size) => {
    expect(problems({ guest: { 'dirty-ring-size': size } })).toEqual([
      expect.stringMatching(/^guest\.dirty-ring-size: /)
    ])
  })

  it('accepts the postcopy and dirty-limit parameters with QEMU defaults', () => {
    const r = parseConfig({ guest: { 'dirty-ring-size': 65536 } })
    if (!r.ok) throw new Error(r.error.details?.join('; '))
    expect(r.config.migration.parameters['max-postcopy-bandwidth']).toBe(0)
    expect(r.config.migration.policy['postcopy-after-syncs']).toBeUndefined()
    expect(r.config.guest['dirty-ring-size']).toBe(65536)
  })

  it('postcopy-after-syncs needs postcopy-ram and must come before max-iterations', () => {
    expect(problems({ migration: { policy: { 'postcopy-after-syncs': 3 } } })).toEqual([
      'migration.policy.postcopy-after-syncs: needs migration.capabilities.postcopy-ram (migrate-start-postcopy is refused without it, §9.1)'
    ])
    expect(
      problems({
        migration: {
          capabilities: { 'postcopy-ram': true },
          policy: { 'postcopy-after-syncs': 31, 'max-iterations': 30 }
        }
      })
    ).toContain(
      'migration.policy.postcopy-after-syncs: 31 is above max-iterations (30); the run would be cancelled first'
    )
  })

  it('accepts the modelled capabilities', () => {
    const r = parseConfig({
      migration: { capabilities: { 'auto-converge': true, 'return-path': true, 'switchover-ack': true } }
    })
    expect(r.ok).toBe(true)
    // Every capability of the schema is simulated now (issue 9): none is refused alone.
    expect(
      parseConfig({ migration: { capabilities: { 'postcopy-ram': true, 'postcopy-preempt': true } } }).ok
    ).toBe(true)
    for (const cap of ['xbzrle', 'multifd', 'postcopy-ram'])
      expect(parseConfig({ migration: { capabilities: { [cap]: true } } }).ok).toBe(true)
  })

  it('takes the first entry that names a vCPU and ignores later ones for it', () => {
    const r = parseConfig({
      guest: {
        vcpus: 2,
        workloads: [
          { vcpus: [1], pattern: 'idle' },
          { vcpus: 'all', 'working-set-mib': 100 }
        ]
      }
    })
    expect(r.ok).toBe(true)
  })
})

describe('resources', () => {
  it('refuses a run that would not fit with the estimate, before anything starts', () => {
    const input = { guest: { 'memory-mib': 1_048_576 } }
    const r = parseConfig(input, { availableMemoryBytes: 1 * GIB })
    if (r.ok) throw new Error('expected a refusal')
    expect(r.error.kind).toBe('ResourceLimit')
    expect(r.error.message).toMatch(/needs about \d+\.\d\d GiB of memory but only 1\.00 GiB is available/)
    expect(r.error.details?.[0]).toMatch(/^migration process: /)
    // The same config fits a bigger machine.
    expect(parseConfig(input, { availableMemoryBytes: 16 * GIB }).ok).toBe(true)
  })

  it('estimates about 4.25 bytes per guest page for the migration process, and idle vCPUs cost little', () => {
    const idle = parseConfig({
      guest: { 'memory-mib': 1_048_576, vcpus: 64, workloads: [{ pattern: 'idle' }] }
    })
    if (!idle.ok) throw new Error(idle.error.message)
    const e = estimateRunMemory(idle.config)
    // 1 TiB = 2^28 pages × (4 B send time + 2 bits) ≈ 1.06 GiB, plus a process base.
    expect(e.migrationBytes / GIB).toBeGreaterThan(1.06)
    expect(e.migrationBytes / GIB).toBeLessThan(1.2)
    expect(e.totalBytes / GIB).toBeLessThan(4)
    expect(checkRunResources(idle.config, 4 * GIB)).toBeUndefined()
  })
})

describe('serialisation', () => {
  it('round-trips through canonical JSON: stable, sorted, fully defaulted', () => {
    const a = parseConfig({ seed: 7, guest: { vcpus: 4 } })
    const b = parseConfig({ guest: { vcpus: 4 }, seed: 7 })
    if (!a.ok || !b.ok) throw new Error('valid configs')
    const json = canonicalConfigJson(a.config)
    expect(json).toBe(canonicalConfigJson(b.config))
    const again = parseConfig(JSON.parse(json))
    if (!again.ok) throw new Error(again.error.message)
    expect(again.config).toEqual(a.config)
    expect(canonicalConfigJson(again.config)).toBe(json)
    // Keys are sorted at every level.
    expect(json.indexOf('"guest"')).toBeLessThan(json.indexOf('"host"'))
    expect(json.indexOf('"auto-converge"')).toBeLessThan(json.indexOf('"xbzrle"'))
  })

  it('publishes a JSON Schema of the input with defaults and closed objects', () => {
    const schema = configJsonSchema() as {
      type: string
      additionalProperties: boolean
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>
    }
    expect(schema.type).toBe('object')
    expect(schema.additionalProperties).toBe(false)
    const parameters = (schema.properties.migration.properties?.parameters ?? {}) as {
      properties: Record<string, { default?: unknown }>
    }
    expect(parameters.properties['downtime-limit'].default).toBe(300)
    expect(parameters.properties['max-bandwidth'].default).toBe(134_217_728)
  })
})
