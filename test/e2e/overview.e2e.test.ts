import { describe, expect, it } from 'vitest'
import { CONFIG_PRESETS } from '../../src/shared/presets'
import { screenshotPath, useLabPage } from './helpers'

// The first screen is where a user starts (issue 12, defect 11): what the lab is for, every
// preset with Run and Open in Configure, one click to a first run, and the latest runs.
describe('the Overview is where a user starts', () => {
  const lab = useLabPage()

  it('says what the lab is for, lists every preset and says there are no runs yet', async () => {
    await lab.page.goto(lab.host.url)
    await expect
      .poll(() => lab.page.getByTestId('connection-status').textContent())
      .toContain('Connected to the lab host')
    expect(await lab.page.getByRole('heading', { name: 'Start here' }).isVisible()).toBe(true)
    expect(await lab.page.getByText('Watch the migration live').isVisible()).toBe(true)
    for (const preset of CONFIG_PRESETS) {
      const row = lab.page.getByTestId(`overview-preset-${preset.id}`)
      expect(await row.textContent()).toContain(preset.name)
      expect(await row.getByRole('button', { name: `Run ${preset.name}` }).isEnabled()).toBe(true)
    }
    await expect.poll(() => lab.page.getByTestId('overview-no-runs').textContent()).toContain('No runs yet')
    await lab.page.screenshot({ path: await screenshotPath('overview-empty'), fullPage: true })
  })

  it('runs QEMU defaults with one click and lists the run when the user comes back', async () => {
    await lab.page.getByTestId('overview-first-run').click()
    await expect
      .poll(() => lab.page.evaluate(() => location.hash), { timeout: 15_000 })
      .toMatch(/^#\/live\/\d+$/)
    const runId = Number((await lab.page.evaluate(() => location.hash)).split('/')[2])
    await expect
      .poll(() => lab.page.getByTestId('run-status').textContent(), { timeout: 60_000 })
      .toBe('Completed')

    await lab.page.getByTestId('screen-overview').click()
    const row = lab.page.getByTestId(`overview-recent-${runId}`)
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain(`Run ${runId}: QEMU defaults`)
    expect(await row.textContent()).toContain('Completed')
    expect(await row.textContent()).toMatch(/downtime [\d.,]+ ms/)
    expect(await lab.page.getByTestId('overview-history').textContent()).toBe('See all in History (1)')
    await lab.page.screenshot({ path: await screenshotPath('overview-recent'), fullPage: true })

    // The run opens again on Live.
    await lab.page.getByTestId(`overview-open-run-${runId}`).click()
    await expect.poll(() => lab.page.evaluate(() => location.hash)).toBe(`#/live/${runId}`)
    await expect.poll(() => lab.page.getByTestId('run-status').textContent()).toBe('Completed')
  })

  it('opens a preset in Configure, and speaks Chinese', async () => {
    await lab.page.getByTestId('screen-overview').click()
    await lab.page.getByTestId('overview-open-database-hot-set').click()
    await expect.poll(() => lab.page.evaluate(() => location.hash)).toBe('#/configure')
    expect(await lab.page.getByTestId('preset-select').inputValue()).toBe('database-hot-set')

    await lab.page.getByLabel('Language').selectOption('zh-CN')
    await lab.page.getByTestId('screen-overview').click()
    await expect.poll(() => lab.page.getByRole('heading', { name: '从这里开始' }).isVisible()).toBe(true)
    expect(await lab.page.getByTestId('overview-first-run').textContent()).toContain('立即运行')
    expect(await lab.page.getByTestId('overview-recent').textContent()).toContain('已完成')
    expect(lab.consoleErrors).toEqual([])
  })
})
