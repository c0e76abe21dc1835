// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import ReportExportMenu from '../../src/renderer/src/components/report/ReportExportMenu.vue'
import type { ReportTarget } from '../../src/renderer/src/composables/useReportExport'
import { createLabI18n } from '../../src/renderer/src/i18n'
import reportEn from '../../src/renderer/src/i18n/report.en'
import reportZhCN from '../../src/renderer/src/i18n/report.zh-CN'
import {
  OBJECT_URL_LIFETIME_MS,
  downloadBlob,
  renderedReportBlob
} from '../../src/renderer/src/services/download'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { useCompareStore } from '../../src/renderer/src/stores/compare'
import { useRunStore } from '../../src/renderer/src/stores/run'
import CompareView from '../../src/renderer/src/views/CompareView.vue'
import HistoryView from '../../src/renderer/src/views/HistoryView.vue'
import LiveRunView from '../../src/renderer/src/views/LiveRunView.vue'
import { printHtmlToPdfWithChromium } from '../../src/main/report'
import { SMALL_CONFIG, ServiceLabClient } from './service-lab-client'

// Exporting a report from the page on the real lab host (service-lab-client.ts): reports.render
// renders from the host's history database with the code `migration-lab report` uses. What
// reaches the browser's download (the Blob and the file name) is caught, and the host's PDF
// printer (its Chromium) is the test's: one that answers at once, one held to show progress, and
// the real printer pointed at a Chromium that is not there.

/** What the host's Chromium would print (the PDF's first bytes), and the HTML it was given. */
const PDF_BYTES = [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0xe2, 0xe3]
let printed: string[]
const printer = async (html: string): Promise<Buffer> => {
  printed.push(html)
  return Buffer.from(PDF_BYTES)
}

let host: ServiceLabClient
let pinia: Pinia
let wrapper: VueWrapper | undefined
/** What reached the browser's download: the Blob behind the object URL and the link's file name. */
let downloads: Array<{ blob: Blob; fileName: string; url: string }>
let revoked: string[]

beforeEach(() => {
  window.localStorage.clear()
  window.history.replaceState(null, '', '#/history')
  host = new ServiceLabClient({ engine: true })
  host.printPdf = printer
  printed = []
  installLabClient(host)
  pinia = createPinia()
  setActivePinia(pinia)
  downloads = []
  revoked = []
  let n = 0
  const blobs = new Map<string, Blob>()
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    const url = `blob:test/${++n}`
    blobs.set(url, blob as Blob)
    return url
  })
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void revoked.push(url))
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    // The link must be in the document when clicked (Firefox ignores a detached one).
    expect(this.isConnected).toBe(true)
    downloads.push({ blob: blobs.get(this.href)!, fileName: this.download, url: this.href })
  })
})
afterEach(async () => {
  wrapper?.unmount()
  wrapper = undefined
  vi.restoreAllMocks()
  vi.useRealTimers()
  await host.dispose()
})

function mountMenu(
  props: { target: ReportTarget | null; unavailableReason?: string | null; label?: string },
  locale: 'en' | 'zh-CN' = 'en'
): VueWrapper {
  wrapper = mount(ReportExportMenu, {
    props,
    global: { plugins: [pinia, createLabI18n(locale)] },
    attachTo: document.body
  })
  return wrapper
}

function mountView(view: typeof HistoryView | typeof CompareView | typeof LiveRunView): VueWrapper {
  wrapper = mount(view, {
    global: { plugins: [pinia, createLabI18n('en')], stubs: { LabChart: true, LiveCharts: true } },
    attachTo: document.body
  })
  return wrapper
}

const button = (w: VueWrapper, testid = 'report-export') => w.get(`[data-testid="${testid}-button"]`)
const item = (w: VueWrapper, id: string, testid = 'report-export') => w.get(`[data-testid="${testid}-${id}"]`)

async function exportAs(w: VueWrapper, id: string, testid = 'report-export'): Promise<void> {
  await button(w, testid).trigger('click')
  await flushPromises()
  await item(w, id, testid).trigger('click')
  await flushPromises()
}

describe('the bytes of a rendered report', () => {
  it('keeps UTF-8 text as it is and decodes a base64 body', async () => {
    const text = renderedReportBlob({
      fileName: 'run-1.csv',
      mimeType: 'text/csv',
      encoding: 'utf8',
      content: 'run-id,label\r\n1,"迁移, 1"\r\n'
    })
    expect(text.type).toBe('text/csv')
    expect(await text.text()).toBe('run-id,label\r\n1,"迁移, 1"\r\n')

    const bytes = [0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0x80, 0x0a]
    const pdf = renderedReportBlob({
      fileName: 'run-1.pdf',
      mimeType: 'application/pdf',
      encoding: 'base64',
      content: btoa(String.fromCharCode(...bytes))
    })
    expect(pdf.type).toBe('application/pdf')
    expect([...new Uint8Array(await pdf.arrayBuffer())]).toEqual(bytes)
  })

  it('downloads through a link and revokes the object URL afterwards', () => {
    vi.useFakeTimers()
    downloadBlob(new Blob(['x']), 'run-3.html')
    expect(downloads.map((d) => d.fileName)).toEqual(['run-3.html'])
    expect(document.querySelectorAll('a[download]')).toHaveLength(0)
    expect(revoked).toEqual([])
    vi.advanceTimersByTime(OBJECT_URL_LIFETIME_MS)
    expect(revoked).toEqual([downloads[0].url])
  })
})

describe('the export menu', () => {
  it('renders an HTML report of a run and downloads it under the host’s name', async () => {
    const run = host.addRun({ label: 'idle guest' })
    const w = mountMenu({ target: { runIds: [run.id] }, label: `Export run ${run.id}` })
    expect(button(w).attributes('aria-label')).toBe(`Export run ${run.id}`)
    expect(button(w).attributes('aria-haspopup')).toBe('menu')
    expect(button(w).attributes('aria-expanded')).toBe('false')
    await exportAs(w, 'html')
    expect(host.callsOf('reports.render')).toEqual([{ runIds: [run.id], format: 'html' }])
    expect(downloads).toHaveLength(1)
    expect(downloads[0].fileName).toBe(`run-${run.id}.html`)
    expect(downloads[0].blob.type).toBe('text/html')
    const html = await downloads[0].blob.text()
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toContain('idle guest')
    expect(w.get('[data-testid="report-export-status"]').text()).toBe(`Downloaded run-${run.id}.html.`)
    expect(w.find('[role="menu"]').exists()).toBe(false)
  })

  it('asks for the chosen CSV table', async () => {
    const experimentId = host.addExperiment('limit sweep', [
      { path: 'migration.parameters.downtime-limit', values: [100, 300] }
    ])
    for (const ms of [100, 300])
      host.addRun({ experimentId, config: { migration: { parameters: { 'downtime-limit': ms } } } })
    const w = mountMenu({ target: { experimentId } })
    await exportAs(w, 'csv-syncs')
    expect(host.callsOf('reports.render')).toEqual([{ experimentId, format: 'csv', csvTable: 'syncs' }])
    expect(downloads.map((d) => [d.fileName, d.blob.type])).toEqual([
      [`experiment-${experimentId}-syncs.csv`, 'text/csv']
    ])
    // The dirty-sync table, not the runs table the experiment's CSV export starts with.
    expect((await downloads[0].blob.text()).split('\r\n')[0]).toContain('sync')
  })

  it('asks for the report in the page’s language (issue 12: Chinese UI, Chinese report)', async () => {
    const run = host.addRun()
    const w = mountMenu({ target: { runIds: [run.id] } }, 'zh-CN')
    await exportAs(w, 'html')
    expect(host.callsOf('reports.render')).toEqual([{ runIds: [run.id], format: 'html', locale: 'zh-CN' }])
    expect(await downloads[0].blob.text()).toContain('<html lang="zh-CN"')
  })

  it('shows progress while a PDF renders, then saves its decoded bytes', async () => {
    const run = host.addRun({ label: 'idle guest' })
    let release: (() => void) | undefined
    host.printPdf = async (html) => {
      await new Promise<void>((resolve) => (release = resolve))
      return printer(html)
    }
    const w = mountMenu({ target: { runIds: [run.id] } })
    await exportAs(w, 'pdf')
    expect(w.get('[data-testid="report-export-status"]').text()).toBe(
      'Printing the PDF report; this takes a few seconds…'
    )
    expect(button(w).attributes('aria-busy')).toBe('true')
    expect(button(w).attributes('aria-disabled')).toBe('true')
    // A second export waits for the first: the button does not open the menu meanwhile.
    await button(w).trigger('click')
    expect(w.find('[role="menu"]').exists()).toBe(false)
    expect(downloads).toHaveLength(0)

    // The host is printing, and the page waits for it.
    await vi.waitFor(() => expect(release).toBeDefined())
    expect(button(w).attributes('aria-busy')).toBe('true')
    release!()
    await vi.waitFor(() => expect(downloads).toHaveLength(1))
    await flushPromises()
    // The host printed the run's HTML report and sent the PDF as base64; the page decoded it.
    expect(printed).toHaveLength(1)
    expect(printed[0]).toContain('idle guest')
    expect(downloads.map((d) => d.fileName)).toEqual([`run-${run.id}.pdf`])
    expect([...new Uint8Array(await downloads[0].blob.arrayBuffer())]).toEqual(PDF_BYTES)
    expect(button(w).attributes('aria-busy')).toBeUndefined()
    expect(button(w).attributes('aria-disabled')).toBeUndefined()
    expect(w.get('[data-testid="report-export-status"]').text()).toBe(`Downloaded run-${run.id}.pdf.`)
  })

  it('shows the host’s message when a PDF cannot be made, and tries again', async () => {
    const run = host.addRun()
    // The host's real printer, on a machine whose Chromium is not where it was told to look.
    host.printPdf = (html) => printHtmlToPdfWithChromium(html, { chromePath: '/nonexistent/chromium' })
    const w = mountMenu({ target: { runIds: [run.id] } })
    await exportAs(w, 'pdf')
    await vi.waitFor(() => w.get('[data-testid="report-export-error"]'))
    const alert = w.get('[data-testid="report-export-error"]')
    expect(alert.attributes('role')).toBe('alert')
    expect(alert.text()).toContain('PDF report could not be exported: PDF needs Chromium or Google Chrome')
    expect(alert.text()).toContain('set CHROME_PATH')
    expect(alert.text()).toContain('/nonexistent/chromium could not be started')
    expect(downloads).toHaveLength(0)

    host.printPdf = printer
    await w.get('[data-testid="report-export-retry"]').trigger('click')
    await vi.waitFor(() => expect(downloads).toHaveLength(1))
    await flushPromises()
    expect(host.callsOf('reports.render')).toHaveLength(2)
    expect(w.find('[data-testid="report-export-error"]').exists()).toBe(false)
    expect(downloads.map((d) => d.fileName)).toEqual([`run-${run.id}.pdf`])
  })

  it('says what to do when the page is not connected', async () => {
    host.addRun()
    host.addRun()
    host.setConnection({ state: 'disconnected', reason: 'lost' })
    const w = mountMenu({ target: { runIds: [1, 2] } })
    await exportAs(w, 'json')
    expect(w.get('[data-testid="report-export-error"]').text()).toContain(
      'Wait until the status line says Connected, then try again.'
    )
    expect(downloads).toHaveLength(0)
  })

  it('is disabled, with the reason next to it, when there is nothing to export', async () => {
    const w = mountMenu({ target: null, unavailableReason: 'Select runs to export them.' })
    expect(button(w).attributes('aria-disabled')).toBe('true')
    const reason = w.get('[data-testid="report-export-reason"]')
    expect(reason.text()).toBe('Select runs to export them.')
    expect(button(w).attributes('aria-describedby')).toBe(reason.attributes('id'))
    await button(w).trigger('click')
    await button(w).trigger('keydown', { key: 'ArrowDown' })
    expect(w.find('[role="menu"]').exists()).toBe(false)

    await w.setProps({ target: { runIds: [4] }, unavailableReason: null })
    expect(button(w).attributes('aria-disabled')).toBeUndefined()
    expect(w.find('[data-testid="report-export-reason"]').exists()).toBe(false)
  })

  it('offers QEMU commands for a single run only', async () => {
    host.addRun()
    host.addRun()
    const w = mountMenu({ target: { runIds: [1, 2] } })
    await button(w).trigger('click')
    for (const id of ['qmp', 'hmp']) {
      expect(item(w, id).attributes('aria-disabled')).toBe('true')
      expect(item(w, id).text()).toContain('Only for a single run')
    }
    await item(w, 'qmp').trigger('click')
    await flushPromises()
    expect(host.callsOf('reports.render')).toEqual([])
    expect(w.find('[role="menu"]').exists()).toBe(true)
    await w.get('[role="menu"]').trigger('keydown', { key: 'Escape' })

    await w.setProps({ target: { runIds: [2] } })
    await exportAs(w, 'hmp')
    expect(host.callsOf('reports.render')).toEqual([{ runIds: [2], format: 'hmp' }])
    // QEMU's monitor commands that set up this run's migration.
    expect(downloads.map((d) => d.fileName)).toEqual(['run-2-hmp.txt'])
    expect(await downloads[0].blob.text()).toContain('migrate_set_parameter downtime-limit 300')
  })

  it('works from the keyboard: arrows, Home/End, Enter, Escape', async () => {
    const run = host.addRun()
    const w = mountMenu({ target: { runIds: [run.id] } })
    const trigger = button(w).element as HTMLButtonElement
    trigger.focus()
    await button(w).trigger('keydown', { key: 'ArrowDown' })
    await flushPromises()
    expect(button(w).attributes('aria-expanded')).toBe('true')
    const menu = w.get('[role="menu"]')
    expect(button(w).attributes('aria-controls')).toBe(menu.attributes('id'))
    const focused = () => document.activeElement?.getAttribute('data-testid')
    expect(focused()).toBe('report-export-html')
    await menu.trigger('keydown', { key: 'ArrowDown' })
    expect(focused()).toBe('report-export-pdf')
    await menu.trigger('keydown', { key: 'End' })
    expect(focused()).toBe('report-export-hmp')
    await menu.trigger('keydown', { key: 'ArrowDown' })
    expect(focused()).toBe('report-export-html')
    await menu.trigger('keydown', { key: 'ArrowUp' })
    await menu.trigger('keydown', { key: 'Home' })
    expect(focused()).toBe('report-export-html')
    await menu.trigger('keydown', { key: 'Escape' })
    expect(w.find('[role="menu"]').exists()).toBe(false)
    expect(document.activeElement).toBe(trigger)

    await button(w).trigger('keydown', { key: 'ArrowUp' })
    await flushPromises()
    expect(focused()).toBe('report-export-hmp')
    await w.get('[role="menu"]').trigger('keydown', { key: 'ArrowUp' })
    await w.get('[role="menu"]').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(host.callsOf('reports.render')).toEqual([{ runIds: [run.id], format: 'qmp' }])
    expect(downloads.map((d) => d.fileName)).toEqual([`run-${run.id}-qmp.jsonl`])
    expect(document.activeElement).toBe(trigger)
  })

  it('names every item and closes when the pointer goes elsewhere', async () => {
    const w = mountMenu({ target: { runIds: [5] } })
    await button(w).trigger('click')
    const items = w.findAll('[role="menuitem"]')
    expect(items).toHaveLength(8)
    for (const entry of items) {
      const name = document.getElementById(entry.attributes('aria-labelledby')!)?.textContent
      const description = document.getElementById(entry.attributes('aria-describedby')!)?.textContent
      expect(name?.trim()).not.toBe('')
      expect(description?.trim()).not.toBe('')
    }
    expect(items.map((i) => i.find('.item-label').text())).toEqual([
      'HTML report',
      'PDF report',
      'CSV: runs',
      'CSV: dirty syncs',
      'CSV: progress',
      'JSON (re-importable)',
      'QEMU commands (QMP)',
      'QEMU commands (HMP)'
    ])
    document.body.dispatchEvent(new Event('pointerdown', { bubbles: true }))
    await flushPromises()
    expect(w.find('[role="menu"]').exists()).toBe(false)

    // Or the focus goes elsewhere (a language picked from the keyboard, say).
    const elsewhere = document.body.appendChild(document.createElement('button'))
    await button(w).trigger('click')
    await flushPromises()
    expect(w.find('[role="menu"]').exists()).toBe(true)
    elsewhere.focus()
    await flushPromises()
    expect(w.find('[role="menu"]').exists()).toBe(false)
    elsewhere.remove()
  })

  it('speaks Chinese', async () => {
    const w = mountMenu({ target: { runIds: [5, 6] } }, 'zh-CN')
    expect(button(w).text()).toContain('导出')
    await button(w).trigger('click')
    expect(item(w, 'html').text()).toContain('HTML 报告')
    expect(item(w, 'qmp').text()).toContain('仅适用于单次运行')
  })

  it('has every message in both languages with the same placeholders', () => {
    const leaves = (value: unknown, prefix = ''): Map<string, string> => {
      const out = new Map<string, string>()
      if (typeof value === 'string') out.set(prefix, value)
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value))
          for (const [p, s] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, s)
      return out
    }
    const en = leaves(reportEn)
    const zh = leaves(reportZhCN)
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort())
    for (const [key, text] of en) {
      const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
      expect({ key, placeholders: placeholders(zh.get(key) ?? '') }).toEqual({
        key,
        placeholders: placeholders(text)
      })
    }
  })
})

describe('export on the screens', () => {
  it('Live run: disabled while the run goes on, the run’s report once it has finished', async () => {
    window.history.replaceState(null, '', '#/live')
    const run = useRunStore()
    const w = mountView(LiveRunView)
    const finished = host.nextEvent('run.finished')
    await run.start({ ...SMALL_CONFIG, name: 'one vCPU' })
    // Only microtasks since the host took the run: the engine has not answered yet.
    await nextTick()
    expect(button(w, 'live-export').attributes('aria-disabled')).toBe('true')
    expect(w.get('[data-testid="live-export-reason"]').text()).toBe(
      'Export is possible once the run has finished.'
    )

    const { runId } = await finished
    await flushPromises()
    expect(button(w, 'live-export').attributes('aria-disabled')).toBeUndefined()
    expect(button(w, 'live-export').attributes('aria-label')).toBe(`Export run ${runId}`)
    await exportAs(w, 'html', 'live-export')
    expect(host.callsOf('reports.render')).toEqual([{ runIds: [runId], format: 'html' }])
    expect(downloads.map((d) => d.fileName)).toEqual([`run-${runId}.html`])
    expect(await downloads[0].blob.text()).toContain('one vCPU')
    run.stopLoop()
  })

  it('History: the selected runs, an experiment’s row, the opened run', async () => {
    for (let i = 0; i < 3; i++) host.addRun()
    const experimentId = host.addExperiment('limit sweep', [
      { path: 'migration.parameters.downtime-limit', values: [100, 300] }
    ])
    // The host reports on an experiment's runs (one without any is refused: nothing to report).
    for (const ms of [100, 300])
      host.addRun({ experimentId, config: { migration: { parameters: { 'downtime-limit': ms } } } })
    const w = mountView(HistoryView)
    await flushPromises()
    expect(button(w, 'selection-export').attributes('aria-disabled')).toBe('true')
    expect(w.get('[data-testid="selection-export-reason"]').text()).toBe('Select runs to export them.')

    await w.get('[data-testid="run-row-2"] input[type="checkbox"]').setValue(true)
    await w.get('[data-testid="run-row-3"] input[type="checkbox"]').setValue(true)
    expect(button(w, 'selection-export').text()).toContain('Export selected')
    expect(button(w, 'selection-export').attributes('aria-label')).toBe('Export selected runs (2)')
    await exportAs(w, 'json', 'selection-export')
    expect(host.callsOf('reports.render')).toEqual([{ runIds: [2, 3], format: 'json' }])
    // The re-importable document holds the two runs.
    expect(downloads.at(-1)?.fileName).toBe('runs-2-3.json')
    const exported = JSON.parse(await downloads.at(-1)!.blob.text()) as { runs: { id: number }[] }
    expect(exported.runs.map((r) => r.id)).toEqual([2, 3])

    await w.get('[data-testid="open-run-1"]').trigger('click')
    await flushPromises()
    await exportAs(w, 'qmp', 'detail-export')
    expect(host.callsOf('reports.render').at(-1)).toEqual({ runIds: [1], format: 'qmp' })
    expect(downloads.at(-1)?.fileName).toBe('run-1-qmp.jsonl')

    await w.get('[data-testid="history-tab-experiments"]').trigger('click')
    await flushPromises()
    expect(button(w, `experiment-export-${experimentId}`).attributes('aria-label')).toBe(
      'Export experiment limit sweep'
    )
    await exportAs(w, 'pdf', `experiment-export-${experimentId}`)
    await vi.waitFor(() => expect(downloads).toHaveLength(3))
    expect(host.callsOf('reports.render').at(-1)).toEqual({ experimentId, format: 'pdf' })
    expect(downloads.at(-1)?.fileName).toBe(`experiment-${experimentId}.pdf`)
    expect(printed.at(-1)).toContain('limit sweep')
  })

  it('History: an experiment without runs offers no export, and says why', async () => {
    // A sweep saved as a draft (or one whose runs were all deleted) has nothing to report on:
    // the host refuses it, so the row's Export is disabled with the reason beside it.
    const empty = host.addExperiment('draft sweep', [
      { path: 'migration.parameters.downtime-limit', values: [100, 300] }
    ])
    const w = mountView(HistoryView)
    await flushPromises()
    await w.get('[data-testid="history-tab-experiments"]').trigger('click')
    await flushPromises()
    expect(button(w, `experiment-export-${empty}`).attributes('aria-disabled')).toBe('true')
    expect(w.get(`[data-testid="experiment-export-${empty}-reason"]`).text()).toBe('No runs to export yet.')
    await button(w, `experiment-export-${empty}`).trigger('click')
    await flushPromises()
    expect(w.find('[role="menu"]').exists()).toBe(false)
    expect(host.callsOf('reports.render')).toEqual([])
  })

  it('Compare: the experiment, or every selected run', async () => {
    const experimentId = host.addExperiment('limit sweep', [
      { path: 'migration.parameters.downtime-limit', values: [100, 300] }
    ])
    for (const ms of [100, 300])
      host.addRun({ experimentId, config: { migration: { parameters: { 'downtime-limit': ms } } } })
    const w = mountView(CompareView)
    await useCompareStore().open({ kind: 'experiment', experimentId })
    await flushPromises()
    expect(button(w, 'compare-export').attributes('aria-label')).toBe('Export experiment limit sweep')
    await exportAs(w, 'csv-runs', 'compare-export')
    expect(host.callsOf('reports.render')).toEqual([{ experimentId, format: 'csv', csvTable: 'runs' }])
    // One row per run, after the header.
    const csv = await downloads[0].blob.text()
    expect(csv.trim().split('\r\n')).toHaveLength(3)

    await useCompareStore().open({ kind: 'runs', runIds: [2, 1, 2] })
    await flushPromises()
    expect(button(w, 'compare-export').attributes('aria-label')).toBe('Export this comparison')
    await exportAs(w, 'html', 'compare-export')
    expect(host.callsOf('reports.render').at(-1)).toEqual({ runIds: [2, 1], format: 'html' })
    expect(downloads.at(-1)?.fileName).toBe('runs-2-1.html')
  })
})
