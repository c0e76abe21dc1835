import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPORT_CSP, renderReport, type RenderedFile } from '../../src/main/report'
import {
  AUTO_CONVERGE,
  CHROMIUM_PATH,
  CONVERGING,
  HOT_SET,
  ROOT,
  importMeasured,
  recordExperiment,
  recordRun,
  tempHistory,
  type TempHistory
} from './helpers'

// The HTML report opened in Debian's Chromium as a user would open the file: charts drawn as SVG,
// not one request beyond the file itself, no console error. The PDF is printed by the same
// Chromium and read back with poppler's pdfinfo/pdftotext.

const RESULTS_DIR = join(ROOT, 'test-results')
let t: TempHistory
let browser: Browser
const ids: Record<string, number> = {}
let experimentId: number

beforeAll(async () => {
  t = tempHistory()
  ids.autoConverge = await recordRun(t.history, AUTO_CONVERGE, {
    label: 'hot set <img src=x onerror=alert(1)>'
  })
  ids.hotSet = await recordRun(t.history, HOT_SET)
  ids.unverified = await recordRun(t.history, CONVERGING, { hooks: { dropDirtyLogOfVcpu: 0 } })
  ids.measured = importMeasured(t.history)
  ;({ experimentId } = await recordExperiment(
    t.history,
    HOT_SET,
    { path: 'migration.parameters.downtime-limit', values: [300, 1000, 3000] },
    2
  ))
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking']
  })
  mkdirSync(RESULTS_DIR, { recursive: true })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  t.cleanup()
})

function html(file: RenderedFile | undefined): string {
  if (!file || typeof file.content !== 'string') throw new Error('expected HTML text')
  return file.content
}

interface Opened {
  page: Page
  requests: string[]
  consoleErrors: string[]
  close(): Promise<void>
}

/** Writes the report to a file and opens it, recording every request and console error. */
async function open(name: string, text: string): Promise<Opened> {
  const file = join(t.dir, `${name}.html`)
  writeFileSync(file, text)
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
  const page = await context.newPage()
  const requests: string[] = []
  const consoleErrors: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(e.message))
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
  return { page, requests, consoleErrors, close: () => context.close() }
}

/** The summary card whose label is exactly `label`. */
function metric(page: Page, label: string) {
  return page.locator('.metric').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
}

/** Per chart figure: how many <path> elements its SVG has. */
async function chartPaths(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('figure')].map((f) => [f.id, f.querySelectorAll('svg path').length])
    )
  )
}

describe('HTML report of one run', () => {
  it('opens offline with its SVG charts, no request but the file itself, and no console error', async () => {
    const text = html((await renderReport(t.history, { runIds: [ids.autoConverge as number] }, 'html'))[0])
    expect(text).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replace(/'/g, '&#39;')}">`
    )
    expect(text).not.toMatch(/<script/i)
    expect(text).not.toMatch(/\s(src|href)=["']?(https?:|\/\/)/i)
    const { page, requests, consoleErrors, close } = await open('run', text)
    try {
      expect(requests).toEqual([page.url()])
      expect(consoleErrors).toEqual([])
      const charts = await chartPaths(page)
      expect(Object.keys(charts)).toEqual([
        'chart-remaining',
        'chart-bandwidth',
        'chart-expected-downtime',
        'chart-dirty-rate',
        'chart-throttle',
        'chart-throughput'
      ])
      for (const [id, paths] of Object.entries(charts)) expect(paths, id).toBeGreaterThan(5)
      // A label typed by a user is text, not markup.
      await expect(page.locator('h1').textContent()).resolves.toContain('<img src=x onerror=alert(1)>')
      await expect(page.locator('img').count()).resolves.toBe(0)
      const headline = await page.locator('.headline').textContent()
      expect(headline).toMatch(/^Converged after \d+ dirty syncs/)
      const verified = await metric(page, 'Verified').textContent()
      expect(verified).toContain('yes')
      await expect(page.locator('#syncs tbody tr').count()).resolves.toBeGreaterThan(5)
      await expect(page.locator('#qemu pre').first().textContent()).resolves.toContain(
        '"execute":"migrate-set-capabilities"'
      )
      await page.screenshot({ path: join(RESULTS_DIR, 'report-run.png'), fullPage: true })
    } finally {
      await close()
    }
  })

  it('shows a failed verification loudly', async () => {
    const text = html((await renderReport(t.history, { runIds: [ids.unverified as number] }, 'html'))[0])
    const { page, close } = await open('unverified', text)
    try {
      const alert = page.locator('.alert[role="alert"]')
      await expect(alert.count()).resolves.toBe(1)
      await expect(alert.textContent()).resolves.toMatch(/^VERIFICATION FAILED/)
      await expect(metric(page, 'Verified').textContent()).resolves.toContain('NO')
    } finally {
      await close()
    }
  })

  it('shows what a measured run did not record as "not measured", never 0', async () => {
    const text = html((await renderReport(t.history, { runIds: [ids.measured as number] }, 'html'))[0])
    const { page, close, consoleErrors } = await open('measured', text)
    try {
      expect(consoleErrors).toEqual([])
      const breakdown = await page.locator('#downtime td:nth-child(2)').allTextContents()
      expect(breakdown).toEqual(Array(5).fill('not measured'))
      await expect(metric(page, 'Verified').textContent()).resolves.toContain('not measured')
      const newDirty = await page.locator('#syncs tbody tr td:nth-child(5)').allTextContents()
      expect(newDirty.length).toBeGreaterThan(2)
      expect(new Set(newDirty)).toEqual(new Set(['not measured']))
      await expect(page.locator('.badge.measured').count()).resolves.toBe(1)
    } finally {
      await close()
    }
  })
})

describe('HTML comparison report', () => {
  it('draws downtime against the varied parameter and lists only the config fields that differ', async () => {
    const text = html((await renderReport(t.history, { experimentId }, 'html'))[0])
    const { page, requests, consoleErrors, close } = await open('experiment', text)
    try {
      expect(requests).toEqual([page.url()])
      expect(consoleErrors).toEqual([])
      const charts = await chartPaths(page)
      expect(Object.keys(charts)).toEqual([
        'chart-downtime-vs-parameter',
        'chart-total-time-vs-parameter',
        'chart-remaining-overlay',
        'chart-throughput-overlay'
      ])
      for (const [id, paths] of Object.entries(charts)) expect(paths, id).toBeGreaterThan(3)
      // downtime-limit 300, 1000, 3000 on a value axis: its ticks are round numbers between the
      // values (an evenly spaced category axis would label exactly 300, 1000 and 3000).
      const ticks = await page.locator('#chart-downtime-vs-parameter svg text').allTextContents()
      expect(ticks.some((tick) => /^(1,?500|2,?000|2,?500)$/.test(tick.trim()))).toBe(true)
      // Remaining memory on a log axis: its ticks are powers of ten.
      const remainingTicks = await page.locator('#chart-remaining-overlay svg text').allTextContents()
      expect(remainingTicks.filter((tick) => /^(1|10|100|1,?000)$/.test(tick.trim())).length).toBeGreaterThan(
        1
      )
      const groups = await page.locator('#groups tbody tr td:first-child').allTextContents()
      expect(groups).toEqual(['300', '1000', '3000'])
      const differing = await page.locator('#config thead th').allTextContents()
      expect(differing).toEqual(['run', 'label', 'migration.parameters.downtime-limit', 'seed'])
      await expect(page.locator('#config').textContent()).resolves.toMatch(
        /\d+ other settings are equal in every run/
      )
      await page.screenshot({ path: join(RESULTS_DIR, 'report-experiment.png'), fullPage: true })
    } finally {
      await close()
    }
  })

  it('with two varied parameters, draws one series per value of the second', async () => {
    const two = await recordExperiment(t.history, CONVERGING, [
      { path: 'migration.parameters.downtime-limit', values: [100, 300] },
      { path: 'migration.parameters.max-bandwidth', values: [67108864, 134217728] }
    ])
    const text = html((await renderReport(t.history, { experimentId: two.experimentId }, 'html'))[0])
    const { page, consoleErrors, close } = await open('two-varied', text)
    try {
      expect(consoleErrors).toEqual([])
      const series = await page.locator('#groups h3').allTextContents()
      expect(series).toEqual(['max-bandwidth=67108864', 'max-bandwidth=134217728'])
      for (const name of series)
        await expect(page.locator('#chart-downtime-vs-parameter svg').textContent()).resolves.toContain(name)
      const groups = await page.locator('#groups tbody tr td:first-child').allTextContents()
      expect(groups).toEqual(['100', '300', '100', '300'])
    } finally {
      await close()
    }
  })

  it('puts a measured run next to simulated ones, labelled measured', async () => {
    const text = html(
      (
        await renderReport(
          t.history,
          { runIds: [ids.hotSet as number, ids.autoConverge as number, ids.measured as number] },
          'html'
        )
      )[0]
    )
    const { page, consoleErrors, close } = await open('mixed', text)
    try {
      expect(consoleErrors).toEqual([])
      const sources = await page.locator('#runs tbody tr td:nth-child(3)').allTextContents()
      expect(sources).toEqual(['simulated', 'simulated', 'measured'])
      const verified = await page.locator('#runs tbody tr td:last-child').allTextContents()
      expect(verified).toEqual(['—', 'yes', 'not measured'])
      await expect(page.locator('#chart-downtime-per-run svg path').count()).resolves.toBeGreaterThan(2)
      // The chart legends name the runs: a label with markup in it stays text there too.
      await expect(page.locator('#chart-remaining-overlay svg').textContent()).resolves.toContain(
        '<img src=x'
      )
      await expect(page.locator('img').count()).resolves.toBe(0)
    } finally {
      await close()
    }
  })
})

describe('PDF', () => {
  it('prints the report with Chromium: pages, and text that can be extracted', async () => {
    const [file] = await renderReport(t.history, { runIds: [ids.autoConverge as number] }, 'pdf')
    expect(file?.fileName).toBe(`run-${ids.autoConverge}.pdf`)
    const pdf = file?.content
    if (!Buffer.isBuffer(pdf)) throw new Error('a PDF is bytes')
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const path = join(t.dir, 'run.pdf')
    writeFileSync(path, pdf)
    const info = execFileSync('pdfinfo', [path], { encoding: 'utf8' })
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])
    expect(pages).toBeGreaterThanOrEqual(3)
    expect(info).toMatch(/^Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/m)
    const words = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' })
    expect(words).toMatch(/Converged after \d+ dirty syncs/)
    expect(words).toContain('Downtime breakdown')
    expect(words).toContain('Dirty syncs')
    expect(words).toContain('migrate_set_capability auto-converge on')
    // Chart labels are vector text inside the PDF too.
    expect(words).toContain('virtual time (s)')
  })
})
