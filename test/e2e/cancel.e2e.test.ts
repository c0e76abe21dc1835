import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, useLabPage } from './helpers'

/** The recorded run as `migration-lab show --json` prints it, from the web host's home. */
function recordedRun(
  home: string,
  runId: number
): {
  run: { status: string }
  result: { status: string; 'total-time': number; lab: { verified: boolean } }
  progress: { 'time-ms': number }[]
} {
  const out = execFileSync(
    process.execPath,
    [join(ROOT, 'bin', 'migration-lab.mjs'), 'show', String(runId), '--json'],
    { env: { ...process.env, MIGRATION_LAB_HOME: home }, encoding: 'utf8' }
  )
  return JSON.parse(out)
}

/** "3.41 s" → 3410 ms (the virtual clock of the playback controls). */
function clockMs(text: string): number {
  const m = /([\d.]+) (ms|s)\b/.exec(text)
  if (!m) throw new Error(`no time in ${JSON.stringify(text)}`)
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1)
}

// Issue 12 defect 1: the engine runs far ahead of the replay; Esc must stop what is on screen.
describe('Esc cancels the run at the moment on screen', () => {
  const lab = useLabPage()
  const status = () => lab.page.getByTestId('run-status').textContent()
  const clock = () => lab.page.locator('[data-testid="virtual-clock"] .now').textContent()

  it('at 1×, after the engine has finished: Cancelled at once, recorded as it was then', async () => {
    await lab.page.goto(`${lab.host.url}#/configure`)
    await expect.poll(() => lab.page.getByTestId('run').isEnabled(), { timeout: 15_000 }).toBe(true)
    await lab.page.getByTestId('run').click()
    await expect.poll(status, { timeout: 15_000 }).toMatch(/Running|Replaying/)
    await lab.page.getByTestId('speed-1').click()
    // The default run converges after ~41 s of virtual time; the engine is done in seconds,
    // while the replay at 1× has shown only the first seconds.
    await expect.poll(status, { timeout: 30_000 }).toBe('Replaying')
    await expect.poll(async () => clockMs((await clock()) ?? ''), { timeout: 15_000 }).toBeGreaterThan(1000)

    await lab.page.keyboard.press('Escape')
    const pressedAt = Date.now()
    const shownMs = clockMs((await clock()) ?? '')
    await expect.poll(status, { timeout: 5000, interval: 50 }).toBe('Cancelled')
    const tookMs = Date.now() - pressedAt
    expect(tookMs).toBeLessThan(1500)
    // The clock stayed where the user pressed Esc (not the engine's 41 s).
    expect(clockMs((await clock()) ?? '')).toBeLessThan(shownMs + 1000)
    await expect.poll(() => lab.page.getByTestId('run-summary').isVisible()).toBe(true)
    expect(await lab.page.getByTestId('summary-converged').textContent()).toContain('no')

    const runId = Number((await lab.page.evaluate(() => location.hash)).split('/').pop())
    const recorded = recordedRun(lab.host.home, runId)
    expect(recorded.run.status).toBe('cancelled')
    expect(recorded.result.status).toBe('cancelled')
    // Cancelled at the moment on screen: within one 100 ms window (plus the clock's ≤100 ms tick).
    expect(recorded.result['total-time']).toBeGreaterThanOrEqual(shownMs - 150)
    expect(recorded.result['total-time']).toBeLessThan(shownMs + 400)
    expect(recorded.result.lab.verified).toBe(true)
    // The recorded telemetry ends there too.
    const lastSample = recorded.progress[recorded.progress.length - 1]['time-ms']
    expect(lastSample).toBeLessThanOrEqual(recorded.result['total-time'] + 1)
  }, 90_000)

  it('shows no console errors', () => {
    expect(lab.consoleErrors).toEqual([])
  })
})
