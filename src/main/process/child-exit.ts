import { OnceValue } from '../../shared/once-value'
import type { ChildExit } from './host'

/**
 * How an engine child ended, the same way for both process hosts (worker_threads in
 * node-host.ts, Electron utility processes in electron/utility-host.ts): `killed` when we asked
 * for it, `crashed: …` when the runtime reported an uncaught error before the exit, else the exit
 * code. The host feeds it the runtime's events; EngineChild.onExit and kill use the rest.
 */
export class ChildExitTracker {
  private readonly exit = new OnceValue<ChildExit>()
  private killRequested = false
  private crash: string | undefined
  /** Resolves with the exit once the child is gone. */
  readonly gone: Promise<ChildExit>

  constructor() {
    this.gone = new Promise((resolve) => this.exit.listen(resolve))
  }

  get exited(): boolean {
    return this.exit.settled
  }

  /** The runtime reported an error the child did not catch; the first one is kept. */
  crashed(description: string): void {
    this.crash ??= description
  }

  /** The runtime says the child is gone. */
  childExited(code: number | null): void {
    this.exit.settle(
      this.killRequested
        ? { code: null, reason: 'killed' }
        : this.crash !== undefined
          ? { code, reason: `crashed: ${this.crash}` }
          : { code, reason: `exited with code ${code}` }
    )
  }

  onExit(handler: (exit: ChildExit) => void): () => void {
    return this.exit.listen(handler)
  }

  /** Kills the child with `kill` unless it is gone already, then waits until it is. */
  async kill(kill: () => void | Promise<unknown>): Promise<void> {
    if (!this.exit.settled) {
      this.killRequested = true
      await kill()
    }
    await this.gone
  }
}
