import { US_PER_MS } from '../../shared/engine/constants'
import type { VcpuScheduleEvent } from '../../shared/engine/vcpu-clock'
import type { VcpuStats } from '../../shared/protocol/vcpu'
import type { BqlStats } from '../../shared/result'

/**
 * Who holds the Big QEMU Lock when (docs/qemu-rules.md §1.6, docs/engine.md "BQL"): the
 * migration thread's holds (setup, each migration_bitmap_sync, the completion, postcopy_start)
 * and what the vCPUs report of their waits for it on I/O exits. A hold a vCPU must honour is
 * told to the vCPUs as a `bql` schedule entry (`scheduleHold`); the completion's hold is not, since
 * the vCPUs are stopped then. Main-loop timers that need the lock start once it is free
 * (`freeAtUs`).
 */
export class BqlLedger {
  private freeAt = 0
  private heldUs = 0
  private holds = 0
  private longestUs = 0

  /** When the migration thread's last hold ends: a main-loop timer takes the lock then. */
  get freeAtUs(): number {
    return this.freeAt
  }

  /** The migration thread held the lock from `startUs` to `endUs` (an empty hold is none). */
  recordHold(startUs: number, endUs: number): void {
    const held = endUs - startUs
    if (held <= 0) return
    this.holds++
    this.heldUs += held
    if (held > this.longestUs) this.longestUs = held
    this.freeAt = Math.max(this.freeAt, endUs)
  }

  /** The hold as the vCPUs see it: an I/O exit inside it waits until it ends. */
  scheduleHold(startUs: number, endUs: number): VcpuScheduleEvent {
    return { kind: 'bql', startUs, endUs }
  }

  /** `lab.bql`: the migration thread's holds and the vCPUs' waits, ms. */
  stats(vcpuStats: readonly VcpuStats[]): BqlStats {
    const vcpuWaitUs = vcpuStats.reduce((sum, s) => sum + s.bqlWaitUs, 0)
    const longestStallUs = vcpuStats.reduce((m, s) => Math.max(m, s.longestStallUs), 0)
    return {
      'held-ms': this.heldUs / US_PER_MS,
      holds: this.holds,
      'longest-hold-ms': this.longestUs / US_PER_MS,
      'vcpu-wait-ms': vcpuWaitUs / US_PER_MS,
      'longest-vcpu-stall-ms': longestStallUs / US_PER_MS
    }
  }
}
