// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { createLabI18n } from '../../src/renderer/src/i18n'
import en from '../../src/renderer/src/i18n/en'
import zhCN from '../../src/renderer/src/i18n/zh-CN'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { ENGINE_VERSION } from '../../src/shared/engine/version'
import { ServiceLabClient, type ServiceLabClientOptions } from './service-lab-client'

// The app's frame on the real lab host (service-lab-client.ts): who the host is, its events and
// its errors are the LabService's own; the connection's state is the test's to set.

let host: ServiceLabClient | undefined

function mountApp(opts: ServiceLabClientOptions = {}) {
  host = new ServiceLabClient(opts)
  installLabClient(host)
  return {
    host,
    app: mount(App, { global: { plugins: [createPinia(), createLabI18n('en')] }, attachTo: document.body })
  }
}

let wrapper: ReturnType<typeof mountApp>['app'] | undefined

beforeEach(() => {
  window.localStorage.clear()
  Object.defineProperty(window.navigator, 'languages', { value: ['en-US'], configurable: true })
})
afterEach(async () => {
  wrapper?.unmount()
  wrapper = undefined
  await host?.dispose()
  host = undefined
})

describe('first screen', () => {
  it('shows the product, the connection and who the host is', async () => {
    const { host, app } = mountApp({ initial: { state: 'connecting' } })
    wrapper = app
    host.addRun({ label: 'idle guest' })
    expect(wrapper.get('[data-testid="product-name"]').text()).toBe('Migration Lab')
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('Connecting to the lab host…')
    expect(wrapper.text()).toContain('Waiting for the lab host…')

    host.setConnection({ state: 'connected' })
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('Connected to the lab host')
    expect(wrapper.get('[data-testid="connection-host"]').text()).toBe('Host: web browser')
    expect(wrapper.get('[data-testid="app-version"]').text()).toBe('0.1.0')
    expect(wrapper.get('[data-testid="host-kind"]').text()).toBe('Web browser (local web host)')
    expect(wrapper.text()).toContain('Linux')
    expect(wrapper.text()).toContain(ENGINE_VERSION)
    expect(document.title).toBe('Migration Lab')
    // The Overview lists what the host has recorded.
    expect(wrapper.get('[data-testid="overview-recent-1"]').text()).toContain('idle guest')
  })

  it('names the desktop app when it runs in Electron', async () => {
    wrapper = mountApp({ transport: 'electron' }).app
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-host"]').text()).toBe('Host: desktop app')
    expect(wrapper.get('[data-testid="host-kind"]').text()).toBe('Desktop app (Electron)')
  })

  it('switches to Chinese: title, status and document', async () => {
    wrapper = mountApp().app
    await flushPromises()
    await wrapper.get('[data-testid="locale-select"]').setValue('zh-CN')
    expect(wrapper.get('[data-testid="product-name"]').text()).toBe('迁移实验室')
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('已连接到实验室主机')
    expect(document.title).toBe('迁移实验室')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(window.localStorage.getItem('migration-lab.locale')).toBe('zh-CN')
  })

  it('switches theme on the document', async () => {
    wrapper = mountApp().app
    await wrapper.get('[data-testid="theme-select"]').setValue('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(document.documentElement.style.colorScheme).toBe('dark')
    await wrapper.get('[data-testid="theme-select"]').setValue('light')
    expect(document.documentElement.dataset.theme).toBe('light')
  })

  it('explains a dropped connection, counts down to the retry and offers to retry now', async () => {
    const { host, app } = mountApp()
    wrapper = app
    await flushPromises()

    await host.service.shutdown()
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe('The lab host is shutting down.')

    host.setConnection({ state: 'disconnected', reason: 'host-stopped', retryAt: Date.now() + 4000 })
    await flushPromises()
    const status = wrapper.get('[data-testid="connection-status"]').text()
    expect(status).toContain('Disconnected: the lab host was shut down.')
    expect(status).toMatch(/Reconnecting in [34] s…/)
    await wrapper.get('[data-testid="reconnect"]').trigger('click')
    expect(host.reconnects).toBe(1)

    host.setConnection({ state: 'disconnected', reason: 'lost', retryAt: Date.now() - 1 })
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toBe(
      'Disconnected: the connection to the lab host was lost. Reconnecting…'
    )
  })

  it('shows the host’s error instead of its details when app.hello fails', async () => {
    // A host that fails inside (a stand-in: the real one always answers app.hello) and whose
    // history database is gone (a real one: closed under it).
    const { host, app } = mountApp({ initial: { state: 'connecting' } })
    wrapper = app
    host.failures['app.hello'] = { kind: 'Internal', message: 'boom' }
    host.history.close()
    host.setConnection({ state: 'connected' })
    await flushPromises()
    expect(wrapper.get('[data-testid="host-error"]').text()).toBe('The lab host did not answer: boom')
    // The Overview's recent runs fail with the host's reason, and say what could not be done.
    expect(wrapper.get('[data-testid="overview-recent-error"]').text()).toBe(
      'The recent runs could not be listed: The lab host has no history database open, so runs cannot be listed or recorded. Restart the lab; if this persists, the host log names the database file and why it could not be opened.'
    )
  })

  it('labels every control', () => {
    wrapper = mountApp({ initial: { state: 'disconnected', reason: 'unreachable' } }).app
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
