import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { findPreset, type PresetId } from '../../src/shared/presets'
import { screenshotPath, useLabPage } from './helpers'

// The Live view's capability charts in Chromium through the web host (issue 9): an XBZRLE
// preset shows its cache-hit series, a postcopy preset its postcopy-active lane.
// Layout of src/renderer/src/charts/live-options.ts: lanes from 32 px, 20 px each; below them
// (34 px gap) panels of 26 px title + 120 px plot + 34 px gap; plots from 118 px to 72 px
// before the right edge.
const LANES_TOP_PX = 32
const LANE_HEIGHT_PX = 20
const PANEL_GAP_PX = 34
const PANEL_TITLE_PX = 26
const PANEL_HEIGHT_PX = 120
const PLOT_LEFT_PX = 118
const PLOT_RIGHT_PX = 72

async function runPreset(page: Page, url: string, id: PresetId): Promise<void> {
  await page.goto(url)
  const name = findPreset(id)!.name
  await page
    .getByTestId(`overview-preset-${id}`)
    .getByRole('button', { name: `Run ${name}` })
    .click()
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('Completed')
  await expect.poll(() => page.getByTestId('run-summary').isVisible(), { timeout: 60_000 }).toBe(true)
}

async function chartBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const canvas = page.getByTestId('live-charts').locator('canvas').first()
  await canvas.evaluate((c) => c.scrollIntoView({ block: 'start' }))
  const box = await canvas.boundingBox()
  if (!box) throw new Error('the live chart has no canvas')
  return box
}

/** The screenshot the test keeps (test-results/). */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: await screenshotPath(name), fullPage: true })
}

describe('the Live view of a run with a capability', () => {
  const lab = useLabPage()

  it('XBZRLE: the cache panel shows the cache-hit rate in its tooltip', async () => {
    const page = lab.page
    await page.setViewportSize({ width: 1280, height: 1500 })
    await runPreset(page, lab.host.url, 'xbzrle-small-writes')
    const box = await chartBox(page)
    const lanes = 3 // migration thread, destination, vCPU 0
    // The fifth panel, after the four every run has (the auto-converge throttle panel is drawn
    // only when auto-converge is on or the throttle rose, and this run has neither).
    const panelTop = LANES_TOP_PX + lanes * LANE_HEIGHT_PX + PANEL_GAP_PX
    const xbzrleMiddle =
      panelTop + 4 * (PANEL_TITLE_PX + PANEL_HEIGHT_PX + PANEL_GAP_PX) + PANEL_TITLE_PX + PANEL_HEIGHT_PX / 2
    const tooltip = page.locator('.lab-chart-tooltip')
    const plotWidth = box.width - PLOT_LEFT_PX - PLOT_RIGHT_PX
    // Hits start after the first pass (most of the run): walk in from the end until the pointer
    // is at a sample with lookups.
    let text = ''
    for (let f = 0.97; f > 0.6 && !/Cache hit rate/.test(text); f -= 0.01) {
      await page.mouse.move(box.x + PLOT_LEFT_PX + plotWidth * f, box.y + xbzrleMiddle)
      text = (await tooltip.isVisible()) ? await tooltip.innerText() : ''
    }
    expect(text).toMatch(/Cache hit rate: [\d.]+ %/)
    expect(text).toMatch(/Hits: [\d,]+\/s/)
    expect(text).toMatch(/Misses: [\d,]+\/s/)
    await shot(page, 'live-e2e-xbzrle')
    expect(lab.consoleErrors).toEqual([])
  }, 120_000)

  it('postcopy: the migration lane is postcopy-active after the switch', async () => {
    const page = lab.page
    await runPreset(page, lab.host.url, 'guestperf-postcopy')
    const box = await chartBox(page)
    const tooltip = page.locator('.lab-chart-tooltip')
    const plotWidth = box.width - PLOT_LEFT_PX - PLOT_RIGHT_PX
    // The switch comes after 5 syncs, about two thirds in; the background push lasts to the end.
    let text = ''
    for (let f = 0.95; f > 0.5 && !/postcopy-active/.test(text); f -= 0.02) {
      await page.mouse.move(box.x + PLOT_LEFT_PX + plotWidth * f, box.y + LANES_TOP_PX + LANE_HEIGHT_PX / 2)
      text = (await tooltip.isVisible()) ? await tooltip.innerText() : ''
    }
    expect(text).toMatch(/^Migration thread: postcopy-active \(background push\)/)
    // The page-request panel is there too (the sixth), and the legend names the fault state.
    expect(await page.locator('.state-legend').innerText()).toContain('waiting for a page (postcopy fault)')
    await shot(page, 'live-e2e-postcopy')
    expect(lab.consoleErrors).toEqual([])
  }, 120_000)
})
