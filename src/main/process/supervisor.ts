import { LabFailure, labError, toLabError, type LabError } from '../../shared/errors'
import { OnceValue } from '../../shared/once-value'
import { PROTOCOL_VERSION } from '../../shared/protocol/common'
import type { ChildLifecycleContract, FatalEvent } from '../../shared/protocol/lifecycle'
import {
  RpcEndpoint,
  type LinkContract,
  type MergedContract,
  type NoContract
} from '../../shared/protocol/rpc'
import { nodeSetTimer } from './endpoint'
import type { ChildExit, EngineChild, ProcessHost, SpawnOptions } from './host'

/*
 * Usage (a run, in src/main/lab/run.ts):
 *
 *   const host = new NodeProcessHost()               // or UtilityProcessHost in Electron
 *   const vcpu = await startChild<VcpuControl>(host, { role: 'vcpu', name: 'vcpu-0' })
 *   const migration = await startChild<MigrationControl>(host, { role: 'migration', name: 'migration' })
 *   const [toVcpu, toMigration] = host.createChannel()
 *   await vcpu.rpc.request('connect', { index: 0 }, { ports: [toMigration] })
 *   await migration.rpc.request('connect', { index: 0 }, { ports: [toVcpu] })
 *   migration.rpc.onEvent('progress', (p) => …)
 *   onGroupFailure([vcpu, migration], (error) => failRun(error))   // stops the siblings first
 *   …
 *   await stopAll([vcpu, migration])
 *
 * In the child, the module registers its handlers on `host.rpc<VcpuControl>()` and opens
 * endpoints on handed-over ports with `host.openEndpoint(port, name)`.
 */

/** How long a child has to load its module and say `ready`. Generous: 2 shared cores. */
export const DEFAULT_READY_TIMEOUT_MS = 10_000
/** How long `stop()` waits for a graceful exit before it kills. */
export const DEFAULT_STOP_GRACE_MS = 2_000
/** How often a ready child is pinged. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000
/**
 * How long a ping may go unanswered before the child counts as hung. Generous: a vCPU computes a
 * harvest synchronously, and 2 shared cores may be busy with many children.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000

export interface StartOptions extends SpawnOptions {
  readonly readyTimeoutMs?: number
  /** Heartbeat period after `ready`; 0 turns the heartbeat off. */
  readonly heartbeatIntervalMs?: number
  readonly heartbeatTimeoutMs?: number
}

/**
 * One supervised engine child (style.md rule 5; like VS Code's UtilityProcess class): spawned,
 * handshaken, watched, stopped. `Child` is the engine module's contract for the control link
 * (what the child answers and emits); `Parent` what the main process answers and emits on it.
 */
export class SupervisedChild<
  Child extends LinkContract = NoContract,
  Parent extends LinkContract = NoContract
> {
  readonly name: string
  readonly role: SpawnOptions['role']
  /** Thread id (worker_threads) or process id (Electron). */
  readonly id: number
  /** The control link: `child.rpc.request('connect', params, {ports: [port]})`. */
  readonly rpc: RpcEndpoint<Parent, MergedContract<Child, ChildLifecycleContract>>
  /** Resolves once the child is gone, whatever the cause. */
  readonly exited: Promise<ChildExit>

  private readonly child: EngineChild
  private readonly failure = new OnceValue<LabError>()
  /** Set when we asked for the exit (stop or kill): that exit is not a failure. */
  private stopping = false
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private pingInFlight = false

  /** @internal use startChild */
  constructor(
    child: EngineChild,
    rpc: RpcEndpoint<Parent, MergedContract<Child, ChildLifecycleContract>>,
    exited: Promise<ChildExit>
  ) {
    this.child = child
    this.name = child.name
    this.role = child.role
    this.id = child.id
    this.rpc = rpc
    this.exited = exited
    rpc.onEvent('fatal', ({ error }: FatalEvent) => this.fail(crashError(this.name, error)))
    rpc.onProtocolError((e) => this.fail(labError('UnknownMessage', `${this.name}: ${e.message}`)))
    void exited.then((exit) => {
      this.stopHeartbeat()
      if (!this.stopping)
        this.fail(labError('ProcessCrashed', `${this.name} stopped unexpectedly: ${exit.reason}`))
    })
  }

  /** @internal Pings the child every `intervalMs`; no answer within `timeoutMs` fails it as hung. */
  startHeartbeat(intervalMs: number, timeoutMs: number): void {
    if (intervalMs <= 0 || this.heartbeat) return
    this.heartbeat = setInterval(() => {
      if (this.pingInFlight || this.stopping || this.rpc.closed) return
      this.pingInFlight = true
      this.rpc.request('ping', null, { timeoutMs }).then(
        () => (this.pingInFlight = false),
        () => {
          this.pingInFlight = false
          // A closed link is an exit, which the exit handler reports with its reason.
          if (this.rpc.closed || this.stopping) return
          this.fail(
            labError(
              'ProcessCrashed',
              `${this.name} stopped answering (no reply to a heartbeat within ${timeoutMs} ms); it was stopped`
            )
          )
        }
      )
    }, intervalMs)
    // The heartbeat must not keep the command line or a test process alive.
    this.heartbeat.unref?.()
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = undefined
  }

  /** True once the child has failed (see onFailure). */
  get failed(): LabError | undefined {
    return this.failure.value
  }

  /**
   * Called once with the first failure after `ready`: an exit nobody asked for, a `fatal` event
   * (uncaught exception in the child) or a protocol error on the control link. A listener added
   * after the failure is called at once.
   */
  onFailure(listener: (e: LabError) => void): () => void {
    return this.failure.listen(listener)
  }

  /** Asks the child to shut down; kills it when it is not gone after `graceMs`. */
  async stop(graceMs: number = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.stopping = true
    this.stopHeartbeat()
    const exitedInTime = await raceTimer(this.exited, graceMs, async () => {
      if (!this.rpc.closed) {
        // The reply does not matter: the exit does. A child that fails its cleanup still exits.
        await this.rpc.request('shutdown', null, { timeoutMs: graceMs }).catch(() => undefined)
      }
    })
    if (!exitedInTime) await this.child.kill()
    await this.exited
  }

  /** Terminates the child at once. */
  async kill(): Promise<void> {
    this.stopping = true
    this.stopHeartbeat()
    await this.child.kill()
    await this.exited
  }

  private fail(error: LabError): void {
    if (this.failure.settled || this.stopping) return
    this.stopHeartbeat()
    this.failure.settle(error)
    // A failed child is of no use to its run: make sure it is gone (no orphans).
    this.stopping = true
    void this.child.kill()
  }
}

/**
 * Spawns a child and waits for its `ready` handshake. Rejects with a LabFailure of kind
 * `StartupTimeout` (no ready within `readyTimeoutMs`; the child is killed), `ProtocolMismatch`
 * (ready with another protocol version; the child is killed) or `ProcessCrashed` (it exited or
 * threw before ready, with the reason).
 */
export function startChild<Child extends LinkContract = NoContract, Parent extends LinkContract = NoContract>(
  host: ProcessHost,
  opts: StartOptions
): Promise<SupervisedChild<Child, Parent>> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  let child: EngineChild
  try {
    child = host.spawn(opts)
  } catch (e) {
    // E.g. the built entry point is missing: the same rejection as any other start failure.
    return Promise.reject(e instanceof LabFailure ? e : new LabFailure(toLabError(e, 'ProcessCrashed')))
  }
  const rpc = new RpcEndpoint<Parent, MergedContract<Child, ChildLifecycleContract>>(child.control, {
    name: opts.name,
    setTimer: nodeSetTimer
  })
  const exited = new Promise<ChildExit>((resolve) => child.onExit(resolve))

  return new Promise<SupervisedChild<Child, Parent>>((resolve, reject) => {
    let settled = false
    let fatalBeforeReady: LabError | undefined
    const cleanups: Array<() => void> = []
    const settle = (
      outcome: { child: SupervisedChild<Child, Parent> } | { error: LabError; kill: boolean }
    ): void => {
      if (settled) return
      settled = true
      for (const off of cleanups) off()
      if ('child' in outcome) {
        outcome.child.startHeartbeat(
          opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
          opts.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS
        )
        resolve(outcome.child)
        return
      }
      rpc.close()
      const failure = new LabFailure(outcome.error)
      if (outcome.kill) void child.kill().then(() => reject(failure))
      else reject(failure)
    }

    cleanups.push(
      nodeSetTimer(readyTimeoutMs, () =>
        settle({
          error: labError(
            'StartupTimeout',
            `${opts.name} did not become ready within ${readyTimeoutMs} ms; it was stopped`
          ),
          kill: true
        })
      ),
      rpc.onEvent('ready', (ready) => {
        if (ready.protocolVersion !== PROTOCOL_VERSION) {
          settle({
            error: labError(
              'ProtocolMismatch',
              `${opts.name} speaks protocol version ${ready.protocolVersion}, this Migration Lab speaks ` +
                `${PROTOCOL_VERSION}; rebuild with \`npm run build\``
            ),
            kill: true
          })
          return
        }
        settle({ child: new SupervisedChild<Child, Parent>(child, rpc, exited) })
      }),
      rpc.onEvent('fatal', ({ error }) => {
        fatalBeforeReady = error
        settle({ error: crashError(opts.name, error, 'while starting'), kill: true })
      }),
      rpc.onProtocolError((e) =>
        settle({ error: labError('UnknownMessage', `${opts.name} while starting: ${e.message}`), kill: true })
      ),
      child.onExit((exit) =>
        settle({
          error: labError(
            'ProcessCrashed',
            `${opts.name} exited before it was ready: ${exit.reason}`,
            fatalBeforeReady ? [fatalBeforeReady.message] : undefined
          ),
          kill: false
        })
      )
    )
  })
}

/** Stops every child of a group (e.g. all siblings of a run when one fails) in parallel. */
export async function stopAll(
  children: Iterable<Pick<SupervisedChild, 'stop'>>,
  graceMs: number = DEFAULT_STOP_GRACE_MS
): Promise<void> {
  await Promise.allSettled([...children].map((c) => c.stop(graceMs)))
}

/**
 * Calls `listener` once with the first failure of any child of the group, after stopping all of
 * them (so a run never continues with a sibling missing, DESIGN.md §1). Returns an unsubscribe.
 */
export function onGroupFailure<C extends Pick<SupervisedChild, 'stop' | 'onFailure'>>(
  children: readonly C[],
  listener: (failure: LabError, failed: C) => void,
  graceMs: number = DEFAULT_STOP_GRACE_MS
): () => void {
  let fired = false
  const offs = children.map((c) =>
    c.onFailure((e) => {
      if (fired) return
      fired = true
      for (const off of offs) off()
      void stopAll(children, graceMs).then(() => listener(e, c))
    })
  )
  return () => {
    for (const off of offs) off()
  }
}

/** A child's `fatal` error as the run sees it: named after the child, its kind kept when useful. */
function crashError(name: string, error: LabError, when = ''): LabError {
  const kind = error.kind === 'Internal' ? 'ProcessCrashed' : error.kind
  return labError(kind, `${name} crashed${when ? ` ${when}` : ''}: ${error.message}`, error.details)
}

/** Runs `work` and waits for `target` up to `ms`; true when `target` settled in time. */
async function raceTimer(target: Promise<unknown>, ms: number, work: () => Promise<void>): Promise<boolean> {
  let cancel: () => void = () => {}
  const timedOut = new Promise<false>((resolve) => {
    cancel = nodeSetTimer(ms, () => resolve(false))
  })
  void work()
  const inTime = await Promise.race([target.then(() => true as const), timedOut])
  cancel()
  return inTime
}
