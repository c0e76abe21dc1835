import { describe, expect, it } from 'vitest'
import { cancelAndWait } from '../../src/main/lab/cancel-all'

// The host's shutdown of runs, measurements and sweeps (handlers/runs.ts, handlers/measure.ts,
// sweep-runner.ts): every job is told at once, and the shutdown waits for the slowest to record.
describe('cancelAndWait', () => {
  function job(recordMs: number, log: string[], name: string) {
    const abort = new AbortController()
    const done = new Promise<void>((resolve) => {
      abort.signal.addEventListener('abort', () => {
        log.push(`${name} aborted`)
        setTimeout(() => {
          log.push(`${name} recorded`)
          resolve()
        }, recordMs)
      })
    })
    return { abort, done }
  }

  it('cancels every job before waiting, and resolves once the last has recorded its end', async () => {
    const log: string[] = []
    const jobs = new Map([
      [1, job(20, log, 'slow')],
      [2, job(1, log, 'quick')]
    ])
    await cancelAndWait(jobs.values(), (j) => j.done, new Error('the lab host is shutting down'))
    expect(log).toEqual(['slow aborted', 'quick aborted', 'quick recorded', 'slow recorded'])
    expect(jobs.get(1)?.abort.signal.reason).toEqual(new Error('the lab host is shutting down'))
  })

  it('without a reason, aborts as abort() does', async () => {
    const one = job(0, [], 'one')
    await cancelAndWait([one], (j) => j.done)
    expect((one.abort.signal.reason as DOMException).name).toBe('AbortError')
  })
})
