// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { flushPromises } from '@vue/test-utils'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { useConnectionStore } from '../../src/renderer/src/stores/connection'
import {
  LOCALE_STORAGE_KEY,
  THEME_STORAGE_KEY,
  usePreferencesStore
} from '../../src/renderer/src/stores/preferences'
import { localeFromLanguages } from '../../src/renderer/src/i18n'
import { ServiceLabClient } from './service-lab-client'

/** A controllable `prefers-color-scheme: dark` media query. */
function fakeDarkQuery(initial: boolean) {
  const listeners: Array<(e: { matches: boolean }) => void> = []
  const query = {
    matches: initial,
    addEventListener: (_type: string, l: (e: { matches: boolean }) => void) => listeners.push(l),
    set(dark: boolean) {
      query.matches = dark
      for (const l of listeners) l({ matches: dark })
    }
  }
  window.matchMedia = (() => query) as unknown as typeof window.matchMedia
  return query
}

function setBrowserLanguages(languages: string[]): void {
  Object.defineProperty(window.navigator, 'languages', { value: languages, configurable: true })
  Object.defineProperty(window.navigator, 'language', { value: languages[0], configurable: true })
}

let host: ServiceLabClient | undefined
beforeEach(() => {
  window.localStorage.clear()
  setActivePinia(createPinia())
  setBrowserLanguages(['en-US'])
})
afterEach(async () => {
  await host?.dispose()
  host = undefined
})

describe('preferences', () => {
  it('starts in the browser’s language: Chinese for any zh variant, else English', () => {
    expect(localeFromLanguages(['zh-TW'])).toBe('zh-CN')
    expect(localeFromLanguages(['fr-FR', 'zh-CN'])).toBe('zh-CN')
    expect(localeFromLanguages(['fr-FR', 'en-GB', 'zh-CN'])).toBe('en')
    expect(localeFromLanguages([])).toBe('en')

    setBrowserLanguages(['zh-CN', 'en'])
    expect(usePreferencesStore().locale).toBe('zh-CN')
  })

  it('remembers the chosen language over the browser’s', () => {
    setBrowserLanguages(['zh-CN'])
    usePreferencesStore().setLocale('en')
    expect(window.localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en')

    setActivePinia(createPinia())
    expect(usePreferencesStore().locale).toBe('en')
  })

  it('ignores a stored value it does not know', () => {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, 'klingon')
    window.localStorage.setItem(THEME_STORAGE_KEY, 'neon')
    const prefs = usePreferencesStore()
    expect(prefs.locale).toBe('en')
    expect(prefs.theme).toBe('system')
  })

  it('follows the OS theme until one is chosen, and remembers the choice', async () => {
    const os = fakeDarkQuery(false)
    const prefs = usePreferencesStore()
    expect(prefs.theme).toBe('system')
    expect(prefs.effectiveTheme).toBe('light')
    os.set(true)
    await nextTick()
    expect(prefs.effectiveTheme).toBe('dark')

    prefs.setTheme('light')
    expect(prefs.effectiveTheme).toBe('light')
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe('light')

    setActivePinia(createPinia())
    expect(usePreferencesStore().effectiveTheme).toBe('light')
  })
})

// The connection store on the real lab host (service-lab-client.ts): what the page hears is the
// LabService's own; only the connection's state is the test's to set.
describe('connection', () => {
  it('asks the host who it is once connected, and again after every reconnect', async () => {
    host = new ServiceLabClient({ initial: { state: 'connecting' } })
    installLabClient(host)
    const connection = useConnectionStore()
    connection.start()
    connection.start() // idempotent
    expect(connection.state).toBe('connecting')
    expect(host.calls).toEqual([])

    host.setConnection({ state: 'connected' })
    await flushPromises()
    expect(connection.isConnected).toBe(true)
    expect(connection.hello).toMatchObject({ appVersion: '0.1.0', host: 'web', platform: 'linux' })
    expect(host.calls.map((c) => c.method)).toEqual(['app.hello'])

    host.setConnection({ state: 'disconnected', reason: 'lost', retryAt: Date.now() + 1000 })
    expect(connection.state).toBe('disconnected')
    // What the host said before stays visible while it is away.
    expect(connection.hello?.appVersion).toBe('0.1.0')

    // The lab was upgraded meanwhile: the page learns the new version once it is back.
    await host.restartHost({ appVersion: '0.2.0' })
    host.setConnection({ state: 'connected' })
    await flushPromises()
    expect(host.calls.map((c) => c.method)).toEqual(['app.hello', 'app.hello'])
    expect(connection.hello?.appVersion).toBe('0.2.0')
  })

  it('notices when the host says it is stopping', async () => {
    host = new ServiceLabClient()
    installLabClient(host)
    const connection = useConnectionStore()
    connection.start()
    expect(connection.hostStopping).toBe(false)
    await host.service.shutdown()
    expect(connection.hostStopping).toBe(true)
  })

  it('passes "reconnect now" to the client', () => {
    host = new ServiceLabClient({ initial: { state: 'disconnected', reason: 'unreachable' } })
    installLabClient(host)
    const connection = useConnectionStore()
    connection.start()
    connection.reconnectNow()
    expect(host.reconnects).toBe(1)
  })
})
