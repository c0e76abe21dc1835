import { describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { screenshotPath, useLabPage } from './helpers'

// History, sweeps and Compare through the real web host (real engine, real history database in a
// fresh MIGRATION_LAB_HOME) in Debian's Chromium.
describe('history, sweeps and compare in a browser', () => {
  const lab = useLabPage()

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
    await lab.page.goto(`${lab.host.url}#/history`)
    await expect.poll(() => lab.page.getByTestId('connection-status').textContent()).toContain('Connected')
    await expect.poll(() => lab.page.getByTestId('history-empty').textContent()).toContain('No runs yet')

    await lab.page.getByRole('tab', { name: 'New sweep' }).click()
    await lab.page.getByLabel('Values (comma-separated)').fill('100, 300, 500')
    await lab.page.getByLabel('Name', { exact: true }).fill('e2e downtime-limit sweep')
    expect(await lab.page.getByTestId('sweep-plan').textContent()).toBe(
      '3 point(s) × 1 repetition(s) = 3 run(s)'
    )
    await lab.page.getByTestId('sweep-start').click()

    // When the sweep ends, its comparison opens by itself.
    await expect
      .poll(() => lab.page.getByTestId('compare-title').textContent(), { timeout: 60_000 })
      .toBe('Experiment: e2e downtime-limit sweep')
    const downtime = lab.page.getByTestId('compare-chart-downtime')
    await expect.poll(() => downtime.getAttribute('data-points')).toBe('3')
    await expect.poll(() => lab.page.getByTestId('compare-summary-row').count()).toBe(3)
    expect(
      (await lab.page.getByTestId('compare-summary-row').locator('th').allTextContents()).map((s) => s.trim())
    ).toEqual(['100', '300', '500'])
    await expect.poll(() => paintedPixels(downtime)).toBeGreaterThan(500)
    await expect
      .poll(() => lab.page.getByTestId('compare-chart-parameter').getAttribute('data-points'))
      .toBe('3')
    await expect
      .poll(() => paintedPixels(lab.page.getByTestId('compare-chart-progress')))
      .toBeGreaterThan(500)
    // Only the varied parameter differs (differences only is on by default).
    expect(await lab.page.getByTestId('differences-only').isChecked()).toBe(true)
    expect(await lab.page.getByTestId('config-diff-row').count()).toBe(1)
    // Plural grammar: "1 repetition per configuration", "46 parameters are the same" (not "(s)").
    const compareText = (await lab.page.locator('main').textContent()) ?? ''
    expect(compareText).toContain('1 repetition per configuration')
    expect(compareText).toMatch(/\d+ parameters are the same everywhere/)
    expect(compareText).not.toMatch(/repetition\(s\)|parameter\(s\)/)
    await lab.page.screenshot({ path: await screenshotPath('compare-sweep-light'), fullPage: true })

    await lab.page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(() => lab.page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await expect.poll(() => paintedPixels(downtime)).toBeGreaterThan(500)
    await lab.page.screenshot({ path: await screenshotPath('compare-sweep-dark'), fullPage: true })
    await lab.page.emulateMedia({ colorScheme: 'light' })
  })

  it('finds a run by a config filter, adds a note that survives a reload', async () => {
    await lab.page.getByTestId('screen-history').click()
    await lab.page.getByRole('tab', { name: 'Runs' }).click()
    await expect.poll(() => lab.page.locator('[data-testid^="run-row-"]').count()).toBe(3)

    await lab.page.getByLabel('Config conditions').fill('migration.parameters.downtime-limit >= 300')
    await lab.page.getByTestId('filter-apply').click()
    await expect.poll(() => lab.page.locator('[data-testid^="run-row-"]').count()).toBe(2)
    const row = lab.page.locator('[data-testid^="run-row-"]', { hasText: 'downtime-limit=500' })
    await row.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => lab.page.getByTestId('run-detail').textContent()).toContain('downtime-limit=500')
    expect(await lab.page.getByTestId('detail-syncs').locator('tbody tr').count()).toBeGreaterThan(0)
    await lab.page.getByTestId('detail-notes').fill('converges well at 500 ms')
    await lab.page.getByTestId('detail-save-note').click()
    await expect.poll(() => row.textContent()).toContain('converges well at 500 ms')
    await lab.page.screenshot({ path: await screenshotPath('history-run-detail'), fullPage: true })

    await lab.page.reload()
    await expect.poll(() => lab.page.getByTestId('connection-status').textContent()).toContain('Connected')
    await lab.page.getByLabel('Search').fill('converges well')
    await lab.page.getByTestId('filter-apply').click()
    await expect.poll(() => lab.page.locator('[data-testid^="run-row-"]').count()).toBe(1)
    expect(await lab.page.locator('[data-testid^="run-row-"]').textContent()).toContain('downtime-limit=500')
  })

  it('deletes a run and brings it back with Undo', async () => {
    await lab.page.getByTestId('filter-clear').click()
    await expect.poll(() => lab.page.locator('[data-testid^="run-row-"]').count()).toBe(3)
    await lab.page.locator('[data-testid^="run-row-"]').first().getByRole('checkbox').check()
    await lab.page.getByTestId('delete-selected').click()
    await expect.poll(() => lab.page.locator('[data-testid^="run-row-"]').count()).toBe(2)
    await expect
      .poll(() => lab.page.getByTestId('history-toast').textContent())
      .toContain('Moved 1 run to the bin.')
    await lab.page.getByTestId('toast-action').click()
    await expect.poll(() => lab.page.locator('[data-testid^="run-row-"]').count()).toBe(3)
    await lab.page.screenshot({ path: await screenshotPath('history-list'), fullPage: true })
  })

  it('compares two hand-picked runs: charts fill their cards, runs named by id in words', async () => {
    const rows = lab.page.locator('[data-testid^="run-row-"]')
    await rows.nth(0).getByRole('checkbox').check()
    await rows.nth(1).getByRole('checkbox').check()
    await lab.page.getByTestId('compare-selected').click()
    const downtime = lab.page.getByTestId('compare-chart-downtime')
    await expect.poll(() => downtime.getAttribute('data-points'), { timeout: 15_000 }).toBe('2')
    await expect.poll(() => paintedPixels(downtime)).toBeGreaterThan(500)
    // The canvas spans its card (it was drawn over 60 % of it), and stays so after a resize.
    const fill = (testid: string) =>
      lab.page.getByTestId(testid).evaluate((card) => {
        const canvas = card.querySelector('canvas')
        return canvas ? canvas.getBoundingClientRect().width / card.clientWidth : 0
      })
    for (const id of ['compare-chart-downtime', 'compare-chart-progress'])
      await expect.poll(() => fill(id)).toBeGreaterThan(0.9)
    // "run 2 · downtime-limit=300": `#` is left to a sweep's repetitions.
    const names = await lab.page.getByTestId('compare-summary-row').locator('th').allTextContents()
    expect(names.map((n) => n.trim())).toEqual(names.map(() => expect.stringMatching(/^run \d+ · /)))
    expect(names.join(' ')).not.toMatch(/#\d/)
    await lab.page.screenshot({ path: await screenshotPath('compare-runs-light'), fullPage: true })
    await lab.page.getByTestId('screen-history').click()
    await rows.nth(0).getByRole('checkbox').uncheck()
    await rows.nth(1).getByRole('checkbox').uncheck()
  })

  it('shows History, Compare and Live in Chinese and in the dark theme (screenshots to look at)', async () => {
    await lab.page.getByLabel('Language').selectOption('zh-CN')
    await expect.poll(() => lab.page.evaluate(() => document.documentElement.lang)).toBe('zh-CN')
    // Status words and button labels stay on one line (they wrapped mid-word: 已完/成, 打/开).
    const lines = (selector: string) =>
      lab.page.evaluate((sel) => {
        return [...document.querySelectorAll(sel)].map((el) => {
          const range = document.createRange()
          range.selectNodeContents(el)
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
        })
      }, selector)
    await expect.poll(() => lines('[data-testid^="run-row-"] .status')).toEqual([1, 1, 1])
    expect(await lines('[data-testid^="open-run-"]')).toEqual([1, 1, 1])
    await lab.page.screenshot({ path: await screenshotPath('history-list-zh-light'), fullPage: true })
    await lab.page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(() => lab.page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await lab.page.screenshot({ path: await screenshotPath('history-list-zh-dark'), fullPage: true })
    await lab.page.getByTestId('screen-compare').click()
    await lab.page.screenshot({ path: await screenshotPath('compare-zh-dark'), fullPage: true })
    await lab.page.getByTestId('screen-live').click()
    await lab.page.screenshot({ path: await screenshotPath('live-zh-dark'), fullPage: true })
    await lab.page.getByLabel('语言').selectOption('en')
    await expect.poll(() => lab.page.evaluate(() => document.documentElement.lang)).toBe('en')
    await lab.page.getByTestId('screen-history').click()
    await lab.page.screenshot({ path: await screenshotPath('history-list-dark'), fullPage: true })
    await lab.page.emulateMedia({ colorScheme: 'light' })
  })

  it('logged no console errors', () => {
    expect(lab.consoleErrors).toEqual([])
  })
})
