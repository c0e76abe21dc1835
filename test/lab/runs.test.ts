import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runAndRecord } from '../../src/main/lab/recorded-run'
import { historyConfigJson, openLabResources, type LabResources } from '../../src/main/lab/resources'
import { LabService } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { openHistory } from '../../src/main/storage'
import { appendTelemetry, emptyTelemetry } from '../../src/shared/engine/telemetry'
import type { LabEventMessage, LabOutcome } from '../../src/shared/protocol/lab-api'
import type { RunFailedEvent, RunFinishedEvent, RunSnapshot } from '../../src/shared/protocol/lab-api-runs'
import type { SweepFinished } from '../../src/shared/protocol/lab-api-history'
import type { TelemetryBatch } from '../../src/shared/protocol/migration'

// The run path of the LabApi with the real engine (worker_threads running out/main/engine-worker.js)
// and a real history database in a temporary directory.

const ctx = { host: 'web' as const, clientId: 'test' }

/** A guest small enough to migrate in a fraction of a second. */
const SMALL = {
  name: 'small guest',
  guest: { 'memory-mib': 256, vcpus: 2, workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 8 }] }
}

/** A guest that never converges and keeps the engine busy for seconds (cancel test). */
const NEVER_CONVERGES = {
  name: 'stress',
  guest: { 'memory-mib': 2048, vcpus: 2, workloads: [{ pattern: 'sequential', 'dirty-rate-mibps': 512 }] },
  migration: { policy: { 'max-time-ms': 3_600_000, 'max-iterations': 100_000 } }
}

/** A run of SMALL or NEVER_CONVERGES leaves its 3 engine processes idle for the next run. */
const KEPT = 3

interface Received {
  at: number
  message: LabEventMessage
}

let dir: string
let resources: LabResources
let service: LabService
let events: Received[]

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'migration-lab-runs-'))
  resources = openLabResources({
    processHost: new NodeProcessHost({ log: () => {} }),
    historyFile: join(dir, 'history.db'),
    log: () => {}
  })
  service = new LabService({
    appVersion: '0.0.0-test',
    platform: process.platform,
    processHost: resources.processHost,
    history: resources.history
  })
  // Each test's own list: a late event of an earlier test's host cannot land in it.
  const received: Received[] = []
  events = received
  service.subscribe((message) => received.push({ at: performance.now(), message }))
})

afterEach(async () => {
  await service.shutdown()
  await resources.close()
  await rm(dir, { recursive: true, force: true })
})

function value<T>(outcome: LabOutcome<unknown>): T {
  if (!outcome.ok) throw new Error(`expected a value, got ${outcome.error.kind}: ${outcome.error.message}`)
  return outcome.value as T
}

async function start(config: unknown): Promise<number> {
  return value<{ runId: number }>(await service.handle('runs.start', { config }, ctx)).runId
}

/** Resolves with the run's last event (finished or failed). */
function ended(runId: number, timeoutMs = 60_000): Promise<LabEventMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`run ${runId} did not end in ${timeoutMs} ms`)),
      timeoutMs
    )
    const check = (message: LabEventMessage): void => {
      if (
        (message.event === 'run.finished' || message.event === 'run.failed') &&
        message.payload.runId === runId
      ) {
        clearTimeout(timer)
        off()
        resolve(message)
      }
    }
    const off = service.subscribe(check)
    for (const e of events) check(e.message)
  })
}

function telemetryOf(runId: number): Received[] {
  return events.filter((e) => e.message.event === 'run.telemetry' && e.message.payload.runId === runId)
}

describe('runs.start with the real engine', () => {
  it('streams telemetry, finishes with a completed, verified result and records it in the history', async () => {
    const runId = await start(SMALL)
    const last = await ended(runId)
    expect(last.event).toBe('run.finished')
    const { result } = last.payload as RunFinishedEvent
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    expect(result.downtime).toBeGreaterThan(0)
    expect(result['ram']['dirty-sync-count']).toBeGreaterThanOrEqual(2)

    // Telemetry came before the end, merged: nothing lost, nothing duplicated.
    const telemetry = telemetryOf(runId)
    expect(telemetry.length).toBeGreaterThan(0)
    const endIndex = events.findIndex((e) => e.message === last)
    expect(events.indexOf(telemetry[telemetry.length - 1])).toBeLessThan(endIndex)
    const streamed = emptyTelemetry()
    for (const e of telemetry)
      appendTelemetry(streamed, (e.message.payload as { batch: TelemetryBatch }).batch)
    expect(streamed.progress.at(-1)?.status).toBe('completed')
    expect(streamed.timeline.some((e) => e.lane === 'migration' && e.state === 'stop-and-copy')).toBe(true)

    // At most ~10 events a second: consecutive events at least ~100 ms apart (the last one goes
    // out as soon as the run ends, so the page has everything before run.finished).
    for (let i = 1; i < telemetry.length - 1; i++)
      expect(telemetry[i].at - telemetry[i - 1].at).toBeGreaterThanOrEqual(90)

    // The history has the run, its result and everything streamed.
    const detail = resources.history!.getRun(runId)
    expect(detail.run.status).toBe('completed')
    expect(detail.run.label).toBe('small guest')
    expect(detail.result?.downtime).toBe(result.downtime)
    expect(detail.progress.length).toBe(streamed.progress.length)
    expect(detail.timeline.length).toBe(streamed.timeline.length)

    // runs.get reopens it with the same numbers.
    const snapshot = value<RunSnapshot>(await service.handle('runs.get', { runId, maxPoints: 100_000 }, ctx))
    expect(snapshot.status).toBe('completed')
    expect(snapshot.result?.downtime).toBe(result.downtime)
    expect(snapshot.progress.length).toBe(streamed.progress.length)
    expect(snapshot.throughput.map((s) => s.vcpu).sort()).toEqual([0, 1])
    expect((snapshot.config as { guest: { 'memory-mib': number } }).guest['memory-mib']).toBe(256)
    // The run's 2 vCPU processes and its migration process, kept for the next run (KEPT).
    expect(resources.processHost.liveChildren.size).toBe(KEPT)
  })

  it('downsamples a reopened run to the points asked for, keeping the extremes', async () => {
    // QEMU's defaults: 41 s of virtual time, about 400 progress samples.
    const runId = await start({})
    await ended(runId)
    const full = value<RunSnapshot>(await service.handle('runs.get', { runId, maxPoints: 100_000 }, ctx))
    const small = value<RunSnapshot>(await service.handle('runs.get', { runId, maxPoints: 40 }, ctx))
    expect(full.progress.length).toBeGreaterThan(40)
    expect(small.progress.length).toBeLessThanOrEqual(40)
    expect(small.downsampled).toBe(true)
    const maxOf = (s: RunSnapshot) => Math.max(...s.progress.map((p) => p['expected-downtime-ms']))
    expect(maxOf(small)).toBe(maxOf(full))
    expect(small.timeline.length).toBe(full.timeline.length)
  })

  it('refuses a bad config with every problem as path: message, and starts nothing', async () => {
    const outcome = await service.handle(
      'runs.start',
      {
        config: {
          guest: { vcpus: 0, workloads: [{ pattern: 'zigzag' }] },
          migration: { parameters: { 'downtime-limit': -5 }, capabilities: { 'postcopy-preempt': true } },
          colour: 'blue'
        }
      },
      ctx
    )
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.error.kind).toBe('Validation')
    const paths = (outcome.error.details ?? []).map((d) => d.slice(0, d.indexOf(':')))
    expect(paths).toEqual(
      expect.arrayContaining([
        'guest.vcpus',
        'guest.workloads[0].pattern',
        'migration.parameters.downtime-limit',
        'migration.capabilities.postcopy-preempt',
        'colour'
      ])
    )
    expect(
      outcome.error.details?.find((d) => d.startsWith('migration.capabilities.postcopy-preempt'))
    ).toContain('needs postcopy-ram')
    expect(resources.history!.listRuns().total).toBe(0)
    expect(resources.processHost.liveChildren.size).toBe(0)
    expect(events.filter((e) => e.message.event.startsWith('run.'))).toEqual([])
  })

  it('refuses a run too large for this machine with a ResourceLimit error', async () => {
    const outcome = await service.handle(
      'runs.start',
      { config: { guest: { 'memory-mib': 4_194_304, vcpus: 512 } } },
      ctx
    )
    expect(outcome.ok).toBe(false)
    if (!outcome.ok) {
      expect(outcome.error.kind).toBe('ResourceLimit')
      expect(outcome.error.message).toMatch(/needs about .* GiB/)
    }
  })

  it('cancels a running run: it ends as cancelled, kept in the history, no process left', async () => {
    const runId = await start(NEVER_CONVERGES)
    // Wait until the engine is really running.
    await expect.poll(() => telemetryOf(runId).length, { timeout: 20_000 }).toBeGreaterThan(0)
    expect(value<{ cancelled: boolean }>(await service.handle('runs.cancel', { runId }, ctx)).cancelled).toBe(
      true
    )
    const last = await ended(runId)
    expect(last.event).toBe('run.finished')
    const { result } = last.payload as RunFinishedEvent
    expect(result.status).toBe('cancelled')
    expect(result.lab.reason).toMatch(/cancel/)
    expect(result['total-time']).toBeLessThan(3_600_000)
    expect(resources.history!.getRunRecord(runId).status).toBe('cancelled')
    // The run's 2 vCPU processes and its migration process, kept for the next run (KEPT).
    expect(resources.processHost.liveChildren.size).toBe(KEPT)
    // Cancelling again is harmless and says nothing was cancelled.
    expect(value<{ cancelled: boolean }>(await service.handle('runs.cancel', { runId }, ctx)).cancelled).toBe(
      false
    )
  })

  it('cancels a run at the moment a page shows, though the engine is past it: recorded as it was then', async () => {
    const runId = await start(NEVER_CONVERGES)
    // Wait until the engine is well past the moment the (slower) replay shows.
    const engineMs = (): number => {
      const batches = telemetryOf(runId)
      if (batches.length === 0) return 0
      const last = batches[batches.length - 1].message.payload as { batch: TelemetryBatch }
      return last.batch['time-ms']
    }
    await expect.poll(engineMs, { timeout: 20_000 }).toBeGreaterThan(6000)
    const atVirtualMs = 2000
    const cancelled = await service.handle('runs.cancel', { runId, atVirtualMs }, ctx)
    expect(value<{ cancelled: boolean }>(cancelled).cancelled).toBe(true)
    const last = await ended(runId)
    expect(last.event).toBe('run.finished')
    const { result } = last.payload as RunFinishedEvent
    expect(result.status).toBe('cancelled')
    // Stopped at the moment asked for (the engine checks once per 100 ms step), not where it was.
    expect(result['total-time']).toBeGreaterThanOrEqual(atVirtualMs)
    expect(result['total-time']).toBeLessThan(atVirtualMs + 200)
    expect(result.lab.verified).toBe(true)
    expect(resources.history!.getRunRecord(runId).status).toBe('cancelled')
    // The recorded telemetry is the run's up to then, not what was streamed beyond it.
    const snapshot = value<RunSnapshot>(await service.handle('runs.get', { runId }, ctx))
    expect(snapshot.progress.length).toBeGreaterThan(0)
    expect(snapshot.progress[snapshot.progress.length - 1]['time-ms']).toBeLessThanOrEqual(
      result['total-time'] + 1
    )
    // The run's 2 vCPU processes and its migration process, kept for the next run (KEPT).
    expect(resources.processHost.liveChildren.size).toBe(KEPT)
  })

  it("keeps a run's engine processes for the next run, which starts none, and stops them at shutdown", async () => {
    const host = resources.processHost
    const first = await start(SMALL)
    expect((await ended(first)).event).toBe('run.finished')
    const kept = [...host.liveChildren].map((c) => c.id).sort((a, b) => a - b)
    expect(kept).toHaveLength(KEPT)
    const second = await start({ ...SMALL, seed: 99 })
    const last = await ended(second)
    expect(last.event).toBe('run.finished')
    expect((last.payload as RunFinishedEvent).result.lab.verified).toBe(true)
    // The same three processes served the second run: none was started for it.
    expect([...host.liveChildren].map((c) => c.id).sort((a, b) => a - b)).toEqual(kept)
    await service.shutdown()
    expect(host.liveChildren.size).toBe(0)
  })

  it('answers NotFound for a run that does not exist', async () => {
    const get = await service.handle('runs.get', { runId: 999 }, ctx)
    const cancel = await service.handle('runs.cancel', { runId: 999 }, ctx)
    expect(!get.ok && get.error.kind).toBe('NotFound')
    expect(!cancel.ok && cancel.error.kind).toBe('NotFound')
  })

  it('stops a running run when the host shuts down, recording how it ended before the database closes', async () => {
    const runId = await start(NEVER_CONVERGES)
    await expect.poll(() => telemetryOf(runId).length, { timeout: 20_000 }).toBeGreaterThan(0)
    await service.shutdown()
    const last = events.find(
      (e) =>
        (e.message.event === 'run.finished' || e.message.event === 'run.failed') &&
        e.message.payload.runId === runId
    )
    expect(last?.message.event).toBe('run.finished')
    await resources.close()
    expect(resources.processHost.liveChildren.size).toBe(0)
    const reopened = openHistory(join(dir, 'history.db'), { readonly: true })
    try {
      expect(reopened.getRunRecord(runId).status).toBe('cancelled')
    } finally {
      reopened.close()
    }
  })
})

describe('runs without a history database', () => {
  it('keeps the run in memory so that it can be reopened', async () => {
    const host = new NodeProcessHost({ log: () => {} })
    const memoryService = new LabService({ appVersion: '0', platform: process.platform, processHost: host })
    const got: LabEventMessage[] = []
    memoryService.subscribe((m) => got.push(m))
    try {
      const outcome = await memoryService.handle('runs.start', { config: SMALL, seed: 7 }, ctx)
      const runId = value<{ runId: number }>(outcome).runId
      await expect
        .poll(() => got.find((m) => m.event === 'run.finished' || m.event === 'run.failed'), {
          timeout: 60_000
        })
        .toBeDefined()
      const failed = got.find((m) => m.event === 'run.failed')
      expect(failed && (failed.payload as RunFailedEvent).error).toBeUndefined()
      const snapshot = value<RunSnapshot>(await memoryService.handle('runs.get', { runId }, ctx))
      expect(snapshot.status).toBe('completed')
      expect(snapshot.seed).toBe(7)
      expect(snapshot.result?.lab.seed).toBe(7)
      expect(snapshot.progress.length).toBeGreaterThan(0)
    } finally {
      await memoryService.shutdown()
      await host.killAll()
    }
  })
})

describe('history config text', () => {
  it('gives a sparse and a complete spelling of one config the same canonical text', () => {
    expect(historyConfigJson({})).toBe(
      historyConfigJson({ migration: { parameters: { 'downtime-limit': 300 } } })
    )
    expect(historyConfigJson({ nonsense: 1 })).toBe('{"nonsense":1}')
  })
})

// Issue 13: recording a run was written three times (command line, LabApi runs.start, sweeps) and
// the copies disagreed: the command line stored no label where the LabApi stored the config's
// name, and the LabApi stored a seed override beside the config instead of in it, so one run had
// two config hashes. One RunRecording (src/main/lab/recorded-run.ts) now records all three.
const SAME = {
  name: 'same config',
  guest: { 'memory-mib': 128, vcpus: 1, workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 8 }] }
}
const SEED = 7
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

function nextEvent(match: (message: LabEventMessage) => boolean): Promise<LabEventMessage> {
  return new Promise((resolve) => {
    const off = service.subscribe((message) => {
      if (match(message)) {
        off()
        resolve(message)
      }
    })
  })
}

describe('one way to record a run', () => {
  it('gives a run of one config the same label rule and config hash from the CLI, the LabApi and a sweep', async () => {
    const history = resources.history!

    // The command line's `run SAME --seed 7`.
    const cli = await runAndRecord(SAME, { host: resources.processHost, history, seed: SEED })

    // A page's runs.start with a seed override.
    const apiEnded = nextEvent((m) => m.event === 'run.finished' || m.event === 'run.failed')
    const { runId: apiRunId } = value<{ runId: number }>(
      await service.handle('runs.start', { config: SAME, seed: SEED }, ctx)
    )
    expect((await apiEnded).event).toBe('run.finished')

    // A sweep of the same config with the seed in it (no varied parameter, one repetition).
    const sweepEnded = nextEvent((m) => m.event === 'sweep.finished')
    value(
      await service.handle(
        'sweeps.start',
        { name: 'one point', baseConfig: { ...SAME, seed: SEED }, vary: [], repeat: 1 },
        ctx
      )
    )
    const finished = (await sweepEnded).payload as SweepFinished
    expect(finished.status).toBe('completed')

    const [fromCli, fromApi, fromSweep] = [cli.runId!, apiRunId, finished.lastRunId!].map((id) =>
      history.getRunRecord(id)
    )
    for (const run of [fromCli, fromApi, fromSweep]) {
      expect(run.status).toBe('completed')
      expect(run.seed).toBe(SEED)
    }
    // The label: the config's name, unless the recorder gives one (a sweep point's label).
    expect(fromCli.label).toBe('same config')
    expect(fromApi.label).toBe('same config')
    expect(fromSweep.label).toBe('seed 7')
    // The config hash names what ran, the seed included, whichever way the seed was given.
    const expected = sha256(historyConfigJson({ ...SAME, seed: SEED }))
    expect(fromCli.configHash).toBe(expected)
    expect(fromApi.configHash).toBe(expected)
    expect(fromSweep.configHash).toBe(expected)
    // And the stored config is the one that ran.
    expect(history.getRun(fromApi.id).config.seed).toBe(SEED)
    // Same engine, same seed, same config: the same result.
    expect(history.getRun(fromApi.id).result?.downtime).toBe(cli.result.downtime)
    expect(history.getRun(fromSweep.id).result?.downtime).toBe(cli.result.downtime)
  }, 120_000)
})
