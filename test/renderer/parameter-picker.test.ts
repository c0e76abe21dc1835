// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { useI18n } from 'vue-i18n'
import { useParameterLabel } from '../../src/renderer/src/components/sweep/parameter-label'
import { labelWithUnit } from '../../src/shared/config/catalog'
import ParameterPicker from '../../src/renderer/src/components/sweep/ParameterPicker.vue'
import { createLabI18n } from '../../src/renderer/src/i18n'
import { parameterOptions } from '../../src/renderer/src/stores/sweep'
import { defaultConfig } from '../../src/shared/config'

// Issue 12 defect 5: about 20 parameters of the sweep picker were bare config paths (in Chinese
// too): the picker now names each from the parameter catalog.

describe('the sweep parameter picker', () => {
  it.each([
    ['en', /[A-Za-z]/],
    ['zh-CN', /[\u4e00-\u9fff]/]
  ] as const)('labels every parameter a sweep can vary (%s)', (locale, script) => {
    const options = parameterOptions(defaultConfig() as unknown as Record<string, unknown>)
    expect(options.length).toBeGreaterThan(50)
    const picker = mount(ParameterPicker, {
      props: { modelValue: options[0].path, options, id: 'p' },
      global: { plugins: [createLabI18n(locale)] }
    })
    const texts = picker.findAll('option').map((o) => o.text())
    expect(texts).toHaveLength(options.length)
    options.forEach((option, i) => {
      expect(texts[i], option.path).not.toBe(option.path)
      // "<label> (<unit>) · <QEMU name>": the plain words first, QEMU's name after.
      // (a vCPU is called so in Chinese too)
      if (!/^vCPU\b/.test(texts[i])) expect(texts[i].split(' · ')[0], option.path).toMatch(script)
      expect(texts[i].endsWith(` · ${option.name}`), option.path).toBe(true)
    })
    expect(texts).toContain(
      locale === 'en' ? 'Maximum bandwidth (bytes/s) · max-bandwidth' : '最大带宽（字节/秒） · max-bandwidth'
    )
  })
})

// The catalog's label + unit in a chart title and the picker: the locale's brackets (issue 12:
// it read 停机时间上限 (毫秒), half-width brackets beside Chinese).
describe('a parameter named with its unit', () => {
  it('uses full-width brackets in Chinese, half-width in English, none without a unit', () => {
    expect(labelWithUnit('停机时间上限', '毫秒', 'zh-CN')).toBe('停机时间上限（毫秒）')
    expect(labelWithUnit('Downtime limit', 'ms', 'en')).toBe('Downtime limit (ms)')
    expect(labelWithUnit('多 fd 压缩', '', 'zh-CN')).toBe('多 fd 压缩')
  })

  it.each([
    ['en', 'Downtime against Downtime limit (ms) · downtime-limit'],
    ['zh-CN', '停机时间随 停机时间上限（毫秒） · downtime-limit 的变化']
  ] as const)("titles Compare's downtime-vs-parameter chart (%s)", (locale, title) => {
    const i18n = createLabI18n(locale)
    const Probe = defineComponent({
      setup() {
        const label = useParameterLabel()
        const { t } = useI18n()
        return () =>
          h(
            'p',
            t('history.compare.chartTitles.downtimeVsParameter', {
              param: label('migration.parameters.downtime-limit')
            })
          )
      }
    })
    expect(mount(Probe, { global: { plugins: [i18n] } }).text()).toBe(title)
  })
})
