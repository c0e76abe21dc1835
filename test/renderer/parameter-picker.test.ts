// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
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
      locale === 'en' ? 'Maximum bandwidth (bytes/s) · max-bandwidth' : '最大带宽 (字节/秒) · max-bandwidth'
    )
  })
})
