// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLabI18n } from '../../src/renderer/src/i18n'
import { configMessages } from '../../src/renderer/src/i18n/config-messages'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { usePreferencesStore } from '../../src/renderer/src/stores/preferences'
import { useSweepStore } from '../../src/renderer/src/stores/sweep'
import { sweepDraftMessages } from '../../src/renderer/src/i18n/sweep-messages'
import { expandSweep } from '../../src/shared/sweep'
import HistoryView from '../../src/renderer/src/views/HistoryView.vue'
import { ServiceLabClient } from './service-lab-client'

// The sweep panel's problems as a user types them, in Chinese and in English: the panel's own
// checks, a bad range (the sweep expansion's) and a bad base config (parseConfig's). The History
// screen around it talks to the real lab host (service-lab-client.ts).
let wrapper: VueWrapper | undefined
let host: ServiceLabClient

beforeEach(() => {
  window.localStorage.clear()
  window.history.replaceState(null, '', '#/history/sweep')
  host = new ServiceLabClient()
  installLabClient(host)
})
afterEach(async () => {
  wrapper?.unmount()
  wrapper = undefined
  configMessages('en')
  await host.dispose()
})

/** The problems the panel lists after a bad name, bad values, a bad range and a bad base config. */
async function typedProblems(locale: 'en' | 'zh-CN'): Promise<string[][]> {
  const pinia = createPinia()
  setActivePinia(pinia)
  usePreferencesStore().setLocale(locale)
  wrapper = mount(HistoryView, {
    global: { plugins: [pinia, createLabI18n(locale)], stubs: { LabChart: true } },
    attachTo: document.body
  })
  await flushPromises()
  const listed = () =>
    wrapper!
      .get('[data-testid="sweep-problems"]')
      .findAll('li')
      .map((li) => li.text())
  const seen: string[][] = []
  await wrapper.get('[data-testid="sweep-name"]').setValue(' ')
  await wrapper.get('[data-testid="sweep-values-0"]').setValue('100, nope')
  seen.push(listed())
  await wrapper.get('[data-testid="sweep-name"]').setValue('mine')
  await wrapper.get('[data-testid="sweep-parameter-0"]').findAll('input[type="radio"]')[1].setValue(true)
  await wrapper.get('[data-testid="sweep-range-0"]').setValue('500..100:100')
  seen.push(listed())
  await wrapper.get('[data-testid="sweep-range-0"]').setValue('100..500:100')
  useSweepStore().useBaseConfig({ guest: { vcpus: 0 } }, 'a broken config')
  await flushPromises()
  seen.push(listed())
  return seen
}

describe('the sweep panel’s problems', () => {
  it('read in Chinese on the Chinese UI', async () => {
    expect(await typedProblems('zh-CN')).toEqual([
      ['名称：请给扫描起个名字', '参数 1（migration.parameters.downtime-limit）：“nope”不是数字'],
      ['参数 1.range：终点（100）小于起点（500）'],
      ['配置有 1 个问题。', 'guest.vcpus: 不能小于 1']
    ])
  })

  it('read as before in English', async () => {
    expect(await typedProblems('en')).toEqual([
      [
        'name: give the sweep a name',
        'parameter 1 (migration.parameters.downtime-limit): "nope" is not a number'
      ],
      ['parameter 1.range: the end (100) is below the start (500)'],
      ['The config has 1 problem.', 'guest.vcpus: must be at least 1']
    ])
  })
})

describe('the sweep expansion’s type check', () => {
  // A sweep given to the host (a saved draft, the CLI's --sweep file) can vary a number with a
  // string; the page words the host's check in its language, the value's type included.
  const spec = {
    base: { migration: { parameters: { 'downtime-limit': 300 } } },
    varied: [{ path: 'migration.parameters.downtime-limit', values: ['fast'] }],
    repetitions: 1
  }
  const problems = (locale: 'en' | 'zh-CN'): readonly string[] => {
    const outcome = expandSweep(spec, sweepDraftMessages(locale).sweep)
    return outcome.ok ? [] : (outcome.error.details ?? [])
  }

  it('names the type in Chinese on the Chinese UI', () => {
    expect(problems('zh-CN')).toContain(
      'varied[0].values[0]: migration.parameters.downtime-limit 在基础配置中是数字，这里是 "fast"'
    )
  })

  it('reads as before in English', () => {
    expect(problems('en')).toContain(
      'varied[0].values[0]: migration.parameters.downtime-limit is a number in the base config, got "fast"'
    )
  })
})
