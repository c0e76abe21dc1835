import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { labError } from '../../src/shared/errors'
import { FLUSH_INTERVAL_MS, INTERRUPTED_REASON, openHistory, type HistoryDb } from '../../src/main/storage'
import {
  bundleForNode,
  progressSamples,
  repoRoot,
  sampleConfig,
  sampleResult,
  sampleTelemetry,
  syncRecord,
  tempDir,
  throughputPiece,
  timelineEvents
} from './helpers'

let dir = ''
let cleanup = (): void => {}
const open: HistoryDb[] = []
function history(file = join(dir, 'history.db'), readonly = false): HistoryDb {
  const h = openHistory(file, { readonly })
  open.push(h)
  return h
}
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => {
  for (const h of open.splice(0)) h.close()
  cleanup()
})

describe('recording a run', () => {
  it('writes the run as running at once, then telemetry, then the result with its summary', () => {
    const writer = history()
    const id = writer.beginRun({
      config: sampleConfig(),
      seed: 42,
      engineVersion: '0.1.0',
      label: 'first',
      tags: ['b', 'a', 'a']
    })
    const reader = history(join(dir, 'history.db'), true)
    const begun = reader.getRun(id)
    expect(begun.run).toMatchObject({
      status: 'running',
      seed: 42,
      label: 'first',
      tags: ['a', 'b'],
      summary: null
    })
    expect(begun.run.host).toMatch(/^node on /)
    expect(begun.run.configHash).toMatch(/^[0-9a-f]{64}$/)

    const telemetry = sampleTelemetry(300)
    writer.append(id, {
      progress: telemetry.progress.slice(0, 100),
      throughput: [throughputPiece(0, 0, 30)],
      iterations: [syncRecord(1, 0, 'setup')]
    })
    writer.append(id, {
      progress: telemetry.progress.slice(100),
      throughput: [throughputPiece(0, 3000, 30)],
      timeline: timelineEvents()
    })
    writer.flush()
    const streaming = reader.getRun(id)
    expect(streaming.progress).toEqual(telemetry.progress)
    // Consecutive pieces of one vCPU's series are joined back into one series.
    expect(streaming.throughput).toHaveLength(1)
    expect(streaming.throughput[0]['mib-per-s']).toEqual([
      ...throughputPiece(0, 0, 30)['mib-per-s'],
      ...throughputPiece(0, 3000, 30)['mib-per-s']
    ])
    expect(streaming.iterations).toEqual([syncRecord(1, 0, 'setup')])
    expect(streaming.timeline).toEqual(timelineEvents())

    const result = sampleResult({ downtimeMs: 91.5, guestPauseMs: 140, transferredBytes: 5e9, syncs: 6 })
    writer.finish(id, result)
    const done = reader.getRun(id)
    expect(done.run.status).toBe('completed')
    expect(done.run.reason).toBe(result.lab.reason)
    expect(done.run.endedAtMs).not.toBeNull()
    expect(done.result).toEqual(result)
    expect(done.iterations).toEqual(result.lab.iterations)
    expect(done.run.summary).toEqual({
      downtimeMs: 91.5,
      guestPauseMs: 140,
      totalTimeMs: result['total-time'],
      setupTimeMs: result['setup-time'],
      transferredBytes: 5e9,
      dirtySyncCount: 6,
      converged: true,
      verified: true,
      expectedDowntimeMs: result['expected-downtime'],
      maxThrottlePercent: 20
    })
  })

  it('commits buffered telemetry by itself within the flush interval', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    try {
      const writer = history()
      const reader = history(join(dir, 'history.db'), true)
      const id = writer.beginRun({ config: sampleConfig(), seed: 1, engineVersion: 'test' })
      writer.append(id, { progress: progressSamples(10) })
      expect(reader.getRun(id).progress).toHaveLength(0) // buffered, not yet committed
      vi.advanceTimersByTime(FLUSH_INTERVAL_MS)
      expect(reader.getRun(id).progress).toHaveLength(10)
    } finally {
      vi.useRealTimers()
    }
  })

  it('commits at once when many points are buffered, without waiting for the timer', () => {
    const writer = history()
    const reader = history(join(dir, 'history.db'), true)
    const id = writer.beginRun({ config: sampleConfig(), seed: 1, engineVersion: 'test' })
    writer.append(id, { progress: progressSamples(10_000) })
    expect(reader.getRun(id).storedPoints.progress).toBe(10_000)
  })

  it('keeps what was recorded when a run fails, and records a user cancel as cancelled', () => {
    const writer = history()
    const failed = writer.beginRun({ config: sampleConfig(), seed: 1, engineVersion: 'test' })
    writer.append(failed, { progress: progressSamples(25) })
    writer.fail(failed, labError('ProcessCrashed', 'vCPU 1 exited with code 139'))
    const cancelled = writer.beginRun({ config: sampleConfig(), seed: 2, engineVersion: 'test' })
    writer.fail(cancelled, labError('Cancelled', 'stopped by the user'))
    expect(writer.getRun(failed)).toMatchObject({
      run: { status: 'failed', reason: 'vCPU 1 exited with code 139', summary: null },
      result: null
    })
    expect(writer.getRun(failed).progress).toHaveLength(25)
    expect(writer.getRunRecord(cancelled)).toMatchObject({
      status: 'cancelled',
      reason: 'stopped by the user'
    })
  })

  it('records a policy-cancelled result as cancelled, without downtime in its summary', () => {
    const writer = history()
    const id = writer.beginRun({ config: sampleConfig(), seed: 1, engineVersion: 'test' })
    writer.finish(id, sampleResult({ status: 'cancelled', syncs: 31 }))
    expect(writer.getRunRecord(id)).toMatchObject({
      status: 'cancelled',
      summary: { downtimeMs: null, guestPauseMs: null, dirtySyncCount: 31, converged: false }
    })
  })

  it('refuses telemetry for a run that does not exist, naming it', () => {
    const writer = history()
    expect(() => writer.append(999, { progress: progressSamples(1) })).toThrow(/no run 999/)
    expect(() => writer.finish(999, sampleResult())).toThrow(/no run 999/)
  })

  it('does not mark runs of a live writer in the same process as interrupted', () => {
    const writer = history()
    const id = writer.beginRun({ config: sampleConfig(), seed: 1, engineVersion: 'test' })
    const second = history()
    expect(second.interruptedAtOpen).toEqual([])
    expect(second.recoverInterrupted()).toEqual([])
    expect(second.getRunRecord(id).status).toBe('running')
  })

  it('leaves an unfinished run to recovery when its history is closed', () => {
    const file = join(dir, 'history.db')
    const writer = openHistory(file)
    const id = writer.beginRun({ config: sampleConfig(), seed: 1, engineVersion: 'test' })
    writer.append(id, { progress: progressSamples(5) })
    writer.close() // flushes, but the run never finished
    const next = history(file)
    expect(next.interruptedAtOpen).toEqual([expect.objectContaining({ id, progressPoints: 5 })])
    expect(next.getRunRecord(id)).toMatchObject({ status: 'interrupted', reason: INTERRUPTED_REASON })
  })
})

// ---------------------------------------------------------------------------------------------
// Other processes: a writer killed mid-run, a reader while another process writes

let childEntry = ''
const children: ChildProcess[] = []
beforeAll(async () => {
  childEntry = await bundleForNode(resolve(repoRoot, 'test/storage/child/writer-child.ts'))
}, 60_000)
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  if (childEntry) rmSync(dirname(childEntry), { recursive: true, force: true })
})

function startWriter(
  file: string,
  batches: number
): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn(process.execPath, [childEntry, file, String(batches)], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  children.push(child)
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  return { child, lines }
}

async function nextLine(lines: AsyncIterableIterator<string>): Promise<string> {
  const { value, done } = await lines.next()
  if (done) throw new Error('the writer process ended early')
  return value
}

describe('writers in other processes', () => {
  it('marks the run of a writer killed mid-run as interrupted and keeps its samples', async () => {
    const file = join(dir, 'history.db')
    const { child, lines } = startWriter(file, 0)
    const runId = Number((await nextLine(lines)).replace('RUN ', ''))
    let committed = 0
    while (committed < 1500) committed = Number((await nextLine(lines)).replace('FLUSHED ', ''))
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGKILL')
    await exited

    const reopened = history(file)
    expect(reopened.interruptedAtOpen.map((r) => r.id)).toEqual([runId])
    const run = reopened.getRun(runId)
    expect(run.run.status).toBe('interrupted')
    expect(run.run.reason).toBe('the lab stopped while this run was in progress')
    // Everything committed before the kill is there (a batch may have landed after the line).
    expect(run.storedPoints.progress).toBeGreaterThanOrEqual(committed)
    expect(run.progress.slice(0, committed)).toEqual(progressSamples(committed))
    expect(run.throughput[0]['mib-per-s'].length).toBeGreaterThanOrEqual(committed)
  })

  it('lets a reader list and read while another process writes, seeing only committed data', async () => {
    const file = join(dir, 'history.db')
    const { child, lines } = startWriter(file, 40)
    const runId = Number((await nextLine(lines)).replace('RUN ', ''))
    await nextLine(lines) // first batch committed
    const reader = history(file)
    expect(reader.interruptedAtOpen).toEqual([]) // the writer is alive: its run is left alone
    const exited = new Promise((done) => child.once('exit', done))
    let finished = false
    void exited.then(() => (finished = true))
    let previous = 0
    let reads = 0
    while (!finished) {
      const detail = reader.getRun(runId, { maxPoints: 500 })
      // Batches are 500 samples; a reader never sees half a transaction.
      expect(detail.storedPoints.progress % 500).toBe(0)
      expect(detail.storedPoints.progress).toBeGreaterThanOrEqual(previous)
      previous = detail.storedPoints.progress
      expect(reader.listRuns().total).toBe(1)
      reads++
      await new Promise((r) => setTimeout(r, 2))
    }
    expect(await exited).toBe(0)
    expect(reads).toBeGreaterThan(3)
    const done = reader.getRun(runId)
    expect(done.run.status).toBe('completed')
    expect(done.storedPoints.progress).toBe(40 * 500)
  })
})
