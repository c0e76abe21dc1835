import { labError, toLabError, withListedProblems, type LabError } from '../../shared/errors'
import {
  LAB_API_VERSION,
  fail,
  ok,
  parseLabCall,
  type CallerKind,
  type HostStatus,
  type LabEvent,
  type LabEventListener,
  type LabEventMessage,
  type LabEvents,
  type LabMethod,
  type LabOutcome,
  type LabParsedParams,
  type LabResult
} from '../../shared/protocol/lab-api'
import type { ProcessHost } from '../process/host'
import { historyHandlers } from './handlers/history'
import { runHandlers, type RunHandlerOptions } from './handlers/runs'
import type { PdfPrinter } from '../report'
import { reportHandlers } from './handlers/reports'
import { measureHandlers, type MeasureHandlerOptions } from './handlers/measure'
import type { HistoryDb } from '../storage'

/**
 * The lab's one dispatcher for LabApi calls, whatever the transport (Electron IPC or WebSocket).
 * It validates params with the contract's schemas, runs the handler, and turns anything a handler
 * throws into a LabError value, so no exception ever crosses the boundary. It also fans events
 * out to every connected page. It imports no `electron`, so tests drive it directly.
 */

/** Who is calling; filled in by the transport. */
export interface LabCallContext {
  readonly host: CallerKind
  /** Stable per connection (per page for Electron, per WebSocket for the web host). */
  readonly clientId: string
}

export type LabHandler<M extends LabMethod> = (
  params: LabParsedParams<M>,
  ctx: LabCallContext
) => LabResult<M> | Promise<LabResult<M>>

/** One handler per method; TypeScript rejects a table that misses one. */
export type LabHandlers = { [M in LabMethod]: LabHandler<M> }

export interface LabServiceDeps {
  readonly appName?: string
  readonly appVersion: string
  /** `process.platform` of the host. */
  readonly platform: string
  /** Reported by app.hello once the engine exposes a version. */
  readonly engineVersion?: string
  /** Starts engine processes for runs (worker_threads under Node, utility processes in Electron). */
  readonly processHost?: ProcessHost
  /** The history database every run is recorded in (absent: runs are kept in memory only). */
  readonly history?: HistoryDb
  /**
   * Prints a report's HTML to PDF. The desktop app passes Electron's printer
   * (src/main/electron/report-pdf.ts); default: a system Chromium (src/main/report/pdf.ts). Given,
   * not imported, so no handler loads `electron` code.
   */
  readonly printPdf?: PdfPrinter
  /** How runs are admitted (bound of runs at once, memory) and run; defaults for a real host. */
  readonly runs?: RunHandlerOptions
  /** Measured runs on a real QEMU (the guest's cache, the QEMU lookup); defaults for a real host. */
  readonly measure?: MeasureHandlerOptions
  /** Where host presets are kept (src/main/lab/host-presets.ts); absent: in memory only. */
  readonly hostPresetsFile?: string
}

export type ShutdownHook = () => void | Promise<void>

export class LabService {
  readonly deps: LabServiceDeps
  private readonly listeners = new Set<LabEventListener>()
  private readonly shutdownHooks = new Set<ShutdownHook>()
  private state: HostStatus['state'] = 'ready'
  private shutdownPromise: Promise<LabError[]> | undefined

  private readonly handlers: LabHandlers

  constructor(deps: LabServiceDeps) {
    this.deps = deps
    this.handlers = {
      'app.hello': (_params, ctx) => ({
        appName: deps.appName ?? 'Migration Lab',
        appVersion: deps.appVersion,
        ...(deps.engineVersion !== undefined ? { engineVersion: deps.engineVersion } : {}),
        host: ctx.host,
        platform: deps.platform,
        apiVersion: LAB_API_VERSION
      }),
      'app.ping': (params) =>
        params.echo !== undefined ? { pong: true, echo: params.echo } : { pong: true },
      ...historyHandlers(this),
      ...runHandlers(this, deps.runs),
      ...reportHandlers(this),
      ...measureHandlers(this, deps.measure)
    }
  }

  /**
   * Runs one call. Never throws and never rejects: bad params give a `Validation` error, an
   * unknown method an `UnknownMessage` error, a failing handler its LabError (or `Internal`).
   * An error's problem list is capped (listedProblems): the page shows the first ones and a count.
   */
  async handle(method: unknown, rawParams: unknown, ctx: LabCallContext): Promise<LabOutcome<unknown>> {
    const outcome = await this.dispatch(method, rawParams, ctx)
    return outcome.ok ? outcome : fail(withListedProblems(outcome.error))
  }

  private async dispatch(
    method: unknown,
    rawParams: unknown,
    ctx: LabCallContext
  ): Promise<LabOutcome<unknown>> {
    const call = parseLabCall(method, rawParams)
    if (!call.ok) return call
    if (this.state === 'stopping') {
      return fail(labError('Cancelled', 'The lab host is shutting down; the request was not run.'))
    }
    const handler = this.handlers[method as LabMethod] as (params: unknown, ctx: LabCallContext) => unknown
    try {
      return ok(await handler(call.value, ctx))
    } catch (e) {
      return fail(toLabError(e))
    }
  }

  /** Pushes an event to every connected page. */
  emit<E extends LabEvent>(event: E, payload: LabEvents[E]): void {
    const message = { event, payload } as LabEventMessage
    for (const listener of [...this.listeners]) {
      try {
        listener(message)
      } catch {
        // A page that went away mid-send must not stop the others from getting the event.
      }
    }
  }

  /** Each transport subscribes once per connected page. Returns an unsubscribe function. */
  subscribe(listener: LabEventListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** The current `host.status` payload, sent to a page when it connects. */
  status(): HostStatus {
    return { state: this.state }
  }

  /**
   * Registers work to do when the host stops: the run code stops its engine children here so no
   * process outlives the lab. Returns an unregister function.
   */
  onShutdown(hook: ShutdownHook): () => void {
    this.shutdownHooks.add(hook)
    return () => {
      this.shutdownHooks.delete(hook)
    }
  }

  /**
   * Tells every page the host is stopping, refuses new calls, and runs the shutdown hooks (all of
   * them, even when one fails). Idempotent. Resolves with the hooks' errors (for the log), never
   * rejects.
   */
  shutdown(): Promise<LabError[]> {
    this.shutdownPromise ??= (async () => {
      this.state = 'stopping'
      this.emit('host.status', this.status())
      const settled = await Promise.allSettled([...this.shutdownHooks].map(async (hook) => hook()))
      return settled.flatMap((s) => (s.status === 'rejected' ? [toLabError(s.reason)] : []))
    })()
    return this.shutdownPromise
  }
}
