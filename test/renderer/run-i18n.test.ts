import { describe, expect, it } from 'vitest'
import runEn from '../../src/renderer/src/i18n/run.en'
import runZhCN from '../../src/renderer/src/i18n/run.zh-CN'
import zhCNApp from '../../src/renderer/src/i18n/zh-CN'
import { CONFIG_PRESETS } from '../../src/shared/presets'

// Every string of the Configure and Live run screens exists in English and Chinese, and every
// field, capability, preset, state and unit the screens show has its words.

type Tree = { [key: string]: string | Tree }
const leaves = (tree: Tree, prefix = ''): Map<string, string> => {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value)
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v)
  }
  return out
}
const en = leaves(runEn as unknown as Tree)
const zh = leaves(runZhCN as unknown as Tree)

describe('run screen translations', () => {
  it('call the guest one thing in Chinese (客户机, never also 虚拟机)', () => {
    const all = [...leaves(zhCNApp as unknown as Tree).values()]
    const mixed = all.filter((text) => text.includes('虚拟机'))
    expect(mixed).toEqual([])
    expect(all.some((text) => text.includes('客户机'))).toBe(true)
  })

  it('have the same keys and placeholders in both languages, translated', () => {
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort())
    for (const [key, text] of zh) {
      expect(text.trim(), key).not.toBe('')
      expect(text, key).not.toBe(en.get(key))
      // The same placeholders (a plural message names them once per form; Chinese has one form).
      const names = (t: string | undefined): string[] => [...new Set(t?.match(/\{\w+\}/g) ?? [])].sort()
      expect(names(text), key).toEqual(names(en.get(key)))
      // vue-i18n reads | as plural and @ as a link: neither may appear by accident. A plural
      // message has two or three forms separated by " | " (vue-i18n's pluralization).
      for (const message of [text, en.get(key) ?? '']) {
        expect(message, key).not.toMatch(/@/)
        const forms = message.split(' | ')
        expect(
          forms.every((form) => form.trim() !== '' && !form.includes('|')),
          key
        ).toBe(true)
        expect(forms.length, key).toBeLessThanOrEqual(3)
      }
    }
  })

  // Fields, capabilities, patterns and units are named by the parameter catalog
  // (test/shared/config-catalog.test.ts).
  it('name every preset, lane state and sync trigger', () => {
    for (const preset of CONFIG_PRESETS) {
      expect(en.has(`configure.presets.${preset.id}.name`), preset.id).toBe(true)
      expect(en.has(`configure.presets.${preset.id}.description`), preset.id).toBe(true)
    }
    const states = [
      'setup',
      'iterating',
      'syncing',
      'stop-and-copy',
      'done',
      'running',
      'throttled',
      'bql-wait',
      'stopped',
      'idle',
      'loading',
      'resumed'
    ]
    for (const state of states) expect(en.has(`live.states.${state}`), state).toBe(true)
    for (const trigger of ['setup', 'lazy', 'throttle-timer', 'final'])
      expect(en.has(`live.syncs.triggers.${trigger}`), trigger).toBe(true)
    for (const status of ['idle', 'starting', 'running', 'cancelling', 'completed', 'cancelled', 'failed'])
      expect(en.has(`live.status.${status}`), status).toBe(true)
  })
})
