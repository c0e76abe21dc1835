/**
 * History benchmark (wired into `npm run bench`): the two things a user waits for.
 *
 * - 10,000 runs in the history → the first page of the list (target < 100 ms), also sorted by
 *   downtime and filtered on a config parameter;
 * - a run with 100,000 progress samples → its detail downsampled to 2,000 points (target < 200 ms).
 *
 * Figures are wall-clock ms on this machine: the median of several repetitions after one warm-up,
 * except `*-first-ms`, the very first call on a freshly opened file (cold statement cache).
 */
import { rmSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { MigrationResult, ProgressSample } from '../../shared/result'
import { openHistory } from './history-db'

const RUNS = 10_000
const PROGRESS_POINTS = 100_000
const REPEAT = 7

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function timed(action: () => unknown): number {
  const start = performance.now()
  action()
  return performance.now() - start
}

function repeatMedian(action: () => unknown): number {
  action() // warm-up
  return median(Array.from({ length: REPEAT }, () => timed(action)))
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}

function benchConfig(i: number): Record<string, unknown> {
  return {
    name: `bench ${i}`,
    seed: i,
    guest: {
      'memory-mib': 4096,
      vcpus: 2,
      workloads: [{ vcpus: 'all', pattern: 'uniform', 'dirty-rate-mibps': 16 + (i % 64) }]
    },
    migration: {
      capabilities: { 'auto-converge': i % 2 === 0 },
      parameters: { 'max-bandwidth': 134217728, 'downtime-limit': 100 * (1 + (i % 5)) }
    }
  }
}

function benchResult(i: number): MigrationResult {
  const syncs = 3 + (i % 20)
  return {
    status: i % 10 === 0 ? 'cancelled' : 'completed',
    'total-time': 2000 + (i % 997) * 13,
    'setup-time': 10,
    ...(i % 10 === 0 ? {} : { downtime: 20 + ((i * 7919) % 400) }),
    'expected-downtime': 300,
    ram: {
      transferred: 4e9 + i * 1e5,
      remaining: 0,
      total: 4294967296,
      duplicate: 100,
      normal: 1e6,
      'normal-bytes': 4096e6,
      'dirty-pages-rate': 4000,
      mbps: 1000,
      'dirty-sync-count': syncs,
      'page-size': 4096,
      'pages-per-second': 30000,
      'precopy-bytes': 4e9,
      'downtime-bytes': 1e8,
      'postcopy-bytes': 0,
      'multifd-bytes': 0
    },
    lab: {
      verified: true,
      seed: i,
      'engine-version': 'bench',
      reason: 'converged',
      converged: i % 10 !== 0,
      'guest-pause-ms': 50 + (i % 300),
      'downtime-breakdown': {
        'stop-ms': 1,
        'final-sync-ms': 2,
        'ram-ms': 10,
        'device-state-ms': 3,
        'resume-ms': 20
      },
      iterations: Array.from({ length: syncs }, (_, s) => ({
        'dirty-sync-count': s + 1,
        'time-ms': s * 500,
        trigger: s === 0 ? ('setup' as const) : ('lazy' as const),
        'pages-sent': 1000,
        'dirty-pages': 500,
        'remaining-pages': 400,
        'bandwidth-bytes-per-ms': 131072,
        'threshold-bytes': 39321600,
        'expected-downtime-ms': 30,
        'cpu-throttle-percentage': 0,
        'bql-hold-ms': 1
      })),
      bql: {
        'held-ms': 10,
        holds: syncs,
        'longest-hold-ms': 2,
        'vcpu-wait-ms': 1,
        'longest-vcpu-stall-ms': 1
      },
      'wall-time-ms': 100,
      'virtual-time-ms': 5000,
      source: 'simulated'
    }
  }
}

function progress(count: number): ProgressSample[] {
  return Array.from({ length: count }, (_, i) => ({
    'time-ms': i * 100,
    status: 'active',
    'transferred-bytes': i * 13_107_200,
    'remaining-bytes': 4e9 - i,
    'dirty-pages-rate': 4000 + (i % 97),
    mbps: 1000 + (i % 13),
    'bandwidth-bytes-per-ms': 131072,
    'threshold-bytes': 39321600,
    'expected-downtime-ms': 300 + (i % 31),
    'dirty-sync-count': 1 + Math.floor(i / 500),
    'cpu-throttle-percentage': i > 50_000 ? 20 : 0
  }))
}

/** Builds a history in `dir` and measures it; returns figures in ms (and counts). */
export async function benchHistory(dir: string): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'bench-history.db')
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
  const figures: Record<string, number> = {}

  const writer = openHistory(file)
  const startedAt = Date.UTC(2026, 0, 1)
  figures['insert-10k-runs-ms'] = round(
    timed(() => {
      for (let i = 0; i < RUNS; i++) {
        const id = writer.beginRun({
          config: benchConfig(i),
          seed: i,
          engineVersion: 'bench',
          label: `run ${i}`,
          startedAtMs: startedAt + i * 1000,
          tags: i % 3 === 0 ? ['baseline'] : []
        })
        writer.finish(id, benchResult(i))
      }
    })
  )
  const samples = progress(PROGRESS_POINTS)
  let bigRun = 0
  figures['record-100k-progress-ms'] = round(
    timed(() => {
      bigRun = writer.beginRun({ config: benchConfig(0), seed: 0, engineVersion: 'bench', label: 'long run' })
      for (let i = 0; i < samples.length; i += 1000)
        writer.append(bigRun, { progress: samples.slice(i, i + 1000) })
      writer.finish(bigRun, benchResult(1))
    })
  )
  writer.close()

  const history = openHistory(file)
  try {
    figures['list-first-page-first-ms'] = round(
      timed(() => history.listRuns({ page: { limit: 50, offset: 0 } }))
    )
    figures['list-first-page-ms'] = round(
      repeatMedian(() => history.listRuns({ page: { limit: 50, offset: 0 } }))
    )
    figures['list-by-downtime-ms'] = round(
      repeatMedian(() =>
        history.listRuns({ sort: { key: 'downtime', dir: 'asc' }, page: { limit: 50, offset: 0 } })
      )
    )
    figures['list-config-filter-ms'] = round(
      repeatMedian(() =>
        history.listRuns({
          filter: { config: [{ path: 'migration.parameters.downtime-limit', op: '=', value: 300 }] },
          page: { limit: 50, offset: 0 }
        })
      )
    )
    figures['list-last-page-ms'] = round(
      repeatMedian(() => history.listRuns({ page: { limit: 50, offset: RUNS - 50 } }))
    )
    figures['summarize-by-param-ms'] = round(
      repeatMedian(() =>
        history.summarize(
          { runIds: Array.from({ length: 1000 }, (_, i) => i + 1) },
          'migration.parameters.downtime-limit'
        )
      )
    )
    figures['run-detail-100k-to-2000-first-ms'] = round(
      timed(() => history.getRun(bigRun, { maxPoints: 2000 }))
    )
    figures['run-detail-100k-to-2000-ms'] = round(
      repeatMedian(() => history.getRun(bigRun, { maxPoints: 2000 }))
    )
    figures['run-detail-100k-full-ms'] = round(repeatMedian(() => history.getRun(bigRun)))
    figures['runs'] = history.listRuns({ page: { limit: 1, offset: 0 } }).total
    figures['progress-points'] = history.getRun(bigRun, { maxPoints: 2000 }).storedPoints.progress
  } finally {
    history.close()
  }
  return figures
}
