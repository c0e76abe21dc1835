import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runInThread } from '../../src/engine/migration/in-thread'
import { runMigration } from '../../src/main/lab/run'
import type { EngineChild, ProcessHost, SpawnOptions } from '../../src/main/process/host'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { parseConfig, type LabConfigInput } from '../../src/shared/config'
import { LabFailure, type LabError } from '../../src/shared/errors'
import { appendTelemetry, emptyTelemetry } from '../../src/shared/engine/telemetry'

// The orchestrator with real worker_threads children running the built out/main/engine-worker.js
// (the vitest global setup builds it): one process per vCPU plus the migration process.

const logged: string[] = []
const nodeHost = new NodeProcessHost({
  log: (child, stream, line) => logged.push(`[${child}] ${stream}: ${line}`)
})

/** The Node host, counting the children it was asked to start. */
class CountingHost implements ProcessHost {
  readonly flavor = 'node' as const
  spawned: string[] = []
  spawn(opts: SpawnOptions): EngineChild {
    this.spawned.push(opts.name)
    return nodeHost.spawn(opts)
  }
  createChannel() {
    return nodeHost.createChannel()
  }
  get liveChildren() {
    return nodeHost.liveChildren
  }
  killAll() {
    return nodeHost.killAll()
  }
}

async function rejectionOf(p: Promise<unknown>): Promise<LabError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e
  )
  expect(e).toBeInstanceOf(LabFailure)
  return (e as LabFailure).error
}

afterEach(async () => {
  // A run leaves nothing behind, whatever happened; a leftover here is an orphan.
  const leftovers = nodeHost.liveChildren.size
  await nodeHost.killAll()
  expect(leftovers).toBe(0)
})

afterAll(() => {
  expect(nodeHost.liveChildren.size).toBe(0)
})

const writing: LabConfigInput = {
  guest: { 'memory-mib': 1024, vcpus: 3, workloads: [{ 'dirty-rate-mibps': 24, 'working-set-mib': 256 }] }
}

describe('runMigration with real engine processes', () => {
  it('runs a migration end to end with the same result as the engine in one thread', async () => {
    const host = new CountingHost()
    const batches: number[] = []
    const { result, telemetry } = await runMigration(writing, {
      host,
      onTelemetry: (b) => batches.push(b['time-ms'])
    })
    expect(host.spawned.sort()).toEqual(['migration', 'vcpu-0', 'vcpu-1', 'vcpu-2'])
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    expect(result.lab['wall-time-ms']).toBeGreaterThan(0)
    const parsed = parseConfig(writing)
    if (!parsed.ok) throw new Error('valid config')
    const direct = await runInThread(parsed.config)
    expect({ ...result, lab: { ...result.lab, 'wall-time-ms': 0 } }).toEqual({
      ...direct.result,
      lab: { ...direct.result.lab, 'wall-time-ms': 0 }
    })
    expect(telemetry).toEqual(direct.telemetry)
    // Batches arrive in virtual-time order while the run goes.
    expect(batches.length).toBeGreaterThan(2)
    expect([...batches].sort((a, b) => a - b)).toEqual(batches)
  })

  it('streams telemetry that adds up to the returned telemetry', async () => {
    const streamed = emptyTelemetry()
    const { telemetry } = await runMigration(
      { guest: { 'memory-mib': 256, vcpus: 1 } },
      { host: nodeHost, onTelemetry: (b) => appendTelemetry(streamed, b) }
    )
    expect(streamed).toEqual(telemetry)
    expect(telemetry.progress.length).toBeGreaterThan(10)
  })

  it('uses the seed it is given', async () => {
    const a = await runMigration(writing, { host: nodeHost, seed: 11 })
    const b = await runMigration(writing, { host: nodeHost, seed: 12 })
    expect(a.result.lab.seed).toBe(11)
    expect(b.result.lab.iterations.map((i) => i['dirty-pages'])).not.toEqual(
      a.result.lab.iterations.map((i) => i['dirty-pages'])
    )
  })

  it('refuses a bad config before starting any process, listing every problem', async () => {
    const host = new CountingHost()
    const error = await rejectionOf(
      runMigration({ guest: { vcpus: 0, workloads: [{ pattern: 'wavy' }] } }, { host })
    )
    expect(error.kind).toBe('Validation')
    expect(error.details).toEqual([
      expect.stringMatching(/^guest\.vcpus: /),
      expect.stringMatching(/^guest\.workloads\[0\]\.pattern: /)
    ])
    expect(host.spawned).toEqual([])
  })

  it('refuses a run that does not fit the memory it may use, before starting any process', async () => {
    const host = new CountingHost()
    const error = await rejectionOf(
      runMigration({ guest: { 'memory-mib': 65_536 } }, { host, availableMemoryBytes: 64 * 1024 * 1024 })
    )
    expect(error.kind).toBe('ResourceLimit')
    expect(host.spawned).toEqual([])
  })

  it('fails the run when a vCPU process crashes, naming it, and stops its siblings', async () => {
    const error = await rejectionOf(runMigration(writing, { host: nodeHost, testHooks: { crashVcpu: 1 } }))
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toMatch(/^vcpu-1 crashed: vCPU 1 crashed on purpose/)
    expect(nodeHost.liveChildren.size).toBe(0)
  })

  it('resolves as cancelled when aborted while it runs', async () => {
    const controller = new AbortController()
    const running = runMigration(
      { guest: { 'memory-mib': 16_384, vcpus: 2 }, migration: { policy: { 'max-time-ms': 3_600_000 } } },
      { host: nodeHost, signal: controller.signal, onTelemetry: () => controller.abort() }
    )
    const { result } = await running
    expect(result.status).toBe('cancelled')
    expect(result.lab.reason).toMatch(/cancelled by the user/)
    expect(result['total-time']).toBeLessThan(3_600_000)
  })

  it('refuses to start when already aborted', async () => {
    const host = new CountingHost()
    const error = await rejectionOf(runMigration({}, { host, signal: AbortSignal.abort() }))
    expect(error.kind).toBe('Cancelled')
    expect(host.spawned).toEqual([])
  })

  it('passes the oracle fault injection to the vCPU processes', async () => {
    const { result } = await runMigration(writing, { host: nodeHost, testHooks: { dropDirtyLogOfVcpu: 2 } })
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(false)
    expect(result.lab['mismatched-pages']).toBeGreaterThan(0)
  })
})
