import {
  metricStats,
  splitConfigPath,
  valueAtPath,
  type ExperimentRecord,
  type RunDetail,
  type RunRecord,
  type RunSummary,
  type Summary,
  type SummaryGroup
} from '../../src/shared/history'
import type { LabMethod, LabOutcome, LabResult } from '../../src/shared/protocol/lab-api'
import type { ProgressSample } from '../../src/shared/result'
import { FakeLabClient } from './fake-lab-client'

/**
 * A fake lab host with an in-memory history, for store and component tests of History, Compare
 * and Sweep: it answers the `history.*` and `sweeps.*` calls the way the real host does (filter,
 * sort, page, bin and restore, summaries by config path) over runs the test puts in. It stands in
 * for the transport and the database only; the stores and components under test are the real ones.
 */

export interface FakeRun {
  record: RunRecord
  config: Record<string, unknown>
  progress?: ProgressSample[]
  deleted?: boolean
}

let nextStarted = Date.UTC(2026, 10, 25, 12, 0, 0)

export function summaryOf(downtimeMs: number | null, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    downtimeMs,
    guestPauseMs: downtimeMs === null ? null : downtimeMs + 30,
    totalTimeMs: 4000,
    setupTimeMs: 12,
    transferredBytes: 512 * 2 ** 20,
    dirtySyncCount: 4,
    converged: downtimeMs !== null,
    verified: true,
    expectedDowntimeMs: downtimeMs ?? 0,
    maxThrottlePercent: 0,
    ...extra
  }
}

export function makeRun(
  id: number,
  opts: Partial<RunRecord> & { config?: Record<string, unknown>; downtimeMs?: number | null } = {}
): FakeRun {
  const { config, downtimeMs, ...record } = opts
  nextStarted += 60_000
  return {
    config: config ?? { migration: { parameters: { 'downtime-limit': 300 } }, seed: 1 },
    record: {
      id,
      experimentId: null,
      experimentName: null,
      label: `run ${id}`,
      status: 'completed',
      reason: 'converged',
      source: 'simulated',
      seed: 1,
      engineVersion: '1.0.0',
      host: 'node on test',
      configHash: `hash-${id}`,
      startedAtMs: nextStarted,
      endedAtMs: nextStarted + 1000,
      tags: [],
      notes: '',
      starred: false,
      deletedAtMs: null,
      summary: summaryOf(downtimeMs === undefined ? 100 + id : downtimeMs),
      ...record
    },
    progress: [0, 100, 200].map((t, i) => ({
      'time-ms': t,
      status: 'active',
      'transferred-bytes': i * 1e6,
      'remaining-bytes': (3 - i) * 1e6,
      'dirty-pages-rate': 0,
      mbps: 1000,
      'bandwidth-bytes-per-ms': 1e5,
      'threshold-bytes': 3e7,
      'expected-downtime-ms': 10,
      'dirty-sync-count': i + 1,
      'cpu-throttle-percentage': 0
    }))
  }
}

type Handler = (params: never) => unknown

export class FakeHistoryClient extends FakeLabClient {
  runs: FakeRun[] = []
  experiments: ExperimentRecord[] = []
  /** Methods made to fail with this error (e.g. `{ 'history.setNote': {...} }`). */
  failures: Partial<Record<LabMethod, { kind: 'Validation' | 'NotFound' | 'Database'; message: string }>> = {}
  private readonly handlers: Partial<Record<LabMethod, Handler>>

  constructor() {
    super({ initial: { state: 'connected' } })
    this.handlers = {
      'history.listRuns': (q: {
        filter?: Record<string, unknown>
        sort?: { key: string; dir: 'asc' | 'desc' }
        page?: { limit: number; offset: number }
      }) => this.listRuns(q),
      'history.getRun': (p: { runId: number }) => this.detail(p.runId),
      'history.setNote': (p: { runId: number; notes: string }) => this.patch(p.runId, { notes: p.notes }),
      'history.setTags': (p: { runId: number; tags: string[] }) => this.patch(p.runId, { tags: p.tags }),
      'history.setStarred': (p: { runId?: number; experimentId?: number; starred: boolean }) => {
        if (p.experimentId !== undefined) {
          this.experiments = this.experiments.map((e) =>
            e.id === p.experimentId ? { ...e, starred: p.starred } : e
          )
          return null
        }
        return this.patch(p.runId ?? 0, { starred: p.starred })
      },
      'history.delete': (p: { runIds?: number[]; experimentIds?: number[] }) => this.bin(p, true),
      'history.restore': (p: { runIds?: number[]; experimentIds?: number[] }) => this.bin(p, false),
      'history.listExperiments': () => ({ rows: this.experiments, total: this.experiments.length }),
      'history.getExperiment': (p: { experimentId: number }) =>
        this.experiments.find((e) => e.id === p.experimentId),
      'history.summarize': (p: {
        target: { runIds?: number[]; experimentId?: number }
        groupBy?: string | null
      }) => this.summarize(p.target, p.groupBy ?? null),
      'history.export': (p: { runIds?: number[] }) => ({
        format: 'migration-lab-export',
        version: 1,
        exportedAtMs: 0,
        experiments: [],
        runs: (p.runIds ?? []).map((id) => ({ id }))
      }),
      'history.import': (p: { document: Record<string, unknown> }) =>
        p.document.format === 'migration-lab-export'
          ? { format: 'migration-lab-export', runIds: [901, 902], experimentIds: [] }
          : { format: 'guestperf', runIds: [903], experimentIds: [] },
      'sweeps.start': (p: { name: string }) => ({ experimentId: 77, total: 3, parallel: 2, name: p.name }),
      'sweeps.cancel': () => ({ cancelled: true }),
      'runs.start': () => ({ runId: 99 }),
      'sweeps.active': () => []
    }
  }

  override async call<M extends LabMethod>(method: M, params?: unknown): Promise<LabOutcome<LabResult<M>>> {
    const handler = this.handlers[method]
    if (!handler) return super.call(method, params)
    this.calls.push({ method, params })
    if (this.connection().state !== 'connected')
      return { ok: false, error: { kind: 'Disconnected', message: 'not connected' } }
    const failure = this.failures[method]
    if (failure) return { ok: false, error: failure }
    const value = handler(structuredClone(params ?? {}) as never)
    if (value === undefined)
      return { ok: false, error: { kind: 'NotFound', message: `${method}: not found` } }
    return { ok: true, value: structuredClone(value) as LabResult<M> }
  }

  callsOf(method: LabMethod): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params)
  }

  private visible(): FakeRun[] {
    return this.runs.filter((r) => !r.deleted)
  }

  private listRuns(q: {
    filter?: Record<string, unknown>
    sort?: { key: string; dir: 'asc' | 'desc' }
    page?: { limit: number; offset: number }
  }): { rows: RunRecord[]; total: number } {
    const f = q.filter ?? {}
    let rows = this.visible().filter((run) => {
      const r = run.record
      const statuses = f.status === undefined ? undefined : Array.isArray(f.status) ? f.status : [f.status]
      if (statuses && !statuses.includes(r.status)) return false
      if (
        typeof f.text === 'string' &&
        !`${r.label} ${r.notes} ${r.tags.join(' ')}`.toLowerCase().includes(f.text.toLowerCase())
      )
        return false
      if (f.starred !== undefined && r.starred !== f.starred) return false
      if (f.source !== undefined && r.source !== f.source) return false
      if (f.experimentId !== undefined && r.experimentId !== f.experimentId) return false
      if (Array.isArray(f.tags) && !(f.tags as string[]).every((t) => r.tags.includes(t))) return false
      for (const c of (f.config ?? []) as { path: string; op: string; value: unknown }[]) {
        const v = valueAtPath(run.config, splitConfigPath(c.path) ?? []) as number
        const w = c.value as number
        const ok = { '=': v === w, '!=': v !== w, '<': v < w, '>': v > w, '<=': v <= w, '>=': v >= w }[c.op]
        if (!ok) return false
      }
      return true
    })
    const key = q.sort?.key ?? 'started'
    const dir = q.sort?.dir ?? 'desc'
    const value = (r: RunRecord): number =>
      key === 'downtime' ? (r.summary?.downtimeMs ?? Infinity) : key === 'started' ? r.startedAtMs : r.id
    rows = [...rows].sort((a, b) => (dir === 'asc' ? 1 : -1) * (value(a.record) - value(b.record)))
    const limit = q.page?.limit ?? 50
    const offset = q.page?.offset ?? 0
    return { rows: rows.slice(offset, offset + limit).map((r) => r.record), total: rows.length }
  }

  private detail(runId: number): RunDetail | undefined {
    const run = this.visible().find((r) => r.record.id === runId)
    if (!run) return undefined
    return {
      run: run.record,
      config: run.config,
      configJson: JSON.stringify(run.config),
      result: null,
      iterations: [],
      progress: run.progress ?? [],
      throughput: [],
      timeline: [],
      storedPoints: { progress: run.progress?.length ?? 0, throughput: 0 },
      downsampled: false
    }
  }

  private patch(runId: number, patch: Partial<RunRecord>): null | undefined {
    const run = this.runs.find((r) => r.record.id === runId)
    if (!run) return undefined
    run.record = { ...run.record, ...patch }
    return null
  }

  private bin(
    p: { runIds?: number[]; experimentIds?: number[] },
    deleted: boolean
  ): { runs: number; experiments: number } {
    let runs = 0
    for (const run of this.runs) {
      const hit =
        (p.runIds ?? []).includes(run.record.id) ||
        (run.record.experimentId !== null && (p.experimentIds ?? []).includes(run.record.experimentId))
      if (hit && Boolean(run.deleted) !== deleted) {
        run.deleted = deleted
        runs++
      }
    }
    return { runs, experiments: (p.experimentIds ?? []).length }
  }

  private summarize(target: { runIds?: number[]; experimentId?: number }, groupBy: string | null): Summary {
    const members = this.visible().filter((r) =>
      target.runIds ? target.runIds.includes(r.record.id) : r.record.experimentId === target.experimentId
    )
    const groups = new Map<string, { key: SummaryGroup['key']; runs: FakeRun[] }>()
    for (const run of members) {
      const key =
        groupBy === null
          ? null
          : ((valueAtPath(run.config, splitConfigPath(groupBy) ?? []) ?? null) as SummaryGroup['key'])
      const id = JSON.stringify(key)
      const group = groups.get(id) ?? { key, runs: [] }
      group.runs.push(run)
      groups.set(id, group)
    }
    const out: SummaryGroup[] = [...groups.values()].map(({ key, runs }) => {
      const completed = runs.filter((r) => r.record.status === 'completed' && r.record.summary)
      const finished = runs.filter((r) => r.record.summary)
      const statusCounts: SummaryGroup['statusCounts'] = {}
      for (const r of runs) statusCounts[r.record.status] = (statusCounts[r.record.status] ?? 0) + 1
      return {
        key,
        runIds: runs.map((r) => r.record.id),
        statusCounts,
        downtimeMs: metricStats(completed.map((r) => r.record.summary!.downtimeMs ?? NaN)),
        guestPauseMs: metricStats(completed.map((r) => r.record.summary!.guestPauseMs ?? NaN)),
        totalTimeMs: metricStats(finished.map((r) => r.record.summary!.totalTimeMs)),
        transferredBytes: metricStats(finished.map((r) => r.record.summary!.transferredBytes))
      }
    })
    out.sort((a, b) => (typeof a.key === 'number' && typeof b.key === 'number' ? a.key - b.key : 0))
    return { groupBy, groups: out }
  }
}
