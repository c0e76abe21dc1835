/**
 * Compact encodings of telemetry for BLOB chunks (toolchain.md §4: chunks of typed arrays insert
 * ~10× and read ~40× faster than a row per point).
 *
 * Numeric samples are stored column-major as little-endian Float64: a chunk of n progress samples
 * is n times column 0, then n times column 1, … Float64 keeps every JS number exactly, so what
 * is read back equals what was written (export round trips depend on it). Enumerated strings
 * (progress status, sync trigger) are small integer codes whose tables below must only ever grow:
 * codes are part of the file format.
 *
 * Timeline events are kept as JSON text chunks instead: they are state changes (tens to a few
 * thousand per run, not 100,000 samples), they carry open strings (`vcpu-N` lanes, free
 * `detail`), and as JSON they stay exact and readable with SQLite's json functions.
 */
import {
  PROGRESS_CAPABILITY_FIELDS,
  PROGRESS_NUMBER_FIELDS,
  SYNC_RECORD_FIELDS,
  type ProgressSample,
  type SyncRecord,
  type TimelineEvent
} from '../../shared/result'

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f

/** Encodes columns of equal length into one column-major little-endian Float64 BLOB. */
export function encodeColumns(columns: readonly ArrayLike<number>[], rows: number): Buffer {
  const values = new Float64Array(columns.length * rows)
  columns.forEach((column, c) => {
    for (let r = 0; r < rows; r++) values[c * rows + r] = column[r]
  })
  if (!LITTLE_ENDIAN) {
    const view = new DataView(values.buffer)
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true)
  }
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
}

/** Decodes a BLOB made by encodeColumns; null when its size does not match (damaged chunk). */
export function decodeColumns(blob: Uint8Array, columnCount: number, rows: number): Float64Array[] | null {
  if (blob.byteLength !== columnCount * rows * 8) return null
  // Copy into an aligned buffer: a BLOB from SQLite may start at any byte offset.
  const aligned = new Float64Array(columnCount * rows)
  const bytes = new Uint8Array(aligned.buffer)
  bytes.set(blob)
  if (!LITTLE_ENDIAN) {
    const view = new DataView(aligned.buffer)
    for (let i = 0; i < aligned.length; i++) aligned[i] = view.getFloat64(i * 8, true)
  }
  const columns: Float64Array[] = []
  for (let c = 0; c < columnCount; c++) columns.push(aligned.subarray(c * rows, (c + 1) * rows))
  return columns
}

// ---------------------------------------------------------------------------------------------
// Progress samples

// 'postcopy-active' came with postcopy (issue 9): appended, as every new code must be.
const PROGRESS_STATUS_CODES = [
  'setup',
  'active',
  'device',
  'completed',
  'cancelled',
  'failed',
  'postcopy-active'
] as const satisfies readonly ProgressSample['status'][]
const progressStatusCode = new Map<string, number>(PROGRESS_STATUS_CODES.map((s, i) => [s, i]))

/** Numeric fields of ProgressSample in stored column order; `status` is column 1. */
const PROGRESS_NUMERIC = PROGRESS_NUMBER_FIELDS

/** Columns of a chunk of samples without capability fields (every run before issue 9). */
export const PROGRESS_COLUMNS = 2 + PROGRESS_NUMERIC.length

/**
 * A chunk with the capabilities' fields (issue 9) is wider: after the PROGRESS_COLUMNS base
 * columns come the number of multifd channels C and of dirty-limit vCPUs V (the same in every
 * row), the PROGRESS_CAPABILITY_FIELDS, then C columns of multifd-channel-bytes and V of
 * dirty-limit-throttle-us-per-full. A field a sample lacks is NaN. Samples without any of them
 * keep the base layout, so those runs are stored byte for byte as before; a reader tells the
 * layouts apart by the chunk's size.
 */
const CHANNELS_COLUMN = PROGRESS_COLUMNS
const VCPUS_COLUMN = PROGRESS_COLUMNS + 1
const CAPABILITY_FIRST = PROGRESS_COLUMNS + 2
const EXTENDED_FIXED_COLUMNS = CAPABILITY_FIRST + PROGRESS_CAPABILITY_FIELDS.length

function hasCapabilityFields(s: ProgressSample): boolean {
  return (
    PROGRESS_CAPABILITY_FIELDS.some((f) => s[f] !== undefined) ||
    s['multifd-channel-bytes'] !== undefined ||
    s['dirty-limit-throttle-us-per-full'] !== undefined
  )
}

export function encodeProgress(samples: readonly ProgressSample[]): Buffer {
  const n = samples.length
  const extended = samples.some(hasCapabilityFields)
  let channels = 0
  let vcpus = 0
  if (extended)
    for (const s of samples) {
      channels = Math.max(channels, s['multifd-channel-bytes']?.length ?? 0)
      vcpus = Math.max(vcpus, s['dirty-limit-throttle-us-per-full']?.length ?? 0)
    }
  const width = extended ? EXTENDED_FIXED_COLUMNS + channels + vcpus : PROGRESS_COLUMNS
  const columns: Float64Array[] = Array.from({ length: width }, () => new Float64Array(n))
  for (let i = 0; i < n; i++) {
    const s = samples[i]
    columns[0][i] = s['time-ms']
    columns[1][i] = progressStatusCode.get(s.status) ?? -1
    for (let f = 0; f < PROGRESS_NUMERIC.length; f++) columns[2 + f][i] = s[PROGRESS_NUMERIC[f]]
    if (!extended) continue
    columns[CHANNELS_COLUMN][i] = channels
    columns[VCPUS_COLUMN][i] = vcpus
    PROGRESS_CAPABILITY_FIELDS.forEach((f, k) => (columns[CAPABILITY_FIRST + k][i] = s[f] ?? NaN))
    const bytes = s['multifd-channel-bytes']
    for (let c = 0; c < channels; c++) columns[EXTENDED_FIXED_COLUMNS + c][i] = bytes?.[c] ?? NaN
    const throttle = s['dirty-limit-throttle-us-per-full']
    for (let v = 0; v < vcpus; v++) columns[EXTENDED_FIXED_COLUMNS + channels + v][i] = throttle?.[v] ?? NaN
  }
  return encodeColumns(columns, n)
}

/**
 * Decodes a progress chunk of either layout; null when damaged (a size that fits neither, or
 * channel and vCPU counts that do not add up to its width).
 */
export function decodeProgressColumns(blob: Uint8Array, rows: number): Float64Array[] | null {
  if (rows <= 0) return decodeColumns(blob, PROGRESS_COLUMNS, rows)
  const width = blob.byteLength / (rows * 8)
  if (width === PROGRESS_COLUMNS) return decodeColumns(blob, PROGRESS_COLUMNS, rows)
  if (!Number.isInteger(width) || width < EXTENDED_FIXED_COLUMNS) return null
  const columns = decodeColumns(blob, width, rows)
  if (!columns) return null
  const channels = columns[CHANNELS_COLUMN][0]
  const vcpus = columns[VCPUS_COLUMN][0]
  if (!Number.isInteger(channels) || !Number.isInteger(vcpus) || channels < 0 || vcpus < 0) return null
  return EXTENDED_FIXED_COLUMNS + channels + vcpus === width ? columns : null
}

export function decodeProgress(blob: Uint8Array, n: number): ProgressSample[] | null {
  const columns = decodeProgressColumns(blob, n)
  if (!columns) return null
  const samples: ProgressSample[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const sample = progressSampleAt(columns, i)
    if (!sample) return null
    samples[i] = sample
  }
  return samples
}

/**
 * The sample in row `i` of decoded progress columns; null for an unknown status code. Columns
 * past the base ones are a wide chunk's (see encodeProgress); a row whose channel count is NaN
 * (a narrow chunk read beside wide ones) has no capability fields.
 */
export function progressSampleAt(columns: readonly ArrayLike<number>[], i: number): ProgressSample | null {
  const status = PROGRESS_STATUS_CODES[columns[1][i]]
  if (status === undefined) return null
  const sample: ProgressSample = {
    'time-ms': columns[0][i],
    status,
    'transferred-bytes': columns[2][i],
    'remaining-bytes': columns[3][i],
    'dirty-pages-rate': columns[4][i],
    mbps: columns[5][i],
    'bandwidth-bytes-per-ms': columns[6][i],
    'threshold-bytes': columns[7][i],
    'expected-downtime-ms': columns[8][i],
    'dirty-sync-count': columns[9][i],
    'cpu-throttle-percentage': columns[10][i]
  }
  if (columns.length <= CHANNELS_COLUMN || Number.isNaN(columns[CHANNELS_COLUMN][i])) return sample
  PROGRESS_CAPABILITY_FIELDS.forEach((f, k) => {
    const v = columns[CAPABILITY_FIRST + k][i]
    if (!Number.isNaN(v)) sample[f] = v
  })
  const channels = columns[CHANNELS_COLUMN][i]
  const vcpus = columns[VCPUS_COLUMN][i]
  const bytes = readRow(columns, EXTENDED_FIXED_COLUMNS, channels, i)
  if (bytes) sample['multifd-channel-bytes'] = bytes
  const throttle = readRow(columns, EXTENDED_FIXED_COLUMNS + channels, vcpus, i)
  if (throttle) sample['dirty-limit-throttle-us-per-full'] = throttle
  return sample
}

/** `count` columns from `first` in row `i`; undefined when there are none or the row has NaN. */
function readRow(
  columns: readonly ArrayLike<number>[],
  first: number,
  count: number,
  i: number
): number[] | undefined {
  if (count === 0) return undefined
  const values: number[] = new Array(count)
  for (let k = 0; k < count; k++) {
    values[k] = columns[first + k][i]
    if (Number.isNaN(values[k])) return undefined
  }
  return values
}

/** Whether every sample's status has a code (unknown ones would be unreadable later). */
export function progressStatusesKnown(samples: readonly ProgressSample[]): boolean {
  return samples.every((s) => progressStatusCode.has(s.status))
}

// ---------------------------------------------------------------------------------------------
// Sync records

const SYNC_TRIGGER_CODES = ['setup', 'lazy', 'throttle-timer', 'final'] as const
const syncTriggerCode = new Map<string, number>(SYNC_TRIGGER_CODES.map((s, i) => [s, i]))

/** The numeric SyncRecord fields, in the contract's order (the trigger is column 0, as a code). */
const SYNC_NUMERIC = SYNC_RECORD_FIELDS.filter(
  (f): f is Exclude<(typeof SYNC_RECORD_FIELDS)[number], 'trigger'> => f !== 'trigger'
)

const SYNC_COLUMNS = 1 + SYNC_NUMERIC.length

export function encodeSyncRecords(records: readonly SyncRecord[]): Buffer {
  const n = records.length
  const columns: Float64Array[] = Array.from({ length: SYNC_COLUMNS }, () => new Float64Array(n))
  for (let i = 0; i < n; i++) {
    const r = records[i]
    columns[0][i] = syncTriggerCode.get(r.trigger) ?? -1
    for (let f = 0; f < SYNC_NUMERIC.length; f++) columns[1 + f][i] = r[SYNC_NUMERIC[f]]
  }
  return encodeColumns(columns, n)
}

export function decodeSyncRecords(blob: Uint8Array, n: number): SyncRecord[] | null {
  const columns = decodeColumns(blob, SYNC_COLUMNS, n)
  if (!columns) return null
  const records: SyncRecord[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const trigger = SYNC_TRIGGER_CODES[columns[0][i]]
    if (trigger === undefined) return null
    records[i] = {
      'dirty-sync-count': columns[1][i],
      'time-ms': columns[2][i],
      trigger,
      'pages-sent': columns[3][i],
      'dirty-pages': columns[4][i],
      'remaining-pages': columns[5][i],
      'bandwidth-bytes-per-ms': columns[6][i],
      'threshold-bytes': columns[7][i],
      'expected-downtime-ms': columns[8][i],
      'cpu-throttle-percentage': columns[9][i],
      'bql-hold-ms': columns[10][i]
    }
  }
  return records
}

export function syncTriggersKnown(records: readonly SyncRecord[]): boolean {
  return records.every((r) => syncTriggerCode.has(r.trigger))
}

// ---------------------------------------------------------------------------------------------
// Throughput values and timeline events

export function encodeValues(values: ArrayLike<number>): Buffer {
  return encodeColumns([values], values.length)
}

export function decodeValues(blob: Uint8Array, n: number): Float64Array | null {
  return decodeColumns(blob, 1, n)?.[0] ?? null
}

/** Events as compact tuples: [time-ms, lane, state] or [time-ms, lane, state, detail]. */
type EventTuple = [number, string, string] | [number, string, string, string]

export function encodeTimeline(events: readonly TimelineEvent[]): string {
  return JSON.stringify(
    events.map((e): EventTuple =>
      e.detail === undefined ? [e['time-ms'], e.lane, e.state] : [e['time-ms'], e.lane, e.state, e.detail]
    )
  )
}

export function decodeTimeline(text: string): TimelineEvent[] | null {
  let tuples: unknown
  try {
    tuples = JSON.parse(text)
  } catch {
    return null
  }
  if (!Array.isArray(tuples)) return null
  const events: TimelineEvent[] = []
  for (const t of tuples) {
    if (!Array.isArray(t) || typeof t[0] !== 'number' || typeof t[1] !== 'string' || typeof t[2] !== 'string')
      return null
    const event = { 'time-ms': t[0], lane: t[1], state: t[2] } as TimelineEvent
    if (typeof t[3] === 'string') event.detail = t[3]
    events.push(event)
  }
  return events
}
