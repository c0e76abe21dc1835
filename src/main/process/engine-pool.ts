import type { LinkContract } from '../../shared/protocol/rpc'
import type { ProcessHost } from './host'
import {
  DEFAULT_STOP_GRACE_MS,
  startChild,
  stopAll,
  type StartOptions,
  type SupervisedChild
} from './supervisor'

/** The request every pooled engine role answers (VcpuControlContract, MigrationControlContract). */
interface ResettableContract extends LinkContract {
  readonly requests: { readonly reset: { readonly params: null; readonly result: null } }
  readonly events: Record<never, never>
}

export interface EnginePoolOptions {
  /** Most idle children kept between runs; beyond that a released child is stopped. */
  readonly maxIdle: number
  /**
   * A child idle this long is stopped (a lab host keeps the last run's processes for the next
   * run, not for ever); absent: kept until drained (a sweep's pool, drained when it ends).
   */
  readonly idleTimeoutMs?: number
}

/**
 * Engine processes kept across the runs of a sweep (issue 11): starting a worker (an isolate
 * that loads the engine bundle) costs more than a default run's whole simulation, so a run takes
 * its vCPU and migration processes from here and gives them back when it ended cleanly. A child
 * given back is `reset` (it closes its links and forgets the run) and the next run `init`s it
 * with fresh ports, so every run has the same MessagePort topology as with fresh processes and
 * the same results. A child that failed, did not answer `reset`, or was part of a run that failed
 * is never kept: the run stops it (src/main/lab/run.ts) and the next run starts a new one.
 *
 * Children are kept per role, name (vcpu-3 serves as vCPU 3 again, so errors name it right),
 * heartbeat settings and test hooks (a fault-injected child only serves runs that asked for the
 * same fault).
 */
export class EnginePool {
  private readonly idle = new Map<string, SupervisedChild[]>()
  private idleCount = 0
  private draining = false
  /** With idleTimeoutMs: each idle child's timer. */
  private readonly idleTimers = new Map<SupervisedChild, ReturnType<typeof setTimeout>>()

  constructor(
    private readonly host: ProcessHost,
    private readonly options: EnginePoolOptions
  ) {}

  /** An idle child of this role and hooks, or a newly started one. */
  async acquire<Child extends LinkContract>(opts: StartOptions): Promise<SupervisedChild<Child>> {
    const list = this.idle.get(poolKey(opts))
    while (list && list.length > 0) {
      const child = list.pop() as SupervisedChild
      this.idleCount--
      this.clearIdleTimer(child)
      // A child that died while idle is not handed out.
      if (!child.failed && !child.rpc.closed) return child as unknown as SupervisedChild<Child>
      void child.stop()
    }
    return startChild<Child>(this.host, opts)
  }

  /**
   * Takes back the children of a run that ended with a result. Each is reset and kept, or stopped
   * when it failed, does not answer, or the pool is full or draining. Resolves when all are done.
   */
  async release(
    children: readonly SupervisedChild<LinkContract>[],
    opts: readonly StartOptions[]
  ): Promise<void> {
    await Promise.all(
      children.map(async (child, i) => {
        const spawn = opts[i]
        if (!spawn || child.failed || this.draining || this.idleCount >= this.options.maxIdle)
          return child.stop()
        try {
          await (child as unknown as SupervisedChild<ResettableContract>).rpc.request('reset', null, {
            timeoutMs: DEFAULT_STOP_GRACE_MS
          })
        } catch {
          return child.stop()
        }
        if (child.failed || this.draining || this.idleCount >= this.options.maxIdle) return child.stop()
        const key = poolKey(spawn)
        const list = this.idle.get(key) ?? []
        list.push(child as SupervisedChild)
        this.idle.set(key, list)
        this.idleCount++
        this.startIdleTimer(child as SupervisedChild, key)
      })
    )
  }

  private startIdleTimer(child: SupervisedChild, key: string): void {
    const ms = this.options.idleTimeoutMs
    if (ms === undefined) return
    const timer = setTimeout(() => {
      this.idleTimers.delete(child)
      const list = this.idle.get(key)
      const i = list?.indexOf(child) ?? -1
      if (!list || i < 0) return
      list.splice(i, 1)
      this.idleCount--
      void child.stop()
    }, ms)
    // An idle child's timer alone does not keep the lab host's process alive.
    timer.unref?.()
    this.idleTimers.set(child, timer)
  }

  private clearIdleTimer(child: SupervisedChild): void {
    const timer = this.idleTimers.get(child)
    if (timer === undefined) return
    clearTimeout(timer)
    this.idleTimers.delete(child)
  }

  /** Stops every idle child; children released later are stopped, not kept. */
  async drain(): Promise<void> {
    this.draining = true
    for (const timer of this.idleTimers.values()) clearTimeout(timer)
    this.idleTimers.clear()
    const all = [...this.idle.values()].flat()
    this.idle.clear()
    this.idleCount = 0
    await stopAll(all)
  }

  /** Idle children now (for tests and figures). */
  get size(): number {
    return this.idleCount
  }
}

function poolKey(opts: StartOptions): string {
  const hooks = Object.entries(opts.testHooks ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  // A child keeps the heartbeat it was started with: only runs asking for the same one share it.
  const heartbeat = `${opts.heartbeatIntervalMs ?? 'default'}/${opts.heartbeatTimeoutMs ?? 'default'}`
  return `${opts.role}:${opts.name}:${heartbeat}:${JSON.stringify(hooks)}`
}
