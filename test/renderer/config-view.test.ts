// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import ConfigureView from '../../src/renderer/src/views/ConfigureView.vue'
import { createLabI18n } from '../../src/renderer/src/i18n'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { useConfigStore } from '../../src/renderer/src/stores/config'
import { usePreferencesStore } from '../../src/renderer/src/stores/preferences'
import { useScreenStore } from '../../src/renderer/src/stores/screen'
import { useSweepStore } from '../../src/renderer/src/stores/sweep'
import { SMALL_CONFIG, ServiceLabClient, type ServiceLabClientOptions } from './service-lab-client'

// The Configure screen on the real lab host (service-lab-client.ts): a run is started by the
// LabService on real engine processes, and a refusal is the host's own.
let host: ServiceLabClient | undefined
let pinia: Pinia
let wrapper: VueWrapper | undefined

function mountView(locale: 'en' | 'zh-CN' = 'en'): VueWrapper {
  wrapper = mount(ConfigureView, {
    global: { plugins: [pinia, createLabI18n(locale)] },
    attachTo: document.body
  })
  return wrapper
}

const field = (w: VueWrapper, path: string) => w.get(`[data-testid="field-${path}"]`)

/** What `read` finds on a fresh Configure screen in Chinese, then on one in English. */
async function inEachLanguage(
  read: (w: VueWrapper) => Promise<string[]>
): Promise<Record<'zh-CN' | 'en', string[]>> {
  const out: Partial<Record<'zh-CN' | 'en', string[]>> = {}
  for (const locale of ['zh-CN', 'en'] as const) {
    window.localStorage.clear()
    setActivePinia((pinia = createPinia()))
    usePreferencesStore().setLocale(locale)
    out[locale] = await read(mountView(locale))
    wrapper?.unmount()
    wrapper = undefined
  }
  return out as Record<'zh-CN' | 'en', string[]>
}

beforeEach(async () => {
  window.localStorage.clear()
  window.history.replaceState(null, '', '#/configure')
  await useHost()
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(async () => {
  wrapper?.unmount()
  wrapper = undefined
  await host?.dispose()
  host = undefined
})

/** A fresh host (the one before it stopped and removed). */
async function useHost(opts: ServiceLabClientOptions = {}): Promise<ServiceLabClient> {
  await host?.dispose()
  host = new ServiceLabClient({ engine: true, ...opts })
  installLabClient(host)
  return host
}
/** The host the test's beforeEach started. */
useHost.current = (): ServiceLabClient => {
  if (!host) throw new Error('no lab host: beforeEach starts one')
  return host
}

describe('the Configure screen', () => {
  it('labels each field in plain words with QEMU’s name, its unit and its default', () => {
    const w = mountView()
    const downtime = field(w, 'migration.parameters.downtime-limit')
    expect(downtime.get('label').text()).toMatch(/^Downtime limit\s*downtime-limit$/)
    expect(downtime.get('code').text()).toBe('downtime-limit')
    expect((downtime.get('input').element as HTMLInputElement).value).toBe('300')
    expect(downtime.text()).toContain('Default: 300 ms')
    const input = downtime.get('input').element as HTMLInputElement
    // The label points at the input, and the hint describes it.
    expect(document.querySelector(`label[for="${input.id}"]`)).not.toBeNull()
    expect(
      document.getElementById(input.getAttribute('aria-describedby')!.split(' ')[0])?.textContent
    ).toContain('Default: 300 ms')
    // Every select and input on the form has an accessible name.
    for (const control of w.findAll('input, select, textarea')) {
      const el = control.element as HTMLElement
      const named =
        el.getAttribute('aria-label') ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) ||
        el.closest('label')
      expect(named, el.outerHTML.slice(0, 120)).toBeTruthy()
    }
  })

  it('converts units: MiB/s and Gbit/s to max-bandwidth in bytes/s, GiB to memory-mib', async () => {
    const w = mountView()
    const config = useConfigStore()
    const bandwidth = field(w, 'migration.parameters.max-bandwidth')
    expect((bandwidth.get('input').element as HTMLInputElement).value).toBe('128')
    await bandwidth.get('select.unit').setValue('gbitps')
    expect((bandwidth.get('input').element as HTMLInputElement).value).toBe('1.07374')
    await bandwidth.get('input').setValue('1')
    expect(config.get(['migration', 'parameters', 'max-bandwidth'])).toBe(125_000_000)

    const memory = field(w, 'guest.memory-mib')
    expect((memory.get('input').element as HTMLInputElement).value).toBe('4')
    await memory.get('input').setValue('1.5')
    expect(config.get(['guest', 'memory-mib'])).toBe(1536)
  })

  it('marks a bad value where it was typed, one message at a time, and lists the count at the top', async () => {
    const w = mountView()
    const run = w.get('[data-testid="run"]')
    expect(run.attributes('disabled')).toBeUndefined()
    const downtime = field(w, 'migration.parameters.downtime-limit')
    await downtime.get('input').setValue('soon')
    // Not a number: that one message, not the schema's as well.
    expect(downtime.findAll('.error').map((e) => e.text())).toEqual([
      'Enter a number (for example 128 or 1.5).'
    ])
    expect(downtime.get('input').attributes('aria-invalid')).toBe('true')
    const summary = w.get('[data-testid="config-problems"]').text()
    expect(summary).toContain('The config has 1 problem; fix it to run it.')
    expect(summary).toContain('It is marked at its field below.')
    expect(summary).not.toContain('(s)')
    // An invalid config cannot be run.
    expect(run.attributes('disabled')).toBeDefined()

    await downtime.get('input').setValue('-5')
    expect(downtime.findAll('.error').map((e) => e.text())).toEqual(['must be at least 0 ms'])
    await downtime.get('button.reset').trigger('click')
    expect((downtime.get('input').element as HTMLInputElement).value).toBe('300')
    expect(w.find('[data-testid="config-problems"]').exists()).toBe(false)
    expect(run.attributes('disabled')).toBeUndefined()
  })

  it('names the config unit in a range problem, whatever unit the field shows', async () => {
    const w = mountView()
    const memory = field(w, 'guest.memory-mib')
    // Shown in GiB; the limit is the config's, 1 MiB, and says so.
    await memory.get('input').setValue('-4')
    expect(memory.findAll('.error').map((e) => e.text())).toEqual(['must be at least 1 MiB'])
    await field(w, 'guest.vcpus').get('input').setValue('0')
    const summary = w.get('[data-testid="config-problems"]').text()
    expect(summary).toContain('The config has 2 problems; fix them to run it.')
    expect(summary).toContain('They are marked at their fields below.')
  })

  it('runs with Enter and opens the live screen', async () => {
    const host = useHost.current()
    useConfigStore().applyJson(JSON.stringify(SMALL_CONFIG))
    const w = mountView()
    await field(w, 'migration.parameters.downtime-limit').get('input').setValue('500')
    const finished = host.nextEvent('run.finished')
    await field(w, 'migration.parameters.downtime-limit').get('input').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    const start = host.callsOf('runs.start')
    expect(start).toHaveLength(1)
    expect(start[0]).toMatchObject({ config: { migration: { parameters: { 'downtime-limit': 500 } } } })
    expect(useScreenStore().current).toBe('live')
    // The host's run, as it recorded it.
    expect(window.location.hash).toBe('#/live/1')
    expect((await finished).runId).toBe(1)
    expect(host.detail(1).config).toMatchObject({ migration: { parameters: { 'downtime-limit': 500 } } })
  })

  it('does not send an invalid config, and shows the host’s refusal', async () => {
    // A machine with 64 MiB free: too little for the default guest.
    const host = await useHost({ availableMemoryBytes: 64 * 2 ** 20 })
    const w = mountView()
    await field(w, 'guest.vcpus').get('input').setValue('0')
    await w.get('[data-testid="run"]').trigger('click')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(host.callsOf('runs.start')).toHaveLength(0)

    await field(w, 'guest.vcpus').get('input').setValue('2')
    await w.get('form').trigger('submit')
    await flushPromises()
    // The host checks what the page cannot: the memory this machine has free for the run.
    expect(host.callsOf('runs.start')).toHaveLength(1)
    const refusal = w.get('[data-testid="config-problems"]').text()
    expect(refusal).toMatch(/This run needs about [\d.]+ GiB of memory but only 0\.06 GiB is available/)
    expect(refusal).toContain('Lower guest.memory-mib')
    expect(useScreenStore().current).not.toBe('live')
    expect(host.history.listRuns().total).toBe(0)
  })

  it('offers every capability: none is marked not simulated or kept off', () => {
    const w = mountView()
    const postcopy = w.get('[data-testid="capability-postcopy-ram"]')
    expect(postcopy.text()).not.toContain('not simulated yet')
    expect(postcopy.get('input').attributes('disabled')).toBeUndefined()
    expect(w.get('[data-testid="capability-multifd"]').text()).not.toContain('not simulated yet')
    const autoConverge = w.get('[data-testid="capability-auto-converge"]')
    expect(autoConverge.text()).not.toContain('not simulated yet')
    expect(autoConverge.get('input').attributes('disabled')).toBeUndefined()
  })

  it('applies a preset to the form', async () => {
    const w = mountView()
    await w.get('[data-testid="preset-select"]').setValue('memory-stress')
    const pattern = field(w, 'guest.workloads[0].pattern').get('select').element as HTMLSelectElement
    expect(pattern.value).toBe('sequential')
    expect(w.text()).toContain('At QEMU’s defaults it never converges.')
  })

  it('names an edited preset “edited from …”, back to the preset’s name when undone; a typed name stays', async () => {
    const w = mountView()
    const config = useConfigStore()
    const name = field(w, 'name').get('input')
    expect((name.element as HTMLInputElement).value).toBe('QEMU defaults')
    await field(w, 'guest.memory-mib').get('input').setValue('8')
    await field(w, 'guest.vcpus').get('input').setValue('4')
    await w.get('[data-testid="capability-auto-converge"] input').setValue(true)
    // An 8 GiB, 4-vCPU auto-converge run is not “QEMU defaults”.
    expect(config.draft.name).toBe('edited from QEMU defaults')
    expect((name.element as HTMLInputElement).value).toBe('edited from QEMU defaults')

    await w.get('[data-testid="capability-auto-converge"] input').setValue(false)
    await field(w, 'guest.vcpus').get('input').setValue('2')
    await field(w, 'guest.memory-mib').get('input').setValue('4')
    expect(config.draft.name).toBe('QEMU defaults')

    await name.setValue('my database')
    await field(w, 'guest.vcpus').get('input').setValue('8')
    expect(config.draft.name).toBe('my database')
  })

  it('edits workloads and shows which vCPUs each drives', async () => {
    const w = mountView()
    expect(w.get('[data-testid="workload-0"]').text()).toContain('Drives vCPUs 0, 1')
    await w.get('[data-testid="add-workload"]').trigger('click')
    expect(w.get('[data-testid="workload-1"]').text()).toContain('Drives no vCPU')
    await field(w, 'guest.workloads[0].vcpus').get('input').setValue('0')
    expect(w.get('[data-testid="workload-1"]').text()).toContain('Drives vCPUs 1')
    // Hot-set fields appear with the hotspot pattern.
    expect(w.find('[data-testid="field-guest.workloads[1].hot-set-mib"]').exists()).toBe(false)
    await field(w, 'guest.workloads[1].pattern').get('select').setValue('hotspot')
    expect(w.find('[data-testid="field-guest.workloads[1].hot-set-mib"]').exists()).toBe(true)
  })

  it('shows and applies the config as JSON', async () => {
    const w = mountView()
    await w.get('[data-testid="toggle-json"]').trigger('click')
    const textarea = w.get('[data-testid="config-json"]')
    expect(JSON.parse((textarea.element as HTMLTextAreaElement).value)).toEqual({ name: 'QEMU defaults' })
    await textarea.setValue('{"guest": {"vcpus": 6}}')
    await w.get('[data-testid="config-json-apply"]').trigger('click')
    expect((field(w, 'guest.vcpus').get('input').element as HTMLInputElement).value).toBe('6')
    await textarea.setValue('{"guest": ')
    await w.get('[data-testid="config-json-apply"]').trigger('click')
    expect(w.text()).toContain('This is not valid JSON')
  })

  it('hands the config to the sweep panel', async () => {
    const w = mountView()
    await field(w, 'migration.parameters.downtime-limit').get('input').setValue('450')
    await w.get('[data-testid="add-to-sweep"]').trigger('click')
    const sweep = useSweepStore()
    expect(sweep.baseConfig).toMatchObject({ migration: { parameters: { 'downtime-limit': 450 } } })
    expect(sweep.baseSource).toEqual({ kind: 'provided', label: 'edited from QEMU defaults' })
    expect(useScreenStore().current).toBe('history')
    expect(useScreenStore().detail).toBe('sweep')
  })

  it('says what is wrong with a config in Chinese, the schema’s own messages too', async () => {
    usePreferencesStore().setLocale('zh-CN')
    const w = mountView('zh-CN')
    const config = useConfigStore()
    const memory = field(w, 'guest.memory-mib')
    await memory.get('input').setValue('-4')
    expect(memory.findAll('.error').map((e) => e.text())).toEqual(['不能小于 1 MiB'])
    // A message the lab does not word itself comes from zod's Chinese locale.
    config.applyJson('{"migration": {"capabilities": {"xbzrle": "yes"}}}')
    const xbzrle = config.errorsAt(['migration', 'capabilities', 'xbzrle'])
    expect(xbzrle).toHaveLength(1)
    expect(xbzrle[0]).not.toMatch(/Invalid input|expected/)
    expect(xbzrle[0]).toMatch(/[\u4e00-\u9fff]/)
  })

  it('names the bound’s unit in the UI’s language: 毫秒 and 字节/秒 in Chinese, ms and bytes/s in English', async () => {
    const outOfRange = async (w: VueWrapper): Promise<string[]> => {
      const downtime = field(w, 'migration.parameters.downtime-limit')
      await downtime.get('input').setValue('5000000')
      // Typed in MiB/s (or MiB/秒); the limit is the config's, in bytes per second.
      const bandwidth = field(w, 'migration.parameters.max-bandwidth')
      await bandwidth.get('input').setValue('-1')
      return [downtime, bandwidth].flatMap((f) => f.findAll('.error').map((e) => e.text()))
    }
    expect(await inEachLanguage(outOfRange)).toEqual({
      'zh-CN': ['不能大于 2000000 毫秒', '不能小于 0 字节/秒'],
      en: ['must be at most 2000000 ms', 'must be at least 0 bytes/s']
    })
  })

  it('says the lab’s own checks in Chinese too, each at its field, and in English as before', async () => {
    // Two capabilities QEMU refuses together, a throttle ceiling below its start, a cache
    // smaller than a page and (the schema's own wording) a dirty ring that is no power of two.
    const json =
      '{"guest": {"dirty-ring-size": 3}, "migration": {"capabilities": {"multifd": true, "xbzrle": true},' +
      ' "parameters": {"cpu-throttle-initial": 50, "max-cpu-throttle": 5, "xbzrle-cache-size": 1024}}}'
    const shown = async (w: VueWrapper): Promise<string[]> => {
      useConfigStore().applyJson(json)
      await flushPromises()
      return [
        w.get('[data-testid="capability-xbzrle"]'),
        field(w, 'migration.parameters.max-cpu-throttle'),
        field(w, 'migration.parameters.xbzrle-cache-size'),
        field(w, 'guest.dirty-ring-size')
      ].flatMap((f) => f.findAll('.error').map((e) => e.text()))
    }
    expect(await inEachLanguage(shown)).toEqual({
      'zh-CN': [
        'multifd 与 xbzrle 不兼容（请关闭 migration.capabilities.multifd 或 xbzrle）',
        '5 小于 cpu-throttle-initial（50）；取值范围为 initial–99（§5.1）',
        '不能小于一页（4096 字节，§7.1）',
        '必须是 0（脏页位图）或 256 到 65536 之间的 2 的幂'
      ],
      en: [
        'Multifd is not compatible with xbzrle (turn off migration.capabilities.multifd or xbzrle)',
        '5 is below cpu-throttle-initial (50); the range is initial–99 (§5.1)',
        'must be at least one page (4096 bytes, §7.1)',
        'must be 0 (dirty bitmap) or a power of two from 256 to 65536'
      ]
    })
  })

  it('speaks Chinese', () => {
    const w = mountView('zh-CN')
    expect(w.text()).toContain('配置一次迁移')
    expect(field(w, 'migration.parameters.downtime-limit').text()).toContain('停机时间上限')
    expect(field(w, 'migration.parameters.downtime-limit').text()).toContain('downtime-limit')
    expect(w.get('[data-testid="capability-postcopy-ram"]').text()).not.toContain('尚未模拟')
  })
})
