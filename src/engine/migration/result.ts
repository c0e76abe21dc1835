import { US_PER_MS } from '../../shared/engine/constants'
import type { OracleVerdict } from '../../shared/engine/oracle'
import { averageMbps } from '../../shared/engine/rules'
import { ENGINE_VERSION } from '../../shared/engine/version'
import type {
  BqlStats,
  MigrationResult,
  MultifdChannelStats,
  RunOutcome,
  SyncRecord,
  XbzrleCacheStats
} from '../../shared/result'
import type { PageSender } from './sender'

/** The switchover's phases, µs; they add up to the guest's pause. */
export interface SwitchoverBreakdownUs {
  readonly stop: number
  readonly finalSync: number
  readonly ram: number
  readonly deviceState: number
  readonly resume: number
}

export interface SwitchoverTimesUs {
  readonly downtimeUs: number
  readonly guestPauseUs: number
  readonly breakdownUs: SwitchoverBreakdownUs
}

/** Everything the result is made of, as the migration thread's counters hold it at the end. */
export interface ResultInput {
  readonly status: 'completed' | 'cancelled'
  readonly endUs: number
  readonly setupEndUs: number
  readonly seed: number
  readonly reason: string
  readonly outcome: RunOutcome
  readonly verdict: OracleVerdict | undefined
  readonly switchover: SwitchoverTimesUs | undefined
  /** The wire accounting (transferred, precopy/downtime/postcopy/multifd bytes, page counts). */
  readonly sender: Pick<
    PageSender,
    | 'transferred'
    | 'duplicatePages'
    | 'normalPages'
    | 'precopyBytes'
    | 'downtimeBytes'
    | 'postcopyBytes'
    | 'multifdBytes'
  >
  readonly pageSize: number
  readonly totalPages: number
  /** Bytes still dirty (migration_dirty_pages × page size). */
  readonly remainingBytes: number
  readonly expectedDowntimeMs: number
  readonly dirtyPagesRate: number
  readonly dirtySyncCount: number
  readonly pagesPerSecond: number
  /** With postcopy-ram: page requests served (0 when the run never switched). */
  readonly postcopyRequests: number | undefined
  readonly iterations: SyncRecord[]
  readonly bql: BqlStats
  /** cpu-throttle-percentage, when auto-converge ever throttled. */
  readonly throttlePct: number | undefined
  readonly xbzrleCache: XbzrleCacheStats | undefined
  readonly multifdChannels: MultifdChannelStats[] | undefined
  /** With dirty-limit in service: populate_ram_info's two fields, µs. */
  readonly dirtyLimit:
    { readonly throttleTimePerRoundUs: number; readonly ringFullTimeUs: number } | undefined
}

/**
 * The query-migrate-shaped result (DESIGN.md §4, QEMU's migration/migration.c
 * fill_source_migration_info / populate_ram_info) plus the lab's own block, from the counters.
 * `lab.wall-time-ms` is left 0 for the caller (the only figure that is not deterministic).
 */
export function buildResult(r: ResultInput): MigrationResult {
  const totalMs = r.endUs / US_PER_MS
  const setupMs = r.setupEndUs / US_PER_MS
  const b = r.switchover?.breakdownUs
  const s = r.sender
  const completed = r.status === 'completed'
  const result: MigrationResult = {
    status: r.status,
    'total-time': totalMs,
    'setup-time': setupMs,
    'expected-downtime': round3(r.expectedDowntimeMs),
    ram: {
      transferred: s.transferred,
      remaining: completed ? 0 : r.remainingBytes,
      total: r.totalPages * r.pageSize,
      duplicate: s.duplicatePages,
      normal: s.normalPages,
      'normal-bytes': s.normalPages * r.pageSize,
      // query-migrate drops dirty-pages-rate once completed (§11); it reads 0 there.
      'dirty-pages-rate': completed ? 0 : r.dirtyPagesRate,
      mbps: round3(averageMbps(s.transferred, totalMs, setupMs)),
      'dirty-sync-count': r.dirtySyncCount,
      'page-size': r.pageSize,
      'pages-per-second': round3(r.pagesPerSecond),
      'precopy-bytes': s.precopyBytes,
      'downtime-bytes': s.downtimeBytes,
      'postcopy-bytes': s.postcopyBytes,
      'multifd-bytes': s.multifdBytes,
      ...(r.postcopyRequests !== undefined ? { 'postcopy-requests': r.postcopyRequests } : {})
    },
    lab: {
      verified: r.verdict?.verified ?? false,
      seed: r.seed,
      'engine-version': ENGINE_VERSION,
      reason: r.reason,
      outcome: r.outcome,
      converged: completed,
      'guest-pause-ms': r.switchover ? r.switchover.guestPauseUs / US_PER_MS : 0,
      'downtime-breakdown': {
        'stop-ms': b ? b.stop / US_PER_MS : 0,
        'final-sync-ms': b ? b.finalSync / US_PER_MS : 0,
        'ram-ms': b ? b.ram / US_PER_MS : 0,
        'device-state-ms': b ? b.deviceState / US_PER_MS : 0,
        'resume-ms': b ? b.resume / US_PER_MS : 0
      },
      iterations: r.iterations,
      bql: r.bql,
      'wall-time-ms': 0,
      'virtual-time-ms': totalMs,
      source: 'simulated'
    }
  }
  if (r.verdict) result.lab['mismatched-pages'] = r.verdict.mismatchedPages
  if (r.switchover) result.downtime = r.switchover.downtimeUs / US_PER_MS
  if (r.throttlePct !== undefined) result['cpu-throttle-percentage'] = r.throttlePct
  if (r.xbzrleCache !== undefined) result['xbzrle-cache'] = r.xbzrleCache
  if (r.multifdChannels !== undefined) result.lab['multifd-channels'] = r.multifdChannels
  if (r.dirtyLimit !== undefined) {
    // populate_ram_info (migration/migration.c): reported while the limit is in service.
    result['dirty-limit-throttle-time-per-round'] = r.dirtyLimit.throttleTimePerRoundUs
    result['dirty-limit-ring-full-time'] = r.dirtyLimit.ringFullTimeUs
  }
  return result
}

/** Rounded to 3 decimals, as the lab reports rates and estimates. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}
