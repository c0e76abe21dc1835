/**
 * Recording runs so that nothing is lost.
 *
 * `beginRun` writes the run row as `running` at once; telemetry batches are buffered and written
 * in one transaction at most every FLUSH_INTERVAL_MS or every FLUSH_POINTS points (style.md rule
 * 11: batched synchronous transactions); `finish` and `fail` write what is buffered together with
 * the outcome. A process that dies leaves its runs `running`; the next process that opens the
 * history finds them (`recoverInterrupted`) and marks them `interrupted`, keeping every sample
 * already committed.
 *
 * Telling a dead writer from a live one: every run records its writer's pid and random token
 * (one per open history, so also per process), and every open writer keeps a row in `writer`
 * with a heartbeat. A run's writer is gone when its token is not a live writer of this process
 * while its pid is ours, when its pid is not alive on this host, when its token has no writer
 * row (the history was closed without finishing the run), or when that row's heartbeat is stale
 * (the pid may have been reused by an unrelated process, or the writer is on another host).
 *
 * Every write transaction here and in history-db.ts / exchange.ts is IMMEDIATE: a deferred one
 * that reads first takes a WAL read snapshot, and if another process commits before its first
 * write the upgrade fails at once with SQLITE_BUSY ("database is locked"), without waiting for
 * the busy timeout. BEGIN IMMEDIATE takes the write lock up front, so writers queue on the busy
 * timeout instead (four sweeps writing one database lost 69 of 400 runs before).
 */
import { randomUUID, createHash } from 'node:crypto'
import { hostname } from 'node:os'
import type Database from 'better-sqlite3'
import { seriesContinues } from '../../shared/engine/telemetry'
import { LabFailure, labError, toLabError, type LabError } from '../../shared/errors'
import type { InterruptedRun, RunSource } from '../../shared/history'
import type {
  MigrationResult,
  ProgressSample,
  RunTelemetry,
  SyncRecord,
  TimelineEvent,
  VcpuThroughputSeries
} from '../../shared/result'
import {
  encodeProgress,
  encodeSyncRecords,
  encodeTimeline,
  encodeValues,
  progressStatusesKnown,
  syncTriggersKnown
} from './codec'

/** Buffered telemetry is written at least this often. */
export const FLUSH_INTERVAL_MS = 250
/** …or as soon as this many points are buffered. */
export const FLUSH_POINTS = 4096
/** Largest chunk of progress samples or throughput values in one row. */
export const CHUNK_POINTS = 4096
/** Writers refresh their heartbeat this often… */
export const HEARTBEAT_INTERVAL_MS = 15_000
/** …and one silent for this long is considered gone. */
export const HEARTBEAT_STALE_MS = 120_000

/** Tokens of the writers open in this process. */
const liveTokens = new Set<string>()
export const INTERRUPTED_REASON = 'the lab stopped while this run was in progress'

export interface BeginRunInput {
  /** The config as JSON (the canonical, fully defaulted config). */
  config: Record<string, unknown>
  /** Its canonical JSON text when the caller has one; otherwise the history's canonicalizer. */
  configJson?: string
  seed: number
  engineVersion: string
  /** Default: `node on <hostname>` or `electron on <hostname>`. */
  host?: string
  /** Default `simulated`. */
  source?: RunSource
  label?: string
  experimentId?: number | null
  tags?: readonly string[]
  notes?: string
  /** Default: now. */
  startedAtMs?: number
}

/** One batch of telemetry streamed while a run goes. Every field is optional. */
export interface TelemetryChunk {
  progress?: readonly ProgressSample[]
  /** Pieces of per-vCPU series; consecutive pieces of one vCPU join into one series. */
  throughput?: readonly VcpuThroughputSeries[]
  timeline?: readonly TimelineEvent[]
  iterations?: readonly SyncRecord[]
}

interface RunBuffer {
  progress: ProgressSample[]
  throughput: VcpuThroughputSeries[]
  timeline: TimelineEvent[]
  iterations: SyncRecord[]
  points: number
}

export interface SeqCounters {
  progress: number
  timeline: number
  sync: number
  throughput: Map<number, number>
}

export function defaultHostDescription(): string {
  return `${process.versions.electron ? 'electron' : 'node'} on ${hostname()}`
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Whether a process with this pid exists on this host (EPERM: exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface RunWriterOptions {
  canonicalConfigJson: (config: Record<string, unknown>) => string
  /** Called when a timed flush fails; the data stays buffered and is retried. */
  onFlushError?: (error: unknown) => void
  now?: () => number
  /**
   * Gives back the disk space kept in reserve beside the database (history-db.ts), once, when a
   * full disk would otherwise leave a run `running`; true when it freed some.
   */
  releaseReserve?: () => boolean
}

export class RunWriter {
  private readonly buffers = new Map<number, RunBuffer>()
  private readonly seqs = new Map<number, SeqCounters>()
  private bufferedPoints = 0
  private timer: NodeJS.Timeout | null = null
  private heartbeat: NodeJS.Timeout | null = null
  private closed = false
  private readonly now: () => number
  private readonly statements: ReturnType<typeof prepareStatements>
  /** This writer's identity in the runs and experiments it records. */
  readonly token = randomUUID()

  constructor(
    private readonly db: Database.Database,
    private readonly options: RunWriterOptions
  ) {
    this.now = options.now ?? Date.now
    this.statements = prepareStatements(db)
    this.registerWriter()
  }

  // -------------------------------------------------------------------------------------------
  // Runs

  beginRun(input: BeginRunInput): number {
    this.assertOpen()
    if (!Number.isFinite(input.seed))
      throw validation(`beginRun: seed must be a finite number, got ${String(input.seed)}`)
    const configJson = input.configJson ?? this.options.canonicalConfigJson(input.config)
    const startedAtMs = input.startedAtMs ?? this.now()
    const insert = this.db.transaction((): number => {
      if (input.experimentId != null && !this.statements.experimentExists.get(input.experimentId))
        throw new LabFailure(labError('NotFound', `beginRun: there is no experiment ${input.experimentId}`))
      const info = this.statements.insertRun.run({
        experimentId: input.experimentId ?? null,
        label: input.label ?? '',
        configJson,
        configSha256: sha256Hex(configJson),
        seed: Math.trunc(input.seed),
        engineVersion: input.engineVersion,
        host: input.host ?? defaultHostDescription(),
        source: input.source ?? 'simulated',
        startedAtMs: Math.round(startedAtMs),
        writerPid: process.pid,
        writerToken: this.token,
        notes: input.notes ?? ''
      })
      const runId = Number(info.lastInsertRowid)
      for (const tag of normalizeTags(input.tags ?? [])) this.statements.insertRunTag.run(runId, tag)
      return runId
    })
    const runId = insert.immediate()
    this.seqs.set(runId, newSeqCounters())
    return runId
  }

  /** Buffers a batch of telemetry; it is committed within FLUSH_INTERVAL_MS. */
  append(runId: number, chunk: TelemetryChunk): void {
    this.assertOpen()
    if (chunk.progress && !progressStatusesKnown(chunk.progress))
      throw validation(`append(run ${runId}): a progress sample has a status the history cannot store`)
    if (chunk.iterations && !syncTriggersKnown(chunk.iterations))
      throw validation(`append(run ${runId}): a sync record has a trigger the history cannot store`)
    if (!this.seqs.has(runId) && !this.buffers.has(runId)) this.requireRun(runId, 'append')
    const buffer = this.bufferOf(runId)
    let points = 0
    if (chunk.progress?.length) {
      buffer.progress.push(...chunk.progress)
      points += chunk.progress.length
    }
    for (const piece of chunk.throughput ?? []) {
      if (piece['mib-per-s'].length === 0) continue
      const last = [...buffer.throughput].reverse().find((s) => s.vcpu === piece.vcpu)
      // Join a piece that continues the buffered one, so a run streamed in 10 Hz batches is
      // stored in a few large chunks rather than thousands of small ones.
      if (last && seriesContinues(last, piece)) last['mib-per-s'].push(...piece['mib-per-s'])
      else buffer.throughput.push({ ...piece, 'mib-per-s': [...piece['mib-per-s']] })
      points += piece['mib-per-s'].length
    }
    if (chunk.timeline?.length) {
      buffer.timeline.push(...chunk.timeline)
      points += chunk.timeline.length
    }
    if (chunk.iterations?.length) {
      buffer.iterations.push(...chunk.iterations)
      points += chunk.iterations.length
    }
    buffer.points += points
    this.bufferedPoints += points
    if (this.bufferedPoints >= FLUSH_POINTS) this.flush()
    else if (points > 0) this.scheduleFlush()
  }

  /** Writes everything buffered, for all runs, in one transaction. */
  flush(): void {
    this.cancelTimer()
    if (this.buffers.size === 0) return
    const write = this.db.transaction(() => {
      for (const [runId, buffer] of this.buffers) this.writeBuffer(runId, buffer)
    })
    write.immediate()
    this.buffers.clear()
    this.bufferedPoints = 0
  }

  /**
   * Records the result: buffered telemetry, summary, result and final status, atomically. With
   * `telemetry`, that telemetry replaces whatever was streamed (a run cancelled at a moment the
   * engine had already passed is recorded as it was at that moment; it may have ended before).
   */
  finish(runId: number, result: MigrationResult, telemetry?: RunTelemetry): void {
    this.assertOpen()
    const buffer = this.takeBuffer(runId)
    const write = this.db.transaction(() => {
      this.requireRun(runId, 'finish')
      if (telemetry) {
        this.statements.deleteProgressChunks.run(runId)
        this.statements.deleteThroughputChunks.run(runId)
        this.statements.deleteTimelineChunks.run(runId)
        this.seqs.set(runId, newSeqCounters())
        writeTelemetryChunks(this.statements, runId, telemetry, this.seqsOf(runId))
      } else if (buffer) this.writeBuffer(runId, buffer)
      // The result's sync records are authoritative: they replace whatever was streamed.
      this.statements.deleteSyncChunks.run(runId)
      const seqs = this.seqsOf(runId)
      seqs.sync = 0
      this.writeSyncRecords(runId, result.lab.iterations, seqs)
      this.statements.upsertSummary.run(summaryRow(runId, result))
      this.statements.upsertResult.run(runId, JSON.stringify(result))
      this.statements.endRun.run({
        id: runId,
        status: result.status,
        reason: result.lab.reason ?? null,
        endedAtMs: this.now()
      })
      // The result names the engine that computed it; that beats what the caller guessed.
      if (result.lab['engine-version'])
        this.statements.setEngineVersion.run(result.lab['engine-version'], runId)
    })
    try {
      write.immediate()
    } catch (e) {
      if (buffer) this.restoreBuffer(runId, buffer)
      this.seqs.delete(runId)
      throw e
    }
    this.seqs.delete(runId)
  }

  /**
   * Records that a run ended without a result. A LabError of kind `Cancelled` (the user stopped
   * it) makes the run `cancelled`; anything else `failed`. What was recorded is kept.
   */
  fail(runId: number, error: unknown): void {
    this.assertOpen()
    const labErr = toLabError(error)
    const buffer = this.takeBuffer(runId)
    const write = this.db.transaction(() => {
      this.requireRun(runId, 'fail')
      if (buffer) this.writeBuffer(runId, buffer)
      this.statements.endRun.run({
        id: runId,
        status: labErr.kind === 'Cancelled' ? 'cancelled' : 'failed',
        reason: labErr.message,
        endedAtMs: this.now()
      })
    })
    try {
      write.immediate()
    } catch (e) {
      // On a full disk the telemetry still buffered may be what does not fit: record how the
      // run ended without it, so the run is not left `running` (what was committed is kept;
      // issue 13, defect 5). The unwritten telemetry was never recorded, so nothing recorded is lost.
      // With nothing buffered the end alone did not fit either; endRunOnly then first lets SQLite
      // give space back (a WAL checkpoint that truncates the log) and tries once more.
      if (!((e as { code?: unknown }).code === 'SQLITE_FULL' && this.endRunOnly(runId, labErr))) {
        if (buffer) this.restoreBuffer(runId, buffer)
        throw e
      }
    }
    this.seqs.delete(runId)
  }

  /**
   * Records only the end of a run (status, reason); false when even that cannot be written. On a
   * full disk it tries again after releasing the reserve kept beside the database, then after a
   * checkpoint that truncates the write-ahead log (wal_checkpoint(TRUNCATE)).
   */
  private endRunOnly(runId: number, labErr: LabError): boolean {
    const end = (): boolean => {
      try {
        this.db
          .transaction(() =>
            this.statements.endRun.run({
              id: runId,
              status: labErr.kind === 'Cancelled' ? 'cancelled' : 'failed',
              reason: `${labErr.message} (the telemetry of its last moments could not be written)`,
              endedAtMs: this.now()
            })
          )
          .immediate()
        return true
      } catch {
        return false
      }
    }
    if (end()) return true
    // The write-ahead log may have taken the last of the disk: the space kept in reserve beside
    // the database is for exactly this write.
    if (this.options.releaseReserve?.() && end()) return true
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)')
    } catch {
      // Nothing more to give back.
    }
    return end()
  }

  // -------------------------------------------------------------------------------------------
  // Liveness

  /**
   * Marks `running` runs (and experiments) whose writer is gone as `interrupted`, keeping what
   * they recorded. Returns the runs so the UI and the command line can tell the user.
   */
  recoverInterrupted(): InterruptedRun[] {
    this.assertOpen()
    const recover = this.db.transaction((): InterruptedRun[] => {
      const writers = new Map(
        (this.statements.writers.all() as WriterRow[]).map((w) => [w.token, w] as const)
      )
      const isGone = (pid: number | null, token: string | null): boolean =>
        this.writerGone(pid, token, writers)
      const runs = (this.statements.runningRuns.all() as RunningRow[]).filter((r) =>
        isGone(r.writer_pid, r.writer_token)
      )
      const endedAtMs = this.now()
      for (const r of runs)
        this.statements.endRun.run({ id: r.id, status: 'interrupted', reason: INTERRUPTED_REASON, endedAtMs })
      const experiments = (
        this.statements.runningExperiments.all() as {
          id: number
          writer_pid: number | null
          writer_token: string | null
        }[]
      ).filter((e) => isGone(e.writer_pid, e.writer_token))
      for (const e of experiments) this.statements.interruptExperiment.run(endedAtMs, e.id)
      // Every run of a gone writer is now interrupted: its row has no more use.
      for (const w of writers.values()) if (isGone(w.pid, w.token)) this.statements.deleteWriter.run(w.token)
      return runs.map((r) => ({
        id: r.id,
        label: r.label,
        experimentId: r.experiment_id,
        startedAtMs: r.started_at_ms,
        progressPoints: r.progress_points
      }))
    })
    return recover.immediate()
  }

  /** Stops the timers and writes what is buffered. Runs still going stay `running`. */
  close(): void {
    if (this.closed) return
    try {
      this.flush()
    } finally {
      this.closed = true
      if (this.heartbeat) clearInterval(this.heartbeat)
      this.heartbeat = null
      liveTokens.delete(this.token)
      try {
        this.statements.deleteWriter.run(this.token)
      } catch {
        // The writer row only speeds up recovery; a stale one expires by its heartbeat.
      }
    }
  }

  get pendingPoints(): number {
    return this.bufferedPoints
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private writerGone(pid: number | null, token: string | null, writers: Map<string, WriterRow>): boolean {
    if (token === null || pid === null) return true
    if (liveTokens.has(token)) return false // a writer open in this very process
    if (pid === process.pid) return true // our pid but no open writer: closed, or an earlier life of this pid
    const writer = writers.get(token)
    if (!writer) return true
    if (writer.hostname === hostname() && !pidAlive(pid)) return true
    return this.now() - writer.heartbeat_at_ms > HEARTBEAT_STALE_MS
  }

  private registerWriter(): void {
    this.statements.upsertWriter.run({
      token: this.token,
      pid: process.pid,
      hostname: hostname(),
      nowMs: this.now()
    })
    liveTokens.add(this.token)
    this.heartbeat = setInterval(() => {
      try {
        this.statements.heartbeat.run(this.now(), this.token)
      } catch (e) {
        this.options.onFlushError?.(e)
      }
    }, HEARTBEAT_INTERVAL_MS)
    this.heartbeat.unref()
  }

  private assertOpen(): void {
    if (this.closed) throw new LabFailure(labError('Database', 'The history database is closed'))
  }

  private requireRun(runId: number, what: string): void {
    if (!this.statements.runExists.get(runId))
      throw new LabFailure(labError('NotFound', `${what}: there is no run ${runId}`))
  }

  private bufferOf(runId: number): RunBuffer {
    let buffer = this.buffers.get(runId)
    if (!buffer) {
      buffer = { progress: [], throughput: [], timeline: [], iterations: [], points: 0 }
      this.buffers.set(runId, buffer)
    }
    return buffer
  }

  private takeBuffer(runId: number): RunBuffer | undefined {
    const buffer = this.buffers.get(runId)
    if (buffer) {
      this.buffers.delete(runId)
      this.bufferedPoints -= buffer.points
    }
    return buffer
  }

  private restoreBuffer(runId: number, buffer: RunBuffer): void {
    this.buffers.set(runId, buffer)
    this.bufferedPoints += buffer.points
  }

  private seqsOf(runId: number): SeqCounters {
    let seqs = this.seqs.get(runId)
    if (!seqs) {
      // A run begun by another writer (or before a restart): continue after its last chunks.
      const next = this.statements.nextSeqs.get({ runId }) as {
        progress: number
        timeline: number
        sync: number
      }
      seqs = { progress: next.progress, timeline: next.timeline, sync: next.sync, throughput: new Map() }
      for (const row of this.statements.nextThroughputSeqs.all(runId) as { vcpu: number; next: number }[])
        seqs.throughput.set(row.vcpu, row.next)
      this.seqs.set(runId, seqs)
    }
    return seqs
  }

  private writeBuffer(runId: number, buffer: RunBuffer): void {
    // A run purged from the bin while it was still streaming: its telemetry has nowhere to go.
    if (!this.statements.runExists.get(runId)) return
    writeTelemetryChunks(this.statements, runId, buffer, this.seqsOf(runId))
  }

  private writeSyncRecords(runId: number, records: readonly SyncRecord[], seqs: SeqCounters): void {
    writeTelemetryChunks(this.statements, runId, { iterations: records }, seqs)
  }

  private scheduleFlush(): void {
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = null
      try {
        this.flush()
      } catch (e) {
        // Nothing is dropped: the buffer stays and the next flush retries it.
        this.options.onFlushError?.(e)
        this.scheduleFlush()
      }
    }, FLUSH_INTERVAL_MS)
    this.timer.unref()
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}

export function summaryRow(runId: number, result: MigrationResult): Record<string, unknown> {
  const completed = result.status === 'completed'
  let maxThrottle = result['cpu-throttle-percentage'] ?? 0
  for (const sync of result.lab.iterations)
    maxThrottle = Math.max(maxThrottle, sync['cpu-throttle-percentage'])
  return {
    runId,
    downtimeMs: completed ? (result.downtime ?? null) : null,
    guestPauseMs: completed ? result.lab['guest-pause-ms'] : null,
    totalTimeMs: result['total-time'],
    setupTimeMs: result['setup-time'],
    transferredBytes: result.ram.transferred,
    dirtySyncCount: result.ram['dirty-sync-count'],
    converged: result.lab.converged ? 1 : 0,
    verified: result.lab.verified ? 1 : 0,
    expectedDowntimeMs: result['expected-downtime'],
    maxThrottlePct: maxThrottle
  }
}

export function normalizeTags(tags: readonly string[]): string[] {
  const clean = tags.map((t) => String(t).trim()).filter((t) => t.length > 0 && t.length <= 100)
  return [...new Set(clean)].sort()
}

function validation(message: string): LabFailure {
  return new LabFailure(labError('Validation', message))
}

interface WriterRow {
  token: string
  pid: number
  hostname: string
  heartbeat_at_ms: number
}

interface RunningRow {
  id: number
  label: string
  experiment_id: number | null
  started_at_ms: number
  writer_pid: number | null
  writer_token: string | null
  progress_points: number
}

export type WriterStatements = ReturnType<typeof prepareStatements>

export function newSeqCounters(): SeqCounters {
  return { progress: 0, timeline: 0, sync: 0, throughput: new Map() }
}

/** Writes telemetry as chunks of at most CHUNK_POINTS points, continuing the run's sequences. */
export function writeTelemetryChunks(
  statements: WriterStatements,
  runId: number,
  data: TelemetryChunk,
  seqs: SeqCounters
): void {
  const progress = data.progress ?? []
  for (let i = 0; i < progress.length; i += CHUNK_POINTS) {
    const samples = progress.slice(i, i + CHUNK_POINTS)
    statements.insertProgress.run(
      runId,
      seqs.progress++,
      samples[0]['time-ms'],
      samples[samples.length - 1]['time-ms'],
      samples.length,
      encodeProgress(samples)
    )
  }
  for (const series of data.throughput ?? []) {
    const values = series['mib-per-s']
    for (let i = 0; i < values.length; i += CHUNK_POINTS) {
      const piece = values.slice(i, i + CHUNK_POINTS)
      const seq = seqs.throughput.get(series.vcpu) ?? 0
      seqs.throughput.set(series.vcpu, seq + 1)
      statements.insertThroughput.run(
        runId,
        series.vcpu,
        seq,
        series['start-ms'] + i * series['bucket-ms'],
        series['bucket-ms'],
        piece.length,
        encodeValues(piece)
      )
    }
  }
  const timeline = data.timeline ?? []
  if (timeline.length > 0)
    statements.insertTimeline.run(runId, seqs.timeline++, timeline.length, encodeTimeline(timeline))
  const iterations = data.iterations ?? []
  if (iterations.length > 0)
    statements.insertSync.run(runId, seqs.sync++, iterations.length, encodeSyncRecords(iterations))
}

export function prepareStatements(db: Database.Database) {
  return {
    experimentExists: db.prepare('SELECT 1 FROM experiment WHERE id = ?'),
    runExists: db.prepare('SELECT 1 FROM run WHERE id = ?'),
    insertRun: db.prepare(`
      INSERT INTO run (experiment_id, label, config_json, config_sha256, seed, engine_version, host, source,
                       status, started_at_ms, writer_pid, writer_token, notes)
      VALUES (@experimentId, @label, @configJson, @configSha256, @seed, @engineVersion, @host, @source,
              'running', @startedAtMs, @writerPid, @writerToken, @notes)`),
    insertRunTag: db.prepare('INSERT OR IGNORE INTO run_tag (run_id, tag) VALUES (?, ?)'),
    insertProgress: db.prepare(
      'INSERT INTO progress_chunk (run_id, seq, first_time_ms, last_time_ms, points, data) VALUES (?, ?, ?, ?, ?, ?)'
    ),
    insertThroughput: db.prepare(
      'INSERT INTO throughput_chunk (run_id, vcpu, seq, start_ms, bucket_ms, points, data) VALUES (?, ?, ?, ?, ?, ?, ?)'
    ),
    insertTimeline: db.prepare(
      'INSERT INTO timeline_chunk (run_id, seq, points, events_json) VALUES (?, ?, ?, ?)'
    ),
    insertSync: db.prepare('INSERT INTO sync_chunk (run_id, seq, points, data) VALUES (?, ?, ?, ?)'),
    deleteSyncChunks: db.prepare('DELETE FROM sync_chunk WHERE run_id = ?'),
    deleteProgressChunks: db.prepare('DELETE FROM progress_chunk WHERE run_id = ?'),
    deleteThroughputChunks: db.prepare('DELETE FROM throughput_chunk WHERE run_id = ?'),
    deleteTimelineChunks: db.prepare('DELETE FROM timeline_chunk WHERE run_id = ?'),
    nextSeqs: db.prepare(`
      SELECT (SELECT coalesce(max(seq) + 1, 0) FROM progress_chunk WHERE run_id = @runId) AS progress,
             (SELECT coalesce(max(seq) + 1, 0) FROM timeline_chunk WHERE run_id = @runId) AS timeline,
             (SELECT coalesce(max(seq) + 1, 0) FROM sync_chunk WHERE run_id = @runId) AS sync`),
    nextThroughputSeqs: db.prepare(
      'SELECT vcpu, max(seq) + 1 AS next FROM throughput_chunk WHERE run_id = ? GROUP BY vcpu'
    ),
    upsertSummary: db.prepare(`
      INSERT OR REPLACE INTO run_summary (run_id, downtime_ms, guest_pause_ms, total_time_ms, setup_time_ms,
        transferred_bytes, dirty_sync_count, converged, verified, expected_downtime_ms, max_throttle_pct)
      VALUES (@runId, @downtimeMs, @guestPauseMs, @totalTimeMs, @setupTimeMs, @transferredBytes, @dirtySyncCount,
        @converged, @verified, @expectedDowntimeMs, @maxThrottlePct)`),
    upsertResult: db.prepare('INSERT OR REPLACE INTO run_result (run_id, result_json) VALUES (?, ?)'),
    endRun: db.prepare(
      'UPDATE run SET status = @status, reason = @reason, ended_at_ms = @endedAtMs, writer_pid = NULL, writer_token = NULL WHERE id = @id'
    ),
    setEngineVersion: db.prepare('UPDATE run SET engine_version = ? WHERE id = ?'),
    runningRuns: db.prepare(`
      SELECT r.id, r.label, r.experiment_id, r.started_at_ms, r.writer_pid, r.writer_token,
             (SELECT coalesce(sum(points), 0) FROM progress_chunk p WHERE p.run_id = r.id) AS progress_points
      FROM run r WHERE r.status = 'running' ORDER BY r.id`),
    runningExperiments: db.prepare(
      `SELECT id, writer_pid, writer_token FROM experiment WHERE status = 'running'`
    ),
    interruptExperiment: db.prepare(
      `UPDATE experiment SET status = 'interrupted', updated_at_ms = ?, writer_pid = NULL, writer_token = NULL WHERE id = ?`
    ),
    writers: db.prepare('SELECT token, pid, hostname, heartbeat_at_ms FROM writer'),
    upsertWriter: db.prepare(`
      INSERT INTO writer (token, pid, hostname, started_at_ms, heartbeat_at_ms) VALUES (@token, @pid, @hostname, @nowMs, @nowMs)
      ON CONFLICT (token) DO UPDATE SET heartbeat_at_ms = excluded.heartbeat_at_ms`),
    heartbeat: db.prepare('UPDATE writer SET heartbeat_at_ms = ? WHERE token = ?'),
    deleteWriter: db.prepare('DELETE FROM writer WHERE token = ?')
  }
}
