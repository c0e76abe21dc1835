// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { createLabI18n } from '../../src/renderer/src/i18n'
import historyEn from '../../src/renderer/src/i18n/history.en'
import historyZhCN from '../../src/renderer/src/i18n/history.zh-CN'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { useCompareStore } from '../../src/renderer/src/stores/compare'
import { useScreenStore } from '../../src/renderer/src/stores/screen'
import { useSweepStore } from '../../src/renderer/src/stores/sweep'
import App from '../../src/renderer/src/App.vue'
import CompareView from '../../src/renderer/src/views/CompareView.vue'
import HistoryView from '../../src/renderer/src/views/HistoryView.vue'
import { SMALL_CONFIG, ServiceLabClient } from './service-lab-client'

// The History and Compare screens in happy-dom on the real lab host (service-lab-client.ts: a
// LabService over a history database, with real engine processes for runs and sweeps). Charts are
// stubbed (happy-dom has no canvas, toolchain.md §7); what they would draw is checked through
// their data-points and the accessible summary table, and in Chromium by the end-to-end test.

let host: ServiceLabClient
let pinia: Pinia
let wrapper: ReturnType<typeof mount> | undefined

beforeEach(() => {
  window.localStorage.clear()
  window.location.hash = ''
  host = new ServiceLabClient({ engine: true })
  installLabClient(host)
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(async () => {
  wrapper?.unmount()
  wrapper = undefined
  await host.dispose()
})

function mountView(view: typeof HistoryView | typeof CompareView, locale: 'en' | 'zh-CN' = 'en') {
  wrapper = mount(view, {
    global: { plugins: [pinia, createLabI18n(locale)], stubs: { LabChart: true } },
    attachTo: document.body
  })
  return wrapper
}

const limit = (ms: number) => ({ seed: 1, migration: { parameters: { 'downtime-limit': ms } } })
/** A small guest that the engine migrates in a fraction of a second. */
const smallLimit = (ms: number) => ({
  ...SMALL_CONFIG,
  seed: 1,
  migration: { parameters: { ...SMALL_CONFIG.migration.parameters, 'downtime-limit': ms } }
})

describe('History screen', () => {
  it('tells a new user how to get runs', async () => {
    const view = mountView(HistoryView)
    await flushPromises()
    expect(view.get('[data-testid="history-empty"]').text()).toContain(
      'Run a migration on the Configure screen'
    )
  })

  it('lists runs and filters them by a config condition', async () => {
    for (const ms of [100, 300, 500]) host.addRun({ config: limit(ms), label: `downtime-limit=${ms}` })
    const view = mountView(HistoryView)
    await flushPromises()
    expect(view.findAll('[data-testid^="run-row-"]')).toHaveLength(3)

    await view.get('[data-testid="filter-conditions"]').setValue('migration.parameters.downtime-limit >= 300')
    await view.get('[data-testid="history-filters"]').trigger('submit')
    await flushPromises()
    expect(view.findAll('[data-testid^="run-row-"]').map((r) => r.attributes('data-testid'))).toEqual([
      'run-row-3',
      'run-row-2'
    ])

    await view.get('[data-testid="filter-conditions"]').setValue('migration.parameters.downtime >= 300')
    await view.get('[data-testid="history-filters"]').trigger('submit')
    await flushPromises()
    expect(view.get('[data-testid="filter-problems"]').text()).toContain(
      'migration.parameters.downtime is not a config parameter'
    )
  })

  it('says what is wrong with a filter condition in Chinese on the Chinese UI (issue 12, defect 5)', async () => {
    host.addRun()
    const view = mountView(HistoryView, 'zh-CN')
    await flushPromises()
    await view
      .get('[data-testid="filter-conditions"]')
      .setValue('migration.parameters.downtime >= 300\nguest.vcpus > many\nnot a condition')
    await view.get('[data-testid="history-filters"]').trigger('submit')
    await flushPromises()
    const items = view.findAll('[data-testid="filter-problems"] li').map((li) => li.text())
    expect(items).toEqual([
      'migration.parameters.downtime 不是配置参数',
      'guest.vcpus 是数值：请与数值比较',
      '“not a condition”不是条件：请写成“参数 运算符 值”，例如 migration.parameters.downtime-limit >= 300'
    ])
  })

  it('sorts by a column header, announcing the order', async () => {
    for (const id of [1, 2, 3]) host.addRun({ downtimeMs: 100 - id })
    const view = mountView(HistoryView)
    await flushPromises()
    await view.get('[data-testid="sort-downtime"]').trigger('click')
    await flushPromises()
    expect(view.get('[data-testid="sort-downtime"]').element.closest('th')?.getAttribute('aria-sort')).toBe(
      'ascending'
    )
    expect(view.findAll('[data-testid^="run-row-"]')[0].attributes('data-testid')).toBe('run-row-3')
  })

  it('deletes selected runs with an undo', async () => {
    for (let i = 0; i < 3; i++) host.addRun()
    const view = mountView(HistoryView)
    await flushPromises()
    await view.get('[data-testid="run-row-2"] input[type="checkbox"]').setValue(true)
    expect(view.get('[data-testid="compare-selected"]').text()).toBe('Compare selected (1)')
    await view.get('[data-testid="delete-selected"]').trigger('click')
    await flushPromises()
    expect(view.findAll('[data-testid^="run-row-"]')).toHaveLength(2)
    expect(view.get('[data-testid="history-toast"]').text()).toContain('Moved 1 run to the bin.')

    await view.get('[data-testid="toast-action"]').trigger('click')
    await flushPromises()
    expect(host.callsOf('history.restore')).toEqual([{ runIds: [2], experimentIds: [] }])
    expect(view.findAll('[data-testid^="run-row-"]')).toHaveLength(3)
    expect(view.get('[data-testid="history-toast"]').text()).toContain('Restored 1 run.')
  })

  it('drops the undo toast when its tab is left', async () => {
    for (let i = 0; i < 3; i++) host.addRun()
    const view = mountView(HistoryView)
    await flushPromises()
    await view.get('[data-testid="run-row-2"] input[type="checkbox"]').setValue(true)
    await view.get('[data-testid="delete-selected"]').trigger('click')
    await flushPromises()
    expect(view.find('[data-testid="history-toast"]').exists()).toBe(true)
    await view.get('[data-testid="history-tab-experiments"]').trigger('click')
    await flushPromises()
    expect(view.find('[data-testid="history-toast"]').exists()).toBe(false)
  })

  it('opens a run, saves a note and re-runs it: the run starts, Live shows it, and it repeats exactly', async () => {
    // A run the engine ran (started from another page), recorded as the host records it.
    const firstEnded = host.nextEvent('run.finished')
    const { runId: first } = await host.callFromAnotherPage('runs.start', { config: smallLimit(250) })
    await firstEnded
    const view = mountView(HistoryView)
    await flushPromises()
    await view.get(`[data-testid="open-run-${first}"]`).trigger('click')
    await flushPromises()
    expect(view.get('[data-testid="run-detail"]').text()).toContain(`Run #${first}`)
    await view.get('[data-testid="detail-notes"]').setValue('worth repeating')
    await view.get('[data-testid="detail-save-note"]').trigger('click')
    await flushPromises()
    expect(host.callsOf('history.setNote')).toEqual([{ runId: first, notes: 'worth repeating' }])
    expect(view.get(`[data-testid="run-row-${first}"]`).text()).toContain('worth repeating')

    const againEnded = host.nextEvent('run.finished')
    await view.get('[data-testid="detail-rerun"]').trigger('click')
    await flushPromises()
    // "Re-run" runs (it only loaded the config before): the run's config as the host keeps it
    // (complete, with its seed) goes to runs.start.
    const stored = host.detail(first).config
    expect(stored).toMatchObject({ seed: 1, migration: { parameters: { 'downtime-limit': 250 } } })
    expect(host.callsOf('runs.start')).toEqual([{ config: stored }])
    const { runId: again } = await againEnded
    expect(again).not.toBe(first)
    expect(useScreenStore().current).toBe('live')
    expect(useScreenStore().detail).toBe(String(again))
    // And Configure holds it, to edit from there.
    expect(JSON.parse(window.localStorage.getItem('migration-lab.configure.draft') ?? '{}')).toEqual(stored)
    // Same config, same seed: the simulated run repeats exactly.
    const summary = (id: number) => host.history.getRunRecord(id).summary
    expect(summary(again)).toEqual(summary(first))
    expect(summary(again)?.converged).toBe(true)
  })

  it('compares the selected runs on the Compare screen', async () => {
    host.addRun()
    host.addRun()
    const view = mountView(HistoryView)
    await flushPromises()
    await view.get('[data-testid="select-all"]').setValue(true)
    await view.get('[data-testid="compare-selected"]').trigger('click')
    await flushPromises()
    expect(useScreenStore().current).toBe('compare')
    expect(useCompareStore().target).toEqual({ kind: 'runs', runIds: [2, 1] })
  })

  it('starts a sweep, shows its progress and opens its comparison when it is done', async () => {
    useScreenStore().go('history')
    useSweepStore().useBaseConfig(SMALL_CONFIG, 'a small guest')
    const view = mountView(HistoryView)
    await flushPromises()
    await view.get('[data-testid="history-tab-sweep"]').trigger('click')
    expect(view.get('[data-testid="sweep-plan"]').text()).toBe('3 point(s) × 1 repetition(s) = 3 run(s)')
    await view.get('[data-testid="sweep-values-0"]').setValue('100, nope')
    expect(view.get('[data-testid="sweep-problems"]').text()).toContain('"nope" is not a number')
    expect(view.get('[data-testid="sweep-start"]').attributes('disabled')).toBeDefined()
    await view.get('[data-testid="sweep-values-0"]').setValue('100, 200')
    const firstRunDone = host.nextEvent('sweep.progress', (p) => p.done === 1)
    const finished = host.nextEvent('sweep.finished')
    await view.get('form.form').trigger('submit')
    await flushPromises()
    expect(host.callsOf('sweeps.start')).toHaveLength(1)
    // As the host reports the first run's end (the page's listener has it before this one).
    await firstRunDone
    await nextTick()
    expect(view.get('[data-testid="sweep-progress"]').text()).toContain('1 of 2 runs done')

    const { experimentId } = await finished
    await flushPromises()
    expect(useScreenStore().current).toBe('compare')
    expect(useCompareStore().target).toEqual({ kind: 'experiment', experimentId })
    expect(host.experiment(experimentId)).toMatchObject({ status: 'completed', finishedRunCount: 2 })
  })

  it('opens the sweep tab, with the draft it was handed, when the address says #/history/sweep', async () => {
    host.addRun()
    window.history.replaceState(null, '', '#/history/sweep')
    useSweepStore().useBaseConfig({ migration: { parameters: { 'downtime-limit': 450 } } }, 'my config')
    const view = mountView(HistoryView)
    await flushPromises()
    expect(view.get('[data-testid="history-tab-sweep"]').attributes('aria-selected')).toBe('true')
    expect(view.get('[data-testid="sweep-panel"]').isVisible()).toBe(true)
    expect(view.get('[data-testid="sweep-base"]').text()).toBe('Config from my config')
    expect(view.find('[data-testid="history-filters"]').exists()).toBe(false)

    // The address follows the tabs, and the back button's address change shows the tab again.
    await view.get('[data-testid="history-tab-runs"]').trigger('click')
    await flushPromises()
    expect(window.location.hash).toBe('#/history/runs')
    expect(view.findAll('[data-testid^="run-row-"]')).toHaveLength(1)
    useScreenStore().follow()
    window.history.replaceState(null, '', '#/history/sweep')
    window.dispatchEvent(new Event('popstate'))
    await flushPromises()
    expect(view.get('[data-testid="history-tab-sweep"]').attributes('aria-selected')).toBe('true')
  })

  it('lands on the sweep tab after Configure’s "Add to sweep"', async () => {
    window.history.replaceState(null, '', '#/configure')
    wrapper = mount(App, {
      global: { plugins: [pinia, createLabI18n('en')], stubs: { LabChart: true } },
      attachTo: document.body
    })
    await flushPromises()
    await wrapper.get('[data-testid="add-to-sweep"]').trigger('click')
    await flushPromises()
    expect(window.location.hash).toBe('#/history/sweep')
    expect(wrapper.get('[data-testid="history-tab-sweep"]').attributes('aria-selected')).toBe('true')
    expect(wrapper.get('[data-testid="sweep-base"]').text()).toBe('Config from QEMU defaults')
    expect(wrapper.get('[data-testid="sweep-plan"]').text()).toBe('3 point(s) × 1 repetition(s) = 3 run(s)')
  })

  it('speaks Chinese', async () => {
    host.addRun()
    const view = mountView(HistoryView, 'zh-CN')
    await flushPromises()
    expect(view.text()).toContain('历史')
    expect(view.text()).toContain('应用筛选')
    expect(view.get('[data-testid="sort-downtime"]').text()).toContain('停机时间（ms）')
  })
})

describe('Compare screen', () => {
  it('says how to get something to compare', () => {
    const view = mountView(CompareView)
    expect(view.get('[data-testid="compare-empty"]').text()).toContain('Select runs in History')
  })

  it('shows a sweep: charts with one point per configuration, the numbers, and only the differing config', async () => {
    const experimentId = host.addExperiment(
      'limit sweep',
      [{ path: 'migration.parameters.downtime-limit', values: [100, 300, 500] }],
      2
    )
    for (const ms of [100, 300, 500])
      for (const rep of [0, 1]) host.addRun({ experimentId, config: limit(ms), downtimeMs: ms / 2 + rep })
    const view = mountView(CompareView)
    await useCompareStore().open({ kind: 'experiment', experimentId })
    await flushPromises()
    expect(view.get('[data-testid="compare-title"]').text()).toBe('Experiment: limit sweep')
    expect(view.get('[data-testid="compare-chart-downtime"]').attributes('data-points')).toBe('3')
    expect(view.get('[data-testid="compare-chart-parameter"]').attributes('data-points')).toBe('3')
    expect(view.get('[data-testid="compare-chart-progress"]').attributes('data-points')).toBe('3')
    const rows = view.findAll('[data-testid="compare-summary-row"]')
    expect(rows.map((r) => r.find('th').text())).toEqual(['100', '300', '500'])
    const downtimeCell = rows[1].findAll('td')[2]
    expect(downtimeCell.text()).toMatch(/^151\s+150–151, ±0\.7$/)
    expect(view.findAll('[data-testid="config-diff-row"]').map((r) => r.find('th').text())).toEqual([
      'migration.parameters.downtime-limitDowntime limit'
    ])
    await view.get('[data-testid="differences-only"]').setValue(false)
    expect(view.findAll('[data-testid="config-diff-row"]').length).toBeGreaterThan(1)
  })

  // Issue 12 defect 10: the config table showed max-bandwidth in bytes/s (134217728) while
  // Configure shows it in MiB/s.
  it.each([
    ['en', 'Maximum bandwidth', ['128 MiB/s', '32 MiB/s']],
    ['zh-CN', '最大带宽', ['128 MiB/秒', '32 MiB/秒']]
  ] as const)(
    'shows config values in the units Configure shows them in (%s)',
    async (locale, label, values) => {
      const bandwidth = (bytesPerS: number) => ({ migration: { parameters: { 'max-bandwidth': bytesPerS } } })
      host.addRun({ config: bandwidth(134_217_728) })
      host.addRun({ config: bandwidth(33_554_432) })
      const view = mountView(CompareView, locale)
      await useCompareStore().open({ kind: 'runs', runIds: [1, 2] })
      await flushPromises()
      const row = view.get('[data-testid="config-diff-row"]')
      expect(row.find('th').text()).toBe(`migration.parameters.max-bandwidth${label}`)
      expect(row.findAll('td').map((td) => td.text())).toEqual(values)
    }
  )
})

describe('messages', () => {
  function leaves(value: unknown, prefix = ''): Map<string, string> {
    const out = new Map<string, string>()
    if (typeof value === 'string') out.set(prefix, value)
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value))
        for (const [p, s] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, s)
    return out
  }

  it('has every English message in Chinese, with the same placeholders', () => {
    const en = leaves(historyEn)
    const zh = leaves(historyZhCN)
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort())
    for (const [key, text] of en) {
      // Same placeholders in the same order (the app-wide test asks for the order too).
      const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      // A plural message (vue-i18n: forms separated by ' | ') has one form in Chinese; each
      // English form has the same placeholders as it.
      for (const form of text.split(' | '))
        expect({ key, placeholders: placeholders(zh.get(key) ?? '') }).toEqual({
          key,
          placeholders: placeholders(form)
        })
      expect(zh.get(key)?.trim()).not.toBe('')
    }
  })
})
