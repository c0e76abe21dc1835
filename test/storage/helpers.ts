/**
 * Test helpers for the history database: temporary folders, a config shaped like DESIGN.md §3,
 * results and telemetry shaped like src/shared/result.ts, and a bundler for child processes
 * that run the real storage code (a TypeScript file cannot be started with plain `node`).
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type {
  MigrationResult,
  ProgressSample,
  RunTelemetry,
  SyncRecord,
  TimelineEvent,
  VcpuThroughputSeries
} from '../../src/shared/result'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export function tempDir(prefix = 'lab-history-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A fully spelled-out config in the contract's names (what the config module would store). */
export function sampleConfig(
  overrides: { downtimeLimitMs?: number; maxBandwidth?: number; autoConverge?: boolean; name?: string } = {}
): Record<string, unknown> {
  return {
    name: overrides.name ?? 'web server, 1 GbE',
    seed: 1,
    guest: {
      'memory-mib': 4096,
      vcpus: 2,
      'page-size': 4096,
      'zero-fraction': 0,
      'device-state-kib': 256,
      workloads: [
        {
          vcpus: 'all',
          pattern: 'uniform',
          'dirty-rate-mibps': 64,
          'working-set-mib': 1024,
          'hot-set-mib': 64,
          'hot-fraction': 0.9,
          shared: false,
          'io-exits-per-second': 200
        }
      ]
    },
    network: { 'bandwidth-mbps': 10000, 'rtt-ms': 0.2 },
    migration: {
      capabilities: {
        'auto-converge': overrides.autoConverge ?? false,
        xbzrle: false,
        multifd: false,
        'postcopy-ram': false,
        'dirty-limit': false,
        'return-path': false
      },
      parameters: {
        'max-bandwidth': overrides.maxBandwidth ?? 134217728,
        'downtime-limit': overrides.downtimeLimitMs ?? 300,
        'avail-switchover-bandwidth': 0,
        'cpu-throttle-initial': 20,
        'cpu-throttle-increment': 10,
        'max-cpu-throttle': 99
      },
      policy: { 'max-time-ms': 300000, 'max-iterations': 30 }
    },
    host: {}
  }
}

export function syncRecord(n: number, timeMs: number, trigger: SyncRecord['trigger'] = 'lazy'): SyncRecord {
  return {
    'dirty-sync-count': n,
    'time-ms': timeMs,
    trigger,
    'pages-sent': 1000 * n,
    'dirty-pages': 500 - n,
    'remaining-pages': 400 - n,
    'bandwidth-bytes-per-ms': 131072.5,
    'threshold-bytes': 39321600,
    'expected-downtime-ms': 12.25 * n,
    'cpu-throttle-percentage': n > 2 ? 20 : 0,
    'bql-hold-ms': 0.75
  }
}

export interface ResultShape {
  status?: MigrationResult['status']
  downtimeMs?: number
  guestPauseMs?: number
  totalTimeMs?: number
  transferredBytes?: number
  syncs?: number
  seed?: number
}

export function sampleResult(shape: ResultShape = {}): MigrationResult {
  const status = shape.status ?? 'completed'
  const syncs = shape.syncs ?? 4
  const iterations = Array.from({ length: syncs }, (_, i) =>
    syncRecord(
      i + 1,
      i * 1000,
      i === 0 ? 'setup' : i === syncs - 1 && status === 'completed' ? 'final' : 'lazy'
    )
  )
  return {
    status,
    'total-time': shape.totalTimeMs ?? 5230,
    'setup-time': 12,
    ...(status === 'completed' ? { downtime: shape.downtimeMs ?? 87 } : {}),
    'expected-downtime': 95,
    ram: {
      transferred: shape.transferredBytes ?? 4_400_000_000,
      remaining: 0,
      total: 4294967296,
      duplicate: 1200,
      normal: 1_040_000,
      'normal-bytes': 1_040_000 * 4096,
      'dirty-pages-rate': 4000,
      mbps: 6731.2,
      'dirty-sync-count': syncs,
      'page-size': 4096,
      'pages-per-second': 32000,
      'precopy-bytes': 4_300_000_000,
      'downtime-bytes': 100_000_000,
      'postcopy-bytes': 0,
      'multifd-bytes': 0
    },
    lab: {
      verified: true,
      'mismatched-pages': 0,
      seed: shape.seed ?? 1,
      'engine-version': '0.1.0',
      reason:
        status === 'completed' ? 'converged: pending below threshold' : 'policy: max-iterations reached',
      converged: status === 'completed',
      'guest-pause-ms': shape.guestPauseMs ?? 131,
      'downtime-breakdown': {
        'stop-ms': 2,
        'final-sync-ms': 5,
        'ram-ms': 70,
        'device-state-ms': 10,
        'resume-ms': 44
      },
      iterations,
      bql: {
        'held-ms': 40,
        holds: syncs + 2,
        'longest-hold-ms': 12,
        'vcpu-wait-ms': 3,
        'longest-vcpu-stall-ms': 1.5
      },
      'wall-time-ms': 140,
      'virtual-time-ms': 5230,
      source: 'simulated'
    }
  }
}

export function progressSamples(count: number, startMs = 0): ProgressSample[] {
  return Array.from({ length: count }, (_, k) => {
    const i = startMs / 100 + k
    return {
      'time-ms': i * 100,
      status: i === 0 ? 'setup' : 'active',
      'transferred-bytes': i * 13_107_200,
      'remaining-bytes': Math.max(0, 4_294_967_296 - i * 13_107_200),
      'dirty-pages-rate': 4000 + (i % 17),
      mbps: 1048.576,
      'bandwidth-bytes-per-ms': 131072,
      'threshold-bytes': 39321600,
      'expected-downtime-ms': 300 + (i % 7),
      'dirty-sync-count': 1 + Math.floor(i / 50),
      'cpu-throttle-percentage': 0
    } satisfies ProgressSample
  })
}

export function throughputPiece(vcpu: number, startMs: number, count: number): VcpuThroughputSeries {
  return {
    vcpu,
    'bucket-ms': 100,
    'start-ms': startMs,
    'mib-per-s': Array.from({ length: count }, (_, i) => 3000 + vcpu * 10 + ((startMs / 100 + i) % 5))
  }
}

export function timelineEvents(): TimelineEvent[] {
  return [
    { 'time-ms': 0, lane: 'migration', state: 'setup' },
    { 'time-ms': 12, lane: 'migration', state: 'iterating' },
    { 'time-ms': 12, lane: 'vcpu-0', state: 'running' },
    { 'time-ms': 1000, lane: 'migration', state: 'syncing', detail: 'sync 2' },
    { 'time-ms': 5100, lane: 'vcpu-1', state: 'bql-wait', detail: 'I/O exit' },
    { 'time-ms': 5143, lane: 'migration', state: 'stop-and-copy' },
    { 'time-ms': 5230, lane: 'destination', state: 'resumed' }
  ]
}

export function sampleTelemetry(progressCount = 120): RunTelemetry {
  return {
    progress: progressSamples(progressCount),
    throughput: [throughputPiece(0, 0, 60), throughputPiece(1, 0, 60)],
    timeline: timelineEvents()
  }
}

/**
 * Bundles a TypeScript entry (and the src/ modules it imports) into an ES module that plain
 * `node` can run, under <repo>/.cache so that `better-sqlite3` resolves from node_modules.
 */
export async function bundleForNode(entry: string): Promise<string> {
  const { build } = await import('vite')
  const cacheRoot = join(repoRoot, '.cache')
  mkdirSync(cacheRoot, { recursive: true })
  const outDir = mkdtempSync(join(cacheRoot, 'storage-test-'))
  await build({
    configFile: false,
    logLevel: 'warn',
    root: repoRoot,
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rolldownOptions: { output: { entryFileNames: 'entry.mjs', format: 'es' } }
    }
  })
  return join(outDir, 'entry.mjs')
}
