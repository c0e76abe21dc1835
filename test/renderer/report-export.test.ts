// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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
import type { ExperimentRecord } from '../../src/shared/history'
import type { LabError } from '../../src/shared/errors'
import type { LabMethod, LabOutcome, LabResult } from '../../src/shared/protocol/lab-api'
import type { RenderedReport } from '../../src/shared/protocol/lab-api-reports'
import { FakeHistoryClient, makeRun } from './history-fake-client'
import { batch, result } from './run-fixtures'

// Exporting a report from the page: the export menu with a fake lab host that answers
// reports.render (text and base64 bodies, failures, slow PDFs), what reaches the browser's
// download (the Blob and the file name), and the menu on the Live run, History and Compare screens.

/** The fake history host, plus runs.start and reports.render (answered by `renderResult`, held while `hold`). */
class ReportFakeClient extends FakeHistoryClient {
  renderResult: (params: Record<string, unknown>) => LabOutcome<RenderedReport> = (params) => ({
    ok: true,
    value: {
      fileName: `report.${String(params.format)}`,
      mimeType: 'text/plain',
      encoding: 'utf8',
      content: `a ${String(params.format)} report`
    }
  })
  /** When set, reports.render waits for `release()`. */
  hold = false
  private waiting: Array<() => void> = []

  release(): void {
    const go = this.waiting
    this.waiting = []
    for (const resolve of go) resolve()
  }

  override async call<M extends LabMethod>(method: M, params?: unknown): Promise<LabOutcome<LabResult<M>>> {
    if (method === 'runs.start') {
      this.calls.push({ method, params })
      return { ok: true, value: { runId: 7 } as LabResult<M> }
    }
    if (method !== 'reports.render') return super.call(method, params)
    this.calls.push({ method, params })
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve))
    return this.renderResult(params as Record<string, unknown>) as LabOutcome<LabResult<M>>
  }
}

let fake: ReportFakeClient
let pinia: Pinia
let wrapper: VueWrapper | undefined
/** What reached the browser's download: the Blob behind the object URL and the link's file name. */
let downloads: Array<{ blob: Blob; fileName: string; url: string }>
let revoked: string[]

beforeEach(() => {
  window.localStorage.clear()
  window.history.replaceState(null, '', '#/history')
  fake = new ReportFakeClient()
  installLabClient(fake)
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
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  vi.restoreAllMocks()
  vi.useRealTimers()
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
    fake.renderResult = () => ({
      ok: true,
      value: {
        fileName: 'run-12.html',
        mimeType: 'text/html',
        encoding: 'utf8',
        content: '<!doctype html><svg></svg>'
      }
    })
    const w = mountMenu({ target: { runIds: [12] }, label: 'Export run 12' })
    expect(button(w).attributes('aria-label')).toBe('Export run 12')
    expect(button(w).attributes('aria-haspopup')).toBe('menu')
    expect(button(w).attributes('aria-expanded')).toBe('false')
    await exportAs(w, 'html')
    expect(fake.callsOf('reports.render')).toEqual([{ runIds: [12], format: 'html' }])
    expect(downloads).toHaveLength(1)
    expect(downloads[0].fileName).toBe('run-12.html')
    expect(downloads[0].blob.type).toBe('text/html')
    expect(await downloads[0].blob.text()).toBe('<!doctype html><svg></svg>')
    expect(w.get('[data-testid="report-export-status"]').text()).toBe('Downloaded run-12.html.')
    expect(w.find('[role="menu"]').exists()).toBe(false)
  })

  it('asks for the chosen CSV table', async () => {
    const w = mountMenu({ target: { experimentId: 3 } })
    await exportAs(w, 'csv-syncs')
    expect(fake.callsOf('reports.render')).toEqual([{ experimentId: 3, format: 'csv', csvTable: 'syncs' }])
  })

  it('asks for the report in the page’s language (issue 12: Chinese UI, Chinese report)', async () => {
    const w = mountMenu({ target: { runIds: [12] } }, 'zh-CN')
    await exportAs(w, 'html')
    expect(fake.callsOf('reports.render')).toEqual([{ runIds: [12], format: 'html', locale: 'zh-CN' }])
  })

  it('shows progress while a PDF renders, then saves its decoded bytes', async () => {
    const bytes = [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0xe2, 0xe3]
    fake.renderResult = () => ({
      ok: true,
      value: {
        fileName: 'run-12.pdf',
        mimeType: 'application/pdf',
        encoding: 'base64',
        content: btoa(String.fromCharCode(...bytes))
      }
    })
    fake.hold = true
    const w = mountMenu({ target: { runIds: [12] } })
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

    fake.release()
    await flushPromises()
    expect(downloads.map((d) => d.fileName)).toEqual(['run-12.pdf'])
    expect([...new Uint8Array(await downloads[0].blob.arrayBuffer())]).toEqual(bytes)
    expect(button(w).attributes('aria-busy')).toBeUndefined()
    expect(button(w).attributes('aria-disabled')).toBeUndefined()
    expect(w.get('[data-testid="report-export-status"]').text()).toBe('Downloaded run-12.pdf.')
  })

  it('shows the host’s message when a PDF cannot be made, and tries again', async () => {
    const noChromium: LabError = {
      kind: 'NotFound',
      message:
        'PDF needs Chromium or Google Chrome; install it (e.g. `apt-get install chromium`) or set CHROME_PATH to its executable'
    }
    fake.renderResult = () => ({ ok: false, error: noChromium })
    const w = mountMenu({ target: { runIds: [12] } })
    await exportAs(w, 'pdf')
    const alert = w.get('[data-testid="report-export-error"]')
    expect(alert.attributes('role')).toBe('alert')
    expect(alert.text()).toContain('PDF report could not be exported: PDF needs Chromium or Google Chrome')
    expect(alert.text()).toContain('set CHROME_PATH')
    expect(downloads).toHaveLength(0)

    fake.renderResult = () => ({
      ok: true,
      value: { fileName: 'run-12.pdf', mimeType: 'application/pdf', encoding: 'base64', content: 'JVBERg==' }
    })
    await w.get('[data-testid="report-export-retry"]').trigger('click')
    await flushPromises()
    expect(fake.callsOf('reports.render')).toHaveLength(2)
    expect(w.find('[data-testid="report-export-error"]').exists()).toBe(false)
    expect(downloads.map((d) => d.fileName)).toEqual(['run-12.pdf'])
  })

  it('says what to do when the page is not connected', async () => {
    fake.setConnection({ state: 'disconnected', reason: 'lost' })
    fake.renderResult = () => ({
      ok: false,
      error: { kind: 'Disconnected', message: 'The page is not connected to the lab host.' }
    })
    const w = mountMenu({ target: { runIds: [1, 2] } })
    await exportAs(w, 'json')
    expect(w.get('[data-testid="report-export-error"]').text()).toContain(
      'Wait until the status line says Connected, then try again.'
    )
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
    const w = mountMenu({ target: { runIds: [1, 2] } })
    await button(w).trigger('click')
    for (const id of ['qmp', 'hmp']) {
      expect(item(w, id).attributes('aria-disabled')).toBe('true')
      expect(item(w, id).text()).toContain('Only for a single run')
    }
    await item(w, 'qmp').trigger('click')
    await flushPromises()
    expect(fake.callsOf('reports.render')).toEqual([])
    expect(w.find('[role="menu"]').exists()).toBe(true)
    await w.get('[role="menu"]').trigger('keydown', { key: 'Escape' })

    await w.setProps({ target: { runIds: [2] } })
    await exportAs(w, 'hmp')
    expect(fake.callsOf('reports.render')).toEqual([{ runIds: [2], format: 'hmp' }])
  })

  it('works from the keyboard: arrows, Home/End, Enter, Escape', async () => {
    const w = mountMenu({ target: { runIds: [5] } })
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
    expect(fake.callsOf('reports.render')).toEqual([{ runIds: [5], format: 'qmp' }])
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
    await run.start({ name: 'two vCPUs' })
    await flushPromises()
    expect(button(w, 'live-export').attributes('aria-disabled')).toBe('true')
    expect(w.get('[data-testid="live-export-reason"]').text()).toBe(
      'Export is possible once the run has finished.'
    )

    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 1500) } })
    fake.push({ event: 'run.finished', payload: { runId: 7, result: result({ 'total-time': 1540 }) } })
    await flushPromises()
    expect(button(w, 'live-export').attributes('aria-disabled')).toBeUndefined()
    expect(button(w, 'live-export').attributes('aria-label')).toBe('Export run 7')
    await exportAs(w, 'html', 'live-export')
    expect(fake.callsOf('reports.render')).toEqual([{ runIds: [7], format: 'html' }])
    expect(downloads.map((d) => d.fileName)).toEqual(['report.html'])
    run.stopLoop()
  })

  it('History: the selected runs, an experiment’s row, the opened run', async () => {
    fake.runs = [1, 2, 3].map((id) => makeRun(id))
    fake.experiments = [experiment(9)]
    const w = mountView(HistoryView)
    await flushPromises()
    expect(button(w, 'selection-export').attributes('aria-disabled')).toBe('true')
    expect(w.get('[data-testid="selection-export-reason"]').text()).toBe('Select runs to export them.')

    await w.get('[data-testid="run-row-2"] input[type="checkbox"]').setValue(true)
    await w.get('[data-testid="run-row-3"] input[type="checkbox"]').setValue(true)
    expect(button(w, 'selection-export').text()).toContain('Export selected')
    expect(button(w, 'selection-export').attributes('aria-label')).toBe('Export selected runs (2)')
    await exportAs(w, 'json', 'selection-export')
    expect(fake.callsOf('reports.render')).toEqual([{ runIds: [2, 3], format: 'json' }])

    await w.get('[data-testid="open-run-1"]').trigger('click')
    await flushPromises()
    await exportAs(w, 'qmp', 'detail-export')
    expect(fake.callsOf('reports.render').at(-1)).toEqual({ runIds: [1], format: 'qmp' })

    await w.get('[data-testid="history-tab-experiments"]').trigger('click')
    await flushPromises()
    expect(button(w, 'experiment-export-9').attributes('aria-label')).toBe('Export experiment limit sweep')
    await exportAs(w, 'pdf', 'experiment-export-9')
    expect(fake.callsOf('reports.render').at(-1)).toEqual({ experimentId: 9, format: 'pdf' })
  })

  it('Compare: the experiment, or every selected run', async () => {
    fake.experiments = [experiment(9)]
    fake.runs = [1, 2].map((id) => makeRun(id, { experimentId: 9 }))
    const w = mountView(CompareView)
    await useCompareStore().open({ kind: 'experiment', experimentId: 9 })
    await flushPromises()
    expect(button(w, 'compare-export').attributes('aria-label')).toBe('Export experiment limit sweep')
    await exportAs(w, 'csv-runs', 'compare-export')
    expect(fake.callsOf('reports.render')).toEqual([{ experimentId: 9, format: 'csv', csvTable: 'runs' }])

    await useCompareStore().open({ kind: 'runs', runIds: [2, 1, 2] })
    await flushPromises()
    expect(button(w, 'compare-export').attributes('aria-label')).toBe('Export this comparison')
    await exportAs(w, 'html', 'compare-export')
    expect(fake.callsOf('reports.render').at(-1)).toEqual({ runIds: [2, 1], format: 'html' })
  })
})

function experiment(id: number): ExperimentRecord {
  return {
    id,
    name: 'limit sweep',
    description: '',
    baseConfig: {},
    varied: [{ path: 'migration.parameters.downtime-limit', values: [100, 300] }],
    repetitions: 1,
    status: 'completed',
    tags: [],
    notes: '',
    starred: false,
    createdAtMs: 0,
    updatedAtMs: 0,
    deletedAtMs: null,
    runCount: 2,
    finishedRunCount: 2
  }
}
