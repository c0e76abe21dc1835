import { describe, expect, it } from 'vitest'
import { ChildExitTracker } from '../../src/main/process/child-exit'
import { OnceValue } from '../../src/shared/once-value'

// How an engine child ended, shared by both process hosts (issue 13: the Electron host had an
// untested copy of the worker host's exit handling). The runtime's events are fed in by hand
// here, as utility-host.ts and node-host.ts feed them from their process objects.

describe('ChildExitTracker', () => {
  it.each([
    ['an exit on its own', [], 0, { code: 0, reason: 'exited with code 0' }],
    [
      'an exit after an uncaught error',
      ['TypeError: x is undefined'],
      1,
      { code: 1, reason: 'crashed: TypeError: x is undefined' }
    ],
    ['two errors: the first is the cause', ['first', 'second'], 1, { code: 1, reason: 'crashed: first' }]
  ] as const)('reports %s', async (_what, errors, code, exit) => {
    const tracker = new ChildExitTracker()
    for (const e of errors) tracker.crashed(e)
    tracker.childExited(code)
    expect(await tracker.gone).toEqual(exit)
    expect(tracker.exited).toBe(true)
  })

  it('reports a kill we asked for as killed, and kills once', async () => {
    const tracker = new ChildExitTracker()
    let kills = 0
    const killed = tracker.kill(() => {
      kills++
      queueMicrotask(() => tracker.childExited(143))
    })
    await killed
    expect(await tracker.gone).toEqual({ code: null, reason: 'killed' })
    await tracker.kill(() => {
      kills++
    })
    expect(kills).toBe(1)
  })

  it('calls exit handlers once, also those added after the exit, and not removed ones', async () => {
    const tracker = new ChildExitTracker()
    const seen: string[] = []
    tracker.onExit((e) => seen.push(`early ${e.reason}`))
    const off = tracker.onExit(() => seen.push('removed'))
    off()
    tracker.childExited(0)
    tracker.childExited(1)
    tracker.onExit((e) => seen.push(`late ${e.reason}`))
    expect(seen).toEqual(['early exited with code 0'])
    await Promise.resolve()
    expect(seen).toEqual(['early exited with code 0', 'late exited with code 0'])
  })
})

describe('OnceValue', () => {
  it('keeps the first value and tells every listener once', async () => {
    const once = new OnceValue<string>()
    const seen: string[] = []
    once.listen((v) => seen.push(v))
    expect(once.settle('a')).toBe(true)
    expect(once.settle('b')).toBe(false)
    expect(once.value).toBe('a')
    once.listen((v) => seen.push(`late ${v}`))
    await Promise.resolve()
    expect(seen).toEqual(['a', 'late a'])
  })
})
