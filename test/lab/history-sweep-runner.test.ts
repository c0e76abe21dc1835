import { mkdtempSync, rmSync } from 'node:fs'
import { runParsedMigration } from '../../src/main/lab/run'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { historyConfigJson } from '../../src/main/lab/resources'
import { planSweep, runSweep } from '../../src/main/lab/sweep-runner'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import { LabFailure } from '../../src/shared/errors'

// runSweep on its own (what the LabApi's sweeps, the command line and the benchmark share), with
// real engine processes and a temporary history.

const host = new NodeProcessHost({ log: () => {} })
afterAll(() => host.killAll())

let dir: string
let history: HistoryDb
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-sweep-runner-'))
  history = openHistory(join(dir, 'history.db'), { canonicalConfigJson: historyConfigJson })
})
afterEach(() => {
  history.close()
  rmSync(dir, { recursive: true, force: true })
})

const base = {
  guest: { 'memory-mib': 128, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 8, 'working-set-mib': 32 }] },
  migration: { parameters: { 'max-bandwidth': 268435456 } }
}

function plan(values: number[], repeat: number) {
  const vary = [{ path: 'migration.parameters.downtime-limit', values }]
  const { base: full, runs } = planSweep({ name: 'limits', baseConfig: base, vary, repeat })
  const experimentId = history.createExperiment({
    name: 'limits',
    baseConfig: full,
    varied: vary,
    repetitions: repeat
  })
  return { experimentId, runs }
}

describe('runSweep (real engine)', () => {
  it('runs every point and repetition at most `parallelism` at a time, each with its own seed', async () => {
    const { experimentId, runs } = plan([100, 300], 2)
    let maxRunning = 0
    const summary = await runSweep({
      history,
      host,
      experimentId,
      runs,
      parallelism: 2,
      onProgress: (p) => (maxRunning = Math.max(maxRunning, p.running))
    })
    expect(summary).toMatchObject({
      status: 'completed',
      completed: 4,
      failed: 0,
      cancelled: 0,
      notStarted: 0
    })
    expect(maxRunning).toBe(2)
    const records = summary.runIds.map((id) => history.getRunRecord(id))
    expect(records.map((r) => r.label)).toEqual([
      'downtime-limit=100 #1',
      'downtime-limit=100 #2',
      'downtime-limit=300 #1',
      'downtime-limit=300 #2'
    ])
    // Paired seeds: repetition r has the same seed at every point.
    expect(records.map((r) => r.seed)).toEqual([1, 2, 1, 2])
    expect(history.getExperiment(experimentId)).toMatchObject({
      status: 'completed',
      runCount: 4,
      finishedRunCount: 4
    })
  }, 120_000)

  it('stops on cancel: the finished run is kept, the one in flight is cancelled, the rest never start', async () => {
    const { experimentId, runs } = plan([100, 200, 300], 1)
    const controller = new AbortController()
    const summary = await runSweep({
      history,
      host,
      experimentId,
      runs,
      parallelism: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.event === 'started' && p.runIndex === 1) controller.abort()
      }
    })
    expect(summary).toMatchObject({ status: 'cancelled', completed: 1, cancelled: 1, notStarted: 1 })
    const [first, second] = summary.runIds.map((id) => history.getRunRecord(id))
    expect(first.status).toBe('completed')
    expect(second).toMatchObject({ status: 'cancelled', summary: null })
    expect(history.getExperiment(experimentId).status).toBe('cancelled')
  }, 120_000)

  it('records a run whose config the engine refuses as failed and goes on with the others', async () => {
    const { experimentId, runs } = plan([100, 300], 1)
    // A run the engine refuses before any process starts: the real engine, told the machine has
    // one byte of memory for the first run (configs are parsed by planSweep, not again after).
    const summary = await runSweep({
      history,
      experimentId,
      runs,
      parallelism: 1,
      runEngine: (config, opts) =>
        runParsedMigration(config, {
          host,
          ...opts,
          ...(config === runs[0].config ? { availableMemoryBytes: 1 } : {})
        })
    })
    expect(summary).toMatchObject({ status: 'completed', completed: 1, failed: 1 })
    const failed = history.getRunRecord(summary.runIds[0])
    expect(failed.status).toBe('failed')
    expect(failed.reason).toMatch(/memory/)
    expect(history.getRunRecord(summary.runIds[1]).status).toBe('completed')
  }, 120_000)

  it('refuses a sweep whose base config is invalid, naming the field', () => {
    expect(() => planSweep({ name: 'x', baseConfig: { guest: { vcpus: 0 } }, vary: [], repeat: 1 })).toThrow(
      LabFailure
    )
    try {
      planSweep({ name: 'x', baseConfig: { guest: { vcpus: 0 } }, vary: [], repeat: 1 })
    } catch (e) {
      expect((e as LabFailure).error.details?.[0]).toMatch(/^baseConfig\.guest\.vcpus: /)
    }
  })
})
