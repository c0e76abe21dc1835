import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { screenshotPath, useLabPage } from './helpers'

// "Measure on QEMU" through the real web host in Debian's Chromium: a real QEMU (>= 9, which
// .ci/run installs) migrates a small idle guest under TCG on this host, the Live view draws it
// and says it is measured, and History lists it as measured. The guest image is built by the
// first measurement in this host's fresh MIGRATION_LAB_HOME (about 20 s), which is what a first
// user sees. Then a host whose QEMU is missing ($MIGRATION_LAB_QEMU) disables the action, saying why.

/** 128 MiB idle at 64 MiB/s: about a second of migration after a few seconds of boot. */
const SMALL_IDLE = {
  name: 'e2e measured idle 128 MiB',
  guest: { 'memory-mib': 128, vcpus: 1, workloads: [{ pattern: 'idle' }] },
  migration: { parameters: { 'max-bandwidth': 64 * 2 ** 20 } }
}
const DRAFT_KEY = 'migration-lab.configure.draft'

describe('measure on QEMU from the UI', () => {
  const lab = useLabPage()
  let measuredRunId = 0

  it('measures a small idle guest: Live shows it as measured, History lists it as measured', async () => {
    const page = lab.page
    await page.goto(`${lab.host.url}#/configure`)
    await page.evaluate(
      ([key, draft]) => localStorage.setItem(key, draft),
      [DRAFT_KEY, JSON.stringify(SMALL_IDLE)]
    )
    await page.reload()
    const measure = page.getByTestId('measure')
    await expect.poll(() => measure.isEnabled(), { timeout: 20_000 }).toBe(true)
    const description = (await page.getByTestId('measure-description').textContent()) ?? ''
    expect(description).toMatch(/Runs this config on QEMU (9|[1-9]\d)\.\d+\.\d+/)
    // A fresh user data directory: the guest is built on the first run, and the action says so.
    expect(description).toContain('The first run builds the guest image')
    await page.getByTestId('measure-accel').selectOption('tcg')
    await page.getByTestId('measure-verify').check()
    await measure.click()

    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/live/)
    const badge = page.getByTestId('measured-badge')
    await expect
      .poll(() => badge.textContent())
      .toMatch(/Measured on QEMU \d+\.\d+\.\d+ \(TCG\), with memory verification/)
    // The guest build's progress line, then the migration's, are shown as they come.
    await expect
      .poll(() => page.locator('.engine-note').textContent(), { timeout: 60_000 })
      .toMatch(/guest: |measure: /)
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 150_000 })
      .toBe('Completed')
    await expect.poll(() => badge.textContent()).toMatch(/^Measured on QEMU \d+\.\d+\.\d+ \(TCG\)$/)
    // Recorded: the address names the history's run.
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/live\/\d+$/)
    const runId = Number((await page.evaluate(() => location.hash)).split('/').pop())
    await page.screenshot({ path: await screenshotPath('measure-live'), fullPage: true })

    await page.goto(`${lab.host.url}#/history`)
    const row = page.getByTestId(`run-row-${runId}`)
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain(SMALL_IDLE.name)
    expect(await row.textContent()).toContain('Measured')
    expect(await row.textContent()).toContain('Completed')
    measuredRunId = runId
    expect(lab.consoleErrors).toEqual([])
  }, 240_000)

  it('calibrates the host model from the measured run and saves it as a host preset Configure offers', async () => {
    const page = lab.page
    await page.getByTestId(`open-run-${measuredRunId}`).click()
    await page.getByTestId('calibrate-run').click()
    const figures = page.getByTestId('calibrate-figures')
    await expect.poll(() => figures.isVisible(), { timeout: 120_000 }).toBe(true)
    const rows = await figures.locator('tbody tr').allTextContents()
    expect(rows.find((r) => r.includes('Total time'))).toMatch(/%\).*%\)/)
    expect(await page.getByTestId('calibrate-host').textContent()).toContain('stop-ms')
    await page.getByTestId('calibrate-preset-name').fill('e2e calibrated host')
    await page.getByTestId('calibrate-save').click()
    await expect
      .poll(() => page.getByTestId('calibrate-saved').textContent())
      .toContain('Saved as host preset “e2e calibrated host”')

    await page.goto(`${lab.host.url}#/configure`)
    await page.getByTestId('section-host').locator('summary').click()
    const presets = page.getByTestId('host-preset-select')
    await expect.poll(() => presets.locator('option').allTextContents()).toContain('e2e calibrated host')
    await presets.selectOption('e2e calibrated host')
    await expect.poll(() => page.locator('#host-preset-help').textContent()).toContain('e2e calibrated host')
    expect(lab.consoleErrors).toEqual([])
  }, 180_000)

  it('Compare overlays the measured run on a simulated run of the same config', async () => {
    const page = lab.page
    // The same config, simulated (the host preset chosen above changes only `host`, not the name).
    await page.getByTestId('run').click()
    await expect.poll(() => page.evaluate(() => location.hash), { timeout: 15_000 }).toMatch(/^#\/live\/\d+$/)
    const simulatedRunId = Number((await page.evaluate(() => location.hash)).split('/').pop())
    expect(simulatedRunId).not.toBe(measuredRunId)
    await page.goto(`${lab.host.url}#/history`)
    await expect
      .poll(() => page.getByTestId(`run-row-${simulatedRunId}`).textContent(), { timeout: 30_000 })
      .toContain('Completed')
    await page.getByLabel(`Select run #${measuredRunId}`).check()
    await page.getByLabel(`Select run #${simulatedRunId}`).check()
    await page.getByTestId('compare-selected').click()
    const predicted = page.getByTestId('compare-predicted')
    await expect.poll(() => predicted.isVisible(), { timeout: 15_000 }).toBe(true)
    expect(await predicted.textContent()).toContain('Total time')
    await page.screenshot({ path: await screenshotPath('measure-compare'), fullPage: true })
    expect(lab.consoleErrors).toEqual([])
  }, 120_000)
  it('a reload mid-measurement picks it up again, and Cancel stops it: recorded as cancelled', async () => {
    const page = lab.page
    const slow = {
      name: 'e2e measured, cancelled',
      guest: { 'memory-mib': 256, vcpus: 1, workloads: [{ pattern: 'idle' }] },
      migration: { parameters: { 'max-bandwidth': 4 * 2 ** 20 } }
    }
    await page.goto(`${lab.host.url}#/configure`)
    await page.evaluate(([key, draft]) => localStorage.setItem(key, draft), [DRAFT_KEY, JSON.stringify(slow)])
    await page.reload()
    await expect.poll(() => page.getByTestId('measure').isEnabled(), { timeout: 20_000 }).toBe(true)
    await page.getByTestId('measure-accel').selectOption('tcg')
    await page.getByTestId('measure').click()
    await expect
      .poll(() => page.locator('.engine-note').textContent(), { timeout: 60_000 })
      .toContain('measure: migration active')
    await page.reload()
    await expect
      .poll(() => page.getByTestId('measured-badge').textContent())
      .toMatch(/Measured on QEMU .* \(TCG\)/)
    expect(await page.getByTestId('run-name').textContent()).toBe(slow.name)
    expect(await page.getByTestId('run-status').textContent()).toBe('Measuring')
    await page.getByTestId('cancel-run').click()
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 30_000 })
      .toBe('Cancelled')
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/live\/\d+$/)
    const runId = Number((await page.evaluate(() => location.hash)).split('/').pop())
    await page.goto(`${lab.host.url}#/history`)
    const row = page.getByTestId(`run-row-${runId}`)
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain(slow.name)
    expect(await row.textContent()).toContain('Cancelled')
    expect(await row.textContent()).toContain('Measured')
    expect(lab.consoleErrors).toEqual([])
  }, 180_000)
})

describe('measure on QEMU where QEMU is missing', () => {
  const missing = join('/nonexistent', 'qemu-system-x86_64')
  const lab = useLabPage({ host: { env: { MIGRATION_LAB_QEMU: missing } } })

  it('disables the action and says what is wrong and what to do', async () => {
    const page = lab.page
    await page.goto(`${lab.host.url}#/configure`)
    const description = page.getByTestId('measure-description')
    await expect
      .poll(() => description.textContent(), { timeout: 20_000 })
      .toContain('Measuring is not possible on this host')
    expect(await description.textContent()).toContain(
      `MIGRATION_LAB_QEMU: ${missing} does not exist or is not executable`
    )
    expect(await page.getByTestId('measure').isDisabled()).toBe(true)
    expect(await page.getByTestId('measure').getAttribute('title')).toBe(await description.textContent())
    expect(lab.consoleErrors).toEqual([])
  })
})
