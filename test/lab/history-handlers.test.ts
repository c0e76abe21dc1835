import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { historyConfigJson } from '../../src/main/lab/resources'
import { LabService, type LabCallContext } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import type { LabError } from '../../src/shared/errors'
import type { ExportDocument, RunRecord } from '../../src/shared/history'
import type { SweepFinished, SweepProgress } from '../../src/shared/protocol/lab-api-history'
import type { LabMethod, LabParams, LabResult } from '../../src/shared/protocol/lab-api'

// The history and sweep part of the LabApi, driven through the real LabService with real engine
// processes (worker_threads) and a history database in a temporary folder.

const ctx: LabCallContext = { host: 'web', clientId: 'test' }
const processHost = new NodeProcessHost({ log: () => {} })
afterAll(() => processHost.killAll())

/** A small guest that migrates in a few virtual seconds (well under a second of wall time). */
const SMALL_GUEST = {
  name: 'small guest',
  guest: {
    'memory-mib': 128,
    vcpus: 1,
    workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 8, 'working-set-mib': 32 }]
  },
  migration: { parameters: { 'max-bandwidth': 268435456 } }
}

let dir: string
let history: HistoryDb
let lab: LabService
let progress: SweepProgress[]
let finished: SweepFinished[]

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-history-handlers-'))
  history = openHistory(join(dir, 'history.db'), { canonicalConfigJson: historyConfigJson })
  lab = new LabService({
    appVersion: '0.0.0',
    platform: 'linux',
    engineVersion: '1.0.0',
    processHost,
    history
  })
  progress = []
  finished = []
  lab.subscribe((message) => {
    if (message.event === 'sweep.progress') progress.push(message.payload)
    if (message.event === 'sweep.finished') finished.push(message.payload)
  })
})

afterEach(async () => {
  await lab.shutdown()
  history.close()
  rmSync(dir, { recursive: true, force: true })
})

async function call<M extends LabMethod>(method: M, params: LabParams<M>): Promise<LabResult<M>> {
  const outcome = await lab.handle(method, params, ctx)
  if (!outcome.ok)
    throw new Error(`${method} failed: ${outcome.error.message}\n${outcome.error.details?.join('\n') ?? ''}`)
  return outcome.value as LabResult<M>
}

async function refused(method: LabMethod, params: unknown): Promise<LabError> {
  const outcome = await lab.handle(method, params, ctx)
  if (outcome.ok) throw new Error(`${method} was expected to fail`)
  return outcome.error
}

function whenFinished(experimentId: number): Promise<SweepFinished> {
  return new Promise((resolveFinished, reject) => {
    const timer = setTimeout(() => reject(new Error(`sweep ${experimentId} did not finish`)), 90_000)
    const check = (): void => {
      const done = finished.find((f) => f.experimentId === experimentId)
      if (done) {
        clearTimeout(timer)
        resolveFinished(done)
      } else setTimeout(check, 20)
    }
    check()
  })
}

async function runsOf(experimentId: number): Promise<RunRecord[]> {
  const page = await call('history.listRuns', {
    filter: { experimentId },
    sort: { key: 'started', dir: 'asc' },
    page: { limit: 100, offset: 0 }
  })
  return page.rows
}

async function threePointSweep(): Promise<number> {
  const started = await call('sweeps.start', {
    name: 'downtime-limit sweep',
    baseConfig: SMALL_GUEST,
    vary: [{ path: 'migration.parameters.downtime-limit', values: [100, 300, 500] }],
    repeat: 1,
    parallel: 2
  })
  expect(started).toMatchObject({ total: 3, parallel: 2 })
  const end = await whenFinished(started.experimentId)
  expect(end).toMatchObject({ status: 'completed', done: 3, total: 3, failed: 0 })
  return started.experimentId
}

describe('sweeps through the LabApi (real engine)', () => {
  it('runs a 3-point sweep to 3 recorded runs, one per value, and groups them by the varied parameter', async () => {
    const experimentId = await threePointSweep()
    const runs = await runsOf(experimentId)
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed'])
    expect(runs.map((r) => r.label).sort()).toEqual([
      'downtime-limit=100',
      'downtime-limit=300',
      'downtime-limit=500'
    ])
    // Every run's progress was streamed into the history and its summary written.
    for (const run of runs) {
      expect(run.summary?.downtimeMs).toBeGreaterThan(0)
      const detail = await call('history.getRun', { runId: run.id, maxPoints: 64 })
      expect(detail.progress.length).toBeGreaterThan(1)
      expect(detail.progress.length).toBeLessThanOrEqual(64)
    }
    const summary = await call('history.summarize', {
      target: { experimentId },
      groupBy: 'migration.parameters.downtime-limit'
    })
    expect(summary.groups.map((g) => [g.key, g.downtimeMs.n])).toEqual([
      [100, 1],
      [300, 1],
      [500, 1]
    ])
    const experiment = await call('history.getExperiment', { experimentId })
    expect(experiment).toMatchObject({
      status: 'completed',
      runCount: 3,
      finishedRunCount: 3,
      repetitions: 1
    })
    // Progress was reported after each run, ending at 3 of 3.
    expect(progress.filter((p) => p.experimentId === experimentId).map((p) => p.done)).toContain(3)
    expect(await call('sweeps.active', {})).toEqual([])
  }, 120_000)

  it('cancels a sweep: finished runs are kept, the one in flight is cancelled, the rest never start', async () => {
    const started = await call('sweeps.start', {
      name: 'to be cancelled',
      baseConfig: SMALL_GUEST,
      vary: [{ path: 'migration.parameters.downtime-limit', range: '100..600:100' }],
      repeat: 1,
      parallel: 1
    })
    expect(started.total).toBe(6)
    // Cancel as soon as the first run has ended.
    await new Promise<void>((resolveFirst) => {
      const check = (): void => {
        if (progress.some((p) => p.experimentId === started.experimentId && p.done >= 1)) resolveFirst()
        else setTimeout(check, 5)
      }
      check()
    })
    expect(await call('sweeps.cancel', { experimentId: started.experimentId })).toEqual({ cancelled: true })
    const end = await whenFinished(started.experimentId)
    expect(end.status).toBe('cancelled')
    const runs = await runsOf(started.experimentId)
    expect(runs.length).toBeGreaterThanOrEqual(1)
    expect(runs.length).toBeLessThan(6)
    expect(runs[0].status).toBe('completed')
    expect(runs[0].summary?.downtimeMs).toBeGreaterThan(0)
    // Whatever was in flight is recorded as cancelled, without a summary that would skew the stats.
    for (const run of runs.slice(1)) {
      expect(run.status === 'completed' || (run.status === 'cancelled' && run.summary === null)).toBe(true)
    }
    expect((await call('history.getExperiment', { experimentId: started.experimentId })).status).toBe(
      'cancelled'
    )
    // Cancelling again says nothing was cancelled.
    expect(await call('sweeps.cancel', { experimentId: started.experimentId })).toEqual({ cancelled: false })
  }, 120_000)

  it('refuses an invalid sweep before recording anything, naming the path', async () => {
    const typo = await refused('sweeps.start', {
      name: 'typo',
      baseConfig: {},
      vary: [{ path: 'migration.parameters.downtime-limt', values: [100] }],
      repeat: 1
    })
    expect(typo.kind).toBe('Validation')
    expect(typo.details?.join('\n')).toContain(
      'vary[0].path: migration.parameters.downtime-limt does not exist'
    )

    const badValue = await refused('sweeps.start', {
      name: 'negative limit',
      baseConfig: {},
      vary: [{ path: 'migration.parameters.downtime-limit', values: [100, -5] }],
      repeat: 1
    })
    expect(badValue.details?.join('\n')).toMatch(/downtime-limit=-5.*migration\.parameters\.downtime-limit/)

    const both = await refused('sweeps.start', {
      name: 'x',
      baseConfig: {},
      vary: [{ path: 'seed', values: [1], range: '1..2:1' }],
      repeat: 1
    })
    expect(both.details).toEqual([expect.stringMatching(/^vary\.0\.values: give either values/)])

    const noName = await refused('sweeps.start', { name: '  ', baseConfig: {}, vary: [], repeat: 1 })
    expect(noName.details).toEqual([expect.stringMatching(/^name: give the sweep a name/)])

    expect((await call('history.listExperiments', {})).total).toBe(0)
  })

  it('varies a parameter another default follows (guest memory): each run keeps a valid working set', async () => {
    const started = await call('sweeps.start', {
      name: 'memory',
      baseConfig: { guest: { 'memory-mib': 256, vcpus: 1 } },
      vary: [{ path: 'guest.memory-mib', values: [64, 128] }],
      repeat: 1,
      parallel: 2
    })
    expect((await whenFinished(started.experimentId)).status).toBe('completed')
    const runs = await runsOf(started.experimentId)
    const sizes = await Promise.all(
      runs.map(async (r) => (await call('history.getRun', { runId: r.id, maxPoints: 16 })).config)
    )
    expect(
      sizes.map((c) => (c.guest as { 'memory-mib': number })['memory-mib']).sort((a, b) => a - b)
    ).toEqual([64, 128])
  }, 120_000)
})

describe('history through the LabApi', () => {
  it('lists runs filtered by a config parameter, sorted by downtime, and pages them', async () => {
    const experimentId = await threePointSweep()
    const atLeast300 = await call('history.listRuns', {
      filter: { config: [{ path: 'migration.parameters.downtime-limit', op: '>=', value: 300 }] },
      sort: { key: 'downtime', dir: 'asc' }
    })
    expect(atLeast300.total).toBe(2)
    expect(atLeast300.rows.map((r) => r.label).sort()).toEqual(['downtime-limit=300', 'downtime-limit=500'])

    const page2 = await call('history.listRuns', {
      filter: { experimentId },
      sort: { key: 'started', dir: 'asc' },
      page: { limit: 2, offset: 2 }
    })
    expect(page2).toMatchObject({ total: 3 })
    expect(page2.rows).toHaveLength(1)

    const typo = await refused('history.listRuns', {
      filter: { config: [{ path: 'a..b', op: '=', value: 1 }] }
    })
    expect(typo.kind).toBe('Validation')
    expect(typo.details).toEqual([
      expect.stringMatching(/^filter\.config\.0\.path: not a dotted config path/)
    ])
  }, 120_000)

  it('keeps notes, tags and stars, and finds runs by them', async () => {
    const experimentId = await threePointSweep()
    const [first, second] = await runsOf(experimentId)
    await call('history.setNote', { runId: first.id, notes: 'converged in 3 syncs' })
    await call('history.setTags', { runId: first.id, tags: [' baseline ', 'small', 'baseline'] })
    await call('history.setStarred', { runId: second.id, starred: true })

    const detail = await call('history.getRun', { runId: first.id })
    expect(detail.run).toMatchObject({
      notes: 'converged in 3 syncs',
      tags: ['baseline', 'small'],
      starred: false
    })
    expect(
      (await call('history.listRuns', { filter: { tags: ['baseline'] } })).rows.map((r) => r.id)
    ).toEqual([first.id])
    expect((await call('history.listRuns', { filter: { starred: true } })).rows.map((r) => r.id)).toEqual([
      second.id
    ])
    expect((await call('history.listRuns', { filter: { text: 'SYNCS' } })).rows.map((r) => r.id)).toEqual([
      first.id
    ])

    await call('history.setNote', { experimentId, notes: 'the reference sweep' })
    expect((await call('history.getExperiment', { experimentId })).notes).toBe('the reference sweep')

    const missing = await refused('history.setNote', { runId: 999_999, notes: 'x' })
    expect(missing.kind).toBe('NotFound')
    const neither = await refused('history.setStarred', { starred: true })
    expect(neither.details).toEqual([expect.stringMatching(/^runId: give runId or experimentId/)])
  }, 120_000)

  it('deletes runs and experiments to the bin and restores them (undo)', async () => {
    const experimentId = await threePointSweep()
    const [first] = await runsOf(experimentId)
    expect(await call('history.delete', { runIds: [first.id] })).toEqual({ runs: 1, experiments: 0 })
    expect((await call('history.listRuns', {})).total).toBe(2)
    expect(await call('history.restore', { runIds: [first.id] })).toEqual({ runs: 1, experiments: 0 })
    expect((await call('history.listRuns', {})).total).toBe(3)

    expect(await call('history.delete', { experimentIds: [experimentId] })).toEqual({
      runs: 3,
      experiments: 1
    })
    expect((await call('history.listRuns', {})).total).toBe(0)
    expect((await call('history.listExperiments', {})).total).toBe(0)
    expect(await call('history.restore', { experimentIds: [experimentId] })).toEqual({
      runs: 3,
      experiments: 1
    })
    expect((await call('history.listRuns', {})).total).toBe(3)

    const nothing = await refused('history.delete', {})
    expect(nothing.details).toEqual([
      expect.stringMatching(/^runIds: give at least one run or experiment id/)
    ])
  }, 120_000)

  it('exports an experiment and imports it back as new runs; imports a guestperf report as a measured run', async () => {
    const experimentId = await threePointSweep()
    const doc = (await call('history.export', { experimentId })) as ExportDocument
    expect(doc.format).toBe('migration-lab-export')
    expect(doc.runs).toHaveLength(3)
    const imported = await call('history.import', {
      document: JSON.parse(JSON.stringify(doc)),
      fileName: 'sweep.json'
    })
    expect(imported.format).toBe('migration-lab-export')
    expect(imported.runIds).toHaveLength(3)
    expect(imported.experimentIds).toHaveLength(1)
    expect((await call('history.listRuns', {})).total).toBe(6)

    const report = JSON.parse(
      readFileSync(
        fileURLToPath(new URL('../fixtures/guestperf/auto-converge-10gbs.json', import.meta.url)),
        'utf8'
      )
    ) as Record<string, unknown>
    const measured = await call('history.import', { document: report, fileName: 'auto-converge-10gbs.json' })
    expect(measured.format).toBe('guestperf')
    const run = await call('history.getRun', { runId: measured.runIds[0] })
    expect(run.run.source).toBe('measured')
    expect((await call('history.listRuns', { filter: { source: 'measured' } })).total).toBe(1)

    const neither = await refused('history.import', { document: { hello: 'world' }, fileName: 'notes.json' })
    expect(neither.kind).toBe('Validation')
    expect(neither.message).toContain('notes.json is neither a Migration Lab export')
  }, 120_000)
})

describe('without a history database', () => {
  it('says so instead of failing obscurely', async () => {
    const bare = new LabService({ appVersion: '0.0.0', platform: 'linux' })
    const outcome = await bare.handle('history.listRuns', {}, ctx)
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.error.kind).toBe('Database')
    expect(outcome.error.message).toContain('no history database')
  })
})
