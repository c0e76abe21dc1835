// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { createLabI18n } from '../../src/renderer/src/i18n'
import en from '../../src/renderer/src/i18n/en'
import zhCN from '../../src/renderer/src/i18n/zh-CN'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { FakeLabClient } from './fake-lab-client'

function mountApp(fake: FakeLabClient) {
  installLabClient(fake)
  return mount(App, { global: { plugins: [createPinia(), createLabI18n('en')] }, attachTo: document.body })
}

let wrapper: ReturnType<typeof mountApp> | undefined

beforeEach(() => {
  window.localStorage.clear()
  Object.defineProperty(window.navigator, 'languages', { value: ['en-US'], configurable: true })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

describe('first screen', () => {
  it('shows the product, the connection and who the host is', async () => {
    const fake = new FakeLabClient({ initial: { state: 'connecting' } })
    wrapper = mountApp(fake)
    expect(wrapper.get('[data-testid="product-name"]').text()).toBe('Migration Lab')
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('Connecting to the lab host…')
    expect(wrapper.text()).toContain('Waiting for the lab host…')

    fake.setConnection({ state: 'connected' })
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('Connected to the lab host')
    expect(wrapper.get('[data-testid="connection-host"]').text()).toBe('Host: web browser')
    expect(wrapper.get('[data-testid="app-version"]').text()).toBe('0.1.0')
    expect(wrapper.get('[data-testid="host-kind"]').text()).toBe('Web browser (local web host)')
    expect(wrapper.text()).toContain('Linux')
    expect(wrapper.text()).toContain('1.0.0')
    expect(document.title).toBe('Migration Lab')
  })

  it('names the desktop app when it runs in Electron', async () => {
    wrapper = mountApp(new FakeLabClient({ transport: 'electron', initial: { state: 'connected' } }))
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-host"]').text()).toBe('Host: desktop app')
    expect(wrapper.get('[data-testid="host-kind"]').text()).toBe('Desktop app (Electron)')
  })

  it('switches to Chinese: title, status and document', async () => {
    wrapper = mountApp(new FakeLabClient({ initial: { state: 'connected' } }))
    await flushPromises()
    await wrapper.get('[data-testid="locale-select"]').setValue('zh-CN')
    expect(wrapper.get('[data-testid="product-name"]').text()).toBe('迁移实验室')
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('已连接到实验室主机')
    expect(document.title).toBe('迁移实验室')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(window.localStorage.getItem('migration-lab.locale')).toBe('zh-CN')
  })

  it('switches theme on the document', async () => {
    wrapper = mountApp(new FakeLabClient({ initial: { state: 'connected' } }))
    await wrapper.get('[data-testid="theme-select"]').setValue('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(document.documentElement.style.colorScheme).toBe('dark')
    await wrapper.get('[data-testid="theme-select"]').setValue('light')
    expect(document.documentElement.dataset.theme).toBe('light')
  })

  it('explains a dropped connection, counts down to the retry and offers to retry now', async () => {
    const fake = new FakeLabClient({ initial: { state: 'connected' } })
    wrapper = mountApp(fake)
    await flushPromises()

    fake.push({ event: 'host.status', payload: { state: 'stopping' } })
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('The lab host is shutting down.')

    fake.setConnection({ state: 'disconnected', reason: 'host-stopped', retryAt: Date.now() + 4000 })
    await flushPromises()
    const status = wrapper.get('[data-testid="connection-status"]').text()
    expect(status).toContain('Disconnected: the lab host was shut down.')
    expect(status).toMatch(/Reconnecting in [34] s…/)
    await wrapper.get('[data-testid="reconnect"]').trigger('click')
    expect(fake.reconnects).toBe(1)

    fake.setConnection({ state: 'disconnected', reason: 'lost', retryAt: Date.now() - 1 })
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe(
      'Disconnected: the connection to the lab host was lost. Reconnecting…'
    )
  })

  it('shows the host’s error instead of its details when app.hello fails', async () => {
    const fake = new FakeLabClient({ initial: { state: 'connected' } })
    fake.call = (async () => ({
      ok: false,
      error: { kind: 'Internal', message: 'boom' }
    })) as FakeLabClient['call']
    wrapper = mountApp(fake)
    await flushPromises()
    expect(wrapper.get('[data-testid="host-error"]').text()).toBe('The lab host did not answer: boom')
    // The Overview's recent runs fail the same way, and say what could not be done.
    expect(wrapper.get('[data-testid="overview-recent-error"]').text()).toBe(
      'The recent runs could not be listed: boom'
    )
  })

  it('labels every control', () => {
    wrapper = mountApp(new FakeLabClient({ initial: { state: 'disconnected', reason: 'unreachable' } }))
    for (const select of wrapper.findAll('select')) {
      expect(select.element.closest('label')?.textContent?.trim()).not.toBe('')
    }
    expect(wrapper.get('[data-testid="reconnect"]').text()).toBe('Reconnect now')
  })
})

describe('translations', () => {
  const leaves = (obj: object, prefix = ''): Array<[string, string]> =>
    Object.entries(obj).flatMap(([k, v]) =>
      typeof v === 'string' ? [[prefix + k, v] as [string, string]] : leaves(v as object, `${prefix}${k}.`)
    )

  it('has every English string in Chinese, translated', () => {
    const english = new Map(leaves(en))
    const chinese = new Map(leaves(zhCN))
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort())
    // Proper names stay as they are; everything else must differ from the English.
    const sameByDesign = new Set(['platforms.linux', 'platforms.darwin', 'platforms.win32'])
    for (const [key, text] of chinese) {
      expect(text.trim(), key).not.toBe('')
      if (!sameByDesign.has(key)) expect(text, key).not.toBe(english.get(key))
      // Placeholders survive translation (a plural message names them once per form, and Chinese
      // has one form where English has two, so compare which placeholders, not how often).
      const names = (t: string | undefined): string[] => [...new Set(t?.match(/\{\w+\}/g) ?? [])].sort()
      expect(names(text), key).toEqual(names(english.get(key)))
    }
  })
})
