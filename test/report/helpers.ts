/**
 * Report test helpers: a temporary history filled by the real engine (runInThread, the same rules
 * and results as the process-per-vCPU run) through the real storage writer, a guestperf report
 * imported as a measured run, and a tiny RFC 4180 parser to read the CSV back.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readFileSync } from 'node:fs'
import { parseConfig } from '../../src/shared/config'
import { runInThread, type EngineTestHooks } from '../../src/engine/migration/in-thread'
import { beginRunRecording } from '../../src/main/lab/recorded-run'
import { historyConfigJson } from '../../src/main/lab/resources'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import type { VariedParameter } from '../../src/shared/sweep'

export const ROOT = resolve(__dirname, '../..')
export const GUESTPERF_FIXTURE = join(ROOT, 'test/fixtures/guestperf/auto-converge-10gbs.json')
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** A guest that converges in a few syncs (dirty rate ≈ 25 % of the bandwidth, like §17). */
export const CONVERGING = {
  name: 'small idle-ish guest',
  guest: { 'memory-mib': 512, vcpus: 2, workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 16 }] }
}

/** A hot set rewritten faster than one pass can send it: never converges at 300 ms. */
export const HOT_SET = {
  name: 'hot set',
  guest: {
    'memory-mib': 1024,
    vcpus: 2,
    workloads: [{ pattern: 'hotspot', 'dirty-rate-mibps': 200, 'hot-set-mib': 128, 'hot-fraction': 0.95 }]
  },
  migration: { policy: { 'max-time-ms': 40_000 } }
}

/** The same hot set with auto-converge: the throttle climbs until it fits. */
export const AUTO_CONVERGE = {
  ...HOT_SET,
  name: 'hot set, auto-converge',
  migration: { capabilities: { 'auto-converge': true }, policy: { 'max-time-ms': 60_000 } }
}

export interface TempHistory {
  dir: string
  file: string
  history: HistoryDb
  /** Closes the history and removes the folder. */
  cleanup(): void
}

export function tempHistory(prefix = 'lab-report-'): TempHistory {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const file = join(dir, 'history.db')
  const history = openHistory(file, { canonicalConfigJson: historyConfigJson })
  return {
    dir,
    file,
    history,
    cleanup() {
      history.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface RecordOptions {
  label?: string
  experimentId?: number
  hooks?: EngineTestHooks
  seed?: number
}

/**
 * Runs a config with the real engine in this thread and records it with the lab's own
 * RunRecording (src/main/lab/recorded-run.ts), the one the command line, the LabApi and sweeps use.
 */
export async function recordRun(
  history: HistoryDb,
  input: unknown,
  opts: RecordOptions = {}
): Promise<number> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(`bad test config: ${parsed.error.details?.join('; ')}`)
  const recording = beginRunRecording(history, {
    config: parsed.config,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    ...(opts.experimentId !== undefined ? { experimentId: opts.experimentId } : {})
  })
  await recording.perform((config, run) =>
    runInThread(config, { ...run, ...(opts.hooks ? { hooks: opts.hooks } : {}) })
  )
  return recording.runId
}

/**
 * An experiment varying one or two paths over their values (every combination), `repetitions`
 * runs each, seeds paired like the lab's sweeps.
 */
export async function recordExperiment(
  history: HistoryDb,
  base: Record<string, unknown>,
  varied:
    | { path: string; values: (number | string | boolean)[] }
    | { path: string; values: (number | string | boolean)[] }[],
  repetitions = 1
): Promise<{ experimentId: number; runIds: number[] }> {
  const axes = Array.isArray(varied) ? varied : [varied]
  const parsed = parseConfig(base)
  if (!parsed.ok) throw new Error('bad base config')
  const short = (path: string): string => path.split('.').pop() ?? path
  const experimentId = history.createExperiment({
    name: `vary ${axes.map((a) => short(a.path)).join(' and ')}`,
    baseConfig: parsed.config,
    varied: axes as VariedParameter[],
    repetitions
  })
  history.setExperimentStatus(experimentId, 'running')
  let points: { path: string; value: number | string | boolean }[][] = [[]]
  for (const axis of axes)
    points = points.flatMap((p) => axis.values.map((value) => [...p, { path: axis.path, value }]))
  const runIds: number[] = []
  for (const point of points)
    for (let r = 0; r < repetitions; r++) {
      const config = structuredClone(base) as Record<string, unknown>
      for (const { path, value } of point) setPath(config, path.split('.'), value)
      const label = point.map(({ path, value }) => `${short(path)}=${value}`).join(', ')
      runIds.push(
        await recordRun(history, config, {
          experimentId,
          seed: 1 + r,
          label: `${label}${repetitions > 1 ? ` #${r + 1}` : ''}`
        })
      )
    }
  history.setExperimentStatus(experimentId, 'completed')
  return { experimentId, runIds }
}

function setPath(root: Record<string, unknown>, segments: string[], value: unknown): void {
  let node = root
  for (const key of segments.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[segments[segments.length - 1] as string] = value
}

/** Imports QEMU guestperf's report fixture as a measured run. */
export function importMeasured(history: HistoryDb): number {
  const report = JSON.parse(readFileSync(GUESTPERF_FIXTURE, 'utf8')) as unknown
  return history.importGuestperf(report, { source: 'auto-converge-10gbs.json' })
}

/**
 * RFC 4180 reader, written here so the test does not trust the writer's own code: fields split
 * on commas, quoted fields may hold commas, doubled quotes and line breaks, records end with CRLF.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
      } else if (c === '"') {
        quoted = false
        i++
      } else {
        field += c
        i++
      }
      continue
    }
    if (c === '"' && field === '') {
      quoted = true
      i++
    } else if (c === ',') {
      record.push(field)
      field = ''
      i++
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      i += 2
    } else if (c === '\n') {
      throw new Error(`bare LF at offset ${i}: RFC 4180 records end with CRLF`)
    } else {
      field += c
      i++
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end with CRLF')
  return records
}

/** CSV rows as objects keyed by the header. */
export function csvObjects(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [header = [], ...rest] = parseCsv(text)
  for (const r of rest)
    if (r.length !== header.length)
      throw new Error(`a row has ${r.length} fields, the header ${header.length}`)
  return { header, rows: rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] as string]))) }
}
