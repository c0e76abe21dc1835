import { z } from 'zod'
import { isLabError, labError, type LabError } from '../errors'
import { historyMethodSchemas, type HistoryEvents, type HistoryMethodResults } from './lab-api-history'
import { runMethodSchemas, type RunEvents, type RunMethodResults } from './lab-api-runs'
import { reportMethodSchemas, type ReportMethodResults } from './lab-api-reports'
import { measureMethodSchemas, type MeasureEvents, type MeasureMethodResults } from './lab-api-measure'

/**
 * LabApi: the one contract between the page (renderer) and the lab host (Electron main process
 * or the Node web host). One method = one operation; events are pushed from the host to every
 * connected page (style.md rules 6, 7 and 10).
 *
 * Transports (both carry exactly the same methods, params, results and events):
 * - Electron: the preload exposes `window.labBridge` (see lab-bridge.ts); `invoke` goes over
 *   `ipcRenderer.invoke(LAB_IPC_INVOKE)` and events arrive on `LAB_IPC_EVENT`.
 * - Web: a WebSocket at {@link LAB_WS_PATH}; see the wire schemas at the end of this file.
 *
 * Params are validated on the host with the schemas below — the same schemas the UI uses before
 * it sends. Results and event payloads are plain data (JSON-safe), typed here and produced only by
 * the host. Errors are {@link LabError} values, never exceptions across the boundary.
 *
 * How to add a method: add its params schema to `labMethodSchemas` and its result type to
 * `LabMethodResults`; TypeScript then requires a handler in `src/main/lab/service.ts`.
 * How to add an event: add its payload type to `LabEvents`, then `service.emit(name, payload)`.
 */

/** Bumped when a change to this contract would break an older page or host. */
export const LAB_API_VERSION = 1

/** Where the page runs: the Electron desktop app or a browser served by the web host. */
export type HostKind = 'electron' | 'web'
/** Who calls the LabApi: a page of one of the two UI hosts, or the command line. */
export type CallerKind = HostKind | 'cli'

// ---------------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------------

/** Params schema of every method. A method with no params takes `{}` (or nothing). */
export const labMethodSchemas = {
  /** Who is on the other side: product, versions, host kind, platform. */
  'app.hello': z.strictObject({}),
  /** Liveness check; echoes `echo` back so a caller can match its probe. */
  'app.ping': z.strictObject({ echo: z.string().max(1024).optional() }),
  ...historyMethodSchemas,
  ...runMethodSchemas,
  ...reportMethodSchemas,
  ...measureMethodSchemas
} as const satisfies Record<string, z.ZodType>

export interface AppHello {
  readonly appName: string
  readonly appVersion: string
  /** The simulation engine's version, once the engine reports one. */
  readonly engineVersion?: string
  readonly host: CallerKind
  /** Node's `process.platform` of the host: linux, darwin, win32, … */
  readonly platform: string
  readonly apiVersion: number
}

export interface AppPong {
  readonly pong: true
  readonly echo?: string
}

/** Result type of every method. */
export interface LabMethodResults
  extends HistoryMethodResults, RunMethodResults, ReportMethodResults, MeasureMethodResults {
  'app.hello': AppHello
  'app.ping': AppPong
}

export type LabMethod = keyof typeof labMethodSchemas & keyof LabMethodResults
/** What a caller passes (before the schema applies defaults). */
export type LabParams<M extends LabMethod> = z.input<(typeof labMethodSchemas)[M]>
/** What a handler receives (after validation). */
export type LabParsedParams<M extends LabMethod> = z.output<(typeof labMethodSchemas)[M]>
export type LabResult<M extends LabMethod> = LabMethodResults[M]
/** The whole method map, `{ [method]: { params, result } }`. */
export type LabMethods = { [M in LabMethod]: { params: LabParams<M>; result: LabResult<M> } }
/** What the host side of a page's link offers, as an RpcEndpoint contract (protocol/rpc.ts). */
export interface LabHostContract {
  readonly requests: LabMethods
  // A mapped copy: an interface has no index signature, which LinkContract asks for.
  readonly events: { [E in LabEvent]: LabEvents[E] }
}

export const LAB_METHODS: readonly LabMethod[] = Object.keys(labMethodSchemas) as LabMethod[]

export function isLabMethod(method: unknown): method is LabMethod {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(labMethodSchemas, method)
}

// ---------------------------------------------------------------------------------------------
// Events (host → page)
// ---------------------------------------------------------------------------------------------

export interface HostStatus {
  /** `ready`: serving requests; `stopping`: the host is shutting down, the page will lose it. */
  readonly state: 'ready' | 'stopping'
}

/** Payload type of every event. */
export interface LabEvents extends HistoryEvents, RunEvents, MeasureEvents {
  'host.status': HostStatus
}

export type LabEvent = keyof LabEvents
/** Every event name (TypeScript rejects a list that misses one). */
export const LAB_EVENTS = [
  'host.status',
  'run.telemetry',
  'run.finished',
  'run.failed',
  'sweep.progress',
  'sweep.finished',
  'measure.progress',
  'measure.telemetry',
  'measure.finished',
  'measure.failed'
] as const satisfies readonly LabEvent[]
// Does not compile when LAB_EVENTS misses an event.
const everyLabEventListed: Exclude<LabEvent, (typeof LAB_EVENTS)[number]> extends never ? true : false = true
void everyLabEventListed
/** One pushed event, discriminated by `event`. */
export type LabEventMessage = {
  [E in LabEvent]: { readonly event: E; readonly payload: LabEvents[E] }
}[LabEvent]
export type LabEventListener = (message: LabEventMessage) => void

// ---------------------------------------------------------------------------------------------
// Outcomes and validation
// ---------------------------------------------------------------------------------------------

/** What every call returns: a value, or an error as data. */
export type LabOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: LabError }

export function ok<T>(value: T): LabOutcome<T> {
  return { ok: true, value }
}
export function fail<T = never>(error: LabError): LabOutcome<T> {
  return { ok: false, error }
}

/** `path: message` lines for a zod error, the format of every validation error (DESIGN.md §3). */
export function formatIssues(error: z.ZodError, root = 'params'): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : root
    return `${path}: ${issue.message}`
  })
}

/** The UnknownMessage error for a method the contract does not have. */
export function unknownMethodError(method: unknown): LabError {
  const name = typeof method === 'string' ? `"${method.slice(0, 100)}"` : `of type ${typeof method}`
  return labError(
    'UnknownMessage',
    `Unknown LabApi method ${name}. Known methods: ${LAB_METHODS.join(', ')}.`
  )
}

/**
 * Validates a call: the method must exist and its params must match the method's schema.
 * Missing params (`undefined`) count as `{}`. Used by the host on every call and by the page
 * before it sends.
 */
export function parseLabCall<M extends LabMethod>(
  method: M,
  rawParams: unknown
): LabOutcome<LabParsedParams<M>>
export function parseLabCall(method: unknown, rawParams: unknown): LabOutcome<unknown>
export function parseLabCall(method: unknown, rawParams: unknown): LabOutcome<unknown> {
  if (!isLabMethod(method)) return fail(unknownMethodError(method))
  const schema: z.ZodType = labMethodSchemas[method]
  const parsed = schema.safeParse(rawParams === undefined ? {} : rawParams)
  if (parsed.success) return ok(parsed.data)
  return fail(labError('Validation', `Invalid parameters for ${method}.`, formatIssues(parsed.error)))
}

// ---------------------------------------------------------------------------------------------
// Electron transport: channel names and `window.labBridge` (in lab-bridge.ts, free of zod so
// the sandboxed preload can bundle it)
// ---------------------------------------------------------------------------------------------

export { LAB_BRIDGE_GLOBAL, LAB_IPC_EVENT, LAB_IPC_INVOKE, type LabBridge } from './lab-bridge'

// ---------------------------------------------------------------------------------------------
// Web transport: JSON messages over a WebSocket (shapes of protocol/rpc.ts)
// ---------------------------------------------------------------------------------------------

export const LAB_WS_PATH = '/lab'
/** Largest message either side accepts, bytes. */
export const LAB_WS_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
/** `seq` of a reply to a message whose own `seq` could not be read. */
export const UNREADABLE_SEQ = -1

/** Page → host: `{seq, method, params}`; `kind: 'req'` may be given, as in protocol/rpc.ts. */
export const labWireRequestSchema = z.strictObject({
  kind: z.literal('req').optional(),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  method: z.string().min(1).max(200),
  params: z.unknown().optional()
})
export type LabWireRequest = z.output<typeof labWireRequestSchema>

const labErrorSchema = z.custom<LabError>(isLabError, { message: 'expected a LabError {kind, message}' })

/** Host → page: a reply `{kind:'rep', seq, ok, value|error}` or an event `{kind:'evt', event, payload}`. */
export const labWireServerMessageSchema = z.union([
  z.object({ kind: z.literal('rep'), seq: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ kind: z.literal('rep'), seq: z.number().int(), ok: z.literal(false), error: labErrorSchema }),
  z.object({ kind: z.literal('evt'), event: z.string().min(1), payload: z.unknown() })
])

export type LabWireReply =
  | { readonly kind: 'rep'; readonly seq: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'rep'; readonly seq: number; readonly ok: false; readonly error: LabError }
export type LabWireEvent = { readonly kind: 'evt' } & LabEventMessage
export type LabWireServerMessage = LabWireReply | LabWireEvent

export function wireReply(seq: number, outcome: LabOutcome<unknown>): LabWireReply {
  return outcome.ok
    ? { kind: 'rep', seq, ok: true, value: outcome.value }
    : { kind: 'rep', seq, ok: false, error: outcome.error }
}

/**
 * Reads one page → host message. On failure the error says what is wrong and `seq` is the
 * message's own seq when it could be read (so the page can match the reply), else UNREADABLE_SEQ.
 */
export function parseWireRequest(
  text: string
): { ok: true; request: LabWireRequest } | { ok: false; seq: number; error: LabError } {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e)
    return {
      ok: false,
      seq: UNREADABLE_SEQ,
      error: labError('Validation', `The message is not valid JSON (${why}).`)
    }
  }
  const parsed = labWireRequestSchema.safeParse(data)
  if (parsed.success) return { ok: true, request: parsed.data }
  const rawSeq = typeof data === 'object' && data !== null ? (data as { seq?: unknown }).seq : undefined
  const seq =
    typeof rawSeq === 'number' && Number.isSafeInteger(rawSeq) && rawSeq >= 0 ? rawSeq : UNREADABLE_SEQ
  return {
    ok: false,
    seq,
    error: labError(
      'Validation',
      'The message is not a LabApi request {seq, method, params}.',
      formatIssues(parsed.error, 'message')
    )
  }
}
