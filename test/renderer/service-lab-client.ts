import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HISTORY_OPTIONS } from '../../src/main/lab/resources'
import { LabService, type LabServiceDeps } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'
import type { PdfPrinter } from '../../src/main/report'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import type { ConnectionInfo } from '../../src/renderer/src/services/lab-api'
import { ENGINE_VERSION } from '../../src/shared/engine/version'
import type { LabError } from '../../src/shared/errors'
import type { ExperimentRecord, RunDetail, RunRecord, RunSource } from '../../src/shared/history'
import type {
  LabEvent,
  LabEventMessage,
  LabEvents,
  LabMethod,
  LabOutcome,
  LabResult
} from '../../src/shared/protocol/lab-api'
import type { MigrationResult, ProgressSample } from '../../src/shared/result'
import type { VariedParameter } from '../../src/shared/sweep'
import { FakeLabClient } from './fake-lab-client'
import { result } from './run-fixtures'

/**
 * The renderer's LabClient on the real lab host: every call goes to a real LabService in this
 * process over a real history database (a temporary file in memory), so the queries, their filters, sorts,
 * pages, summaries, reports and errors are the host's own, and its events reach the page as the
 * host emits them. With `engine: true` the host starts real engine processes (worker_threads, as
 * the web host does) for `runs.start` and `sweeps.start`.
 *
 * Stood in for, because they are outside the page and its host: the connection (its state, as
 * FakeLabClient has it: the test drops and restores it), the machine's QEMU (the host looks for
 * it on an empty PATH, so every machine is one without QEMU), its free memory when the test
 * says how much (a machine short of memory for a run), the PDF printer (the host's
 * Chromium; the test gives one), and a method the test makes the host refuse (a full disk, say).
 */

/**
 * Where the history database lives: in memory (tmpfs) where the machine has it. The host opens
 * it as any file (WAL, migrations), but without a disk to sync to: about 5 ms a test instead of
 * 30–70 ms on /tmp.
 */
const DB_PARENT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

/** One engine host per test file: worker_threads end with their runs, the host with the file. */
let sharedEngineHost: NodeProcessHost | undefined
function engineHost(): NodeProcessHost {
  sharedEngineHost ??= new NodeProcessHost({ log: () => {} })
  return sharedEngineHost
}

export interface ServiceLabClientOptions {
  readonly transport?: 'web' | 'electron'
  /** Default: connected. */
  readonly initial?: ConnectionInfo
  /** Start real engine processes for runs and sweeps (default: no process host, as `lab-call`). */
  readonly engine?: boolean
  /** The host's version (app.hello). */
  readonly appVersion?: string
  /** Memory this machine has free for runs, bytes (default: what the OS reports). */
  readonly availableMemoryBytes?: number
}

/** A small guest that runs to convergence in well under a second of wall time. */
export const SMALL_CONFIG = {
  guest: { 'memory-mib': 64, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 8, 'working-set-mib': 16 }] },
  migration: { parameters: { 'max-bandwidth': 268_435_456 } }
} as const

/**
 * A small guest whose migration takes 4 s of virtual time (the engine computes it in about 0.2 s):
 * replayed at 1×, it is still on screen long after the engine has sent all of it.
 */
export const FOUR_SECOND_CONFIG = {
  guest: { 'memory-mib': 64, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 2, 'working-set-mib': 4 }] },
  migration: { parameters: { 'max-bandwidth': 16 * 2 ** 20 } }
} as const

export class ServiceLabClient extends FakeLabClient {
  readonly history: HistoryDb
  private current: LabService
  /** Methods the host is made to refuse with this error (a full disk, say). */
  failures: Partial<Record<LabMethod, LabError>> = {}
  /** The host's PDF printer (its Chromium); default: refuses as a host without Chromium does. */
  printPdf: PdfPrinter | undefined
  private readonly dir: string
  private readonly engine: boolean
  private readonly availableMemoryBytes: number | undefined
  private unsubscribe: () => void
  private nextStartedAtMs = Date.UTC(2026, 10, 25, 12, 0, 0)

  constructor(opts: ServiceLabClientOptions = {}) {
    super({ initial: opts.initial ?? { state: 'connected' }, transport: opts.transport ?? 'web' })
    this.dir = mkdtempSync(join(DB_PARENT, 'lab-renderer-'))
    this.history = openHistory(join(this.dir, 'history.db'), HISTORY_OPTIONS)
    this.engine = opts.engine ?? false
    this.availableMemoryBytes = opts.availableMemoryBytes
    this.current = this.startHost(opts.appVersion ?? '0.1.0')
    this.unsubscribe = this.listen()
  }

  /**
   * Events of this kind the host sends are held back from the page until releaseHeld() (a slow
   * link: the host's event crosses the page's next call).
   */
  holdEvent: LabEvent | undefined
  private held: LabEventMessage[] = []

  /** The host's events reach the page while it is connected (a socket down carries nothing). */
  private listen(): () => void {
    return this.current.subscribe((message) => {
      if (this.connection().state !== 'connected') return
      if (message.event === this.holdEvent) this.held.push(message)
      else this.push(message)
    })
  }

  /** Resolves with the payload of the next event `event` as the host sends it (held or not). */
  hostEvent<E extends LabEvent>(event: E): Promise<LabEvents[E]> {
    return new Promise((resolve) => {
      const off = this.current.subscribe((message) => {
        if (message.event !== event) return
        off()
        resolve(message.payload as LabEvents[E])
      })
    })
  }

  /** Delivers the held events to the page, in the order the host sent them, and holds no more. */
  releaseHeld(): void {
    this.holdEvent = undefined
    const held = this.held
    this.held = []
    for (const message of held) this.push(message)
  }

  get service(): LabService {
    return this.current
  }

  private startHost(appVersion: string): LabService {
    const deps: LabServiceDeps = {
      appVersion,
      engineVersion: ENGINE_VERSION,
      platform: 'linux',
      history: this.history,
      printPdf: (html) =>
        this.printPdf
          ? this.printPdf(html)
          : Promise.reject(new Error('this test gave the host no PDF printer')),
      // A host without QEMU, whatever this machine has (measure.support probes it in the host's
      // words); measured runs have their own tests (test/measure, measure-ui.test.ts).
      measure: { env: { PATH: '' }, guestDir: join(this.dir, 'guest') },
      ...(this.engine ? { processHost: engineHost() } : {}),
      ...(this.availableMemoryBytes !== undefined
        ? { runs: { availableMemoryBytes: () => this.availableMemoryBytes! } }
        : {})
    }
    return new LabService(deps)
  }

  override async call<M extends LabMethod>(method: M, params?: unknown): Promise<LabOutcome<LabResult<M>>> {
    this.calls.push({ method, params })
    if (this.connection().state !== 'connected')
      return { ok: false, error: { kind: 'Disconnected', message: 'not connected' } }
    const failure = this.failures[method]
    if (failure) return { ok: false, error: failure }
    return (await this.current.handle(method, params ?? {}, {
      host: this.transport,
      clientId: 'renderer-test'
    })) as LabOutcome<LabResult<M>>
  }

  callsOf(method: LabMethod): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params)
  }

  /** A call from another page of the same host (its events reach this page too). */
  async callFromAnotherPage<M extends LabMethod>(method: M, params: unknown): Promise<LabResult<M>> {
    const outcome = await this.current.handle(method, params, { host: 'web', clientId: 'another-page' })
    if (!outcome.ok) throw new Error(`${method} from another page failed: ${outcome.error.message}`)
    return outcome.value as LabResult<M>
  }

  /** Resolves with the payload of the next event `event` (that `accept` takes) the host sends. */
  nextEvent<E extends LabEvent>(
    event: E,
    accept: (payload: LabEvents[E]) => boolean = () => true
  ): Promise<LabEvents[E]> {
    return new Promise((resolve) => {
      const off = this.onEvent((message: LabEventMessage) => {
        if (message.event !== event || !accept(message.payload as LabEvents[E])) return
        off()
        resolve(message.payload as LabEvents[E])
      })
    })
  }

  /**
   * The host stops (its shutdown: runs and sweeps cancelled and recorded) and a new one starts on
   * the same history database, as when the lab is restarted or upgraded; the page stays connected
   * to whichever is running, and the test moves its connection.
   */
  async restartHost(opts: { appVersion?: string } = {}): Promise<void> {
    await this.current.shutdown()
    this.unsubscribe()
    this.current = this.startHost(opts.appVersion ?? '0.1.0')
    this.unsubscribe = this.listen()
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
      /** Its progress samples as the engine streamed them (default none). */
      progress?: ProgressSample[]
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
    this.history.finish(
      id,
      result({ downtime: opts.downtimeMs ?? 100 + id, ...opts.result }),
      opts.progress ? { progress: opts.progress, throughput: [], timeline: [] } : undefined
    )
    return this.history.getRunRecord(id)
  }

  /** Records an experiment (a sweep's), as sweeps.start records it. */
  addExperiment(name: string, varied: VariedParameter[], repetitions = 1): number {
    return this.history.createExperiment({ name, baseConfig: {}, varied, repetitions })
  }

  experiment(id: number): ExperimentRecord {
    return this.history.getExperiment(id)
  }

  /** A run as the host gives it to the page (history.getRun). */
  detail(runId: number): RunDetail {
    return this.history.getRun(runId)
  }

  /** Stops the host (every run and sweep cancelled and recorded), then removes its database. */
  async dispose(): Promise<void> {
    await this.current.shutdown()
    this.unsubscribe()
    if (this.history.isOpen) this.history.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
