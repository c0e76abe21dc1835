/**
 * Measured runs (imported from QEMU's guestperf, src/shared/guestperf.ts) carry the result
 * contract like simulated runs, but guestperf never records some of its fields: the import stores
 * them as 0 and lists them in the run's notes. A report must show those as "not measured", never
 * as 0 — a downtime breakdown of 0 ms would read as a measurement. This module says which fields
 * those are, in one place, for the HTML, the interpretation and the CSV.
 */
import type { RunRecord } from '../history'
import type { MigrationResult } from '../result'

/**
 * Result and per-sync fields guestperf does not record (guestperf.ts stores 0 for each; §13.5
 * lists what its Progress captures). Keys are the contract's own names.
 */
export const NOT_RECORDED_BY_GUESTPERF = {
  /** `lab.downtime-breakdown`: QEMU reports only the total. */
  downtimeBreakdown: true,
  /** `lab.bql`: no tracepoints are read. */
  bql: true,
  /** `lab.verified`: no oracle compared the two memories. */
  verified: true,
  /** `lab.seed`: a real guest has no seed. */
  seed: true,
  /** `ram.pages-per-second`, `precopy-bytes`, `downtime-bytes`, `postcopy-bytes`, `multifd-bytes`. */
  ramFields: [
    'pages-per-second',
    'precopy-bytes',
    'downtime-bytes',
    'postcopy-bytes',
    'multifd-bytes'
  ] as const,
  /** Per-sync `dirty-pages` and `bql-hold-ms`. */
  syncFields: ['dirty-pages', 'bql-hold-ms'] as const
} as const

export type UnrecordedRamField = (typeof NOT_RECORDED_BY_GUESTPERF.ramFields)[number]
export type UnrecordedSyncField = (typeof NOT_RECORDED_BY_GUESTPERF.syncFields)[number]

/** A run measured on a real QEMU rather than simulated by the engine. */
export function isMeasuredRun(record: Pick<RunRecord, 'source'>, result?: MigrationResult | null): boolean {
  return record.source === 'measured' || result?.lab.source === 'measured'
}

/** True when `field` of a per-sync record was not recorded for this run. */
export function isUnrecordedSyncField(measured: boolean, field: string): boolean {
  return measured && (NOT_RECORDED_BY_GUESTPERF.syncFields as readonly string[]).includes(field)
}

/** True when `field` of `ram` was not recorded for this run. */
export function isUnrecordedRamField(measured: boolean, field: string): boolean {
  return measured && (NOT_RECORDED_BY_GUESTPERF.ramFields as readonly string[]).includes(field)
}
