/**
 * Chart updates at most once per animation frame and at most `minIntervalMs` apart (style.md
 * rule 15; issue 5: ≤ 10 Hz). `schedule()` may be called as often as data arrives: the work runs
 * once, with the latest state, when the next slot comes.
 */
export interface FrameThrottle {
  schedule(): void
  /** Runs pending work now (e.g. before a screenshot or on unmount). */
  flush(): void
  cancel(): void
}

export interface FrameThrottleClock {
  now(): number
  requestFrame(fn: () => void): unknown
  cancelFrame(handle: unknown): void
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const browserClock: FrameThrottleClock = {
  now: () => performance.now(),
  requestFrame: (fn) =>
    typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => fn()) : setTimeout(fn, 16),
  cancelFrame: (handle) =>
    typeof cancelAnimationFrame === 'function'
      ? cancelAnimationFrame(handle as number)
      : clearTimeout(handle as ReturnType<typeof setTimeout>),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
}

export function frameThrottle(
  work: () => void,
  minIntervalMs = 100,
  clock: FrameThrottleClock = browserClock
): FrameThrottle {
  let lastRunAt = -Infinity
  let frame: unknown
  let timer: unknown
  let pending = false

  const run = (): void => {
    frame = undefined
    timer = undefined
    if (!pending) return
    pending = false
    lastRunAt = clock.now()
    work()
  }

  const arm = (): void => {
    if (frame !== undefined || timer !== undefined) return
    const wait = lastRunAt + minIntervalMs - clock.now()
    if (wait <= 0) frame = clock.requestFrame(run)
    else
      timer = clock.setTimeout(() => {
        timer = undefined
        frame = clock.requestFrame(run)
      }, wait)
  }

  return {
    schedule() {
      pending = true
      arm()
    },
    flush() {
      if (frame !== undefined) clock.cancelFrame(frame)
      if (timer !== undefined) clock.clearTimeout(timer)
      frame = undefined
      timer = undefined
      if (pending) run()
    },
    cancel() {
      pending = false
      if (frame !== undefined) clock.cancelFrame(frame)
      if (timer !== undefined) clock.clearTimeout(timer)
      frame = undefined
      timer = undefined
    }
  }
}
