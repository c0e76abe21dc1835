import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import {
  cleanupHomes,
  collectConsoleErrors,
  launchBrowser,
  screenshotPath,
  startWebHost,
  type LabBrowser,
  type RunningWebHost
} from './helpers'

// History, sweeps and Compare through the real web host (real engine, real history database in a
// fresh MIGRATION_LAB_HOME) in Debian's Chromium.
describe('history, sweeps and compare in a browser', () => {
  let host: RunningWebHost
  let browser: LabBrowser
  let page: Page
  let consoleErrors: string[]

  beforeAll(async () => {
    host = await startWebHost()
    browser = await launchBrowser({ locale: 'en-US', colorScheme: 'light' })
    page = await browser.context.newPage()
    consoleErrors = collectConsoleErrors(page)
  })

  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    await cleanupHomes()
  })

  /** Non-transparent pixels of a chart's canvas (0 when ECharts drew nothing). */
  async function paintedPixels(chart: Locator): Promise<number> {
    return chart
      .locator('canvas')
      .first()
      .evaluate((canvas: HTMLCanvasElement) => {
        const context = canvas.getContext('2d')
        if (!context) return 0
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
        let painted = 0
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++
        return painted
      })
  }

  it('runs a 3-point sweep and shows three points in the comparison', async () => {
    await page.goto(`${host.url}#/history`)
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected')
    await expect.poll(() => page.getByTestId('history-empty').textContent()).toContain('No runs yet')

    await page.getByRole('tab', { name: 'New sweep' }).click()
    await page.getByLabel('Values (comma-separated)').fill('100, 300, 500')
    await page.getByLabel('Name', { exact: true }).fill('e2e downtime-limit sweep')
    expect(await page.getByTestId('sweep-plan').textContent()).toBe('3 point(s) × 1 repetition(s) = 3 run(s)')
    await page.getByTestId('sweep-start').click()

    // When the sweep ends, its comparison opens by itself.
    await expect
      .poll(() => page.getByTestId('compare-title').textContent(), { timeout: 60_000 })
      .toBe('Experiment: e2e downtime-limit sweep')
    const downtime = page.getByTestId('compare-chart-downtime')
    await expect.poll(() => downtime.getAttribute('data-points')).toBe('3')
    await expect.poll(() => page.getByTestId('compare-summary-row').count()).toBe(3)
    expect(
      (await page.getByTestId('compare-summary-row').locator('th').allTextContents()).map((s) => s.trim())
    ).toEqual(['100', '300', '500'])
    await expect.poll(() => paintedPixels(downtime)).toBeGreaterThan(500)
    await expect.poll(() => page.getByTestId('compare-chart-parameter').getAttribute('data-points')).toBe('3')
    await expect.poll(() => paintedPixels(page.getByTestId('compare-chart-progress'))).toBeGreaterThan(500)
    // Only the varied parameter differs (differences only is on by default).
    expect(await page.getByTestId('differences-only').isChecked()).toBe(true)
    expect(await page.getByTestId('config-diff-row').count()).toBe(1)
    await page.screenshot({ path: await screenshotPath('compare-sweep-light'), fullPage: true })

    await page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await expect.poll(() => paintedPixels(downtime)).toBeGreaterThan(500)
    await page.screenshot({ path: await screenshotPath('compare-sweep-dark'), fullPage: true })
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('finds a run by a config filter, adds a note that survives a reload', async () => {
    await page.getByTestId('screen-history').click()
    await page.getByRole('tab', { name: 'Runs' }).click()
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(3)

    await page.getByLabel('Config conditions').fill('migration.parameters.downtime-limit >= 300')
    await page.getByTestId('filter-apply').click()
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(2)
    const row = page.locator('[data-testid^="run-row-"]', { hasText: 'downtime-limit=500' })
    await row.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => page.getByTestId('run-detail').textContent()).toContain('downtime-limit=500')
    expect(await page.getByTestId('detail-syncs').locator('tbody tr').count()).toBeGreaterThan(0)
    await page.getByTestId('detail-notes').fill('converges well at 500 ms')
    await page.getByTestId('detail-save-note').click()
    await expect.poll(() => row.textContent()).toContain('converges well at 500 ms')
    await page.screenshot({ path: await screenshotPath('history-run-detail'), fullPage: true })

    await page.reload()
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected')
    await page.getByLabel('Search').fill('converges well')
    await page.getByTestId('filter-apply').click()
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(1)
    expect(await page.locator('[data-testid^="run-row-"]').textContent()).toContain('downtime-limit=500')
  })

  it('deletes a run and brings it back with Undo', async () => {
    await page.getByTestId('filter-clear').click()
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(3)
    await page.locator('[data-testid^="run-row-"]').first().getByRole('checkbox').check()
    await page.getByTestId('delete-selected').click()
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(2)
    await expect
      .poll(() => page.getByTestId('history-toast').textContent())
      .toContain('Moved 1 run(s) to the bin.')
    await page.getByTestId('toast-action').click()
    await expect.poll(() => page.locator('[data-testid^="run-row-"]').count()).toBe(3)
    await page.screenshot({ path: await screenshotPath('history-list'), fullPage: true })
  })

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([])
  })
})
