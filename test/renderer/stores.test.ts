// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { useConnectionStore } from '../../src/renderer/src/stores/connection'
import {
  LOCALE_STORAGE_KEY,
  THEME_STORAGE_KEY,
  usePreferencesStore
} from '../../src/renderer/src/stores/preferences'
import { localeFromLanguages } from '../../src/renderer/src/i18n'
import { FakeLabClient } from './fake-lab-client'

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

beforeEach(() => {
  window.localStorage.clear()
  setActivePinia(createPinia())
  setBrowserLanguages(['en-US'])
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

describe('connection', () => {
  it('asks the host who it is once connected, and again after every reconnect', async () => {
    const fake = new FakeLabClient()
    installLabClient(fake)
    const connection = useConnectionStore()
    connection.start()
    connection.start() // idempotent
    expect(connection.state).toBe('connecting')
    expect(fake.calls).toEqual([])

    fake.setConnection({ state: 'connected' })
    await nextTick()
    await Promise.resolve()
    expect(connection.isConnected).toBe(true)
    expect(connection.hello?.appVersion).toBe('0.1.0')
    expect(fake.calls.map((c) => c.method)).toEqual(['app.hello'])

    fake.setConnection({ state: 'disconnected', reason: 'lost', retryAt: Date.now() + 1000 })
    expect(connection.state).toBe('disconnected')
    // What the host said before stays visible while it is away.
    expect(connection.hello?.appVersion).toBe('0.1.0')

    fake.hello = { ...fake.hello, appVersion: '0.2.0' }
    fake.setConnection({ state: 'connected' })
    await Promise.resolve()
    await Promise.resolve()
    expect(fake.calls.map((c) => c.method)).toEqual(['app.hello', 'app.hello'])
    expect(connection.hello?.appVersion).toBe('0.2.0')
  })

  it('notices when the host says it is stopping', () => {
    const fake = new FakeLabClient({ initial: { state: 'connected' } })
    installLabClient(fake)
    const connection = useConnectionStore()
    connection.start()
    expect(connection.hostStopping).toBe(false)
    fake.push({ event: 'host.status', payload: { state: 'stopping' } })
    expect(connection.hostStopping).toBe(true)
  })

  it('passes "reconnect now" to the client', () => {
    const fake = new FakeLabClient({ initial: { state: 'disconnected', reason: 'unreachable' } })
    installLabClient(fake)
    const connection = useConnectionStore()
    connection.start()
    connection.reconnectNow()
    expect(fake.reconnects).toBe(1)
  })
})
