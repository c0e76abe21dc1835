import { describe, expect, it } from 'vitest'
import { screenshotPath, useLabPage } from './helpers'

// The swimlane's layout in src/renderer/src/charts/live-options.ts: lanes start 32 px below the
// chart's top, 20 px each, in the order migration thread, destination, vCPU 0, vCPU 1, …
const LANES_TOP_PX = 32
const LANE_HEIGHT_PX = 20

// Issue 12 defect 9: hovering a lane showed nothing; a user could not tell what a bar was.
describe('the swimlanes of the Live screen', () => {
  const lab = useLabPage()

  it('name the lane, its state and when it was in it on hover', async () => {
    const page = lab.page
    await page.goto(`${lab.host.url}#/configure`)
    await expect.poll(() => page.getByTestId('run').isEnabled(), { timeout: 15_000 }).toBe(true)
    await page.getByTestId('run').click()
    await page.getByTestId('skip-to-end').click({ timeout: 30_000 })
    await expect.poll(() => page.getByTestId('run-summary').isVisible(), { timeout: 30_000 }).toBe(true)

    const canvas = page.getByTestId('live-charts').locator('canvas').first()
    await canvas.evaluate((c) => c.scrollIntoView({ block: 'start' }))
    const box = await canvas.boundingBox()
    if (!box) throw new Error('the live chart has no canvas')
    const tooltip = page.locator('.lab-chart-tooltip')
    const lanes: [string, RegExp][] = [
      ['Migration thread', /^Migration thread: (setup|iterating|syncing)/],
      ['Destination', /^Destination: (idle|loading)/],
      ['vCPU 0', /^vCPU 0: (running|throttled)/],
      ['vCPU 1', /^vCPU 1: (running|throttled)/]
    ]
    for (const [i, [lane, expected]] of lanes.entries()) {
      // A third of the way in: mid-migration, every lane busy in its pre-switchover state.
      await page.mouse.move(box.x + box.width * 0.3, box.y + LANES_TOP_PX + (i + 0.5) * LANE_HEIGHT_PX)
      await expect.poll(() => tooltip.isVisible(), { timeout: 3000, message: lane }).toBe(true)
      await expect.poll(async () => (await tooltip.innerText()).trim(), { timeout: 3000 }).toMatch(expected)
      // When the state began and ended, and how long it lasted.
      expect(await tooltip.innerText()).toMatch(/\d+(\.\d+)? m?s – \d+(\.\d+)? m?s \(\d+(\.\d+)? m?s\)/)
      if (i === 2) await page.screenshot({ path: await screenshotPath('swimlane-tooltip') })
    }
    expect(lab.consoleErrors).toEqual([])
  }, 90_000)
})
