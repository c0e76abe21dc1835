/**
 * Reading the history: run and experiment lists (filtered, sorted, paged from the summary rows,
 * never the samples), one run's detail with min/max-downsampled series, and per-group statistics.
 */
import type Database from 'better-sqlite3'
import { minMaxBucketIndices } from '../../shared/downsample'
import { LabFailure, labError } from '../../shared/errors'
import {
  metricStats,
  splitConfigPath,
  type ConfigFilter,
  type ExperimentListQuery,
  type ExperimentRecord,
  type ExperimentStatus,
  type Page,
  type RunDetail,
  type RunDetailOptions,
  type RunListQuery,
  type RunRecord,
  type RunStatus,
  type RunSummary,
  type Summary,
  type SummaryGroup,
  type SummaryTarget,
  type ThroughputPoints
} from '../../shared/history'
import type {
  MigrationResult,
  ProgressSample,
  RunTelemetry,
  SyncRecord,
  TimelineEvent,
  VcpuThroughputSeries
} from '../../shared/result'
import type { VariedParameter } from '../../shared/sweep'
import {
  decodeProgressColumns,
  decodeSyncRecords,
  decodeTimeline,
  decodeValues,
  PROGRESS_COLUMNS,
  progressSampleAt
} from './codec'

export const DEFAULT_PAGE_LIMIT = 50
export const MAX_PAGE_LIMIT = 1000

// ---------------------------------------------------------------------------------------------
// Rows

interface RunRow {
  id: number
  experiment_id: number | null
  experiment_name: string | null
  label: string
  status: RunStatus
  reason: string | null
  source: 'simulated' | 'measured'
  seed: number
  engine_version: string
  host: string
  config_sha256: string
  started_at_ms: number
  ended_at_ms: number | null
  tags: string | null
  notes: string
  starred: number
  deleted_at_ms: number | null
  has_summary: number | null
  downtime_ms: number | null
  guest_pause_ms: number | null
  total_time_ms: number | null
  setup_time_ms: number | null
  transferred_bytes: number | null
  dirty_sync_count: number | null
  converged: number | null
  verified: number | null
  expected_downtime_ms: number | null
  max_throttle_pct: number | null
}

/** Tags are concatenated with the ASCII unit separator, which a tag never contains. */
const TAG_SEPARATOR = '\u001f'

export const RUN_COLUMNS = `
  r.id, r.experiment_id, e.name AS experiment_name, r.label, r.status, r.reason, r.source, r.seed,
  r.engine_version, r.host, r.config_sha256, r.started_at_ms, r.ended_at_ms, r.notes, r.starred, r.deleted_at_ms,
  (SELECT group_concat(t.tag, char(31)) FROM run_tag t WHERE t.run_id = r.id) AS tags,
  s.run_id IS NOT NULL AS has_summary, s.downtime_ms, s.guest_pause_ms, s.total_time_ms, s.setup_time_ms,
  s.transferred_bytes, s.dirty_sync_count, s.converged, s.verified, s.expected_downtime_ms, s.max_throttle_pct`

export const RUN_FROM = `
  run r
  LEFT JOIN experiment e ON e.id = r.experiment_id
  LEFT JOIN run_summary s ON s.run_id = r.id`

function splitTags(tags: string | null): string[] {
  return tags ? tags.split(TAG_SEPARATOR).sort() : []
}

export function runRecordOf(row: RunRow): RunRecord {
  const summary: RunSummary | null = row.has_summary
    ? {
        downtimeMs: row.downtime_ms,
        guestPauseMs: row.guest_pause_ms,
        totalTimeMs: row.total_time_ms ?? 0,
        setupTimeMs: row.setup_time_ms ?? 0,
        transferredBytes: row.transferred_bytes ?? 0,
        dirtySyncCount: row.dirty_sync_count ?? 0,
        converged: row.converged === 1,
        verified: row.verified === 1,
        expectedDowntimeMs: row.expected_downtime_ms ?? 0,
        maxThrottlePercent: row.max_throttle_pct ?? 0
      }
    : null
  return {
    id: row.id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    label: row.label,
    status: row.status,
    reason: row.reason,
    source: row.source,
    seed: row.seed,
    engineVersion: row.engine_version,
    host: row.host,
    configHash: row.config_sha256,
    startedAtMs: row.started_at_ms,
    endedAtMs: row.ended_at_ms,
    tags: splitTags(row.tags),
    notes: row.notes,
    starred: row.starred === 1,
    deletedAtMs: row.deleted_at_ms,
    summary
  }
}

// ---------------------------------------------------------------------------------------------
// Run list

/** `migration.parameters.downtime-limit` → `$."migration"."parameters"."downtime-limit"`. */
export function sqliteJsonPath(path: string, where: string): string {
  const segments = splitConfigPath(path)
  if (!segments)
    throw new LabFailure(
      labError(
        'Validation',
        `${where}: "${String(path)}" is not a dotted config path (e.g. migration.parameters.downtime-limit)`
      )
    )
  // splitConfigPath allows only [A-Za-z0-9_-], so no segment can contain a quote.
  return '$' + segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `."${s}"`)).join('')
}

const CONFIG_OPS = new Set(['=', '!=', '<', '>', '<=', '>='])

function configCondition(filter: ConfigFilter, i: number, params: Record<string, unknown>): string {
  const where = `filter.config[${i}]`
  const path = sqliteJsonPath(filter.path, `${where}.path`)
  if (!CONFIG_OPS.has(filter.op))
    throw new LabFailure(
      labError('Validation', `${where}.op: "${String(filter.op)}" is not one of = != < > <= >=`)
    )
  params[`cpath${i}`] = path
  const extract = `json_extract(r.config_json, @cpath${i})`
  if (filter.value === null) {
    if (filter.op === '=') return `${extract} IS NULL`
    if (filter.op === '!=') return `${extract} IS NOT NULL`
    throw new LabFailure(labError('Validation', `${where}.value: null can only be compared with = or !=`))
  }
  const value = filter.value
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    throw new LabFailure(
      labError('Validation', `${where}.value: must be a string, a number, a boolean or null`)
    )
  // json_extract gives JSON true/false as the integers 1/0.
  params[`cvalue${i}`] = typeof value === 'boolean' ? (value ? 1 : 0) : value
  return `${extract} ${filter.op} @cvalue${i}`
}

const SORT_COLUMNS = {
  started: 'r.started_at_ms',
  downtime: 's.downtime_ms',
  'guest-pause': 's.guest_pause_ms',
  'total-time': 's.total_time_ms',
  transferred: 's.transferred_bytes',
  syncs: 's.dirty_sync_count'
} as const

export function pageOf(page: { limit?: number; offset?: number } | undefined): {
  limit: number
  offset: number
} {
  const limit = Math.trunc(page?.limit ?? DEFAULT_PAGE_LIMIT)
  const offset = Math.trunc(page?.offset ?? 0)
  if (!Number.isFinite(limit) || limit < 1 || limit > MAX_PAGE_LIMIT)
    throw new LabFailure(
      labError('Validation', `page.limit: must be from 1 to ${MAX_PAGE_LIMIT}, got ${String(page?.limit)}`)
    )
  if (!Number.isFinite(offset) || offset < 0)
    throw new LabFailure(
      labError('Validation', `page.offset: must be 0 or more, got ${String(page?.offset)}`)
    )
  return { limit, offset }
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined
  return Array.isArray(value) ? (value as readonly T[]) : [value as T]
}

/** How one history list's rows are named in SQL, for the filter terms both lists share. */
interface ListedRows {
  /** The table's alias in the list's query. */
  readonly alias: 'r' | 'e'
  /** The table of the rows' tags and its column naming the row. */
  readonly tagTable: 'run_tag' | 'experiment_tag'
  readonly tagOwner: 'run_id' | 'experiment_id'
  /** What the text filter searches besides the tags: SQL text expressions, never null. */
  readonly textColumns: readonly string[]
}

const LISTED_RUNS: ListedRows = {
  alias: 'r',
  tagTable: 'run_tag',
  tagOwner: 'run_id',
  // e: the run's experiment, LEFT JOINed when there is a text filter (listRuns).
  textColumns: [
    'r.label',
    'r.notes',
    "coalesce(r.reason, '')",
    'r.host',
    "coalesce(e.name, '')",
    "coalesce(json_extract(r.config_json, '$.name'), '')"
  ]
}

const LISTED_EXPERIMENTS: ListedRows = {
  alias: 'e',
  tagTable: 'experiment_tag',
  tagOwner: 'experiment_id',
  textColumns: ['e.name', 'e.description', 'e.notes']
}

/**
 * The WHERE terms both history lists filter by the same way, their values put in `params`:
 * status (any of), every tag, text (a case-insensitive substring of a text column or a tag),
 * starred. Null when nothing can match (an empty list of statuses).
 */
function sharedListTerms(
  rows: ListedRows,
  filter: { status?: string | string[]; tags?: string[]; text?: string; starred?: boolean },
  params: Record<string, unknown>
): string[] | null {
  const { alias, tagTable, tagOwner } = rows
  const where: string[] = []
  const statuses = asList(filter.status)
  if (statuses) {
    if (statuses.length === 0) return null
    where.push(
      `${alias}.status IN (${statuses.map((s, i) => ((params[`status${i}`] = s), `@status${i}`)).join(', ')})`
    )
  }
  ;(filter.tags ?? []).forEach((tag, i) => {
    params[`tag${i}`] = tag
    where.push(`EXISTS (SELECT 1 FROM ${tagTable} t WHERE t.${tagOwner} = ${alias}.id AND t.tag = @tag${i})`)
  })
  const text = filter.text?.trim().toLowerCase()
  if (text) {
    params.text = text
    const inColumns = rows.textColumns.map((column) => `instr(lower(${column}), @text) > 0`)
    const inTags = `EXISTS (SELECT 1 FROM ${tagTable} t WHERE t.${tagOwner} = ${alias}.id AND instr(lower(t.tag), @text) > 0)`
    where.push(`(${[...inColumns, inTags].join(' OR ')})`)
  }
  if (filter.starred !== undefined) {
    params.starred = filter.starred ? 1 : 0
    where.push(`${alias}.starred = @starred`)
  }
  return where
}

export function listRuns(db: Database.Database, query: RunListQuery = {}): Page<RunRecord> {
  const filter = query.filter ?? {}
  const params: Record<string, unknown> = {}
  const shared = sharedListTerms(LISTED_RUNS, filter, params)
  if (!shared) return { rows: [], total: 0 }
  const where = ['r.deleted_at_ms IS NULL', ...shared]
  if (filter.experimentId !== undefined) {
    if (filter.experimentId === null) where.push('r.experiment_id IS NULL')
    else {
      params.experimentId = filter.experimentId
      where.push('r.experiment_id = @experimentId')
    }
  }
  if (filter.source !== undefined) {
    params.source = filter.source
    where.push('r.source = @source')
  }
  if (filter.from !== undefined) {
    params.from = filter.from
    where.push('r.started_at_ms >= @from')
  }
  if (filter.to !== undefined) {
    params.to = filter.to
    where.push('r.started_at_ms < @to')
  }
  ;(filter.config ?? []).forEach((c, i) => where.push(configCondition(c, i, params)))

  const sortKey = query.sort?.key ?? 'started'
  const column = SORT_COLUMNS[sortKey]
  if (!column)
    throw new LabFailure(
      labError(
        'Validation',
        `sort.key: "${String(sortKey)}" is not one of ${Object.keys(SORT_COLUMNS).join(', ')}`
      )
    )
  const dir = (query.sort?.dir ?? 'desc') === 'asc' ? 'ASC' : 'DESC'
  // Runs without a summary go last in both directions; `started` is never null, and leaving the
  // null test out there lets SQLite walk the listed-by-start index for the first page.
  const order =
    sortKey === 'started'
      ? `${column} ${dir}, r.id ${dir}`
      : `${column} IS NULL, ${column} ${dir}, r.id ${dir}`
  const { limit, offset } = pageOf(query.page)

  const whereSql = where.join(' AND ')
  // The text filter also searches the experiment's name.
  const needsExperiment = params.text !== undefined
  const total = (
    db
      .prepare(
        `SELECT count(*) AS n FROM run r ${needsExperiment ? 'LEFT JOIN experiment e ON e.id = r.experiment_id' : ''} WHERE ${whereSql}`
      )
      .get(params) as { n: number }
  ).n
  const rows = db
    .prepare(
      `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE ${whereSql} ORDER BY ${order} LIMIT @limit OFFSET @offset`
    )
    .all({ ...params, limit, offset }) as RunRow[]
  return { rows: rows.map(runRecordOf), total }
}

export function getRunRecord(db: Database.Database, id: number): RunRecord {
  const row = db.prepare(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.id = ?`).get(id) as
    RunRow | undefined
  if (!row) throw new LabFailure(labError('NotFound', `There is no run ${id} in the history`))
  return runRecordOf(row)
}

// ---------------------------------------------------------------------------------------------
// Experiments

interface ExperimentRow {
  id: number
  name: string
  description: string
  base_config_json: string
  varied_json: string
  repetitions: number
  status: ExperimentStatus
  notes: string
  starred: number
  created_at_ms: number
  updated_at_ms: number
  deleted_at_ms: number | null
  tags: string | null
  run_count: number
  finished_run_count: number
}

const EXPERIMENT_COLUMNS = `
  e.id, e.name, e.description, e.base_config_json, e.varied_json, e.repetitions, e.status, e.notes, e.starred,
  e.created_at_ms, e.updated_at_ms, e.deleted_at_ms,
  (SELECT group_concat(t.tag, char(31)) FROM experiment_tag t WHERE t.experiment_id = e.id) AS tags,
  (SELECT count(*) FROM run r WHERE r.experiment_id = e.id AND r.deleted_at_ms IS NULL) AS run_count,
  (SELECT count(*) FROM run r JOIN run_summary s ON s.run_id = r.id
     WHERE r.experiment_id = e.id AND r.deleted_at_ms IS NULL) AS finished_run_count`

function experimentRecordOf(row: ExperimentRow): ExperimentRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    baseConfig: JSON.parse(row.base_config_json) as Record<string, unknown>,
    varied: JSON.parse(row.varied_json) as VariedParameter[],
    repetitions: row.repetitions,
    status: row.status,
    tags: splitTags(row.tags),
    notes: row.notes,
    starred: row.starred === 1,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    deletedAtMs: row.deleted_at_ms,
    runCount: row.run_count,
    finishedRunCount: row.finished_run_count
  }
}

export function getExperimentRecord(db: Database.Database, id: number): ExperimentRecord {
  const row = db.prepare(`SELECT ${EXPERIMENT_COLUMNS} FROM experiment e WHERE e.id = ?`).get(id) as
    ExperimentRow | undefined
  if (!row) throw new LabFailure(labError('NotFound', `There is no experiment ${id} in the history`))
  return experimentRecordOf(row)
}

export function listExperiments(
  db: Database.Database,
  query: ExperimentListQuery = {}
): Page<ExperimentRecord> {
  const filter = query.filter ?? {}
  const params: Record<string, unknown> = {}
  const shared = sharedListTerms(LISTED_EXPERIMENTS, filter, params)
  if (!shared) return { rows: [], total: 0 }
  const where = ['e.deleted_at_ms IS NULL', ...shared]
  const sortColumns = {
    created: 'e.created_at_ms',
    updated: 'e.updated_at_ms',
    name: 'e.name COLLATE NOCASE'
  } as const
  const sortKey = query.sort?.key ?? 'created'
  const column = sortColumns[sortKey]
  if (!column)
    throw new LabFailure(
      labError('Validation', `sort.key: "${String(sortKey)}" is not one of created, updated, name`)
    )
  const dir = (query.sort?.dir ?? (sortKey === 'name' ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC'
  const { limit, offset } = pageOf(query.page)
  const whereSql = where.join(' AND ')
  const total = (
    db.prepare(`SELECT count(*) AS n FROM experiment e WHERE ${whereSql}`).get(params) as { n: number }
  ).n
  const rows = db
    .prepare(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiment e WHERE ${whereSql} ORDER BY ${column} ${dir}, e.id ${dir} LIMIT @limit OFFSET @offset`
    )
    .all({ ...params, limit, offset }) as ExperimentRow[]
  return { rows: rows.map(experimentRecordOf), total }
}

// ---------------------------------------------------------------------------------------------
// Telemetry

function damaged(runId: number, what: string): LabFailure {
  return new LabFailure(
    labError(
      'Database',
      `The stored ${what} of run ${runId} is damaged and cannot be read. The rest of the run is intact.`
    )
  )
}

/**
 * All progress samples of a run as columns (see codec.ts), in time order. Chunks with the
 * capabilities' columns are wider; narrower chunks beside them read NaN there (no such fields).
 */
export function readProgressColumns(
  db: Database.Database,
  runId: number
): { count: number; columns: Float64Array[] } {
  const chunks = db
    .prepare('SELECT points, data FROM progress_chunk WHERE run_id = ? ORDER BY seq')
    .all(runId) as { points: number; data: Buffer }[]
  const decoded = chunks.map((chunk) => {
    const columns = decodeProgressColumns(chunk.data, chunk.points)
    if (!columns) throw damaged(runId, 'progress samples')
    return { points: chunk.points, columns }
  })
  const count = decoded.reduce((n, c) => n + c.points, 0)
  const width = decoded.reduce((w, c) => Math.max(w, c.columns.length), PROGRESS_COLUMNS)
  // Wide chunks of one run must agree on their layout (the same channels and vCPUs).
  if (decoded.some((c) => c.columns.length !== PROGRESS_COLUMNS && c.columns.length !== width))
    throw damaged(runId, 'progress samples')
  const columns = Array.from({ length: width }, (_, c) =>
    new Float64Array(count).fill(c < PROGRESS_COLUMNS ? 0 : NaN)
  )
  let at = 0
  for (const chunk of decoded) {
    chunk.columns.forEach((column, c) => columns[c].set(column, at))
    at += chunk.points
  }
  return { count, columns }
}

function progressAt(runId: number, columns: Float64Array[], indices: Iterable<number>): ProgressSample[] {
  const samples: ProgressSample[] = []
  for (const i of indices) {
    const sample = progressSampleAt(columns, i)
    if (!sample) throw damaged(runId, 'progress samples')
    samples.push(sample)
  }
  return samples
}

/**
 * Per-vCPU series, joining consecutive chunks; a gap (or a change of bucket width) starts a new
 * series for the same vCPU rather than inventing values for the missing buckets.
 */
export function readThroughput(db: Database.Database, runId: number): VcpuThroughputSeries[] {
  const chunks = db
    .prepare(
      'SELECT vcpu, start_ms, bucket_ms, points, data FROM throughput_chunk WHERE run_id = ? ORDER BY vcpu, seq'
    )
    .all(runId) as { vcpu: number; start_ms: number; bucket_ms: number; points: number; data: Buffer }[]
  const series: VcpuThroughputSeries[] = []
  let current: VcpuThroughputSeries | null = null
  for (const chunk of chunks) {
    const values = decodeValues(chunk.data, chunk.points)
    if (!values) throw damaged(runId, 'throughput series')
    const end: number | null = current
      ? current['start-ms'] + current['mib-per-s'].length * current['bucket-ms']
      : null
    if (
      current &&
      end !== null &&
      current.vcpu === chunk.vcpu &&
      current['bucket-ms'] === chunk.bucket_ms &&
      Math.abs(end - chunk.start_ms) <= chunk.bucket_ms * 1e-6
    ) {
      for (const v of values) current['mib-per-s'].push(v)
    } else {
      current = {
        vcpu: chunk.vcpu,
        'bucket-ms': chunk.bucket_ms,
        'start-ms': chunk.start_ms,
        'mib-per-s': Array.from(values)
      }
      series.push(current)
    }
  }
  return series
}

export function readTimeline(db: Database.Database, runId: number): TimelineEvent[] {
  const chunks = db
    .prepare('SELECT events_json FROM timeline_chunk WHERE run_id = ? ORDER BY seq')
    .all(runId) as {
    events_json: string
  }[]
  const events: TimelineEvent[] = []
  for (const chunk of chunks) {
    const decoded = decodeTimeline(chunk.events_json)
    if (!decoded) throw damaged(runId, 'timeline')
    for (const e of decoded) events.push(e)
  }
  // Batches of different lanes may arrive out of time order; sort is stable, so events at the
  // same time keep their recorded order (as the engine's own telemetry does).
  return events.sort((a, b) => a['time-ms'] - b['time-ms'])
}

export function readSyncRecords(db: Database.Database, runId: number): SyncRecord[] {
  const chunks = db
    .prepare('SELECT points, data FROM sync_chunk WHERE run_id = ? ORDER BY seq')
    .all(runId) as {
    points: number
    data: Buffer
  }[]
  const records: SyncRecord[] = []
  for (const chunk of chunks) {
    const decoded = decodeSyncRecords(chunk.data, chunk.points)
    if (!decoded) throw damaged(runId, 'sync records')
    for (const r of decoded) records.push(r)
  }
  return records
}

export function readResult(db: Database.Database, runId: number): MigrationResult | null {
  const row = db.prepare('SELECT result_json FROM run_result WHERE run_id = ?').get(runId) as
    { result_json: string } | undefined
  if (!row) return null
  try {
    return JSON.parse(row.result_json) as MigrationResult
  } catch {
    throw damaged(runId, 'result')
  }
}

export function readConfigJson(db: Database.Database, runId: number): string {
  const row = db.prepare('SELECT config_json FROM run WHERE id = ?').get(runId) as
    { config_json: string } | undefined
  if (!row) throw new LabFailure(labError('NotFound', `There is no run ${runId} in the history`))
  return row.config_json
}

export function readTelemetry(db: Database.Database, runId: number): RunTelemetry {
  const { count, columns } = readProgressColumns(db, runId)
  return {
    progress: progressAt(runId, columns, range(count)),
    throughput: readThroughput(db, runId),
    timeline: readTimeline(db, runId)
  }
}

function* range(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i
}

export function getRunDetail(
  db: Database.Database,
  runId: number,
  options: RunDetailOptions = {}
): RunDetail {
  const maxPoints = options.maxPoints
  if (maxPoints !== undefined && (!Number.isFinite(maxPoints) || maxPoints < 10))
    throw new LabFailure(labError('Validation', `maxPoints: must be at least 10, got ${String(maxPoints)}`))
  const read = db.transaction((): RunDetail => {
    const run = getRunRecord(db, runId)
    const configJson = readConfigJson(db, runId)
    let config: Record<string, unknown>
    try {
      config = JSON.parse(configJson) as Record<string, unknown>
    } catch {
      throw damaged(runId, 'config')
    }
    const result = readResult(db, runId)
    const iterations = result ? result.lab.iterations : readSyncRecords(db, runId)

    const { count, columns } = readProgressColumns(db, runId)
    // Every column but time is a value whose extremes must survive; status (column 1) too, so
    // the short stop-and-copy `device` phase stays visible.
    const kept =
      maxPoints !== undefined
        ? minMaxBucketIndices(count, columns.slice(1, PROGRESS_COLUMNS), maxPoints)
        : range(count)
    const progress = progressAt(runId, columns, kept)

    let throughputPoints = 0
    let throughputDownsampled = false
    const throughput: ThroughputPoints[] = readThroughput(db, runId).map((s) => {
      const values = s['mib-per-s']
      throughputPoints += values.length
      const indices =
        maxPoints !== undefined
          ? minMaxBucketIndices(values.length, [values], maxPoints)
          : [...range(values.length)]
      if (indices.length < values.length) throughputDownsampled = true
      return {
        vcpu: s.vcpu,
        'bucket-ms': s['bucket-ms'],
        'time-ms': indices.map((i) => s['start-ms'] + i * s['bucket-ms']),
        'mib-per-s': indices.map((i) => values[i])
      }
    })
    return {
      run,
      config,
      configJson,
      result,
      iterations,
      progress,
      throughput,
      timeline: readTimeline(db, runId),
      storedPoints: { progress: count, throughput: throughputPoints },
      downsampled: progress.length < count || throughputDownsampled
    }
  })
  // One read transaction: a writer committing meanwhile cannot mix two states of the run.
  return read.deferred()
}

// ---------------------------------------------------------------------------------------------
// Summaries

interface SummaryRow {
  id: number
  status: RunStatus
  has_summary: number
  downtime_ms: number | null
  guest_pause_ms: number | null
  total_time_ms: number | null
  transferred_bytes: number | null
  group_key: string | number | null
  group_type: string | null
}

export function summarize(db: Database.Database, target: SummaryTarget, groupBy?: string | null): Summary {
  const params: Record<string, unknown> = {}
  let where: string
  if ('runIds' in target) {
    const ids = [...new Set(target.runIds)].filter((id) => Number.isInteger(id))
    if (ids.length === 0) return { groupBy: groupBy ?? null, groups: [] }
    // Bound as one JSON array: no limit on how many runs a comparison may hold.
    params.ids = JSON.stringify(ids)
    where = 'r.id IN (SELECT value FROM json_each(@ids))'
  } else {
    params.experimentId = target.experimentId
    where = 'r.experiment_id = @experimentId'
  }
  let keySql = 'NULL AS group_key, NULL AS group_type'
  if (groupBy) {
    params.groupPath = sqliteJsonPath(groupBy, 'groupBy')
    keySql =
      'json_extract(r.config_json, @groupPath) AS group_key, json_type(r.config_json, @groupPath) AS group_type'
  }
  const rows = db
    .prepare(
      `SELECT r.id, r.status, s.run_id IS NOT NULL AS has_summary, s.downtime_ms, s.guest_pause_ms, s.total_time_ms,
              s.transferred_bytes, ${keySql}
       FROM run r LEFT JOIN run_summary s ON s.run_id = r.id
       WHERE ${where} AND r.deleted_at_ms IS NULL ORDER BY r.id`
    )
    .all(params) as SummaryRow[]

  const groups = new Map<string, { key: SummaryGroup['key']; rows: SummaryRow[] }>()
  for (const row of rows) {
    const key = groupKeyOf(row)
    const id = JSON.stringify(key)
    const group = groups.get(id) ?? { key, rows: [] }
    group.rows.push(row)
    groups.set(id, group)
  }
  const summaryGroups: SummaryGroup[] = [...groups.values()].map(({ key, rows: members }) => {
    const statusCounts: Partial<Record<RunStatus, number>> = {}
    for (const m of members) statusCounts[m.status] = (statusCounts[m.status] ?? 0) + 1
    const completed = members.filter((m) => m.has_summary && m.status === 'completed')
    const finished = members.filter((m) => m.has_summary)
    return {
      key,
      runIds: members.map((m) => m.id),
      statusCounts,
      downtimeMs: metricStats(numbers(completed.map((m) => m.downtime_ms))),
      guestPauseMs: metricStats(numbers(completed.map((m) => m.guest_pause_ms))),
      totalTimeMs: metricStats(numbers(finished.map((m) => m.total_time_ms))),
      transferredBytes: metricStats(numbers(finished.map((m) => m.transferred_bytes)))
    }
  })
  summaryGroups.sort((a, b) => compareKeys(a.key, b.key))
  return { groupBy: groupBy ?? null, groups: summaryGroups }
}

function groupKeyOf(row: SummaryRow): SummaryGroup['key'] {
  switch (row.group_type) {
    case null:
    case 'null':
      return null
    case 'true':
      return true
    case 'false':
      return false
    case 'integer':
    case 'real':
      return Number(row.group_key)
    default:
      // text, or an object/array given as JSON text
      return String(row.group_key)
  }
}

function numbers(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number')
}

function compareKeys(a: SummaryGroup['key'], b: SummaryGroup['key']): number {
  const rank = (k: SummaryGroup['key']): number =>
    typeof k === 'number' ? 0 : typeof k === 'string' ? 1 : typeof k === 'boolean' ? 2 : 3
  if (rank(a) !== rank(b)) return rank(a) - rank(b)
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return 0
}
