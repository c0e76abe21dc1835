import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { Download } from 'playwright-core'
import { screenshotPath, startWebHost, useLabPage } from './helpers'

// Exporting reports from the UI through the real web host (real engine, real history database,
// the host's report renderer and, for the PDF, the system's Chromium) in Debian's Chromium: a
// run's HTML report from the Live run screen, and its JSON export and PDF from History.
describe('exporting reports in a browser', () => {
  const lab = useLabPage()
  let runId = 0
  /** The downtime the Live run screen showed, in ms (one decimal). */
  let shownDowntimeMs = 0

  const readDownload = async (download: Download): Promise<Buffer> => {
    expect(await download.failure()).toBeNull()
    return readFile(await download.path())
  }

  it('exports the HTML report of a finished run from the Live run screen, with the keyboard', async () => {
    const page = lab.page
    await page.goto(`${lab.host.url}#/configure`)
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected')
    await page.getByTestId('field-migration.parameters.downtime-limit').getByRole('textbox').press('Enter')
    await expect.poll(() => page.evaluate(() => location.hash), { timeout: 15_000 }).toMatch(/^#\/live\/\d+$/)
    runId = Number((await page.evaluate(() => location.hash)).split('/').pop())
    await expect.poll(() => page.getByTestId('run-summary').isVisible(), { timeout: 30_000 }).toBe(true)
    const downtimeText = (await page.getByTestId('summary-downtime').textContent()) ?? ''
    shownDowntimeMs = Number(/([\d.]+) ms/.exec(downtimeText)?.[1])
    expect(shownDowntimeMs).toBeGreaterThan(0)

    const button = page.getByRole('button', { name: `Export run ${runId}` })
    expect(await button.getAttribute('aria-disabled')).toBeNull()
    await button.focus()
    await page.keyboard.press('Enter')
    const menu = page.getByRole('menu', { name: 'Export as' })
    await expect.poll(() => menu.isVisible()).toBe(true)
    // The first item has the focus; the QEMU commands are offered for this single run.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('HTML report')
    expect(
      await page.getByRole('menuitem', { name: 'QEMU commands (QMP)' }).getAttribute('aria-disabled')
    ).toBeNull()
    await page.screenshot({ path: await screenshotPath('report-export-menu') })

    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
    expect(download.suggestedFilename()).toBe(`run-${runId}.html`)
    const html = (await readDownload(download)).toString('utf8')
    expect(html).toMatch(/^<!doctype html>/i)
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(3)
    const reported = /Downtime \(as QEMU reports it\)<\/dt><dd>([\d.]+) ms<\/dd>/.exec(html)
    expect(reported, 'the summary states the downtime').not.toBeNull()
    expect(Number(reported?.[1])).toBeCloseTo(shownDowntimeMs, 1)
    await expect
      .poll(() => page.getByTestId('live-export-status').textContent())
      .toBe(`Downloaded run-${runId}.html.`)
    expect(await menu.count()).toBe(0)
    // The focus went back to the button.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'live-export-button'
    )
  })

  it('exports a selected run from History as JSON that the history can import', async () => {
    const page = lab.page
    await page.getByTestId('screen-history').click()
    const exportSelected = page.getByTestId('selection-export-button')
    await expect.poll(() => page.getByTestId(`run-row-${runId}`).isVisible()).toBe(true)
    // Nothing selected yet: the button says why it does nothing.
    expect(await exportSelected.getAttribute('aria-disabled')).toBe('true')
    expect(await page.getByTestId('selection-export-reason').textContent()).toBe(
      'Select runs to export them.'
    )
    await page.screenshot({ path: await screenshotPath('report-export-nothing-selected') })

    await page.getByTestId(`run-row-${runId}`).getByRole('checkbox').check()
    expect(await exportSelected.getAttribute('aria-disabled')).toBeNull()
    await exportSelected.click()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'JSON (re-importable)' }).click()
    ])
    expect(download.suggestedFilename()).toMatch(/\.json$/)
    const doc = JSON.parse((await readDownload(download)).toString('utf8')) as {
      format: string
      version: number
      runs: Array<{ id: number; result: { downtime: number } | null }>
    }
    expect(doc.format).toBe('migration-lab-export')
    expect(doc.version).toBe(1)
    expect(doc.runs.map((r) => r.id)).toEqual([runId])
    expect(doc.runs[0].result?.downtime).toBeCloseTo(shownDowntimeMs, 1)
    await page.screenshot({ path: await screenshotPath('report-export-history'), fullPage: true })
  })

  it('shows progress while the PDF prints, then downloads it', async () => {
    const page = lab.page
    await page.getByTestId('selection-export-button').click()
    const downloading = page.waitForEvent('download', { timeout: 60_000 })
    await page.getByRole('menuitem', { name: 'PDF report' }).click()
    await expect
      .poll(() => page.getByTestId('selection-export-status').textContent())
      .toContain('Printing the PDF report')
    expect(await page.getByTestId('selection-export-button').getAttribute('aria-busy')).toBe('true')
    const download = await downloading
    expect(download.suggestedFilename()).toBe(`run-${runId}.pdf`)
    const pdf = await readDownload(download)
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    await expect
      .poll(() => page.getByTestId('selection-export-status').textContent(), { timeout: 10_000 })
      .toBe(`Downloaded run-${runId}.pdf.`)
  }, 90_000)

  it('logged no console errors', () => {
    expect(lab.consoleErrors).toEqual([])
  })

  // Last: while the host restarts, Chromium logs the page's failed reconnect attempts.
  it('says what to do when the host has no Chromium to print with', async () => {
    const page = lab.page
    const { port, home } = lab.host
    expect(await lab.host.stop()).toBe(0)
    lab.host = await startWebHost({ port, home, env: { CHROME_PATH: '/nonexistent/chromium' } })
    await expect
      .poll(() => page.getByTestId('connection-status').textContent(), { timeout: 15_000 })
      .toContain('Connected to the lab host')
    await page.getByTestId('selection-export-button').click()
    await page.getByRole('menuitem', { name: 'PDF report' }).click()
    const error = page.getByTestId('selection-export-error')
    await expect.poll(() => error.isVisible(), { timeout: 15_000 }).toBe(true)
    expect(await error.getAttribute('role')).toBe('alert')
    const text = await error.textContent()
    expect(text).toContain('PDF report could not be exported: PDF needs Chromium or Google Chrome')
    expect(text).toContain('CHROME_PATH is /nonexistent/chromium')
    await page.screenshot({ path: await screenshotPath('report-export-pdf-error') })
  })
})
