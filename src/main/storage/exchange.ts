/**
 * Export and import of runs and experiments (`migration-lab-export` version 1), and import of
 * guestperf reports as measured runs.
 *
 * Ids: a document keeps the ids of the exporting history only to link runs to experiments
 * inside the document. Importing assigns new ids (a document can be imported into any history,
 * twice, or back into the one it came from) and reports the mapping. Everything else round-trips
 * exactly: exporting the imported runs gives the same document apart from ids and `exportedAtMs`.
 * One exception: a run exported while still `running` is imported as `interrupted`, since no
 * writer in the importing history will ever finish it.
 *
 * Imported documents are validated first (zod) and every problem is reported with its JSON path;
 * a document with any problem imports nothing.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { LabFailure, labError, toLabError } from '../../shared/errors'
import { guestperfToMeasuredRun, parseGuestperfReport, type MeasuredRun } from '../../shared/guestperf'
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  formatIssues,
  type ExportDocument,
  type ExperimentShard,
  type ExperimentStatus,
  type ExportedExperiment,
  type ExportedRun,
  type ImportReport
} from '../../shared/history'
import type { MigrationResult, RunTelemetry, SyncRecord } from '../../shared/result'
import { MAX_SHARDS } from '../../shared/sweep'
import {
  getExperimentRecord,
  getRunRecord,
  readConfigJson,
  readResult,
  readSyncRecords,
  readTelemetry
} from './queries'
import {
  INTERRUPTED_REASON,
  newSeqCounters,
  normalizeTags,
  prepareStatements,
  sha256Hex,
  summaryRow,
  writeTelemetryChunks,
  type WriterStatements
} from './writer'

// ---------------------------------------------------------------------------------------------
// Schema of the document (the result and telemetry contracts of src/shared/result.ts)

const num = z.number().finite()
const str = z.string()

const syncRecordSchema = z.looseObject({
  'dirty-sync-count': num,
  'time-ms': num,
  trigger: z.enum(['setup', 'lazy', 'throttle-timer', 'final']),
  'pages-sent': num,
  'dirty-pages': num,
  'remaining-pages': num,
  'bandwidth-bytes-per-ms': num,
  'threshold-bytes': num,
  'expected-downtime-ms': num,
  'cpu-throttle-percentage': num,
  'bql-hold-ms': num
})

// Loose objects: a result written by a newer engine may carry fields this version does not
// know; they are kept, not stripped (nothing is lost).
const migrationResultSchema = z.looseObject({
  status: z.enum(['completed', 'cancelled', 'failed']),
  'total-time': num,
  'setup-time': num,
  downtime: num.optional(),
  'expected-downtime': num,
  ram: z.looseObject({
    transferred: num,
    remaining: num,
    total: num,
    duplicate: num,
    normal: num,
    'normal-bytes': num,
    'dirty-pages-rate': num,
    mbps: num,
    'dirty-sync-count': num,
    'page-size': num,
    'pages-per-second': num,
    'precopy-bytes': num,
    'downtime-bytes': num,
    'postcopy-bytes': num,
    'multifd-bytes': num
  }),
  'cpu-throttle-percentage': num.optional(),
  'xbzrle-cache': z
    .looseObject({
      'cache-size': num,
      bytes: num,
      pages: num,
      'cache-miss': num,
      'cache-miss-rate': num,
      'encoding-rate': num,
      overflow: num
    })
    .optional(),
  'error-desc': str.optional(),
  lab: z.looseObject({
    verified: z.boolean(),
    'mismatched-pages': num.optional(),
    seed: num,
    'engine-version': str,
    reason: str,
    converged: z.boolean(),
    'guest-pause-ms': num,
    'downtime-breakdown': z.looseObject({
      'stop-ms': num,
      'final-sync-ms': num,
      'ram-ms': num,
      'device-state-ms': num,
      'resume-ms': num
    }),
    iterations: z.array(syncRecordSchema),
    bql: z.looseObject({
      'held-ms': num,
      holds: num,
      'longest-hold-ms': num,
      'vcpu-wait-ms': num,
      'longest-vcpu-stall-ms': num
    }),
    'wall-time-ms': num,
    'virtual-time-ms': num,
    source: z.enum(['simulated', 'measured'])
  })
})

// Telemetry items are stored field by field (codec.ts), so they are strict: an unknown field
// would be silently dropped, which an exact round trip cannot allow.
const progressSampleSchema = z.strictObject({
  'time-ms': num,
  status: z.enum(['setup', 'active', 'device', 'completed', 'cancelled', 'failed', 'postcopy-active']),
  'transferred-bytes': num,
  'remaining-bytes': num,
  'dirty-pages-rate': num,
  mbps: num,
  'bandwidth-bytes-per-ms': num,
  'threshold-bytes': num,
  'expected-downtime-ms': num,
  'dirty-sync-count': num,
  'cpu-throttle-percentage': num,
  // The capabilities' counters (issue 9), stored in a progress chunk's wide layout.
  'xbzrle-pages': num.optional(),
  'xbzrle-cache-miss': num.optional(),
  'xbzrle-overflow': num.optional(),
  'xbzrle-bytes': num.optional(),
  'multifd-channel-bytes': z.array(num).optional(),
  'postcopy-requests': num.optional(),
  'dirty-limit-throttle-us-per-full': z.array(num).optional()
})

const strictSyncRecordSchema = z.strictObject(syncRecordSchema.shape)

const throughputSchema = z.strictObject({
  vcpu: z.number().int().nonnegative(),
  'bucket-ms': z.number().finite().positive(),
  'start-ms': num,
  'mib-per-s': z.array(num)
})

const timelineLane = z.union([
  z.literal('migration'),
  z.literal('destination'),
  z.string().regex(/^vcpu-\d+$/, 'expected migration, destination or vcpu-N')
])
const timelineEventSchema = z.strictObject({
  'time-ms': num,
  lane: timelineLane,
  state: z.enum([
    'setup',
    'iterating',
    'syncing',
    'stop-and-copy',
    'done',
    'running',
    'throttled',
    'bql-wait',
    'stopped',
    'idle',
    'loading',
    'resumed'
  ]),
  detail: str.optional()
})

const variedSchema = z.union([
  z.strictObject({ path: str, values: z.array(z.union([num, str, z.boolean()])) }),
  z.strictObject({ path: str, range: str })
])

const tagsSchema = z.array(z.string().min(1).max(100))
const epochMs = z.number().int().nonnegative()

const exportedExperimentSchema = z.strictObject({
  id: z.number().int(),
  name: str,
  description: str,
  baseConfig: z.record(z.string(), z.unknown()),
  varied: z.array(variedSchema).max(2),
  repetitions: z.number().int().min(1),
  status: z.enum(['draft', 'running', 'completed', 'cancelled', 'failed', 'interrupted']),
  tags: tagsSchema,
  notes: str,
  starred: z.boolean(),
  createdAtMs: epochMs,
  updatedAtMs: epochMs,
  shard: z
    .strictObject({
      sweep: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
      count: z.number().int().min(2).max(MAX_SHARDS),
      indices: z.array(z.number().int().nonnegative()).min(1)
    })
    .refine(
      (sh) => sh.indices.every((i, k) => i < sh.count && (k === 0 || i > (sh.indices[k - 1] as number))),
      {
        message: 'indices must ascend, each below count'
      }
    )
    .optional()
})

const exportedRunSchema = z.strictObject({
  id: z.number().int(),
  experimentId: z.number().int().nullable(),
  label: str,
  status: z.enum(['running', 'completed', 'cancelled', 'failed', 'interrupted']),
  reason: str.nullable(),
  source: z.enum(['simulated', 'measured']),
  seed: z.number().int(),
  engineVersion: str,
  host: str,
  startedAtMs: epochMs,
  endedAtMs: epochMs.nullable(),
  tags: tagsSchema,
  notes: str,
  starred: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  result: migrationResultSchema.nullable(),
  iterations: z.array(strictSyncRecordSchema),
  telemetry: z.strictObject({
    progress: z.array(progressSampleSchema),
    throughput: z.array(throughputSchema),
    timeline: z.array(timelineEventSchema)
  })
})

export const exportDocumentSchema = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAtMs: epochMs,
  experiments: z.array(exportedExperimentSchema),
  runs: z.array(exportedRunSchema)
})

// ---------------------------------------------------------------------------------------------
// Export

function exportedRun(db: Database.Database, runId: number): ExportedRun {
  const run = getRunRecord(db, runId)
  return {
    id: run.id,
    experimentId: run.experimentId,
    label: run.label,
    status: run.status,
    reason: run.reason,
    source: run.source,
    seed: run.seed,
    engineVersion: run.engineVersion,
    host: run.host,
    startedAtMs: run.startedAtMs,
    endedAtMs: run.endedAtMs,
    tags: run.tags,
    notes: run.notes,
    starred: run.starred,
    config: JSON.parse(readConfigJson(db, runId)) as Record<string, unknown>,
    result: readResult(db, runId),
    iterations: readSyncRecords(db, runId),
    telemetry: readTelemetry(db, runId)
  }
}

function exportedExperiment(db: Database.Database, id: number): ExportedExperiment {
  const e = getExperimentRecord(db, id)
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    baseConfig: e.baseConfig,
    varied: e.varied,
    repetitions: e.repetitions,
    status: e.status,
    tags: e.tags,
    notes: e.notes,
    starred: e.starred,
    createdAtMs: e.createdAtMs,
    updatedAtMs: e.updatedAtMs,
    ...shardOf(db, id)
  }
}

/**
 * The experiment's shards of a sweep while it holds only some (`sweep --shard`). Once every
 * shard is in, it exports as the whole sweep (no shard mark); the history keeps the mark so that
 * importing a shard again is refused rather than duplicating its runs.
 */
function shardOf(db: Database.Database, id: number): { shard?: ExperimentShard } {
  const row = db.prepare('SELECT shard_json FROM experiment WHERE id = ?').get(id) as
    { shard_json: string | null } | undefined
  if (!row?.shard_json) return {}
  const shard = JSON.parse(row.shard_json) as ExperimentShard
  return shard.indices.length < shard.count ? { shard } : {}
}

/** Worst first: a merged experiment is as finished as its least finished shard. */
const STATUS_PRECEDENCE: readonly ExperimentStatus[] = [
  'failed',
  'interrupted',
  'cancelled',
  'running',
  'draft',
  'completed'
]

/**
 * Adds an imported shard of a sweep to the experiment that already holds other shards of it, if
 * there is one; returns that experiment's id, or undefined when this history has none.
 */
function mergeShard(db: Database.Database, e: ExportedExperiment, where: string): number | undefined {
  const shard = e.shard
  if (!shard) return undefined
  const row = db
    .prepare(
      `SELECT id, shard_json, status, created_at_ms, updated_at_ms FROM experiment
       WHERE shard_json IS NOT NULL AND json_extract(shard_json, '$.sweep') = ? AND deleted_at_ms IS NULL
       ORDER BY id LIMIT 1`
    )
    .get(shard.sweep) as
    | {
        id: number
        shard_json: string
        status: ExperimentStatus
        created_at_ms: number
        updated_at_ms: number
      }
    | undefined
  if (!row) return undefined
  const held = JSON.parse(row.shard_json) as ExperimentShard
  if (held.count !== shard.count)
    throw new LabFailure(
      labError(
        'Validation',
        `${where}.shard: this sweep was split into ${shard.count} shards, experiment e${row.id} holds shards of a split into ${held.count}`
      )
    )
  const again = shard.indices.filter((i) => held.indices.includes(i))
  if (again.length > 0)
    throw new LabFailure(
      labError(
        'Validation',
        `${where}.shard: shard ${again.map((i) => `${i + 1}/${shard.count}`).join(', ')} of this sweep is already in experiment e${row.id}`
      )
    )
  const indices = [...held.indices, ...shard.indices].sort((a, b) => a - b)
  const status = STATUS_PRECEDENCE.find((st) => st === row.status || st === e.status) ?? row.status
  db.prepare(
    'UPDATE experiment SET shard_json = ?, status = ?, created_at_ms = ?, updated_at_ms = ? WHERE id = ?'
  ).run(
    JSON.stringify({ ...held, indices }),
    status === 'running' ? 'interrupted' : status,
    Math.min(row.created_at_ms, e.createdAtMs),
    Math.max(row.updated_at_ms, e.updatedAtMs),
    row.id
  )
  return row.id
}

/** The given runs (in the order given), with the experiments they belong to (without their other runs). */
export function exportRuns(db: Database.Database, runIds: readonly number[], nowMs: number): ExportDocument {
  const read = db.transaction((): ExportDocument => {
    const runs = [...new Set(runIds)].map((id) => exportedRun(db, id))
    const experimentIds = [
      ...new Set(runs.map((r) => r.experimentId).filter((id): id is number => id !== null))
    ]
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAtMs: nowMs,
      experiments: experimentIds.map((id) => exportedExperiment(db, id)),
      runs
    }
  })
  return read.deferred()
}

/** An experiment with all its runs that are not in the bin. */
export function exportExperiment(db: Database.Database, experimentId: number, nowMs: number): ExportDocument {
  const read = db.transaction((): ExportDocument => {
    const experiment = exportedExperiment(db, experimentId)
    const ids = (
      db
        .prepare('SELECT id FROM run WHERE experiment_id = ? AND deleted_at_ms IS NULL ORDER BY id')
        .all(experimentId) as {
        id: number
      }[]
    ).map((r) => r.id)
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAtMs: nowMs,
      experiments: [experiment],
      runs: ids.map((id) => exportedRun(db, id))
    }
  })
  return read.deferred()
}

// ---------------------------------------------------------------------------------------------
// Import

export interface StoredRunInput {
  experimentId: number | null
  label: string
  status: ExportedRun['status']
  reason: string | null
  source: ExportedRun['source']
  seed: number
  engineVersion: string
  host: string
  startedAtMs: number
  endedAtMs: number | null
  tags: readonly string[]
  notes: string
  starred: boolean
  configJson: string
  result: MigrationResult | null
  iterations: readonly SyncRecord[]
  telemetry: RunTelemetry
}

/** Inserts a complete (not streaming) run with everything recorded for it. Call inside a transaction. */
export function insertStoredRun(
  db: Database.Database,
  statements: WriterStatements,
  input: StoredRunInput
): number {
  const info = db
    .prepare(
      `INSERT INTO run (experiment_id, label, config_json, config_sha256, seed, engine_version, host, source, status, reason,
                        started_at_ms, ended_at_ms, starred, notes)
       VALUES (@experimentId, @label, @configJson, @configSha256, @seed, @engineVersion, @host, @source, @status, @reason,
               @startedAtMs, @endedAtMs, @starred, @notes)`
    )
    .run({
      experimentId: input.experimentId,
      label: input.label,
      configJson: input.configJson,
      configSha256: sha256Hex(input.configJson),
      seed: input.seed,
      engineVersion: input.engineVersion,
      host: input.host,
      source: input.source,
      status: input.status === 'running' ? 'interrupted' : input.status,
      reason: input.status === 'running' ? (input.reason ?? INTERRUPTED_REASON) : input.reason,
      startedAtMs: input.startedAtMs,
      endedAtMs: input.endedAtMs,
      starred: input.starred ? 1 : 0,
      notes: input.notes
    })
  const runId = Number(info.lastInsertRowid)
  for (const tag of normalizeTags(input.tags)) statements.insertRunTag.run(runId, tag)
  writeTelemetryChunks(
    statements,
    runId,
    {
      progress: input.telemetry.progress,
      throughput: input.telemetry.throughput,
      timeline: input.telemetry.timeline,
      iterations: input.iterations
    },
    newSeqCounters()
  )
  if (input.result) {
    statements.upsertSummary.run(summaryRow(runId, input.result))
    statements.upsertResult.run(runId, JSON.stringify(input.result))
  }
  return runId
}

export function insertExperiment(
  db: Database.Database,
  e: Omit<ExportedExperiment, 'id'>,
  baseConfigJson: string
): number {
  const info = db
    .prepare(
      `INSERT INTO experiment (name, description, base_config_json, varied_json, repetitions, status, starred, notes,
                               created_at_ms, updated_at_ms, shard_json)
       VALUES (@name, @description, @baseConfigJson, @variedJson, @repetitions, @status, @starred, @notes, @createdAtMs,
               @updatedAtMs, @shardJson)`
    )
    .run({
      name: e.name,
      description: e.description,
      baseConfigJson,
      variedJson: JSON.stringify(e.varied),
      repetitions: e.repetitions,
      // Like a run, an experiment cannot keep running in a history no sweep writes to.
      status: e.status === 'running' ? 'interrupted' : e.status,
      starred: e.starred ? 1 : 0,
      notes: e.notes,
      createdAtMs: e.createdAtMs,
      updatedAtMs: e.updatedAtMs,
      shardJson: e.shard ? JSON.stringify(e.shard) : null
    })
  const id = Number(info.lastInsertRowid)
  const insertTag = db.prepare('INSERT OR IGNORE INTO experiment_tag (experiment_id, tag) VALUES (?, ?)')
  for (const tag of normalizeTags(e.tags)) insertTag.run(id, tag)
  return id
}

/**
 * Validates and imports a document in one transaction. `canonicalConfigJson` turns each config
 * into the stored canonical text (and may reject it: its LabFailure is reported at the config's
 * JSON path).
 */
export function importDocument(
  db: Database.Database,
  data: unknown,
  canonicalConfigJson: (config: Record<string, unknown>) => string
): ImportReport {
  const parsed = exportDocumentSchema.safeParse(data)
  if (!parsed.success) {
    const format = (data as { format?: unknown } | null)?.format
    const what =
      format === EXPORT_FORMAT
        ? `This Migration Lab export cannot be imported (${parsed.error.issues.length} problem${parsed.error.issues.length === 1 ? '' : 's'})`
        : 'This is not a Migration Lab export (expected {"format": "migration-lab-export", "version": 1, …})'
    throw new LabFailure(labError('Validation', what, formatIssues(parsed.error.issues)))
  }
  const doc = parsed.data
  const problems: string[] = []
  const experimentIds = new Set<number>()
  doc.experiments.forEach((e, i) => {
    if (experimentIds.has(e.id)) problems.push(`$.experiments[${i}].id: experiment id ${e.id} appears twice`)
    experimentIds.add(e.id)
  })
  doc.runs.forEach((r, i) => {
    if (r.experimentId !== null && !experimentIds.has(r.experimentId))
      problems.push(
        `$.runs[${i}].experimentId: experiment ${r.experimentId} is not in this document's experiments`
      )
  })
  const canonical = (config: Record<string, unknown>, where: string): string | null => {
    try {
      return canonicalConfigJson(config)
    } catch (e) {
      const err = toLabError(e, 'Validation')
      // A config's own problems are `path: message` inside it: give each the config's place.
      if (err.details?.length)
        for (const d of err.details)
          problems.push(d.startsWith('(config)') ? `${where}${d.slice(8)}` : `${where}.${d}`)
      else problems.push(`${where}: ${err.message}`)
      return null
    }
  }
  const experimentConfigs = doc.experiments.map((e, i) =>
    canonical(e.baseConfig, `$.experiments[${i}].baseConfig`)
  )
  const runConfigs = doc.runs.map((r, i) => canonical(r.config, `$.runs[${i}].config`))
  if (problems.length > 0)
    throw new LabFailure(labError('Validation', 'This Migration Lab export cannot be imported', problems))

  const statements = prepareStatements(db)
  const write = db.transaction((): ImportReport => {
    const experimentMap = new Map<number, number>()
    const report: ImportReport = { experiments: [], runs: [] }
    doc.experiments.forEach((e, i) => {
      const id =
        mergeShard(db, e, `$.experiments[${i}]`) ?? insertExperiment(db, e, experimentConfigs[i] as string)
      experimentMap.set(e.id, id)
      report.experiments.push({ from: e.id, to: id })
    })
    doc.runs.forEach((r, i) => {
      const id = insertStoredRun(db, statements, {
        ...r,
        experimentId: r.experimentId === null ? null : (experimentMap.get(r.experimentId) as number),
        configJson: runConfigs[i] as string,
        result: r.result as MigrationResult | null,
        telemetry: r.telemetry as RunTelemetry
      })
      report.runs.push({ from: r.id, to: id })
    })
    return report
  })
  return write.immediate()
}

export interface GuestperfImportOptions {
  /** The report's file name, shown in messages and notes. */
  source?: string
  experimentId?: number | null
  tags?: readonly string[]
}

/** Imports a guestperf report (already parsed from JSON) as one measured run; returns its id. */
export function importGuestperf(
  db: Database.Database,
  data: unknown,
  canonicalConfigJson: (config: Record<string, unknown>) => string,
  options: GuestperfImportOptions = {}
): number {
  const source = options.source ?? 'guestperf report'
  const parsed = parseGuestperfReport(data, source)
  if (!parsed.ok) throw new LabFailure(parsed.error)
  const measured = guestperfToMeasuredRun(parsed.report, source)
  let configJson: string
  try {
    configJson = canonicalConfigJson(measured.config)
  } catch (e) {
    const err = toLabError(e, 'Validation')
    throw new LabFailure(
      labError(
        'Validation',
        `${source}: the config mapped from its hardware and scenario is not valid: ${err.message}`,
        err.details
      )
    )
  }
  return insertMeasuredRun(db, measured, configJson, { ...options, tags: options.tags ?? ['guestperf'] })
}

/**
 * Stores one measured run (a guestperf import, or `migration-lab measure`); returns its id.
 * `configJson` is the canonical config the run is filed under.
 */
export function insertMeasuredRun(
  db: Database.Database,
  measured: MeasuredRun,
  configJson: string,
  options: { experimentId?: number | null; tags?: readonly string[] } = {}
): number {
  const statements = prepareStatements(db)
  const write = db.transaction((): number => {
    if (options.experimentId != null && !statements.experimentExists.get(options.experimentId))
      throw new LabFailure(labError('NotFound', `There is no experiment ${options.experimentId}`))
    return insertStoredRun(db, statements, {
      experimentId: options.experimentId ?? null,
      label: measured.label,
      status: measured.result.status,
      reason: measured.result.lab.reason,
      source: 'measured',
      seed: 0,
      engineVersion: measured.engineVersion,
      host: measured.host,
      startedAtMs: measured.startedAtMs,
      endedAtMs: measured.endedAtMs,
      tags: options.tags ?? [],
      notes: measured.notes,
      starred: false,
      configJson,
      result: measured.result,
      iterations: measured.result.lab.iterations,
      telemetry: measured.telemetry
    })
  })
  return write.immediate()
}
