import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { wrapNodePort } from '../../src/engine/adapters/node-port'
import type { EngineModule } from '../../src/engine/host'
import { runInThread } from '../../src/engine/migration/in-thread'
import { migrationMain } from '../../src/engine/migration/main'
import { createEngineHost } from '../../src/engine/runtime'
import { vcpuMain } from '../../src/engine/vcpu/main'
import { parseConfig, type LabConfig, type LabConfigInput } from '../../src/shared/config'
import { LabFailure } from '../../src/shared/errors'
import { appendTelemetry, emptyTelemetry } from '../../src/shared/engine/telemetry'
import type { MigrationControlContract } from '../../src/shared/protocol/migration'
import { RpcEndpoint, type LinkContract, type NoContract } from '../../src/shared/protocol/rpc'
import type { VcpuControlContract } from '../../src/shared/protocol/vcpu'
import type { Port } from '../../src/shared/port'

// The engine modules as the processes run them — vcpuMain and migrationMain behind their RPC
// contracts, linked by worker_threads MessageChannel ports — but all in this one thread.

const openPorts: Port[] = []

function channel(): [Port, Port] {
  const { port1, port2 } = new MessageChannel()
  const pair: [Port, Port] = [wrapNodePort(port1), wrapNodePort(port2)]
  openPorts.push(...pair)
  return pair
}

afterEach(() => {
  for (const p of openPorts.splice(0)) p.close()
})

/** Installs a module on an in-memory control link; returns the supervisor's end of it. */
async function install<C extends LinkContract>(
  module: EngineModule,
  role: 'vcpu' | 'migration',
  name: string,
  testHooks: Record<string, string | number | boolean> = {}
): Promise<RpcEndpoint<NoContract, C>> {
  const [supervisorSide, childSide] = channel()
  const { host } = createEngineHost({ role, name, testHooks, parent: childSide, exit: () => {} })
  await module(host)
  return new RpcEndpoint<NoContract, C>(supervisorSide, { name })
}

function config(input: LabConfigInput): LabConfig {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(parsed.error.message)
  return parsed.config
}

async function runOverPorts(c: LabConfig, hooks: Record<string, string | number | boolean> = {}) {
  const vcpus = await Promise.all(
    Array.from({ length: c.guest.vcpus }, (_, i) =>
      install<VcpuControlContract>(vcpuMain, 'vcpu', `vcpu-${i}`, hooks)
    )
  )
  const migration = await install<MigrationControlContract>(migrationMain, 'migration', 'migration', hooks)
  const toMigration: Port[] = []
  for (let i = 0; i < vcpus.length; i++) {
    const [vcpuSide, migrationSide] = channel()
    await vcpus[i].request('init', { config: c, seed: c.seed, vcpu: i }, { ports: [vcpuSide] })
    toMigration.push(migrationSide)
  }
  await migration.request('init', { config: c, seed: c.seed }, { ports: toMigration })
  const telemetry = emptyTelemetry()
  let batches = 0
  migration.onEvent('telemetry', (batch) => {
    batches++
    appendTelemetry(telemetry, batch)
  })
  return { migration, run: () => migration.request('run', null), telemetry, batchCount: () => batches }
}

const workload: LabConfigInput = {
  guest: { 'memory-mib': 512, vcpus: 2, workloads: [{ 'dirty-rate-mibps': 20, 'working-set-mib': 128 }] }
}

describe('engine modules over ports', () => {
  it('run a migration with the same result and telemetry as the engine in one call', async () => {
    const c = config(workload)
    const overPorts = await runOverPorts(c)
    const result = await overPorts.run()
    const direct = await runInThread(c)
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    expect({ ...result, lab: { ...result.lab, 'wall-time-ms': 0 } }).toEqual({
      ...direct.result,
      lab: { ...direct.result.lab, 'wall-time-ms': 0 }
    })
    expect(overPorts.telemetry).toEqual(direct.telemetry)
    // Streamed in batches, far fewer than the 100 ms samples.
    expect(overPorts.batchCount()).toBeGreaterThan(1)
    expect(overPorts.batchCount()).toBeLessThan(overPorts.telemetry.progress.length)
  })

  it('cancel stops a running migration as migrate_cancel would', async () => {
    const overPorts = await runOverPorts(config({ guest: { 'memory-mib': 8192, vcpus: 1 } }))
    const running = overPorts.run()
    await overPorts.migration.request('cancel', { reason: 'asked by the test' })
    const result = await running
    expect(result.status).toBe('cancelled')
    expect(result.lab.reason).toMatch(/^cancelled: asked by the test; expected-downtime/)
    expect(result.lab.outcome).toMatchObject({ kind: 'user-cancel', detail: 'asked by the test' })
  })

  it('pass the fault-injection hooks to the engine', async () => {
    const overPorts = await runOverPorts(config(workload), { skipFinalSync: true })
    const result = await overPorts.run()
    expect(result.lab.verified).toBe(false)
  })

  it('refuse a vCPU init without the port to the migration process', async () => {
    const vcpu = await install<VcpuControlContract>(vcpuMain, 'vcpu', 'vcpu-0')
    const error = await vcpu
      .request('init', { config: config({}), seed: 1, vcpu: 0 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LabFailure)
    expect((error as LabFailure).error.message).toMatch(/needs the port to the migration process/)
  })

  it('refuse a migration init whose ports do not match the vCPUs', async () => {
    const migration = await install<MigrationControlContract>(migrationMain, 'migration', 'migration')
    const [one] = channel()
    const error = await migration
      .request('init', { config: config({ guest: { vcpus: 2 } }), seed: 1 }, { ports: [one] })
      .catch((e: unknown) => e)
    expect((error as LabFailure).error.message).toMatch(/brought 1 vCPU port\(s\) for a guest of 2 vCPUs/)
  })
})
