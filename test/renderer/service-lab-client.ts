import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HISTORY_OPTIONS } from '../../src/main/lab/resources'
import { LabService } from '../../src/main/lab/service'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import type { ExperimentRecord, RunRecord, RunSource } from '../../src/shared/history'
import type { LabMethod, LabOutcome, LabResult } from '../../src/shared/protocol/lab-api'
import type { MigrationResult } from '../../src/shared/result'
import { FakeLabClient } from './fake-lab-client'
import { result } from './run-fixtures'

/**
 * The renderer's LabClient on the real lab host: every call goes to a real LabService in this
 * process over a real history database (a temporary file), so the queries, their filters, sorts,
 * pages, summaries and errors are the host's own. Only the connection is stood in for (its
 * state, as FakeLabClient has it, and a method the test makes the host refuse).
 */
export class ServiceLabClient extends FakeLabClient {
  readonly history: HistoryDb
  readonly service: LabService
  /** Methods the host is made to refuse with this error (a full disk, say). */
  failures: Partial<Record<LabMethod, { kind: 'Database' | 'NotFound'; message: string }>> = {}
  private readonly dir: string
  private nextStartedAtMs = Date.UTC(2026, 10, 25, 12, 0, 0)

  constructor() {
    super({ initial: { state: 'connected' } })
    this.dir = mkdtempSync(join(tmpdir(), 'lab-renderer-'))
    this.history = openHistory(join(this.dir, 'history.db'), HISTORY_OPTIONS)
    this.service = new LabService({ appVersion: '0.1.0', platform: 'linux', history: this.history })
    this.service.subscribe((message) => this.push(message))
  }

  override async call<M extends LabMethod>(method: M, params?: unknown): Promise<LabOutcome<LabResult<M>>> {
    this.calls.push({ method, params })
    if (this.connection().state !== 'connected')
      return { ok: false, error: { kind: 'Disconnected', message: 'not connected' } }
    const failure = this.failures[method]
    if (failure) return { ok: false, error: failure }
    return (await this.service.handle(method, params ?? {}, {
      host: 'web',
      clientId: 'renderer-test'
    })) as LabOutcome<LabResult<M>>
  }

  callsOf(method: LabMethod): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params)
  }

  /** Records a finished run (one minute after the previous one), as the lab host records it. */
  addRun(
    opts: {
      config?: Record<string, unknown>
      label?: string
      downtimeMs?: number
      experimentId?: number
      source?: RunSource
      result?: Partial<MigrationResult>
    } = {}
  ): RunRecord {
    this.nextStartedAtMs += 60_000
    const id = this.history.beginRun({
      config: opts.config ?? { migration: { parameters: { 'downtime-limit': 300 } } },
      seed: 1,
      engineVersion: '1.0.0',
      label: opts.label ?? '',
      startedAtMs: this.nextStartedAtMs,
      ...(opts.experimentId !== undefined ? { experimentId: opts.experimentId } : {}),
      ...(opts.source !== undefined ? { source: opts.source } : {})
    })
    this.history.finish(id, result({ downtime: opts.downtimeMs ?? 100 + id, ...opts.result }))
    return this.history.getRunRecord(id)
  }

  experiment(id: number): ExperimentRecord {
    return this.history.getExperiment(id)
  }

  dispose(): void {
    this.history.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
