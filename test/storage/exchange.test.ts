import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabFailure, type LabError } from '../../src/shared/errors'
import { guestperfToMeasuredRun, parseGuestperfReport } from '../../src/shared/guestperf'
import type { ExportDocument } from '../../src/shared/history'
import { canonicalConfigJson, parseConfig } from '../../src/shared/config'
import { stableStringify } from '../../src/shared/stable-json'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import {
  progressSamples,
  repoRoot,
  sampleConfig,
  sampleResult,
  sampleTelemetry,
  syncRecord,
  tempDir
} from './helpers'

let dir = ''
let cleanup = (): void => {}
const opened: HistoryDb[] = []
function history(name: string): HistoryDb {
  const h = openHistory(join(dir, name))
  opened.push(h)
  return h
}
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => {
  for (const h of opened.splice(0)) h.close()
  cleanup()
})

function failure(action: () => unknown): LabError {
  try {
    action()
  } catch (e) {
    expect(e).toBeInstanceOf(LabFailure)
    return (e as LabFailure).error
  }
  throw new Error('expected a LabFailure')
}

/** A document without what importing is allowed to change: ids and the export time. */
function content(doc: ExportDocument): unknown {
  const experimentIndex = new Map(doc.experiments.map((e, i) => [e.id, i]))
  return {
    experiments: doc.experiments.map(({ id: _id, ...rest }) => rest),
    runs: doc.runs.map(({ id: _id, experimentId, ...rest }) => ({
      ...rest,
      experiment: experimentId === null ? null : experimentIndex.get(experimentId)
    }))
  }
}

function populate(h: HistoryDb): { experimentId: number; runIds: number[] } {
  const experimentId = h.createExperiment({
    name: 'downtime-limit sweep',
    description: 'how the limit moves downtime',
    baseConfig: sampleConfig(),
    varied: [{ path: 'migration.parameters.downtime-limit', values: [100, 300] }],
    repetitions: 2,
    tags: ['sweep']
  })
  h.setExperimentNotes(experimentId, 'repeated twice')
  h.setExperimentStatus(experimentId, 'completed')
  const completed = h.beginRun({
    config: sampleConfig({ downtimeLimitMs: 100 }),
    seed: 1,
    engineVersion: '0.1.0',
    label: 'limit 100',
    experimentId,
    tags: ['lan']
  })
  const telemetry = sampleTelemetry(2500)
  h.append(completed, {
    progress: telemetry.progress,
    throughput: telemetry.throughput,
    timeline: telemetry.timeline,
    iterations: [syncRecord(1, 0, 'setup')]
  })
  h.finish(completed, sampleResult({ downtimeMs: 55.5 }))
  h.setRunStarred(completed, true)
  h.setRunNotes(completed, 'a note with "quotes" and ünïcödé')
  const failed = h.beginRun({
    config: sampleConfig({ downtimeLimitMs: 300 }),
    seed: 2,
    engineVersion: '0.1.0',
    label: 'limit 300',
    experimentId
  })
  h.append(failed, {
    progress: progressSamples(40),
    iterations: [syncRecord(1, 0, 'setup'), syncRecord(2, 900)]
  })
  h.fail(
    failed,
    new LabFailure({ kind: 'ProcessCrashed', message: 'the migration process exited (signal SIGSEGV)' })
  )
  const standalone = h.beginRun({ config: sampleConfig({ name: 'alone' }), seed: 9, engineVersion: '0.1.0' })
  h.finish(standalone, sampleResult({ status: 'cancelled', syncs: 31 }))
  return { experimentId, runIds: [completed, failed, standalone] }
}

describe('export and import', () => {
  it('round-trips runs exactly through a JSON file into another history', () => {
    const source = history('source.db')
    const { runIds } = populate(source)
    const exported = source.exportRuns(runIds)
    expect(exported).toMatchObject({ format: 'migration-lab-export', version: 1 })
    expect(exported.experiments).toHaveLength(1)
    expect(exported.runs.map((r) => r.label)).toEqual(['limit 100', 'limit 300', ''])

    const text = JSON.stringify(exported)
    const target = history('target.db')
    const report = target.importDocument(JSON.parse(text))
    expect(report.runs.map((m) => m.from)).toEqual(runIds)
    const again = target.exportRuns(report.runs.map((m) => m.to))
    expect(content(again)).toEqual(content(exported))
    // The stored config text is the same canonical text, so equal configs keep equal hashes.
    for (const [i, mapping] of report.runs.entries())
      expect(target.getRunRecord(mapping.to).configHash).toBe(source.getRunRecord(runIds[i]).configHash)
    // Summaries are rebuilt from the imported results.
    expect(target.getRunRecord(report.runs[0].to).summary).toEqual(source.getRunRecord(runIds[0]).summary)
  })

  it('round-trips a whole experiment, and can import the same document twice with new ids', () => {
    const h = history('one.db')
    const { experimentId } = populate(h)
    const exported = h.exportExperiment(experimentId)
    expect(exported.runs).toHaveLength(2)
    const first = h.importDocument(exported)
    const second = h.importDocument(exported)
    expect(first.experiments[0].to).not.toBe(experimentId)
    expect(second.experiments[0].to).not.toBe(first.experiments[0].to)
    expect(content(h.exportExperiment(second.experiments[0].to))).toEqual(content(exported))
    expect(h.listExperiments().total).toBe(3)
  })

  it('names the JSON path of every problem in a bad document and imports nothing', () => {
    const h = history('strict.db')
    const { runIds } = populate(h)
    // A deliberately damaged copy: the fields below get values of the wrong type.
    const doc = JSON.parse(JSON.stringify(h.exportRuns(runIds))) as {
      runs: {
        result: { ram: { transferred: unknown } }
        telemetry: { progress: { status: string }[] }
        experimentId: number
        seed?: number
      }[]
    }
    doc.runs[0].result.ram.transferred = 'a lot'
    doc.runs[1].telemetry.progress[3].status = 'paused'
    doc.runs[2].experimentId = 77
    delete doc.runs[2].seed
    const before = h.listRuns().total
    const error = failure(() => h.importDocument(doc))
    expect(error.kind).toBe('Validation')
    expect(error.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.runs\[0\]\.result\.ram\.transferred: .*number/),
        expect.stringMatching(/^\$\.runs\[1\]\.telemetry\.progress\[3\]\.status: /),
        expect.stringMatching(/^\$\.runs\[2\]\.seed: /)
      ])
    )
    expect(h.listRuns().total).toBe(before)

    doc.runs[0].result.ram.transferred = 1
    doc.runs[1].telemetry.progress[3].status = 'active'
    doc.runs[2].seed = 9
    const dangling = failure(() => h.importDocument(doc))
    expect(dangling.details).toEqual([
      "$.runs[2].experimentId: experiment 77 is not in this document's experiments"
    ])
  })

  it('says so when the file is not an export at all', () => {
    const h = history('x.db')
    const error = failure(() => h.importDocument({ hello: 'world' }))
    expect(error.message).toMatch(/not a Migration Lab export/)
    expect(error.details?.[0]).toMatch(/^\$\.format: /)
  })

  it('reports a config the canonicalizer rejects at its path', () => {
    const source = history('a.db')
    const { runIds } = populate(source)
    const doc = source.exportRuns([runIds[2]])
    const strict = openHistory(join(dir, 'strict-config.db'), {
      canonicalConfigJson: (config) => {
        if ('host' in config) throw new LabFailure({ kind: 'Validation', message: 'unknown field host' })
        return stableStringify(config)
      }
    })
    opened.push(strict)
    expect(failure(() => strict.importDocument(doc)).details).toEqual([
      '$.runs[0].config: unknown field host'
    ])
  })
})

describe('guestperf reports', () => {
  const reportFile = resolve(repoRoot, 'test/fixtures/guestperf/auto-converge-10gbs.json')
  /** The fields of report.py's JSON these tests read or damage. */
  interface ReportJson {
    scenario: { downtime?: number }
    progress_history: {
      status: string
      downtime: number
      duration: number
      ram: { iterations: unknown; transferred_bytes: number }
    }[]
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ReportJson
  const copy = (): ReportJson => JSON.parse(JSON.stringify(report)) as ReportJson

  it('maps hardware and scenario onto the config, in QEMU units', () => {
    const parsed = parseGuestperfReport(report)
    if (!parsed.ok) throw new Error(parsed.error.message)
    const run = guestperfToMeasuredRun(parsed.report, 'auto-converge-10gbs.json')
    expect(run.label).toBe('auto-converge-bandwidth-10gbs')
    expect(run.config).toMatchObject({
      name: 'auto-converge-bandwidth-10gbs',
      guest: {
        'memory-mib': 1024,
        vcpus: 1,
        'page-size': 4096,
        workloads: [{ pattern: 'sequential', 'working-set-mib': 1024 }]
      },
      migration: {
        capabilities: { 'auto-converge': true, 'postcopy-ram': false, xbzrle: false, multifd: false },
        parameters: {
          'max-bandwidth': 1250 * 1024 * 1024,
          'downtime-limit': 500,
          'cpu-throttle-increment': 10
        },
        policy: { 'max-iterations': 30, 'max-time-ms': 300_000 }
      }
    })
    // The guest wrote 1 GiB in ~352 ms before migration: about 2900 MiB/s.
    const rate = (run.config.guest as { workloads: { 'dirty-rate-mibps': number }[] }).workloads[0][
      'dirty-rate-mibps'
    ]
    expect(rate).toBeGreaterThan(2850)
    expect(rate).toBeLessThan(2950)
  })

  it('imports a report as a measured run with its final numbers, progress and guest throughput', () => {
    const h = history('measured.db')
    const id = h.importGuestperf(report, { source: 'auto-converge-10gbs.json' })
    const detail = h.getRun(id)
    const final = report.progress_history[report.progress_history.length - 1]
    expect(detail.run).toMatchObject({
      source: 'measured',
      status: 'completed',
      label: 'auto-converge-bandwidth-10gbs',
      tags: ['guestperf'],
      seed: 0
    })
    expect(detail.run.summary).toMatchObject({
      downtimeMs: 412,
      totalTimeMs: final.duration,
      setupTimeMs: 41,
      transferredBytes: final.ram.transferred_bytes,
      dirtySyncCount: 11,
      converged: true,
      verified: false,
      maxThrottlePercent: 80
    })
    expect(detail.result?.lab.source).toBe('measured')
    expect(detail.result?.ram.total).toBe(1536 * 1024 * 1024)
    // One progress sample per snapshot, on the migration's own clock.
    expect(detail.progress).toHaveLength(report.progress_history.length)
    expect(detail.progress[1]['time-ms']).toBeCloseTo(97, 0)
    expect(detail.progress.at(-1)?.['time-ms']).toBeCloseTo(final.duration, 0)
    expect(detail.iterations.map((s) => s['dirty-sync-count'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect(detail.iterations.at(-1)?.trigger).toBe('final')
    // Guest throughput: ~2900 MiB/s before migration, slowed by the 80 % throttle, back after.
    const [series] = detail.throughput
    expect(series.vcpu).toBe(0)
    const at = (ms: number): number => series['mib-per-s'][series['time-ms'].findIndex((t) => t >= ms)]
    expect(at(-5000)).toBeGreaterThan(2800)
    expect(at(7500)).toBeLessThan(700)
    expect(at(12_000)).toBeGreaterThan(2800)
    // The guest felt a longer pause than QEMU's downtime (reference §17). The fixture's guest
    // stopped for 527 ms; the estimate from the GiB spanning the switchover comes close.
    expect(detail.result?.lab['guest-pause-ms']).toBeGreaterThan(450)
    expect(detail.result?.lab['guest-pause-ms']).toBeLessThan(700)
    expect(detail.run.notes).toMatch(/Not recorded by guestperf/)
  })

  it('stores the mapped config fully defaulted when the history uses the config module', () => {
    const h = openHistory(join(dir, 'canonical.db'), {
      canonicalConfigJson: (config) => {
        const parsed = parseConfig(config)
        if (!parsed.ok) throw new LabFailure(parsed.error)
        return canonicalConfigJson(parsed.config)
      }
    })
    opened.push(h)
    const id = h.importGuestperf(report)
    const { config } = h.getRun(id)
    expect(config).toMatchObject({
      network: { 'bandwidth-mbps': 10_000 },
      migration: { parameters: { 'downtime-limit': 500 } }
    })
    // Every path exists, so config filters find measured runs like simulated ones.
    const found = h.listRuns({
      filter: { config: [{ path: 'migration.parameters.avail-switchover-bandwidth', op: '=', value: 0 }] }
    })
    expect(found.rows.map((r) => r.id)).toEqual([id])
  })

  it('refuses a report with missing fields, naming their JSON paths', () => {
    const broken = copy()
    delete broken.scenario.downtime
    broken.progress_history[2].ram.iterations = 'two'
    const h = history('bad.db')
    const error = failure(() => h.importGuestperf(broken, { source: 'broken.json' }))
    expect(error.kind).toBe('Validation')
    expect(error.message).toMatch(/broken\.json is not a guestperf report/)
    expect(error.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.scenario\.downtime: /),
        expect.stringMatching(/^\$\.progress_history\[2\]\.ram\.iterations: /)
      ])
    )
    expect(h.listRuns().total).toBe(0)
  })

  it('imports a cancelled migration without downtime', () => {
    const cancelled = copy()
    const last = cancelled.progress_history[cancelled.progress_history.length - 1]
    last.status = 'cancelled'
    last.downtime = 0
    const h = history('cancelled.db')
    const run = h.getRunRecord(h.importGuestperf(cancelled))
    expect(run).toMatchObject({ status: 'cancelled', summary: { downtimeMs: null, converged: false } })
    expect(run.reason).toMatch(/cancelled after 11 dirty syncs/)
  })
})

describe('importing a JSON file of either kind', () => {
  it('recognises an export and a guestperf report, and says what else is not', () => {
    const h = history('any.db')
    const { runIds } = populate(h)
    const exported = h.exportRuns(runIds.slice(0, 1))
    expect(h.importJson(exported)).toMatchObject({
      format: 'migration-lab-export',
      runIds: [expect.any(Number)],
      experimentIds: [expect.any(Number)]
    })
    const report = JSON.parse(
      readFileSync(resolve(repoRoot, 'test/fixtures/guestperf/auto-converge-10gbs.json'), 'utf8')
    ) as unknown
    const measured = h.importJson(report, { fileName: 'ac.json' })
    expect(measured.format).toBe('guestperf')
    expect(h.getRunRecord(measured.runIds[0]).notes).toMatch(/^Imported from ac\.json/)
    expect(failure(() => h.importJson({ rows: [] }, { fileName: 'rows.json' })).message).toMatch(
      /^rows\.json is neither/
    )
  })
})
