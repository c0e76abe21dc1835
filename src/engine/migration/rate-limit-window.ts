import { isRateExceeded, windowElapsed } from '../../shared/engine/rules'

/**
 * The migration stream's rate-limit window (migration/migration-stats.c `migration_rate_reset`,
 * migration/migration.c `migration_rate_limit`, `update_iteration_initial_status`): where the
 * current 100 ms window started, in virtual µs and in stream bytes, and the pages sent in it.
 * The rules are pure functions in src/shared/engine/rules.ts; this holds their state.
 */
export class RateLimitWindow {
  private startUs = 0
  private startBytes = 0
  private pagesInWindow = 0

  /** @param budgetBytes max-bandwidth's bytes per window (rateLimitBytesPerWindow), 0 = none. */
  constructor(readonly budgetBytes: number) {}

  get windowStartUs(): number {
    return this.startUs
  }

  get pages(): number {
    return this.pagesInWindow
  }

  /** The stream's bytes when the window opened (migration_rate_reset). */
  get windowStartBytes(): number {
    return this.startBytes
  }

  /** Stream bytes sent since the window opened. */
  bytesSince(transferred: number): number {
    return transferred - this.startBytes
  }

  /** migration_rate_exceeded: the window's budget is spent. */
  exceeded(transferred: number): boolean {
    return isRateExceeded(this.bytesSince(transferred), this.budgetBytes)
  }

  /** BUFFER_DELAY (100 ms) has passed since the window opened. */
  elapsed(nowUs: number): boolean {
    return windowElapsed(this.startUs, nowUs)
  }

  addPages(n: number): void {
    this.pagesInWindow += n
  }

  /** migration_rate_reset + update_iteration_initial_status: a new window opens now. */
  reset(nowUs: number, transferred: number): void {
    this.startUs = nowUs
    this.startBytes = transferred
    this.pagesInWindow = 0
  }
}
