/**
 * guestperf reports → measured runs.
 *
 * QEMU's migration benchmark (tests/migration-stress/guestperf, reference §13) writes one JSON
 * report per migration: the guest shape (`hardware`), the migration tunables (`scenario`), the
 * `query-migrate` snapshots taken whenever `dirty-sync-count` grew plus the final one
 * (`progress_history`, §13.4–13.5), and the guest's own memory-update cost in ms per GiB per
 * guest thread (`guest_timings`, §13.6). This module validates such a report and maps it onto
 * the lab's config, result and telemetry contracts, so a real migration sits in the history next
 * to simulated ones and can be compared with them.
 *
 * What guestperf does not record is not invented: fields the contracts require but guestperf
 * never measured (downtime breakdown, BQL, per-sync dirty pages, precopy/downtime bytes) are 0
 * and listed in the run's notes, and `verified` is false because no oracle compared memories.
 */
import { z } from 'zod'
import { labError, type LabError } from './errors'
import { formatIssues } from './history'
import type {
  MigrationResult,
  MigrationStatus,
  ProgressSample,
  RunTelemetry,
  SyncRecord,
  TimelineEvent,
  VcpuThroughputSeries
} from './result'

const count = z.number().finite().nonnegative()
const finite = z.number().finite()

const timingRecordSchema = z.object({ tid: z.number().int(), timestamp: finite, value: finite })

const progressStatsSchema = z.looseObject({
  transferred_bytes: count,
  remaining_bytes: count,
  total_bytes: count,
  duplicate_pages: count,
  skipped_pages: count.optional(),
  normal_pages: count,
  normal_bytes: count,
  dirty_rate_pps: count,
  transfer_rate_mbs: count,
  iterations: z.number().int().nonnegative()
})

const progressSchema = z.looseObject({
  status: z.string(),
  ram: progressStatsSchema,
  /** Host wall clock, epoch seconds (Python's time.time()). */
  now: finite,
  /** query-migrate `total-time`, ms (0 while in setup). */
  duration: count,
  downtime: count,
  downtime_expected: count,
  setup_time: count,
  throttle_pcent: count,
  dirty_limit_throttle_time_per_round: count.optional(),
  dirty_limit_ring_full_time: count.optional()
})

const hardwareSchema = z.looseObject({
  cpus: z.number().int().positive(),
  /** GiB the stress program dirties (the VM itself gets 512 MiB more, §13.2). */
  mem: z.number().positive(),
  dirty_ring_size: count.optional()
})

const scenarioSchema = z.looseObject({
  name: z.string(),
  /** downtime-limit, ms. */
  downtime: count,
  /** MiB/s; guestperf's default 125000 means "effectively unlimited". */
  bandwidth: z.number().positive(),
  max_iters: z.number().int().nonnegative(),
  /** Seconds. */
  max_time: z.number().positive(),
  pause: z.boolean().optional(),
  pause_iters: z.number().int().optional(),
  post_copy: z.boolean(),
  post_copy_iters: z.number().int().optional(),
  auto_converge: z.boolean(),
  auto_converge_step: z.number().int().nonnegative(),
  compression_mt: z.boolean().optional(),
  compression_mt_threads: z.number().int().optional(),
  compression_xbzrle: z.boolean().optional(),
  compression_xbzrle_cache: z.number().optional(),
  multifd: z.boolean().optional(),
  multifd_channels: z.number().int().optional(),
  multifd_compression: z.string().nullable().optional(),
  dirty_limit: z.boolean().optional(),
  x_vcpu_dirty_limit_period: z.number().optional(),
  vcpu_dirty_limit: z.number().optional()
})

/** report.py's `Report.serialize()`; `result` exists since QEMU 10.0 (Feb 2025). */
export const guestperfReportSchema = z.looseObject({
  hardware: hardwareSchema,
  scenario: scenarioSchema,
  progress_history: z.array(progressSchema).min(1, 'a report needs at least one progress snapshot'),
  guest_timings: z.array(timingRecordSchema),
  qemu_timings: z.array(timingRecordSchema).optional(),
  vcpu_timings: z.array(timingRecordSchema).optional(),
  result: z.looseObject({ success: z.boolean() }).optional(),
  binary: z.string().optional(),
  dst_host: z.string().optional(),
  kernel: z.string().optional(),
  initrd: z.string().optional(),
  transport: z.string().optional(),
  sleep: z.number().optional()
})

export type GuestperfReport = z.infer<typeof guestperfReportSchema>
export type GuestperfProgress = z.infer<typeof progressSchema>

export type GuestperfOutcome = { ok: true; report: GuestperfReport } | { ok: false; error: LabError }

/** Validates a parsed JSON value as a guestperf report; `source` names it in messages. */
export function parseGuestperfReport(data: unknown, source = 'the guestperf report'): GuestperfOutcome {
  const parsed = guestperfReportSchema.safeParse(data)
  if (parsed.success) return { ok: true, report: parsed.data }
  return {
    ok: false,
    error: labError(
      'Validation',
      `${source} is not a guestperf report (tests/migration-stress/guestperf report.py format)`,
      formatIssues(parsed.error.issues)
    )
  }
}

/** A measured run, ready to be stored. */
export interface MeasuredRun {
  /** The scenario name. */
  label: string
  /** A partial config in the lab's names (DESIGN.md §3); the storage fills in the defaults. */
  config: Record<string, unknown>
  result: MigrationResult
  telemetry: RunTelemetry
  engineVersion: string
  host: string
  /** Migration start and the last snapshot, host wall clock, epoch ms. */
  startedAtMs: number
  endedAtMs: number
  /** What was mapped from where, and what guestperf does not record. */
  notes: string
}

/** Bucket width of the guest throughput series built from guest timings, virtual ms. */
export const GUESTPERF_THROUGHPUT_BUCKET_MS = 100
const GIB_IN_MIB = 1024
/** x86 target page size; used when the report gives no normal pages to derive it from. */
const DEFAULT_PAGE_SIZE = 4096

/**
 * Maps a validated report onto the lab's contracts. Time 0 of the run is the migration start
 * (the first snapshot's `now` minus its `total-time`); guest timings before it (guestperf's
 * warm-up) get negative times.
 */
export function guestperfToMeasuredRun(report: GuestperfReport, source = 'guestperf report'): MeasuredRun {
  const { hardware, scenario } = report
  const history = report.progress_history
  const final = history[history.length - 1]
  const startS = migrationStartSeconds(history)
  const msSinceStart = (nowS: number): number => roundMs((nowS - startS) * 1000)

  const pageSize =
    final.ram.normal_pages > 0
      ? Math.round(final.ram.normal_bytes / final.ram.normal_pages)
      : DEFAULT_PAGE_SIZE
  const status: MigrationStatus =
    final.status === 'completed' || final.status === 'failed' || final.status === 'cancelled'
      ? final.status
      : 'failed'
  const completed = status === 'completed'

  const memoryMib = Math.round(hardware.mem * GIB_IN_MIB)
  const switchoverMs = completed ? Math.max(0, final.duration - final.downtime) : null
  const threads = guestThreads(report.guest_timings, startS)
  const dirtyRateMibps = medianOrNull(
    threads.flatMap((t) => t.records.filter((r) => r.endMs <= 0).map((r) => r.mibPerS))
  )

  const config: Record<string, unknown> = {
    name: scenario.name,
    guest: {
      'memory-mib': memoryMib,
      vcpus: hardware.cpus,
      'page-size': pageSize,
      // stress.c fills its memory with 0xFE before it starts: no zero pages (§13.6).
      'zero-fraction': 0,
      ...(hardware.dirty_ring_size ? { 'dirty-ring-size': hardware.dirty_ring_size } : {}),
      workloads: [
        {
          vcpus: 'all',
          // Each stress thread sweeps its own region page by page, every page once per sweep.
          pattern: 'sequential',
          'working-set-mib': Math.floor(memoryMib / hardware.cpus),
          shared: false,
          'io-exits-per-second': 0,
          ...(dirtyRateMibps !== null ? { 'dirty-rate-mibps': roundTo(dirtyRateMibps, 1) } : {})
        }
      ]
    },
    migration: {
      capabilities: {
        'auto-converge': scenario.auto_converge,
        xbzrle: scenario.compression_xbzrle ?? false,
        multifd: scenario.multifd ?? false,
        'postcopy-ram': scenario.post_copy,
        'dirty-limit': scenario.dirty_limit ?? false
      },
      parameters: {
        'max-bandwidth': Math.round(scenario.bandwidth * 1024 * 1024),
        'downtime-limit': scenario.downtime,
        // guestperf sets only the increment, and only with auto-converge (§13.3).
        ...(scenario.auto_converge ? { 'cpu-throttle-increment': scenario.auto_converge_step } : {}),
        ...(scenario.multifd && scenario.multifd_channels !== undefined
          ? { 'multifd-channels': scenario.multifd_channels }
          : {}),
        // guestperf sets the dirty-limit parameters only with the capability (§13.3).
        ...(scenario.dirty_limit && scenario.x_vcpu_dirty_limit_period !== undefined
          ? { 'x-vcpu-dirty-limit-period': scenario.x_vcpu_dirty_limit_period }
          : {}),
        ...(scenario.dirty_limit && scenario.vcpu_dirty_limit !== undefined
          ? { 'vcpu-dirty-limit': scenario.vcpu_dirty_limit }
          : {})
      },
      policy: {
        'max-time-ms': Math.round(scenario.max_time * 1000),
        'max-iterations': scenario.max_iters,
        // migrate-start-postcopy once dirty-sync-count ≥ post_copy_iters (default 5, §13.3).
        ...(scenario.post_copy ? { 'postcopy-after-syncs': scenario.post_copy_iters ?? 5 } : {})
      }
    }
  }

  const progress: ProgressSample[] = history.map((p) =>
    guestperfProgressSample(p, msSinceStart(p.now), scenario.downtime)
  )

  const iterations: SyncRecord[] = []
  let previousPages = 0
  history.forEach((p, i) => {
    const pagesSoFar = p.ram.normal_pages + p.ram.duplicate_pages
    const isNewSync =
      p.ram.iterations > 0 &&
      (iterations.length === 0 || p.ram.iterations > iterations[iterations.length - 1]['dirty-sync-count'])
    if (!isNewSync) return
    const isFinal = i === history.length - 1 && completed
    const bandwidthBytesPerMs = p.ram.transfer_rate_mbs * 125
    iterations.push({
      'dirty-sync-count': p.ram.iterations,
      'time-ms': msSinceStart(p.now),
      trigger: isFinal ? 'final' : p.ram.iterations === 1 ? 'setup' : 'lazy',
      'pages-sent': Math.max(0, pagesSoFar - previousPages),
      'dirty-pages': 0, // not recorded by guestperf
      'remaining-pages': Math.round(p.ram.remaining_bytes / pageSize),
      'bandwidth-bytes-per-ms': bandwidthBytesPerMs,
      'threshold-bytes': Math.round(bandwidthBytesPerMs * scenario.downtime),
      'expected-downtime-ms': p.downtime_expected,
      'cpu-throttle-percentage': p.throttle_pcent,
      'bql-hold-ms': 0 // not recorded by guestperf
    })
    previousPages = pagesSoFar
  })

  const guestPauseMs = completed ? estimateGuestPauseMs(threads, switchoverMs ?? 0, final.downtime) : 0
  const paused = scenario.pause === true && report.result?.success === false
  const reason = completed
    ? `measured by guestperf: completed after ${final.ram.iterations} dirty syncs` +
      (paused ? ` (the source was paused after ${scenario.pause_iters ?? '?'} syncs)` : '') +
      '; destination memory was not verified'
    : status === 'cancelled'
      ? `measured by guestperf: cancelled after ${final.ram.iterations} dirty syncs (limits: ${scenario.max_iters} iterations, ${scenario.max_time} s)`
      : `measured by guestperf: the migration ended in state "${final.status}"`

  const result: MigrationResult = {
    status,
    'total-time': final.duration,
    'setup-time': final.setup_time,
    ...(completed ? { downtime: final.downtime } : {}),
    'expected-downtime': final.downtime_expected,
    ram: {
      transferred: final.ram.transferred_bytes,
      remaining: final.ram.remaining_bytes,
      total: final.ram.total_bytes,
      duplicate: final.ram.duplicate_pages,
      normal: final.ram.normal_pages,
      'normal-bytes': final.ram.normal_bytes,
      'dirty-pages-rate': final.ram.dirty_rate_pps,
      mbps: final.ram.transfer_rate_mbs,
      'dirty-sync-count': final.ram.iterations,
      'page-size': pageSize,
      // guestperf's Progress does not capture these (§13.5).
      'pages-per-second': 0,
      'precopy-bytes': 0,
      'downtime-bytes': 0,
      'postcopy-bytes': 0,
      'multifd-bytes': 0
    },
    ...(final.throttle_pcent > 0 ? { 'cpu-throttle-percentage': final.throttle_pcent } : {}),
    ...(status === 'failed' ? { 'error-desc': reason } : {}),
    lab: {
      verified: false,
      seed: 0,
      'engine-version': 'guestperf',
      reason,
      converged: completed,
      'guest-pause-ms': guestPauseMs,
      'downtime-breakdown': {
        'stop-ms': 0,
        'final-sync-ms': 0,
        'ram-ms': 0,
        'device-state-ms': 0,
        'resume-ms': 0
      },
      iterations,
      bql: { 'held-ms': 0, holds: 0, 'longest-hold-ms': 0, 'vcpu-wait-ms': 0, 'longest-vcpu-stall-ms': 0 },
      'wall-time-ms': msSinceStart(final.now),
      'virtual-time-ms': final.duration,
      source: 'measured'
    }
  }

  const telemetry: RunTelemetry = {
    progress,
    throughput: threads.map((t, vcpu) => throughputSeries(vcpu, t.records)),
    timeline: migrationTimeline(history, msSinceStart, final, switchoverMs)
  }

  const notMapped = [
    scenario.pause ? `pause after ${scenario.pause_iters ?? '?'} syncs` : null,
    scenario.post_copy ? `post-copy switch after ${scenario.post_copy_iters ?? '?'} syncs` : null,
    // guestperf's cache size (a percentage of RAM, so rarely a power of two) is not QEMU-valid.
    scenario.compression_xbzrle ? `xbzrle cache ${scenario.compression_xbzrle_cache ?? '?'} % of RAM` : null,
    scenario.multifd && scenario.multifd_compression
      ? `multifd compression ${scenario.multifd_compression}`
      : null,
    scenario.compression_mt ? `compress threads ${scenario.compression_mt_threads ?? '?'}` : null,
    scenario.dirty_limit
      ? `dirty-limit period ${scenario.x_vcpu_dirty_limit_period ?? '?'} ms, vcpu limit ${scenario.vcpu_dirty_limit ?? '?'} MB/s`
      : null,
    hardware.dirty_ring_size ? `dirty ring size ${hardware.dirty_ring_size}` : null
  ].filter((s): s is string => s !== null)

  const notes = [
    `Imported from ${source} (QEMU guestperf).`,
    `QEMU ${report.binary ?? 'binary not recorded'}, transport ${report.transport ?? '?'} to ${report.dst_host ?? '?'}, ` +
      `${hardware.cpus} vCPU(s), ${hardware.mem} GiB dirtied by ${threads.length} guest thread(s).`,
    notMapped.length > 0 ? `Scenario settings without a config field: ${notMapped.join('; ')}.` : null,
    'Not recorded by guestperf (stored as 0): downtime breakdown, BQL times, dirty pages per sync, pages per second, ' +
      'precopy/downtime/postcopy bytes. Destination memory was not verified.',
    completed
      ? threads.length > 0
        ? 'Guest pause estimated from the guest timing that spans the switchover and the rates of its neighbours.'
        : 'Guest pause taken as the reported downtime (no guest timings in the report).'
      : null
  ]
    .filter((s): s is string => s !== null)
    .join('\n')

  return {
    label: scenario.name,
    config,
    result,
    telemetry,
    engineVersion: 'guestperf',
    host: `guestperf on ${report.dst_host ?? 'localhost'}${report.transport ? ` (${report.transport})` : ''}`,
    startedAtMs: Math.round(startS * 1000),
    endedAtMs: Math.round(final.now * 1000),
    notes
  }
}

/**
 * One query-migrate snapshot as a progress sample at `timeMs` since the migration started: the
 * mapping of every guestperf snapshot, and of a measured run's snapshots while it goes (the
 * measured run's live telemetry, src/main/measure/measure.ts). The threshold is QEMU's
 * bandwidth × downtime-limit (migration/migration.c migration_update_counters, docs/qemu-rules.md).
 */
export function guestperfProgressSample(
  p: GuestperfProgress,
  timeMs: number,
  downtimeLimitMs: number
): ProgressSample {
  const bandwidthBytesPerMs = p.ram.transfer_rate_mbs * 125 // Mbit/s → bytes/ms
  return {
    'time-ms': timeMs,
    status: progressStatus(p.status),
    'transferred-bytes': p.ram.transferred_bytes,
    'remaining-bytes': p.ram.remaining_bytes,
    'dirty-pages-rate': p.ram.dirty_rate_pps,
    mbps: p.ram.transfer_rate_mbs,
    'bandwidth-bytes-per-ms': bandwidthBytesPerMs,
    'threshold-bytes': Math.round(bandwidthBytesPerMs * downtimeLimitMs),
    'expected-downtime-ms': p.downtime_expected,
    'dirty-sync-count': p.ram.iterations,
    'cpu-throttle-percentage': p.throttle_pcent
  }
}

/**
 * Migration start, host epoch seconds: `now − total-time` of the first snapshot that has a
 * total-time (snapshots in setup have none), else the first snapshot's time.
 */
function migrationStartSeconds(history: readonly GuestperfProgress[]): number {
  const timed = history.find((p) => p.duration > 0)
  return timed ? timed.now - timed.duration / 1000 : history[0].now
}

function progressStatus(status: string): ProgressSample['status'] {
  switch (status) {
    case 'setup':
    case 'active':
    case 'device':
    case 'completed':
    case 'cancelled':
    case 'failed':
      return status
    case 'pre-switchover':
      return 'device'
    case 'cancelling':
      return 'cancelled'
    default:
      // postcopy-active, postcopy-paused, postcopy-recover, wait-unplug: the source still runs
      // the migration, which is what `active` means on the lab's charts.
      return 'active'
  }
}

interface GuestRecord {
  /** The GiB's interval relative to migration start, ms. */
  startMs: number
  endMs: number
  mibPerS: number
  msPerGib: number
}

/**
 * Guest timings grouped by guest thread id (records of the source and the destination log
 * share a thread, since it is the same guest), threads in ascending tid order. A record says
 * "this thread wrote 1 GiB in `value` ms, finishing at `timestamp`" (§13.4 step 6).
 */
function guestThreads(
  timings: readonly { tid: number; timestamp: number; value: number }[],
  startS: number
): { tid: number; records: GuestRecord[] }[] {
  const byTid = new Map<number, GuestRecord[]>()
  for (const t of timings) {
    if (!(t.value > 0)) continue
    const endMs = (t.timestamp - startS) * 1000
    const records = byTid.get(t.tid) ?? []
    records.push({
      startMs: endMs - t.value,
      endMs,
      mibPerS: (GIB_IN_MIB * 1000) / t.value,
      msPerGib: t.value
    })
    byTid.set(t.tid, records)
  }
  return [...byTid.entries()]
    .sort(([a], [b]) => a - b)
    .map(([tid, records]) => ({ tid, records: records.sort((a, b) => a.endMs - b.endMs) }))
}

/**
 * Spreads each GiB's rate over fixed buckets, weighting by overlap, so the series is evenly
 * spaced like the engine's. A bucket no record covers stays 0: the thread reported nothing.
 */
function throughputSeries(vcpu: number, records: readonly GuestRecord[]): VcpuThroughputSeries {
  const bucketMs = GUESTPERF_THROUGHPUT_BUCKET_MS
  if (records.length === 0) return { vcpu, 'bucket-ms': bucketMs, 'start-ms': 0, 'mib-per-s': [] }
  const firstMs = Math.floor(Math.min(...records.map((r) => r.startMs)) / bucketMs) * bucketMs
  const lastMs = Math.ceil(Math.max(...records.map((r) => r.endMs)) / bucketMs) * bucketMs
  const buckets = Math.max(1, Math.round((lastMs - firstMs) / bucketMs))
  const mib = new Float64Array(buckets)
  for (const r of records) {
    const mibPerMs = GIB_IN_MIB / r.msPerGib
    const first = Math.max(0, Math.floor((r.startMs - firstMs) / bucketMs))
    const last = Math.min(buckets - 1, Math.floor((r.endMs - firstMs) / bucketMs))
    for (let b = first; b <= last; b++) {
      const from = Math.max(r.startMs, firstMs + b * bucketMs)
      const to = Math.min(r.endMs, firstMs + (b + 1) * bucketMs)
      if (to > from) mib[b] += (to - from) * mibPerMs
    }
  }
  return {
    vcpu,
    'bucket-ms': bucketMs,
    'start-ms': firstMs,
    'mib-per-s': Array.from(mib, (m) => roundTo((m * 1000) / bucketMs, 3))
  }
}

/**
 * The pause the guest felt, estimated like one reads it off guestperf's plot (§13.6): the GiB
 * that spans the switchover took longer than its neighbours by about the pause. The guest stops
 * at the source's stop (total-time − downtime); before it, the thread progressed at the rate of
 * the GiB before (throttle included), after the pause at the rate of the GiB after. So per
 * thread: pause ≈ (end of the spanning GiB − stop) − (part of the GiB still to do) × (ms per GiB
 * after). The largest over threads; without usable timings, the source-reported downtime.
 */
function estimateGuestPauseMs(
  threads: readonly { records: GuestRecord[] }[],
  switchoverMs: number,
  downtimeMs: number
): number {
  let estimate: number | null = null
  for (const { records } of threads) {
    const i = records.findIndex((r) => r.startMs <= switchoverMs && r.endMs >= switchoverMs)
    if (i <= 0 || i >= records.length - 1) continue
    const [before, spanning, after] = [records[i - 1], records[i], records[i + 1]]
    const doneBeforeStop = Math.min(1, (switchoverMs - spanning.startMs) / before.msPerGib)
    const pause = spanning.endMs - switchoverMs - (1 - doneBeforeStop) * after.msPerGib
    estimate = Math.max(estimate ?? 0, pause)
  }
  return estimate === null ? downtimeMs : roundTo(estimate, 1)
}

function migrationTimeline(
  history: readonly GuestperfProgress[],
  msSinceStart: (nowS: number) => number,
  final: GuestperfProgress,
  switchoverMs: number | null
): TimelineEvent[] {
  const events: TimelineEvent[] = [{ 'time-ms': 0, lane: 'migration', state: 'setup' }]
  const detail = 'from guestperf snapshots'
  let current: TimelineEvent['state'] = 'setup'
  for (const p of history) {
    const mapped = progressStatus(p.status)
    const state: TimelineEvent['state'] | null =
      mapped === 'active' ? 'iterating' : mapped === 'device' ? 'stop-and-copy' : null
    if (state && state !== current) {
      events.push({ 'time-ms': Math.max(0, msSinceStart(p.now)), lane: 'migration', state, detail })
      current = state
    }
  }
  if (switchoverMs !== null && current !== 'stop-and-copy')
    events.push({
      'time-ms': switchoverMs,
      lane: 'migration',
      state: 'stop-and-copy',
      detail: 'total-time − downtime'
    })
  events.push({ 'time-ms': final.duration, lane: 'migration', state: 'done', detail: final.status })
  return events.sort((a, b) => a['time-ms'] - b['time-ms'])
}

function medianOrNull(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function roundMs(ms: number): number {
  return roundTo(ms, 1)
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals
  return Math.round(value * factor) / factor
}
