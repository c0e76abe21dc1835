import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabFailure } from '../../src/shared/errors'
import type { ConfigFilter, RunFilter, RunSortKey } from '../../src/shared/history'
import type { ProgressSample } from '../../src/shared/result'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import { progressSamples, sampleConfig, sampleResult, tempDir, type ResultShape } from './helpers'

let cleanup = (): void => {}
let h: HistoryDb
let clockMs = 0
beforeEach(() => {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  clockMs = Date.UTC(2026, 0, 1)
  h = openHistory(join(tmp.dir, 'history.db'), { now: () => clockMs })
})
afterEach(() => {
  h.close()
  cleanup()
})

interface RunSpec extends ResultShape {
  label: string
  downtimeLimitMs?: number
  maxBandwidth?: number
  autoConverge?: boolean
  tags?: string[]
  startedAtMs?: number
  experimentId?: number
  finish?: boolean
  source?: 'simulated' | 'measured'
}

function addRun(spec: RunSpec): number {
  const id = h.beginRun({
    config: sampleConfig({
      downtimeLimitMs: spec.downtimeLimitMs,
      maxBandwidth: spec.maxBandwidth,
      autoConverge: spec.autoConverge
    }),
    seed: spec.seed ?? 1,
    engineVersion: 'test',
    label: spec.label,
    tags: spec.tags,
    startedAtMs: spec.startedAtMs,
    experimentId: spec.experimentId,
    source: spec.source
  })
  if (spec.finish !== false) h.finish(id, sampleResult(spec))
  return id
}

describe('listing runs', () => {
  it('pages through runs newest first with the total count', () => {
    const ids = Array.from({ length: 23 }, (_, i) => addRun({ label: `run ${i}`, startedAtMs: 1000 + i }))
    const first = h.listRuns({ page: { limit: 10, offset: 0 } })
    expect(first.total).toBe(23)
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(-10).reverse())
    const last = h.listRuns({ page: { limit: 10, offset: 20 } })
    expect(last.rows.map((r) => r.id)).toEqual(ids.slice(0, 3).reverse())
    const all = [0, 10, 20].flatMap((offset) =>
      h.listRuns({ page: { limit: 10, offset } }).rows.map((r) => r.id)
    )
    expect(new Set(all).size).toBe(23)
  })

  it('sorts by summary values in either direction, unfinished runs last', () => {
    const slow = addRun({
      label: 'slow',
      downtimeMs: 300,
      totalTimeMs: 9000,
      transferredBytes: 9e9,
      syncs: 9
    })
    const fast = addRun({ label: 'fast', downtimeMs: 20, totalTimeMs: 2000, transferredBytes: 2e9, syncs: 3 })
    const mid = addRun({
      label: 'mid',
      downtimeMs: 120,
      totalTimeMs: 5000,
      transferredBytes: 5e9,
      syncs: 5,
      guestPauseMs: 10
    })
    const unfinished = addRun({ label: 'still running', finish: false })
    const order = (key: RunSortKey, dir: 'asc' | 'desc') =>
      h.listRuns({ sort: { key, dir } }).rows.map((r) => r.id)
    expect(order('downtime', 'asc')).toEqual([fast, mid, slow, unfinished])
    expect(order('downtime', 'desc')).toEqual([slow, mid, fast, unfinished])
    expect(order('total-time', 'asc')).toEqual([fast, mid, slow, unfinished])
    expect(order('transferred', 'desc')).toEqual([slow, mid, fast, unfinished])
    expect(order('syncs', 'asc')).toEqual([fast, mid, slow, unfinished])
    expect(order('guest-pause', 'asc')[0]).toBe(mid)
  })

  it('filters on any config parameter by dotted path, including names with dashes', () => {
    const low = addRun({ label: 'limit 100', downtimeLimitMs: 100 })
    const mid = addRun({ label: 'limit 300', downtimeLimitMs: 300, autoConverge: true })
    const high = addRun({ label: 'limit 500', downtimeLimitMs: 500, maxBandwidth: 33554432 })
    const ids = (config: ConfigFilter[]) =>
      h.listRuns({ filter: { config }, sort: { key: 'started', dir: 'asc' } }).rows.map((r) => r.id)
    expect(ids([{ path: 'migration.parameters.downtime-limit', op: '=', value: 300 }])).toEqual([mid])
    expect(ids([{ path: 'migration.parameters.downtime-limit', op: '>=', value: 300 }])).toEqual([mid, high])
    expect(ids([{ path: 'migration.parameters.downtime-limit', op: '!=', value: 300 }])).toEqual([low, high])
    expect(
      ids([
        { path: 'migration.parameters.downtime-limit', op: '<', value: 500 },
        { path: 'migration.parameters.max-bandwidth', op: '=', value: 134217728 }
      ])
    ).toEqual([low, mid])
    expect(ids([{ path: 'migration.capabilities.auto-converge', op: '=', value: true }])).toEqual([mid])
    expect(ids([{ path: 'guest.workloads.0.pattern', op: '=', value: 'uniform' }])).toEqual([low, mid, high])
    expect(ids([{ path: 'guest.no-such-field', op: '=', value: null }])).toEqual([low, mid, high])
  })

  it('rejects a malformed config path with the path of the filter', () => {
    addRun({ label: 'x' })
    const attempt = () =>
      h.listRuns({ filter: { config: [{ path: 'migration..parameters', op: '=', value: 1 }] } })
    expect(attempt).toThrow(LabFailure)
    expect(attempt).toThrow(/filter\.config\[0\]\.path/)
    expect(() => h.listRuns({ filter: { config: [{ path: 'a"b', op: '=', value: 1 }] } })).toThrow(
      /not a dotted config path/
    )
  })

  it('filters by status, tags, text, source, star, experiment and start time', () => {
    const experiment = h.createExperiment({ name: 'Bandwidth study', baseConfig: sampleConfig() })
    const a = addRun({
      label: 'alpha',
      tags: ['baseline', 'lan'],
      startedAtMs: 1000,
      experimentId: experiment
    })
    const b = addRun({ label: 'beta', tags: ['lan'], startedAtMs: 2000, status: 'cancelled' })
    const c = addRun({ label: 'gamma', startedAtMs: 3000, finish: false, source: 'measured' })
    h.setRunStarred(b, true)
    h.setRunNotes(c, 'Saw a BQL stall here')
    const ids = (filter: RunFilter) =>
      h.listRuns({ filter, sort: { key: 'started', dir: 'asc' } }).rows.map((r) => r.id)
    expect(ids({ status: 'completed' })).toEqual([a])
    expect(ids({ status: ['cancelled', 'running'] })).toEqual([b, c])
    expect(ids({ tags: ['lan'] })).toEqual([a, b])
    expect(ids({ tags: ['lan', 'baseline'] })).toEqual([a])
    expect(ids({ text: 'bql stall' })).toEqual([c])
    expect(ids({ text: 'BANDWIDTH study' })).toEqual([a])
    expect(ids({ text: 'baseLINE' })).toEqual([a])
    expect(ids({ source: 'measured' })).toEqual([c])
    expect(ids({ starred: true })).toEqual([b])
    expect(ids({ experimentId: experiment })).toEqual([a])
    expect(ids({ experimentId: null })).toEqual([b, c])
    expect(ids({ from: 2000, to: 3000 })).toEqual([b])
  })
})

describe('run detail', () => {
  it('downsamples 100,000 progress samples keeping a one-sample spike and the first and last sample', () => {
    const id = addRun({ label: 'long', finish: false })
    const samples: ProgressSample[] = progressSamples(100_000)
    samples[61_234] = { ...samples[61_234], 'expected-downtime-ms': 9_999, status: 'device' }
    for (let i = 0; i < samples.length; i += 5000) h.append(id, { progress: samples.slice(i, i + 5000) })
    h.finish(id, sampleResult())
    const detail = h.getRun(id, { maxPoints: 2000 })
    expect(detail.downsampled).toBe(true)
    expect(detail.storedPoints.progress).toBe(100_000)
    expect(detail.progress.length).toBeLessThanOrEqual(2000)
    expect(detail.progress.length).toBeGreaterThan(500)
    expect(detail.progress[0]).toEqual(samples[0])
    expect(detail.progress[detail.progress.length - 1]).toEqual(samples[99_999])
    expect(detail.progress).toContainEqual(samples[61_234])
    const times = detail.progress.map((s) => s['time-ms'])
    expect(times).toEqual([...times].sort((x, y) => x - y))
    // Without maxPoints, every sample comes back exactly.
    expect(h.getRun(id).progress).toEqual(samples)
  })

  it('downsamples each vCPU throughput series, keeping the pause (a drop to zero)', () => {
    const id = addRun({ label: 'pause', finish: false })
    const values = Array.from({ length: 20_000 }, (_, i) => (i === 15_000 ? 0 : 3000 + (i % 3)))
    h.append(id, { throughput: [{ vcpu: 0, 'bucket-ms': 10, 'start-ms': 0, 'mib-per-s': values }] })
    h.flush()
    const [series] = h.getRun(id, { maxPoints: 300 }).throughput
    expect(series['mib-per-s'].length).toBeLessThanOrEqual(300)
    const at = series['time-ms'].indexOf(150_000)
    expect(at).toBeGreaterThan(0)
    expect(series['mib-per-s'][at]).toBe(0)
  })

  it('reports a missing run as NotFound', () => {
    try {
      h.getRun(12345)
      expect.unreachable()
    } catch (e) {
      expect((e as LabFailure).error).toMatchObject({
        kind: 'NotFound',
        message: 'There is no run 12345 in the history'
      })
    }
  })
})

describe('summaries', () => {
  it('gives count, mean, median, min, max and sample stddev per group of a config parameter', () => {
    const experiment = h.createExperiment({ name: 'limit sweep', baseConfig: sampleConfig() })
    // downtime-limit 100: downtimes 10, 20, 60 · limit 300: 40, 50 and one cancelled run.
    const runs: RunSpec[] = [
      {
        label: 'a',
        downtimeLimitMs: 100,
        downtimeMs: 10,
        guestPauseMs: 50,
        totalTimeMs: 1000,
        transferredBytes: 100
      },
      {
        label: 'b',
        downtimeLimitMs: 100,
        downtimeMs: 20,
        guestPauseMs: 60,
        totalTimeMs: 2000,
        transferredBytes: 200
      },
      {
        label: 'c',
        downtimeLimitMs: 100,
        downtimeMs: 60,
        guestPauseMs: 100,
        totalTimeMs: 6000,
        transferredBytes: 600
      },
      {
        label: 'd',
        downtimeLimitMs: 300,
        downtimeMs: 40,
        guestPauseMs: 70,
        totalTimeMs: 4000,
        transferredBytes: 400
      },
      {
        label: 'e',
        downtimeLimitMs: 300,
        downtimeMs: 50,
        guestPauseMs: 90,
        totalTimeMs: 5000,
        transferredBytes: 500
      },
      { label: 'f', downtimeLimitMs: 300, status: 'cancelled', totalTimeMs: 300000, transferredBytes: 9000 }
    ]
    const ids = runs.map((r) => addRun({ ...r, experimentId: experiment }))
    const summary = h.summarize({ experimentId: experiment }, 'migration.parameters.downtime-limit')
    expect(summary.groupBy).toBe('migration.parameters.downtime-limit')
    expect(summary.groups.map((g) => g.key)).toEqual([100, 300])
    const [g100, g300] = summary.groups
    expect(g100.runIds).toEqual(ids.slice(0, 3))
    expect(g100.statusCounts).toEqual({ completed: 3 })
    // mean (10+20+60)/3 = 30; deviations −20, −10, 30 → squares 400+100+900 = 1400; /(3−1) = 700.
    expect(g100.downtimeMs).toEqual({ n: 3, mean: 30, median: 20, min: 10, max: 60, stddev: Math.sqrt(700) })
    // guest pause 50, 60, 100: mean 70, deviations −20, −10, 30 → same 700.
    expect(g100.guestPauseMs).toEqual({
      n: 3,
      mean: 70,
      median: 60,
      min: 50,
      max: 100,
      stddev: Math.sqrt(700)
    })
    expect(g100.totalTimeMs.mean).toBe(3000)
    // Downtime only from completed runs: 40 and 50 → mean 45, median 45, stddev sqrt(50).
    expect(g300.statusCounts).toEqual({ completed: 2, cancelled: 1 })
    expect(g300.downtimeMs).toEqual({ n: 2, mean: 45, median: 45, min: 40, max: 50, stddev: Math.sqrt(50) })
    // Total time and bytes from every finished run, the cancelled one included.
    expect(g300.totalTimeMs).toMatchObject({ n: 3, min: 4000, max: 300000, median: 5000 })
    expect(g300.transferredBytes.mean).toBeCloseTo((400 + 500 + 9000) / 3, 9)

    const chosen = h.summarize({ runIds: [ids[0], ids[3]] })
    expect(chosen.groups).toHaveLength(1)
    expect(chosen.groups[0]).toMatchObject({
      key: null,
      downtimeMs: { n: 2, mean: 25, stddev: Math.sqrt(450) }
    })
  })

  it('groups by a boolean parameter and leaves deleted runs out', () => {
    const on = addRun({ label: 'ac on', autoConverge: true, downtimeMs: 30 })
    const off = addRun({ label: 'ac off', autoConverge: false, downtimeMs: 80 })
    const gone = addRun({ label: 'ac off, deleted', autoConverge: false, downtimeMs: 999 })
    h.deleteRuns([gone])
    const summary = h.summarize({ runIds: [on, off, gone] }, 'migration.capabilities.auto-converge')
    expect(summary.groups.map((g) => [g.key, g.runIds])).toEqual([
      [false, [off]],
      [true, [on]]
    ])
  })
})

describe('annotations and the bin', () => {
  it('sets tags, notes and stars on runs and experiments', () => {
    const id = addRun({ label: 'x' })
    h.setRunTags(id, [' lan ', 'baseline', 'lan', ''])
    h.setRunNotes(id, 'first try')
    h.setRunStarred(id, true)
    h.setRunLabel(id, 'renamed')
    expect(h.getRunRecord(id)).toMatchObject({
      tags: ['baseline', 'lan'],
      notes: 'first try',
      starred: true,
      label: 'renamed'
    })
    const e = h.createExperiment({ name: 'E', baseConfig: sampleConfig(), tags: ['t1'] })
    clockMs += 5000
    h.setExperimentNotes(e, 'why')
    h.setExperimentStarred(e, true)
    h.setExperimentTags(e, ['t2'])
    expect(h.getExperiment(e)).toMatchObject({
      notes: 'why',
      starred: true,
      tags: ['t2'],
      updatedAtMs: clockMs
    })
    expect(() => h.setRunNotes(404, 'x')).toThrow(/no run 404/)
  })

  it('moves runs to the bin, restores them, and purges only what is old enough', () => {
    const keep = addRun({ label: 'keep' })
    const old = addRun({ label: 'old' })
    const recent = addRun({ label: 'recent' })
    h.deleteRuns([old])
    clockMs += 60_000
    expect(h.deleteRuns([recent, recent, 999])).toBe(1)
    expect(h.listRuns().rows.map((r) => r.id)).toEqual([keep])
    expect(h.getRunRecord(old).deletedAtMs).not.toBeNull() // still readable, for undo
    expect(h.restore([recent])).toBe(1)
    expect(h.listRuns().total).toBe(2)
    h.deleteRuns([recent])
    expect(h.purgeDeleted(30_000)).toEqual({ runs: 1, experiments: 0 })
    expect(() => h.getRunRecord(old)).toThrow(/no run/)
    expect(h.getRunRecord(recent).deletedAtMs).not.toBeNull()
    expect(h.purgeDeleted()).toEqual({ runs: 1, experiments: 0 })
    expect(h.listRuns().rows.map((r) => r.id)).toEqual([keep])
  })

  it('deletes an experiment with its runs and restores them together', () => {
    const e = h.createExperiment({ name: 'E', baseConfig: sampleConfig(), repetitions: 2 })
    const inside = [addRun({ label: 'r1', experimentId: e }), addRun({ label: 'r2', experimentId: e })]
    const deletedBefore = inside[1]
    h.deleteRuns([deletedBefore])
    clockMs += 1000
    h.deleteExperiment(e)
    expect(h.listExperiments().total).toBe(0)
    expect(h.listRuns().total).toBe(0)
    h.restoreExperiment(e)
    expect(h.listExperiments().rows[0]).toMatchObject({ id: e, runCount: 1, finishedRunCount: 1 })
    // The run deleted on its own earlier stays in the bin.
    expect(h.listRuns().rows.map((r) => r.id)).toEqual([inside[0]])
  })

  it('lists experiments with filters, sorting and paging', () => {
    const names = ['Zeta', 'alpha', 'Mid']
    const ids = names.map((name) => {
      clockMs += 1000
      return h.createExperiment({ name, baseConfig: sampleConfig(), tags: name === 'Mid' ? ['x'] : [] })
    })
    expect(h.listExperiments().rows.map((e) => e.name)).toEqual(['Mid', 'alpha', 'Zeta'])
    expect(h.listExperiments({ sort: { key: 'name', dir: 'asc' } }).rows.map((e) => e.name)).toEqual([
      'alpha',
      'Mid',
      'Zeta'
    ])
    expect(h.listExperiments({ filter: { tags: ['x'] } }).rows.map((e) => e.id)).toEqual([ids[2]])
    expect(h.listExperiments({ filter: { text: 'ALP' } }).rows.map((e) => e.id)).toEqual([ids[1]])
    expect(h.listExperiments({ page: { limit: 2, offset: 2 } })).toMatchObject({
      total: 3,
      rows: [{ name: 'Zeta' }]
    })
    h.setExperimentStatus(ids[0], 'completed')
    expect(h.listExperiments({ filter: { status: 'completed' } }).rows.map((e) => e.id)).toEqual([ids[0]])
    // The same filter terms as the run list (one sharedListTerms): the text is found in a tag
    // too, statuses are any of, none matches nothing, starred picks the starred.
    expect(h.listExperiments({ filter: { text: 'X' } }).rows.map((e) => e.id)).toEqual([ids[2]])
    h.setExperimentNotes(ids[0], 'Rerun with a Bigger cache')
    expect(h.listExperiments({ filter: { text: 'bigger' } }).rows.map((e) => e.id)).toEqual([ids[0]])
    expect(
      h
        .listExperiments({ filter: { status: ['completed', 'draft'] } })
        .rows.map((e) => e.id)
        .sort()
    ).toEqual([...ids].sort())
    expect(h.listExperiments({ filter: { status: [] } })).toEqual({ rows: [], total: 0 })
    h.setExperimentStarred(ids[1], true)
    expect(h.listExperiments({ filter: { starred: true } }).rows.map((e) => e.id)).toEqual([ids[1]])
    expect(h.listExperiments({ filter: { starred: false, tags: ['x'] } }).rows.map((e) => e.id)).toEqual([
      ids[2]
    ])
  })
})
