import { describe, expect, it } from 'vitest'
import { defaultConfig, parseConfig } from '../../src/shared/config'
import {
  DESTINATION_LISTEN_URI,
  SOURCE_MIGRATE_URI,
  formatHmp,
  formatQmpLines,
  qemuCommandPlan,
  type QmpCommand
} from '../../src/shared/report'

// QEMU 10.0's own names (qapi/migration.json MigrationCapability and MigrationParameter,
// docs/qemu-rules.md §12): the commands must use exactly these.
const QEMU_CAPABILITIES = new Set([
  'xbzrle',
  'rdma-pin-all',
  'auto-converge',
  'zero-blocks',
  'events',
  'postcopy-ram',
  'x-colo',
  'release-ram',
  'return-path',
  'pause-before-switchover',
  'multifd',
  'dirty-bitmaps',
  'postcopy-blocktime',
  'late-block-activate',
  'x-ignore-shared',
  'validate-uuid',
  'background-snapshot',
  'zero-copy-send',
  'postcopy-preempt',
  'switchover-ack',
  'dirty-limit',
  'mapped-ram'
])
const QEMU_PARAMETERS = new Set([
  'announce-initial',
  'announce-max',
  'announce-rounds',
  'announce-step',
  'throttle-trigger-threshold',
  'cpu-throttle-initial',
  'cpu-throttle-increment',
  'cpu-throttle-tailslow',
  'tls-creds',
  'tls-hostname',
  'tls-authz',
  'max-bandwidth',
  'avail-switchover-bandwidth',
  'downtime-limit',
  'x-checkpoint-delay',
  'multifd-channels',
  'xbzrle-cache-size',
  'max-postcopy-bandwidth',
  'max-cpu-throttle',
  'multifd-compression',
  'multifd-zlib-level',
  'multifd-qatzip-level',
  'multifd-zstd-level',
  'block-bitmap-mapping',
  'x-vcpu-dirty-limit-period',
  'vcpu-dirty-limit',
  'mode',
  'zero-page-detection',
  'direct-io'
])

function config(input: unknown): Record<string, unknown> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(parsed.error.details?.join('; '))
  return parsed.config
}

function lines(text: string): QmpCommand[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as QmpCommand)
}

describe('QMP commands for a run config', () => {
  const input = {
    migration: {
      capabilities: { 'auto-converge': true, 'return-path': true },
      parameters: { 'max-bandwidth': 33_554_432, 'downtime-limit': 500, 'cpu-throttle-increment': 5 }
    }
  }
  const plan = qemuCommandPlan(config(input))
  const qmp = formatQmpLines(plan)

  it('is one JSON object per line, each {"execute", "arguments"?, "id"}', () => {
    const commands = lines(qmp)
    expect(commands.length).toBe(plan.destination.length + plan.source.length)
    for (const c of commands) {
      expect(typeof c.execute).toBe('string')
      expect(Object.keys(c).every((k) => ['execute', 'arguments', 'id'].includes(k))).toBe(true)
      expect(c.id).toMatch(/^(destination|source)-\d+$/)
    }
    // The destination listens before the source migrates.
    expect(commands.map((c) => c.execute)).toEqual([
      'qmp_capabilities',
      'migrate-set-capabilities',
      'migrate-incoming',
      'qmp_capabilities',
      'migrate-set-capabilities',
      'migrate-set-parameters',
      'migrate'
    ])
  })

  it('sets every capability by QEMU’s name with its state, and the destination’s share on the destination', () => {
    const commands = lines(qmp)
    const source = commands.find((c) => c.id.startsWith('source') && c.execute === 'migrate-set-capabilities')
    const caps = source?.arguments?.capabilities as { capability: string; state: boolean }[]
    const lab = (config(input).migration as { capabilities: Record<string, boolean> }).capabilities
    expect(caps.map((c) => c.capability).sort()).toEqual(Object.keys(lab).sort())
    for (const c of caps) {
      expect(QEMU_CAPABILITIES.has(c.capability)).toBe(true)
      expect(c.state).toBe(lab[c.capability])
    }
    const destination = commands.find(
      (c) => c.id.startsWith('destination') && c.execute === 'migrate-set-capabilities'
    )
    const destinationCaps = destination?.arguments?.capabilities as { capability: string; state: boolean }[]
    expect(destinationCaps).toContainEqual({ capability: 'return-path', state: true })
    // auto-converge throttles the source's vCPUs only.
    expect(destinationCaps.map((c) => c.capability)).not.toContain('auto-converge')
  })

  it('sets every parameter by QEMU’s name in QEMU’s units (bytes/s, ms, %)', () => {
    const commands = lines(qmp)
    const params = commands.find((c) => c.execute === 'migrate-set-parameters')?.arguments ?? {}
    for (const name of Object.keys(params)) expect(QEMU_PARAMETERS.has(name)).toBe(true)
    expect(params['max-bandwidth']).toBe(33_554_432) // bytes/s, as QMP takes it
    expect(params['downtime-limit']).toBe(500) // ms
    expect(params['cpu-throttle-increment']).toBe(5)
    expect(params['cpu-throttle-initial']).toBe(20) // QEMU's default, stated explicitly
    expect(params['max-cpu-throttle']).toBe(99)
    expect(params['throttle-trigger-threshold']).toBe(50)
    expect(params['avail-switchover-bandwidth']).toBe(0)
    expect(params['cpu-throttle-tailslow']).toBe(false)
  })

  it('migrates to a placeholder URI the destination listens on', () => {
    const commands = lines(qmp)
    expect(commands.at(-1)).toEqual({
      execute: 'migrate',
      arguments: { uri: SOURCE_MIGRATE_URI },
      id: 'source-4'
    })
    expect(SOURCE_MIGRATE_URI).toBe('tcp:DESTINATION:4444')
    expect(commands.find((c) => c.execute === 'migrate-incoming')?.arguments).toEqual({
      uri: DESTINATION_LISTEN_URI
    })
  })

  it('lists what the lab has that QEMU does not, as notes, never as commands', () => {
    const topics = plan.notQemu.map((n) => n.split(':')[0])
    expect(topics).toEqual(['guest', 'network', 'migration.policy', 'host', 'seed 1'])
    expect(plan.notQemu[0]).toContain('-m 4096M -smp 2')
    expect(qmp).not.toContain('max-time-ms')
    expect(qmp).not.toContain('workloads')
  })
})

describe('postcopy and dirty-limit', () => {
  // A stored config as written (postcopy is not run by this engine version, so it is not parsed).
  const plan = qemuCommandPlan({
    guest: { 'memory-mib': 512, vcpus: 1, 'dirty-ring-size': 4096 },
    migration: {
      capabilities: { 'postcopy-ram': true, 'postcopy-preempt': true },
      parameters: { 'max-postcopy-bandwidth': 16_777_216, 'vcpu-dirty-limit': 8 },
      policy: { 'max-time-ms': 300_000, 'max-iterations': 30, 'postcopy-after-syncs': 3 }
    }
  })
  it('sets postcopy on both sides and passes max-postcopy-bandwidth in bytes/s', () => {
    expect(plan.bothSidesCapabilities).toEqual(expect.arrayContaining(['postcopy-ram', 'postcopy-preempt']))
    const params = plan.source.find((c) => c.execute === 'migrate-set-parameters')?.arguments
    expect(params?.['max-postcopy-bandwidth']).toBe(16_777_216)
    expect(params?.['vcpu-dirty-limit']).toBe(8)
  })
  it('says when to send migrate-start-postcopy and how to get the dirty ring', () => {
    expect(plan.notQemu.join('\n')).toContain(
      "postcopy-after-syncs 3: send migrate-start-postcopy (HMP migrate_start_postcopy) once query-migrate's dirty-sync-count reaches it"
    )
    expect(plan.notQemu[0]).toContain('-accel kvm,dirty-ring-size=4096')
  })
})

describe('HMP commands', () => {
  const hmp = formatHmp(
    qemuCommandPlan(
      config({
        migration: { capabilities: { 'auto-converge': true }, parameters: { 'downtime-limit': 300 } }
      })
    ),
    'Run 1'
  )
  const commands = hmp.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

  it('uses HMP’s spelling: migrate_set_capability NAME on|off, migrate_set_parameter NAME VALUE, migrate -d URI', () => {
    expect(commands).toContain('migrate_set_capability auto-converge on')
    expect(commands).toContain('migrate_set_capability return-path off')
    expect(commands).toContain('migrate_set_parameter downtime-limit 300')
    expect(commands).toContain('migrate_set_parameter cpu-throttle-tailslow off')
    expect(commands).toContain('migrate_incoming tcp:0:4444')
    expect(commands.at(-1)).toBe('migrate -d tcp:DESTINATION:4444')
    for (const c of commands)
      expect(c).toMatch(/^(migrate_set_capability|migrate_set_parameter|migrate_incoming|migrate -d) /)
  })

  it('writes max-bandwidth in bytes with a B suffix, because HMP reads a bare number as MiB', () => {
    expect(commands).toContain(
      `migrate_set_parameter max-bandwidth ${defaultConfig().migration.parameters['max-bandwidth']}B`
    )
    expect(commands).toContain('migrate_set_parameter avail-switchover-bandwidth 0B')
  })

  it('says in comments where each part goes and that the URI is a placeholder', () => {
    expect(hmp).toMatch(/^# --- destination: .*-incoming defer/m)
    expect(hmp).toMatch(/^# --- source:/m)
    expect(hmp).toMatch(/^# tcp:DESTINATION:4444: a placeholder URI/m)
    expect(hmp).toMatch(/^# return-path, .* must be set on both sides/m)
  })
})

describe('configs QEMU would refuse', () => {
  it('reports the problem by its config path instead of writing a command', () => {
    const plan = qemuCommandPlan({ migration: { parameters: { 'downtime-limit': -5 } } })
    expect(plan.source).toEqual([])
    expect(plan.problems.join('\n')).toContain('migration.parameters.downtime-limit')
  })
})
