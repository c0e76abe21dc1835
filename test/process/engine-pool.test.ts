import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runMigration, type RunOutput } from '../../src/main/lab/run'
import { EnginePool } from '../../src/main/process/engine-pool'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { LabFailure } from '../../src/shared/errors'

// The sweep's process pool with real worker_threads children (out/main/engine-worker.js, built
// by the vitest global setup): runs on reused processes give what fresh processes give, and a
// failing child fails only its run and is replaced.

const host = new NodeProcessHost({ log: () => {} })
afterAll(() => host.killAll())

const config = {
  guest: { 'memory-mib': 128, vcpus: 2, workloads: [{ 'dirty-rate-mibps': 16, 'working-set-mib': 32 }] },
  migration: { parameters: { 'max-bandwidth': 134217728 } }
}

/** The run without its wall-clock figure, which is the only thing allowed to differ. */
function deterministic(output: RunOutput): unknown {
  const result = structuredClone(output.result)
  delete (result.lab as Partial<typeof result.lab>)['wall-time-ms']
  return { result, telemetry: output.telemetry }
}

afterEach(() => host.killAll())

const liveIds = (): number[] => [...host.liveChildren].map((c) => c.id).sort((a, b) => a - b)

describe('EnginePool (real engine processes)', () => {
  it('reuses the same processes run after run, with results bit for bit equal to fresh processes', async () => {
    const seeds = [1, 2, 3]
    const fresh = []
    for (const seed of seeds) fresh.push(deterministic(await runMigration(config, { host, seed })))
    expect(host.liveChildren.size).toBe(0)

    const pool = new EnginePool(host, { maxIdle: 3 })
    const pooled = []
    const idsAfterEachRun: number[][] = []
    for (const seed of seeds) {
      pooled.push(deterministic(await runMigration(config, { host, seed, pool })))
      idsAfterEachRun.push(liveIds())
    }
    // The first run started 2 vCPU processes and a migration process; the others reused them.
    expect(idsAfterEachRun[0]).toHaveLength(3)
    expect(idsAfterEachRun[1]).toEqual(idsAfterEachRun[0])
    expect(idsAfterEachRun[2]).toEqual(idsAfterEachRun[0])
    expect(pooled).toEqual(fresh)
    // Distinct seeds really are distinct runs (the comparison is not vacuous).
    expect(fresh[0]).not.toEqual(fresh[1])

    await pool.drain()
    expect(host.liveChildren.size).toBe(0)
  })

  it('fails only the run whose vCPU crashes, never reuses its processes, and the next run gets new ones', async () => {
    const pool = new EnginePool(host, { maxIdle: 6 })
    const before = deterministic(await runMigration(config, { host, seed: 7, pool }))
    const healthyIds = liveIds()
    expect(healthyIds).toHaveLength(3)
    const migrationId = [...host.liveChildren].find((c) => c.name === 'migration')?.id

    const crash = runMigration(config, {
      host,
      seed: 7,
      pool,
      testHooks: { crashVcpu: 1, crashAtHarvest: 2 }
    })
    const error = await crash.then(
      () => undefined,
      (e: unknown) => (e instanceof LabFailure ? e.error : undefined)
    )
    expect(error).toMatchObject({ kind: 'ProcessCrashed' })
    expect(error?.message).toContain('vcpu-1')
    // Every process of the crashed run is gone: its fault-injected vCPUs (started for it) and
    // the idle migration process it took from the pool. The idle healthy vCPUs are untouched.
    expect(liveIds()).toEqual(healthyIds.filter((id) => id !== migrationId))

    // An idle process that dies between runs is replaced, not handed out.
    const idleVcpu = [...host.liveChildren].find((c) => c.name === 'vcpu-0')
    await idleVcpu?.kill()
    const after = deterministic(await runMigration(config, { host, seed: 7, pool }))
    expect(after).toEqual(before)
    const idsNow = liveIds()
    expect(idsNow).toHaveLength(3)
    expect(idsNow).not.toContain(idleVcpu?.id)
    expect(idsNow).not.toContain(migrationId)

    await pool.drain()
    expect(host.liveChildren.size).toBe(0)
  })

  it('fails only the run whose vCPU hangs (no heartbeat answer mid-run), never reuses its processes, and the next run gets new ones', async () => {
    // A heartbeat short enough for a test; every run of this pool is watched the same way.
    const watch = { heartbeatIntervalMs: 50, heartbeatTimeoutMs: 2_000 }
    const pool = new EnginePool(host, { maxIdle: 6 })
    const before = deterministic(await runMigration(config, { host, seed: 7, pool, ...watch }))
    const healthyIds = liveIds()
    expect(healthyIds).toHaveLength(3)
    const migrationId = [...host.liveChildren].find((c) => c.name === 'migration')?.id

    // vCPU 1 blocks its thread at its second harvest: the run is under way (its first sync is
    // done) when the supervisor sees the heartbeat go unanswered.
    const hung = runMigration(config, {
      host,
      seed: 7,
      pool,
      ...watch,
      testHooks: { hangVcpu: 1, hangAtHarvest: 2 }
    })
    // The processes of the hung run: the pool's migration process and two new vCPUs.
    await until(() => host.liveChildren.size === 5)
    const hungRunIds = liveIds().filter((id) => !healthyIds.includes(id) || id === migrationId)
    expect(hungRunIds).toHaveLength(3)
    const error = await hung.then(
      () => undefined,
      (e: unknown) => (e instanceof LabFailure ? e.error : undefined)
    )
    expect(error).toEqual({
      kind: 'ProcessCrashed',
      message: 'vcpu-1 stopped answering (no reply to a heartbeat within 2000 ms); it was stopped'
    })
    // Every process of the hung run is gone; the idle healthy vCPUs are untouched.
    expect(liveIds()).toEqual(healthyIds.filter((id) => id !== migrationId))

    // The next run: the same result as before the hang, on no process of the hung run.
    const after = deterministic(await runMigration(config, { host, seed: 7, pool, ...watch }))
    expect(after).toEqual(before)
    const idsNow = liveIds()
    expect(idsNow).toHaveLength(3)
    for (const id of hungRunIds) expect(idsNow).not.toContain(id)

    await pool.drain()
    expect(host.liveChildren.size).toBe(0)
  })

  it('stops a child that stayed idle for idleTimeoutMs, and hands out the ones still kept', async () => {
    const pool = new EnginePool(host, { maxIdle: 3, idleTimeoutMs: 1500 })
    await runMigration(config, { host, seed: 3, pool })
    expect(pool.size).toBe(3)
    const ids = liveIds()
    // Taken again before the timeout: the same processes, and their timers start over.
    await runMigration(config, { host, seed: 4, pool })
    expect(liveIds()).toEqual(ids)
    await until(() => host.liveChildren.size === 0)
    expect(pool.size).toBe(0)
    // The next run starts new processes.
    await runMigration(config, { host, seed: 5, pool })
    expect(liveIds()).toHaveLength(3)
    for (const id of ids) expect(liveIds()).not.toContain(id)
    await pool.drain()
    expect(host.liveChildren.size).toBe(0)
  })

  it('stops what it cannot keep: beyond maxIdle, released children are stopped', async () => {
    const pool = new EnginePool(host, { maxIdle: 1 })
    await runMigration(config, { host, seed: 3, pool })
    expect(pool.size).toBe(1)
    expect(host.liveChildren.size).toBe(1)
    await pool.drain()
    expect(host.liveChildren.size).toBe(0)
  })
})

/** Waits until `condition` holds (polled every 5 ms), at most 10 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 10_000) throw new Error('condition not met within 10 s')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
