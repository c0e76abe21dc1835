/**
 * When a vCPU runs guest code, in virtual time: a deterministic state machine over the schedule
 * the migration thread tells it (BQL holds, throttle changes, stop). The vCPU process feeds the
 * run intervals it yields to its workload generator (DESIGN.md §2: a vCPU's writes are a pure
 * function of seed, workload and schedule).
 *
 * What it models, and the QEMU rule behind each part:
 * - BQL stalls (§1.7): a vCPU drops the BQL around KVM_RUN, so guest code runs on while the
 *   migration thread holds it; but an I/O exit (every 1 / io-exits-per-second of run time) needs
 *   the BQL, and one that falls inside a hold waits until the hold ends.
 * - Auto-converge's duty cycle, the cycle itself rather than its average (§5.4): a main-loop timer
 *   ticks every `10 ms / (1 − p)`; each tick queues `cpu_throttle_thread` on every vCPU that has
 *   none pending; the vCPU sleeps `p / (1 − p) × 10 ms` with the BQL released, then takes the BQL
 *   back (qemu_cond_timedwait_bql), so a sleep ending inside a hold waits for it. The timer is a
 *   main-loop timer, run under the BQL, so a tick due inside a hold fires when the hold ends.
 *   cpu_throttle_set calls the tick directly when throttling starts (no timer delay).
 * - Stop (§1.5): vm_stop pauses the vCPU for good (the source stays paused after completion).
 * - With a KVM dirty ring (`guest.dirty-ring-size`), ring-full exits: KVM exits with
 *   KVM_EXIT_DIRTY_RING_FULL each time the vCPU has dirtied the ring's soft limit of new pages,
 *   every `ringFullRunUs` of run time (dirtyRingFullRunUs); kvm_cpu_exec (accel/kvm/kvm-all.c)
 *   reaps the ring under the BQL, so an exit inside a hold waits for it, then
 *   dirtylimit_vcpu_execute (system/dirtylimit.c) sleeps `throttle_us_per_full` without the BQL
 *   while a dirty limit is in service (the `dirty-limit` schedule entry).
 * Not modelled: the dirty-ring kick of every vCPU at each sync and the ring reset it brings (§1.7:
 * a vCPU's ring fill restarts only at its own ring-full), the emulation time of an I/O exit
 * outside a hold.
 */
import { throttleCycleUs, throttleSleepUs } from './rules'
import { dirtyRingSoftLimitEntries } from './dirty-limit'
import { US_PER_S } from './constants'

/** One entry of the schedule the migration thread tells each vCPU. Times are virtual µs. */
export type VcpuScheduleEvent =
  /** The migration thread holds the BQL over [startUs, endUs). */
  | { readonly kind: 'bql'; readonly startUs: number; readonly endUs: number }
  /** cpu_throttle_set(pct) at atUs; pct 0 = cpu_throttle_stop. */
  | { readonly kind: 'throttle'; readonly atUs: number; readonly pct: number }
  /** vm_stop at atUs: the vCPU runs no more guest code. */
  | { readonly kind: 'stop'; readonly atUs: number }
  /**
   * dirtylimit_set_throttle at atUs: from now on the vCPU sleeps `sleepUsPerFull` after each
   * ring-full exit (cpu->throttle_us_per_full); 0 = no sleep (the limit is off or not needed).
   */
  | { readonly kind: 'dirty-limit'; readonly atUs: number; readonly sleepUsPerFull: number }

/** 'page-fault': blocked on a page not yet on the destination (postcopy). */
export type VcpuLaneState = 'running' | 'throttled' | 'bql-wait' | 'stopped' | 'page-fault'

export interface VcpuClockSink {
  /** Guest code ran over virtual [startUs, endUs), run time starting at runStartUs. */
  run(startUs: number, endUs: number, runStartUs: number): void
  /** The vCPU's lane changed state (timeline). */
  state(timeUs: number, state: VcpuLaneState, detail?: string): void
}

type Phase = 'run' | 'sleep' | 'wait' | 'stopped'

/**
 * Run time between two ring-full exits of a vCPU writing `writesPerSecond` pages per second of
 * run time, each write a page not yet in its ring (true for sweeps and working sets larger than
 * the ring), µs; Infinity without a ring (size 0) or for an idle vCPU.
 */
export function dirtyRingFullRunUs(writesPerSecond: number, ringSizeEntries: number): number {
  if (ringSizeEntries <= 0 || writesPerSecond <= 0) return Infinity
  return (dirtyRingSoftLimitEntries(ringSizeEntries) / writesPerSecond) * US_PER_S
}

/** Thrown when the schedule goes back in time: a broken caller, never a user error. */
export class ScheduleError extends Error {
  override name = 'ScheduleError'
}

/**
 * The changes of one setting at given virtual times (the throttle percentage, the dirty-limit
 * sleep), in time order, and how far they have been applied.
 */
class TimedChanges {
  private readonly atUs: number[] = []
  private readonly values: number[] = []
  private applied = 0

  /** `what`: the setting, for the error when a change is added in the past. */
  constructor(private readonly what: string) {}

  /** Adds a change at `atUs`; none may come before `nowUs` or before the last one added. */
  add(atUs: number, value: number, nowUs: number): void {
    const last = this.atUs.length > 0 ? this.atUs[this.atUs.length - 1] : 0
    if (atUs < nowUs || atUs < last)
      throw new ScheduleError(`${this.what} change at ${atUs} µs is in the past (now ${nowUs} µs)`)
    this.atUs.push(atUs)
    this.values.push(value)
  }

  /** When the next change not applied yet is due, µs; Infinity when none is left. */
  nextUs(): number {
    return this.applied < this.atUs.length ? this.atUs[this.applied] : Infinity
  }

  /** The next change's value, now applied (call once nextUs() has come). */
  take(): number {
    return this.values[this.applied++]
  }
}

export class VcpuClock {
  /** Virtual time computed so far, µs. */
  nowUs = 0
  /** Guest run time so far, µs. */
  runUs = 0
  /** Time spent waiting for the BQL (I/O exits and throttle wake-ups inside holds), µs. */
  bqlWaitUs = 0
  longestStallUs = 0
  stalls = 0
  /** Time spent in throttle sleeps, µs. */
  throttleSleepUs = 0
  /** Time spent in dirty-limit sleeps after ring-full exits, µs. */
  dirtyLimitSleepUs = 0
  /** KVM_EXIT_DIRTY_RING_FULL exits taken. */
  ringFullExits = 0

  private phase: Phase = 'run'
  private phaseEndUs = 0
  private phaseStartUs = 0
  /** After a BQL wait: go to sleep (throttle work queued while waiting) or back to running. */
  private sleepAfterWait = false
  private workPending = false

  private readonly holdStart: number[] = []
  private readonly holdEnd: number[] = []
  private holdIndex = 0

  private readonly throttleChanges = new TimedChanges('throttle')
  private pct = 0
  /** Next expiry of the throttle timer before the BQL delay, µs (Infinity when off). */
  private timerUs = Infinity

  private stopUs = Infinity

  private readonly ringFullRunUs: number
  /** Changes of the dirty-limit sleep per ring-full exit, µs. */
  private readonly limitChanges = new TimedChanges('dirty-limit')
  private sleepUsPerFull = 0
  /** The current sleep is a dirty-limit sleep (no BQL to take back) rather than a throttle one. */
  private sleepIsDirtyLimit = false
  /** A ring-full exit is waiting for the BQL; sleep once it has reaped. */
  private ringSleepAfterWait = false

  private readonly ioIntervalUs: number
  /** Run time of the last I/O exit that stalled, so it is not taken twice. */
  private ioDoneRunUs = -1

  /** `ringFullRunUs`: run time between ring-full exits (dirtyRingFullRunUs); Infinity = no ring. */
  constructor(ioExitsPerSecond: number, ringFullRunUs = Infinity) {
    this.ioIntervalUs = ioExitsPerSecond > 0 ? US_PER_S / ioExitsPerSecond : Infinity
    this.ringFullRunUs = ringFullRunUs > 0 ? ringFullRunUs : Infinity
  }

  /** cpu->throttle_us_per_full in service now, µs. */
  get dirtyLimitSleepUsPerFull(): number {
    return this.sleepUsPerFull
  }

  get throttlePercentage(): number {
    return this.pct
  }

  get stopped(): boolean {
    return this.phase === 'stopped'
  }

  /** Adds schedule entries. Each must start no earlier than the time already computed. */
  addEvents(events: readonly VcpuScheduleEvent[]): void {
    for (const e of events) {
      if (e.kind === 'bql') {
        if (e.endUs <= e.startUs) continue
        const lastEnd = this.holdEnd.length > 0 ? this.holdEnd[this.holdEnd.length - 1] : 0
        if (e.startUs < this.nowUs || e.startUs < lastEnd)
          throw new ScheduleError(`BQL hold at ${e.startUs} µs overlaps the past (now ${this.nowUs} µs)`)
        this.holdStart.push(e.startUs)
        this.holdEnd.push(e.endUs)
      } else if (e.kind === 'throttle') {
        this.throttleChanges.add(e.atUs, e.pct, this.nowUs)
      } else if (e.kind === 'dirty-limit') {
        this.limitChanges.add(e.atUs, Math.max(0, e.sleepUsPerFull), this.nowUs)
      } else {
        if (e.atUs < this.nowUs)
          throw new ScheduleError(`stop at ${e.atUs} µs is in the past (now ${this.nowUs} µs)`)
        this.stopUs = Math.min(this.stopUs, e.atUs)
      }
    }
  }

  /** Computes the schedule up to `untilUs` (exclusive), reporting run intervals and states. */
  advance(untilUs: number, sink: VcpuClockSink): void {
    if (untilUs < this.nowUs) throw new ScheduleError(`cannot go back from ${this.nowUs} µs to ${untilUs} µs`)
    while (this.nowUs < untilUs) {
      const now = this.nowUs
      if (this.phase === 'stopped') {
        this.nowUs = untilUs
        break
      }
      // Events due now, in a fixed order: the current sleep or wait ends, throttle changes apply,
      // the vCPU stops, the timer ticks.
      if ((this.phase === 'sleep' || this.phase === 'wait') && this.phaseEndUs <= now) {
        this.endPhase(now, sink)
        continue
      }
      if (this.throttleChanges.nextUs() <= now) {
        this.applyThrottle(now, this.throttleChanges.take(), sink)
        continue
      }
      if (this.limitChanges.nextUs() <= now) {
        // Takes effect at the next ring-full exit (dirtylimit_vcpu_execute reads it then).
        this.sleepUsPerFull = this.limitChanges.take()
        continue
      }
      if (this.stopUs <= now) {
        this.stop(now, sink)
        continue
      }
      const fire = this.timerFireUs()
      if (fire <= now) {
        this.tick(now, sink)
        continue
      }
      // Nothing due now: move to the next thing that can happen.
      const nextThrottle = this.throttleChanges.nextUs()
      const nextLimit = this.limitChanges.nextUs()
      const ring = this.phase === 'run' ? this.nextRingFullUs() : Infinity
      const next = Math.min(untilUs, this.stopUs, nextThrottle, nextLimit, fire, ring)
      if (this.phase !== 'run') {
        this.nowUs = Math.min(next, this.phaseEndUs)
        continue
      }
      const stall = this.nextStallUs(next)
      const end = Math.min(next, stall)
      if (end > now) {
        sink.run(now, end, this.runUs)
        this.runUs += end - now
        this.nowUs = end
      }
      if (stall <= next) this.beginWait(stall, this.holdEndAt(stall), false, sink, true)
      else if (ring === end && end < untilUs) this.ringFull(end, sink)
    }
  }

  /** Virtual time of the next ring-full exit while running: exits at run time ⌊k × interval⌋. */
  private nextRingFullUs(): number {
    if (this.ringFullRunUs === Infinity) return Infinity
    const exitRunUs = Math.floor((this.ringFullExits + 1) * this.ringFullRunUs)
    return this.nowUs + Math.max(0, exitRunUs - this.runUs)
  }

  /** KVM_EXIT_DIRTY_RING_FULL: reap under the BQL, then the dirty-limit sleep (kvm_cpu_exec). */
  private ringFull(now: number, sink: VcpuClockSink): void {
    this.ringFullExits++
    const free = this.holdEndAt(now)
    if (free > now) {
      this.ringSleepAfterWait = true
      this.beginWait(now, free, false, sink, false)
      return
    }
    this.beginRingSleep(now, sink)
  }

  /** dirtylimit_vcpu_execute: g_usleep(throttle_us_per_full), the BQL released. */
  private beginRingSleep(atUs: number, sink: VcpuClockSink): void {
    if (this.sleepUsPerFull <= 0) return
    this.phase = 'sleep'
    this.sleepIsDirtyLimit = true
    this.phaseStartUs = atUs
    this.phaseEndUs = atUs + this.sleepUsPerFull
    sink.state(atUs, 'throttled', 'dirty-limit')
  }

  /** End of the hold containing `t`, following adjacent holds; `t` itself when none. */
  private holdEndAt(t: number): number {
    let end = t
    for (let i = this.holdIndex; i < this.holdStart.length && this.holdStart[i] <= end; i++) {
      if (this.holdEnd[i] > end) end = this.holdEnd[i]
    }
    return end
  }

  private timerFireUs(): number {
    if (this.timerUs === Infinity) return Infinity
    return this.holdEndAt(this.timerUs)
  }

  /** Virtual time of the first I/O exit that falls inside a hold, before `boundUs`; else Infinity. */
  private nextStallUs(boundUs: number): number {
    if (this.ioIntervalUs === Infinity) return Infinity
    while (this.holdIndex < this.holdEnd.length && this.holdEnd[this.holdIndex] <= this.nowUs)
      this.holdIndex++
    for (let i = this.holdIndex; i < this.holdStart.length && this.holdStart[i] < boundUs; i++) {
      const from = Math.max(this.nowUs, this.holdStart[i])
      const runAtFrom = Math.max(this.runUs + (from - this.nowUs), this.ioDoneRunUs + 1)
      const exitRunUs = this.ioExitAtOrAfter(runAtFrom)
      const x = this.nowUs + (exitRunUs - this.runUs)
      if (x < this.holdEnd[i]) return x
    }
    return Infinity
  }

  /** The first I/O exit at run time ≥ r: exits happen at floor(k × interval), k ≥ 1. */
  private ioExitAtOrAfter(r: number): number {
    const interval = this.ioIntervalUs
    let k = Math.max(1, Math.ceil(r / interval))
    while (k > 1 && Math.floor((k - 1) * interval) >= r) k--
    while (Math.floor(k * interval) < r) k++
    return Math.floor(k * interval)
  }

  private laneState(): VcpuLaneState {
    return this.pct > 0 ? 'throttled' : 'running'
  }

  private beginWait(
    atUs: number,
    untilUs: number,
    sleepAfter: boolean,
    sink: VcpuClockSink,
    ioExit: boolean
  ): void {
    if (ioExit) this.ioDoneRunUs = this.runUs
    this.phase = 'wait'
    this.phaseStartUs = atUs
    this.phaseEndUs = untilUs
    this.sleepAfterWait = sleepAfter
    this.nowUs = atUs
    sink.state(atUs, 'bql-wait')
  }

  private beginSleep(atUs: number): void {
    const sleepUs = this.pct > 0 ? throttleSleepUs(this.pct) : 0
    if (sleepUs === 0) {
      this.phase = 'run'
      this.workPending = false
      return
    }
    this.phase = 'sleep'
    this.sleepIsDirtyLimit = false
    this.phaseStartUs = atUs
    this.phaseEndUs = atUs + sleepUs
  }

  private endPhase(now: number, sink: VcpuClockSink): void {
    if (this.phase === 'sleep' && this.sleepIsDirtyLimit) {
      // g_usleep returns to KVM_RUN: no BQL to take back.
      this.dirtyLimitSleepUs += now - this.phaseStartUs
      this.sleepIsDirtyLimit = false
      this.phase = 'run'
      sink.state(now, this.laneState(), this.pct > 0 ? `${this.pct}%` : undefined)
      return
    }
    if (this.phase === 'sleep') {
      this.throttleSleepUs += now - this.phaseStartUs
      // Waking needs the BQL back (qemu_cond_timedwait_bql, §5.4).
      const free = this.holdEndAt(now)
      if (free > now) {
        this.beginWait(now, free, false, sink, false)
        return
      }
      this.phase = 'run'
      this.workPending = false
      return
    }
    // A BQL wait ends.
    const waited = now - this.phaseStartUs
    this.bqlWaitUs += waited
    this.stalls++
    if (waited > this.longestStallUs) this.longestStallUs = waited
    if (this.ringSleepAfterWait) {
      this.ringSleepAfterWait = false
      this.phase = 'run'
      sink.state(now, this.laneState(), this.pct > 0 ? `${this.pct}%` : undefined)
      this.beginRingSleep(now, sink)
      return
    }
    if (this.sleepAfterWait) {
      this.beginSleep(now)
    } else {
      this.phase = 'run'
      this.workPending = false
    }
    sink.state(now, this.laneState(), this.pct > 0 ? `${this.pct}%` : undefined)
  }

  private applyThrottle(now: number, pct: number, sink: VcpuClockSink): void {
    const wasActive = this.pct > 0
    this.pct = pct
    if (pct === 0) {
      this.timerUs = Infinity
    } else if (!wasActive) {
      // cpu_throttle_set starts throttling by calling the tick itself (§5.4).
      this.tick(now, sink)
    }
    if (this.phase === 'run' || this.phase === 'sleep')
      sink.state(now, this.laneState(), pct > 0 ? `${pct}%` : undefined)
  }

  /** cpu_throttle_timer_tick at `now`: queue the sleep unless one is pending, then re-arm. */
  private tick(now: number, _sink: VcpuClockSink): void {
    if (this.pct === 0) {
      this.timerUs = Infinity
      return
    }
    if (!this.workPending && this.phase === 'run') {
      this.workPending = true
      // The work item runs with the BQL (process_queued_cpu_work): inside a hold it waits first.
      const free = this.holdEndAt(now)
      if (free > now) this.beginWait(now, free, true, _sink, false)
      else this.beginSleep(now)
    }
    this.timerUs = now + throttleCycleUs(this.pct)
  }

  private stop(now: number, sink: VcpuClockSink): void {
    if (this.phase === 'sleep' && this.sleepIsDirtyLimit) this.dirtyLimitSleepUs += now - this.phaseStartUs
    else if (this.phase === 'sleep') this.throttleSleepUs += now - this.phaseStartUs
    if (this.phase === 'wait') {
      const waited = now - this.phaseStartUs
      this.bqlWaitUs += waited
      this.stalls++
      if (waited > this.longestStallUs) this.longestStallUs = waited
    }
    this.phase = 'stopped'
    this.timerUs = Infinity
    sink.state(now, 'stopped')
  }
}
