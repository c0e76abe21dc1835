import { describe, expect, it } from 'vitest'
import { RateLimitWindow } from '../../src/engine/migration/rate-limit-window'

// The window's state (migration_rate_reset / migration_rate_exceeded); the arithmetic is QEMU's
// 128 MiB/s default: 134,217,728 B/s ÷ 10 windows a second = 13,421,772 B per window.
describe('RateLimitWindow', () => {
  it.each([
    [0, false],
    [13_421_772, false], // exactly the budget: not exceeded (the page that crosses it still goes)
    [13_421_773, true]
  ])('after %i bytes in the window, exceeded is %s', (bytes, exceeded) => {
    const w = new RateLimitWindow(13_421_772)
    w.reset(1_000, 5_000)
    expect(w.exceeded(5_000 + bytes)).toBe(exceeded)
    expect(w.bytesSince(5_000 + bytes)).toBe(bytes)
  })

  it('has no budget when max-bandwidth gives 0 bytes per window', () => {
    expect(new RateLimitWindow(0).exceeded(Number.MAX_SAFE_INTEGER)).toBe(false)
  })

  it('is over 100 ms after it opened, and a reset opens a new one with no pages', () => {
    const w = new RateLimitWindow(1)
    w.reset(1_000, 0)
    w.addPages(3)
    expect(w.pages).toBe(3)
    expect(w.elapsed(100_999)).toBe(false)
    expect(w.elapsed(101_000)).toBe(true)
    w.reset(101_000, 42)
    expect([w.windowStartUs, w.pages, w.bytesSince(42)]).toEqual([101_000, 0, 0])
  })
})
