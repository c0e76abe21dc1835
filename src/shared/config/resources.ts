import { labError, type LabError } from '../errors'
import {
  MIB,
  PAGE_CHUNK_PAGES,
  PAGE_CHUNK_PENDING_WRITES,
  TELEMETRY_TICK_US,
  US_PER_MS
} from '../engine/constants'
import { layoutGuest } from '../engine/workload'
import type { LabConfig } from './schema'

/**
 * How much memory a run needs, estimated before any process starts, so a run that cannot fit is
 * refused with a `ResourceLimit` error instead of taking the machine down. The figures follow the
 * engine's data structures (docs/engine.md "Memory"); they are upper bounds, not measurements.
 */
export interface MemoryEstimate {
  /** Whole run, bytes. */
  readonly totalBytes: number
  /** The migration process: dirty bitmap, destination send times, oracle inputs. */
  readonly migrationBytes: number
  /** All vCPU processes together: dirty logs, last-write times. */
  readonly vcpuBytes: number
  /** The supervisor's share: telemetry kept for the result. */
  readonly supervisorBytes: number
}

/** A JS engine thread's fixed cost (isolate, code, heap reserve). */
const PROCESS_BASE_BYTES = 24 * MIB
/** Bytes kept per progress sample, throughput bucket and timeline event, generously. */
const TELEMETRY_BYTES_PER_TICK = 256

export function estimateRunMemory(config: LabConfig): MemoryEstimate {
  const layout = layoutGuest(config.guest)
  const pages = layout.totalPages
  const maxTimeS = config.migration.policy['max-time-ms'] / 1000
  // Migration process: bmap (1 bit/page), destination last-send time (4 B/page), the oracle's
  // mismatch bitmap (1 bit/page).
  let migrationBytes = PROCESS_BASE_BYTES + pages / 8 + pages * 4 + pages / 8
  let vcpuBytes = 0
  for (const plan of layout.vcpus) {
    vcpuBytes += PROCESS_BASE_BYTES
    if (plan.writesPerSecond === 0) continue
    // A vCPU can touch at most its working set, and at most one page per write.
    const touched = Math.min(plan.regionPages, Math.ceil(plan.writesPerSecond * maxTimeS) + 1)
    // Chunks are whole: a region may straddle one more chunk at each end, and wrap once.
    const chunkPages = (Math.ceil(touched / PAGE_CHUNK_PAGES) + 2) * PAGE_CHUNK_PAGES
    // Per page: its last write (4 B) and dirty bit; per chunk: the queue of writes not applied yet.
    const chunkBytes =
      chunkPages * 4 + chunkPages / 8 + (chunkPages / PAGE_CHUNK_PAGES) * PAGE_CHUNK_PENDING_WRITES * 8
    vcpuBytes += chunkBytes
    // The last-write chunks travel to the migration process for the oracle (copied in Electron),
    // and a harvest reply holds up to 4 B per dirty page.
    migrationBytes += chunkPages * 4
    vcpuBytes += touched * 4
  }
  const ticks = (config.migration.policy['max-time-ms'] * US_PER_MS) / TELEMETRY_TICK_US
  const supervisorBytes = ticks * TELEMETRY_BYTES_PER_TICK * (1 + layout.vcpus.length / 16)
  const totalBytes = Math.ceil(migrationBytes + vcpuBytes + supervisorBytes)
  return {
    totalBytes,
    migrationBytes: Math.ceil(migrationBytes),
    vcpuBytes: Math.ceil(vcpuBytes),
    supervisorBytes: Math.ceil(supervisorBytes)
  }
}

const gib = (bytes: number): string => `${(bytes / (1024 * MIB)).toFixed(2)} GiB`

/**
 * Refuses a run whose estimate exceeds `availableMemoryBytes` (the caller measures it, so this
 * stays pure). Returns undefined when the run fits.
 */
export function checkRunResources(config: LabConfig, availableMemoryBytes: number): LabError | undefined {
  const estimate = estimateRunMemory(config)
  if (estimate.totalBytes <= availableMemoryBytes) return undefined
  return labError(
    'ResourceLimit',
    `This run needs about ${gib(estimate.totalBytes)} of memory but only ${gib(availableMemoryBytes)} is available. ` +
      'Lower guest.memory-mib, the working sets or migration.policy.max-time-ms.',
    [
      `migration process: ${gib(estimate.migrationBytes)} (dirty bitmap and destination page times for ` +
        `${config.guest['memory-mib']} MiB of guest RAM)`,
      `vCPU processes: ${gib(estimate.vcpuBytes)} (dirty logs and last-write times of the working sets)`,
      `telemetry: ${gib(estimate.supervisorBytes)}`
    ]
  )
}
