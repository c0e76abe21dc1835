/**
 * The experiment history: one SQLite file shared by the desktop app, the web host and the
 * command line (DESIGN.md §5). Each process opens it once (`openHistory`) and is its writer;
 * WAL lets the others read while it writes.
 *
 * Every method throws a LabFailure: `Validation` for bad arguments, `NotFound` for a missing
 * run or experiment, `Database` when SQLite fails (the message names the file), so callers can
 * send the error across any process boundary as data.
 */
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { LabFailure, labError } from '../../shared/errors'
import { EXPORT_FORMAT } from '../../shared/history'
import type { MeasuredRun } from '../../shared/guestperf'
import type {
  ExperimentShard,
  ExperimentListQuery,
  ExperimentRecord,
  ExperimentStatus,
  ExportDocument,
  ImportReport,
  InterruptedRun,
  Page,
  RunDetail,
  RunDetailOptions,
  RunListQuery,
  RunRecord,
  Summary,
  SummaryTarget
} from '../../shared/history'
import type { MigrationResult, RunTelemetry } from '../../shared/result'
import { stableStringify } from '../../shared/stable-json'
import type { VariedParameter } from '../../shared/sweep'
import {
  exportExperiment,
  exportRuns,
  importDocument,
  importGuestperf,
  insertMeasuredRun,
  insertExperiment,
  type GuestperfImportOptions
} from './exchange'
import { LATEST_SCHEMA_VERSION, migrate, type MigrationReport } from './migrations'
import { openDatabaseFile } from './open'
import {
  getExperimentRecord,
  getRunDetail,
  getRunRecord,
  listExperiments,
  listRuns,
  readTelemetry,
  summarize
} from './queries'
import { normalizeTags, RunWriter, type BeginRunInput, type TelemetryChunk } from './writer'

export interface OpenHistoryOptions {
  /** Open for reading only: no migration, no recovery, no writes. */
  readonly?: boolean
  /**
   * The canonical JSON text of a config (the config module's `canonicalConfigJson` after
   * parsing with defaults). Used for imported and measured runs and when `beginRun` is given no
   * `configJson`. Default: stable JSON of the config as given (sorted keys).
   */
  canonicalConfigJson?: (config: Record<string, unknown>) => string
  /**
   * The canonical JSON text of a config in a `migration-lab-export` document being imported; it
   * throws a LabFailure (with `path: message` details) for a config the lab would refuse to run.
   * Default: `canonicalConfigJson`.
   */
  importConfigJson?: (config: Record<string, unknown>) => string
  /** Called when a background telemetry flush fails (the data stays buffered and is retried). */
  onFlushError?: (error: unknown) => void
  /** Lock wait, ms (default 5000). */
  busyTimeoutMs?: number
  /** Clock for timestamps (tests). */
  now?: () => number
}

export interface CreateExperimentInput {
  name: string
  description?: string
  baseConfig: Record<string, unknown>
  /** Canonical JSON of baseConfig when the caller has it. */
  baseConfigJson?: string
  varied?: readonly VariedParameter[]
  repetitions?: number
  tags?: readonly string[]
  notes?: string
  /** The experiment holds these shards of a sweep only (`sweep --shard`). */
  shard?: ExperimentShard
}

export interface JsonImportOutcome {
  format: 'migration-lab-export' | 'guestperf'
  /** New ids in this history. */
  runIds: number[]
  experimentIds: number[]
}

/** Opens (creating and migrating when needed) the history at `file`; see open.ts for refusals. */
export function openHistory(file: string, options: OpenHistoryOptions = {}): HistoryDb {
  const path = resolve(file)
  const opened = openDatabaseFile(path, { readonly: options.readonly, busyTimeoutMs: options.busyTimeoutMs })
  let migration: MigrationReport = { from: opened.foundVersion, to: opened.foundVersion, applied: [] }
  try {
    if (!options.readonly) migration = migrate(opened.db)
    return new HistoryDb(path, opened.db, options, migration)
  } catch (e) {
    opened.db.close()
    throw wrapDatabaseError(path, 'Opening the history', e)
  }
}

export class HistoryDb {
  readonly readonly: boolean
  /** Schema version of the file as found, and the migrations applied on opening. */
  readonly migration: MigrationReport
  /** Runs found `running` without a live writer when the file was opened, now `interrupted`. */
  readonly interruptedAtOpen: InterruptedRun[]
  private readonly writer: RunWriter | null
  private readonly canonical: (config: Record<string, unknown>) => string
  private readonly importCanonical: (config: Record<string, unknown>) => string
  private readonly now: () => number

  /** Use openHistory(). */
  constructor(
    readonly file: string,
    private readonly db: Database.Database,
    options: OpenHistoryOptions,
    migration: MigrationReport
  ) {
    this.readonly = options.readonly === true
    this.migration = migration
    this.now = options.now ?? Date.now
    this.canonical = options.canonicalConfigJson ?? ((config) => stableStringify(config))
    this.importCanonical = options.importConfigJson ?? this.canonical
    this.writer = this.readonly
      ? null
      : new RunWriter(db, {
          canonicalConfigJson: this.canonical,
          onFlushError: options.onFlushError,
          now: this.now,
          releaseReserve: () => releaseDiskReserve(file)
        })
    if (this.writer && file !== ':memory:') keepDiskReserve(file)
    try {
      this.interruptedAtOpen = this.writer ? this.writer.recoverInterrupted() : []
    } catch (e) {
      this.writer?.close()
      throw e
    }
  }

  get schemaVersion(): number {
    return LATEST_SCHEMA_VERSION
  }

  get isOpen(): boolean {
    return this.db.open
  }

  /** Writes what is buffered and closes the file. Runs still going stay `running`. */
  close(): void {
    if (!this.db.open) return
    try {
      this.guard('Writing buffered telemetry at close', () => this.writer?.close())
    } finally {
      this.db.close()
    }
  }

  // -------------------------------------------------------------------------------------------
  // Recording runs (writer.ts)

  /** Records a new run as `running` at once and returns its id. */
  beginRun(input: BeginRunInput): number {
    return this.guard('Recording a new run', () => this.requireWriter().beginRun(input))
  }

  /** Buffers telemetry of a running run; committed within 250 ms, on flush(), finish() or fail(). */
  append(runId: number, chunk: TelemetryChunk): void {
    this.guard(`Recording telemetry of run ${runId}`, () => this.requireWriter().append(runId, chunk))
  }

  flush(): void {
    this.guard('Writing buffered telemetry', () => this.requireWriter().flush())
  }

  /**
   * Records the result: summary, full result, final status (from result.status); `telemetry`
   * replaces what was streamed (a run recorded as it was at the moment it was cancelled).
   */
  finish(runId: number, result: MigrationResult, telemetry?: RunTelemetry): void {
    this.guard(`Recording the result of run ${runId}`, () =>
      this.requireWriter().finish(runId, result, telemetry)
    )
  }

  /** Records a run that ended without a result (`cancelled` for a Cancelled error, else `failed`). */
  fail(runId: number, error: unknown): void {
    this.guard(`Recording the failure of run ${runId}`, () => this.requireWriter().fail(runId, error))
  }

  /** Marks runs whose writer is gone as `interrupted` (also done when opening). */
  recoverInterrupted(): InterruptedRun[] {
    return this.guard('Recovering interrupted runs', () => this.requireWriter().recoverInterrupted())
  }

  // -------------------------------------------------------------------------------------------
  // Experiments

  createExperiment(input: CreateExperimentInput): number {
    return this.guard('Creating an experiment', () => {
      this.requireWriter()
      if (typeof input.name !== 'string' || input.name.trim() === '')
        throw new LabFailure(labError('Validation', 'createExperiment: name must not be empty'))
      const repetitions = input.repetitions ?? 1
      if (!Number.isInteger(repetitions) || repetitions < 1)
        throw new LabFailure(
          labError('Validation', `createExperiment: repetitions must be an integer ≥ 1, got ${repetitions}`)
        )
      const nowMs = this.now()
      const write = this.db.transaction(() =>
        insertExperiment(
          this.db,
          {
            name: input.name.trim(),
            description: input.description ?? '',
            baseConfig: input.baseConfig,
            varied: [...(input.varied ?? [])],
            repetitions,
            status: 'draft',
            tags: [...(input.tags ?? [])],
            notes: input.notes ?? '',
            starred: false,
            createdAtMs: nowMs,
            updatedAtMs: nowMs,
            ...(input.shard ? { shard: input.shard } : {})
          },
          input.baseConfigJson ?? this.canonical(input.baseConfig)
        )
      )
      return write.immediate()
    })
  }

  /**
   * Sets an experiment's status. `running` records this process as its writer, so that it
   * becomes `interrupted` if the process dies before setting another status.
   */
  setExperimentStatus(id: number, status: ExperimentStatus): void {
    this.guard(`Updating experiment ${id}`, () => {
      const writer = this.requireWriter()
      const running = status === 'running'
      const info = this.db
        .prepare(
          'UPDATE experiment SET status = ?, writer_pid = ?, writer_token = ?, updated_at_ms = ? WHERE id = ?'
        )
        .run(status, running ? process.pid : null, running ? writer.token : null, this.now(), id)
      if (info.changes === 0) throw new LabFailure(labError('NotFound', `There is no experiment ${id}`))
    })
  }

  getExperiment(id: number): ExperimentRecord {
    return this.guard(`Reading experiment ${id}`, () => getExperimentRecord(this.db, id))
  }

  listExperiments(query: ExperimentListQuery = {}): Page<ExperimentRecord> {
    return this.guard('Listing experiments', () => listExperiments(this.db, query))
  }

  // -------------------------------------------------------------------------------------------
  // Reading runs

  listRuns(query: RunListQuery = {}): Page<RunRecord> {
    return this.guard('Listing runs', () => listRuns(this.db, query))
  }

  getRunRecord(id: number): RunRecord {
    return this.guard(`Reading run ${id}`, () => getRunRecord(this.db, id))
  }

  /** A run with its result and telemetry; series min/max-downsampled when maxPoints is given. */
  getRun(id: number, options: RunDetailOptions = {}): RunDetail {
    return this.guard(`Reading run ${id}`, () => getRunDetail(this.db, id, options))
  }

  /** Every stored telemetry point of a run, exactly (for `--full` output and reports). */
  getTelemetry(id: number): RunTelemetry {
    return this.guard(`Reading the telemetry of run ${id}`, () => {
      getRunRecord(this.db, id)
      return readTelemetry(this.db, id)
    })
  }

  /** Per-group statistics of runs, grouped by the value of a dotted config path. */
  summarize(target: SummaryTarget, groupBy?: string | null): Summary {
    return this.guard('Summarizing runs', () => summarize(this.db, target, groupBy))
  }

  // -------------------------------------------------------------------------------------------
  // Tags, notes, stars

  setRunTags(runId: number, tags: readonly string[]): void {
    this.setTags('run', runId, tags)
  }

  setExperimentTags(experimentId: number, tags: readonly string[]): void {
    this.setTags('experiment', experimentId, tags)
  }

  setRunNotes(runId: number, notes: string): void {
    this.setColumn('run', runId, 'notes', String(notes))
  }

  setExperimentNotes(experimentId: number, notes: string): void {
    this.setColumn('experiment', experimentId, 'notes', String(notes))
  }

  setRunStarred(runId: number, starred: boolean): void {
    this.setColumn('run', runId, 'starred', starred ? 1 : 0)
  }

  setExperimentStarred(experimentId: number, starred: boolean): void {
    this.setColumn('experiment', experimentId, 'starred', starred ? 1 : 0)
  }

  setRunLabel(runId: number, label: string): void {
    this.setColumn('run', runId, 'label', String(label))
  }

  // -------------------------------------------------------------------------------------------
  // Deleting: soft first (the bin, undoable), purged explicitly

  /** Moves runs to the bin; returns how many were moved. */
  deleteRuns(runIds: readonly number[]): number {
    return this.guard('Deleting runs', () => {
      this.requireWriter()
      const nowMs = this.now()
      const stmt = this.db.prepare('UPDATE run SET deleted_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL')
      const write = this.db.transaction(() => runIds.reduce((n, id) => n + stmt.run(nowMs, id).changes, 0))
      return write.immediate()
    })
  }

  /** Moves an experiment and its runs to the bin; returns how many of its runs were moved. */
  deleteExperiment(experimentId: number): number {
    return this.guard(`Deleting experiment ${experimentId}`, () => {
      this.requireWriter()
      const nowMs = this.now()
      const write = this.db.transaction((): number => {
        const info = this.db
          .prepare('UPDATE experiment SET deleted_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL')
          .run(nowMs, experimentId)
        if (info.changes === 0) {
          getExperimentRecord(this.db, experimentId) // NotFound when it does not exist
          return 0
        }
        return this.db
          .prepare('UPDATE run SET deleted_at_ms = ? WHERE experiment_id = ? AND deleted_at_ms IS NULL')
          .run(nowMs, experimentId).changes
      })
      return write.immediate()
    })
  }

  /** Takes runs out of the bin (undo); returns how many were restored. */
  restore(runIds: readonly number[]): number {
    return this.guard('Restoring runs', () => {
      this.requireWriter()
      const stmt = this.db.prepare(
        'UPDATE run SET deleted_at_ms = NULL WHERE id = ? AND deleted_at_ms IS NOT NULL'
      )
      const write = this.db.transaction(() => runIds.reduce((n, id) => n + stmt.run(id).changes, 0))
      return write.immediate()
    })
  }

  /**
   * Takes an experiment out of the bin with the runs that were deleted together with it;
   * returns how many runs came back.
   */
  restoreExperiment(experimentId: number): number {
    return this.guard(`Restoring experiment ${experimentId}`, () => {
      this.requireWriter()
      const write = this.db.transaction((): number => {
        const row = this.db.prepare('SELECT deleted_at_ms FROM experiment WHERE id = ?').get(experimentId) as
          { deleted_at_ms: number | null } | undefined
        if (!row) throw new LabFailure(labError('NotFound', `There is no experiment ${experimentId}`))
        if (row.deleted_at_ms === null) return 0
        const runs = this.db
          .prepare('UPDATE run SET deleted_at_ms = NULL WHERE experiment_id = ? AND deleted_at_ms = ?')
          .run(experimentId, row.deleted_at_ms).changes
        this.db.prepare('UPDATE experiment SET deleted_at_ms = NULL WHERE id = ?').run(experimentId)
        return runs
      })
      return write.immediate()
    })
  }

  /**
   * Deletes for good what has been in the bin for at least `olderThanMs` (default: everything
   * in the bin), with all its telemetry. Returns how many runs and experiments went.
   */
  purgeDeleted(olderThanMs = 0): { runs: number; experiments: number } {
    return this.guard('Emptying the bin', () => {
      this.requireWriter()
      const cutoff = this.now() - Math.max(0, olderThanMs)
      const write = this.db.transaction(() => {
        const runs = this.db
          .prepare('DELETE FROM run WHERE deleted_at_ms IS NOT NULL AND deleted_at_ms <= ?')
          .run(cutoff).changes
        // Runs still out of the bin keep their experiment: detach them rather than lose them.
        this.db
          .prepare(
            `UPDATE run SET experiment_id = NULL WHERE experiment_id IN
               (SELECT id FROM experiment WHERE deleted_at_ms IS NOT NULL AND deleted_at_ms <= ?)`
          )
          .run(cutoff)
        const experiments = this.db
          .prepare('DELETE FROM experiment WHERE deleted_at_ms IS NOT NULL AND deleted_at_ms <= ?')
          .run(cutoff).changes
        return { runs, experiments }
      })
      return write.immediate()
    })
  }

  // -------------------------------------------------------------------------------------------
  // Export and import (exchange.ts)

  exportRuns(runIds: readonly number[]): ExportDocument {
    return this.guard('Exporting runs', () => exportRuns(this.db, runIds, this.now()))
  }

  exportExperiment(experimentId: number): ExportDocument {
    return this.guard(`Exporting experiment ${experimentId}`, () =>
      exportExperiment(this.db, experimentId, this.now())
    )
  }

  /** Imports a `migration-lab-export` document (already parsed from JSON); new ids are assigned. */
  importDocument(doc: unknown): ImportReport {
    return this.guard('Importing', () => {
      this.requireWriter()
      return importDocument(this.db, doc, this.importCanonical)
    })
  }

  /** Records a run measured on a real QEMU (`migration-lab measure`); returns its id. */
  recordMeasuredRun(measured: MeasuredRun, options: { tags?: readonly string[] } = {}): number {
    return this.guard('Recording a measured run', () => {
      this.requireWriter()
      return insertMeasuredRun(this.db, measured, this.canonical(measured.config), {
        tags: options.tags ?? ['measured']
      })
    })
  }

  /** Imports a guestperf JSON report (already parsed) as a measured run; returns its id. */
  importGuestperf(report: unknown, options: GuestperfImportOptions = {}): number {
    return this.guard('Importing a guestperf report', () => {
      this.requireWriter()
      return importGuestperf(this.db, report, this.canonical, options)
    })
  }

  /**
   * Imports a parsed JSON file of either kind: a `migration-lab-export` document (by its
   * `format`) or a guestperf report (by its `hardware`, `scenario` or `progress_history`). The
   * one import of a file, for `import` and the LabApi's `history.import`. `fileName` is quoted in
   * messages and in an imported report's notes.
   */
  importJson(document: unknown, options: { fileName?: string } = {}): JsonImportOutcome {
    const doc =
      document !== null && typeof document === 'object' && !Array.isArray(document)
        ? (document as Record<string, unknown>)
        : {}
    if (doc.format === EXPORT_FORMAT) {
      const report = this.importDocument(doc)
      return {
        format: 'migration-lab-export',
        runIds: report.runs.map((m) => m.to),
        experimentIds: report.experiments.map((m) => m.to)
      }
    }
    if ('progress_history' in doc || 'scenario' in doc || 'hardware' in doc) {
      const runId = this.importGuestperf(doc, { source: options.fileName ?? 'guestperf report' })
      return { format: 'guestperf', runIds: [runId], experimentIds: [] }
    }
    throw new LabFailure(
      labError(
        'Validation',
        `${options.fileName ?? 'The file'} is neither a Migration Lab export ("format": "${EXPORT_FORMAT}") nor a guestperf report (with "hardware", "scenario" and "progress_history"). Choose a file exported from History or written by guestperf.`
      )
    )
  }

  // -------------------------------------------------------------------------------------------

  private requireWriter(): RunWriter {
    if (!this.db.open)
      throw new LabFailure(labError('Database', `The history database ${this.file} is closed`))
    if (!this.writer)
      throw new LabFailure(
        labError('Database', `The history database ${this.file} was opened read-only; it cannot be changed`)
      )
    return this.writer
  }

  private setTags(kind: 'run' | 'experiment', id: number, tags: readonly string[]): void {
    this.guard(`Tagging ${kind} ${id}`, () => {
      this.requireWriter()
      const table = kind === 'run' ? 'run_tag' : 'experiment_tag'
      const column = kind === 'run' ? 'run_id' : 'experiment_id'
      const write = this.db.transaction(() => {
        if (!this.db.prepare(`SELECT 1 FROM ${kind} WHERE id = ?`).get(id))
          throw new LabFailure(labError('NotFound', `There is no ${kind} ${id}`))
        this.db.prepare(`DELETE FROM ${table} WHERE ${column} = ?`).run(id)
        const insert = this.db.prepare(`INSERT INTO ${table} (${column}, tag) VALUES (?, ?)`)
        for (const tag of normalizeTags(tags)) insert.run(id, tag)
        if (kind === 'experiment')
          this.db.prepare('UPDATE experiment SET updated_at_ms = ? WHERE id = ?').run(this.now(), id)
      })
      write.immediate()
    })
  }

  private setColumn(
    kind: 'run' | 'experiment',
    id: number,
    column: 'notes' | 'starred' | 'label',
    value: unknown
  ): void {
    this.guard(`Updating ${kind} ${id}`, () => {
      this.requireWriter()
      const extra = kind === 'experiment' ? ', updated_at_ms = @now' : ''
      const info = this.db
        .prepare(`UPDATE ${kind} SET ${column} = @value${extra} WHERE id = @id`)
        .run(kind === 'experiment' ? { value, id, now: this.now() } : { value, id })
      if (info.changes === 0) throw new LabFailure(labError('NotFound', `There is no ${kind} ${id}`))
    })
  }

  private guard<T>(what: string, action: () => T): T {
    try {
      return action()
    } catch (e) {
      throw wrapDatabaseError(this.file, what, e)
    }
  }
}

/** SQLite's errors become LabFailures (kind Database; Internal for a full disk) that name the file and what was done. */
function wrapDatabaseError(file: string, what: string, e: unknown): LabFailure {
  if (e instanceof LabFailure) return e
  const code = (e as { code?: unknown }).code
  const message = e instanceof Error ? e.message : String(e)
  const hint =
    code === 'SQLITE_BUSY'
      ? ' Another Migration Lab process kept the database locked; try again.'
      : code === 'SQLITE_FULL'
        ? ' The disk is full: what was recorded before is kept; free some space and try again.'
        : typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')
          ? ' The file is damaged; restore a backup or choose another file with --db.'
          : typeof code === 'string' && code.startsWith('SQLITE_READONLY')
            ? ' The file or its folder is read-only.'
            : ''
  // A full disk is the machine's failure, not bad input: kind Internal, so the command exits 1.
  const kind = code === 'SQLITE_FULL' ? 'Internal' : 'Database'
  return new LabFailure(labError(kind, `${what} failed in ${file}: ${message}.${hint}`))
}

/**
 * Disk space kept in reserve beside a writable history (`FILE-reserve`, 64 KiB): a full disk
 * would otherwise leave no room to record how the run it stopped ended, and the run would stay
 * `running`. The writer releases it for that one write (RunWriter.endRunOnly); the next writable
 * opening keeps it again when there is room. A reserve that cannot be made is no error.
 */
export const DISK_RESERVE_BYTES = 64 * 1024

export function diskReservePath(file: string): string {
  return `${file}-reserve`
}

function keepDiskReserve(file: string): void {
  const path = diskReservePath(file)
  try {
    if (existsSync(path) && statSync(path).size === DISK_RESERVE_BYTES) return
    // Written with bytes (not a sparse file), so the space is really taken.
    writeFileSync(path, Buffer.alloc(DISK_RESERVE_BYTES, 0x52))
  } catch {
    try {
      rmSync(path, { force: true })
    } catch {
      // Nothing to clean up.
    }
  }
}

function releaseDiskReserve(file: string): boolean {
  const path = diskReservePath(file)
  try {
    if (!existsSync(path)) return false
    rmSync(path)
    return true
  } catch {
    return false
  }
}
