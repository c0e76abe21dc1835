import type { Port } from '../../shared/port'
import type { EngineChild, ProcessHost, SpawnOptions } from './host'

/**
 * What every ProcessHost does the same way, whichever runtime starts the children: keep the
 * set of live children (the orphan check) and kill them all on request. A host only says how
 * to start one child and how to make a channel.
 */
export abstract class TrackingProcessHost implements ProcessHost {
  abstract readonly flavor: ProcessHost['flavor']
  private readonly live = new Set<EngineChild>()

  get liveChildren(): ReadonlySet<EngineChild> {
    return this.live
  }

  spawn(opts: SpawnOptions): EngineChild {
    const child = this.start(opts)
    this.live.add(child)
    child.onExit(() => this.live.delete(child))
    return child
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.live].map((c) => c.kill()))
  }

  abstract createChannel(): readonly [Port, Port]

  /** Starts one child in this runtime. */
  protected abstract start(opts: SpawnOptions): EngineChild
}
