import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { isLocale, localeFromLanguages, type Locale } from '../i18n'

/**
 * The reader's display choices: language and theme. Both are remembered in localStorage; until
 * chosen, the language follows the browser's and the theme follows the operating system.
 */

export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const
export type ThemePreference = (typeof THEME_PREFERENCES)[number]
export type Theme = 'light' | 'dark'

export const LOCALE_STORAGE_KEY = 'migration-lab.locale'
export const THEME_STORAGE_KEY = 'migration-lab.theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

function isThemePreference(value: unknown): value is ThemePreference {
  return typeof value === 'string' && (THEME_PREFERENCES as readonly string[]).includes(value)
}

// Storage can be unavailable (disabled, or full); preferences then last for the session only.
function readStored(key: string): string | null {
  try {
    return window.localStorage.getItem(key)
  } catch {
    return null
  }
}
function writeStored(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value)
  } catch {
    // Not remembered, but still applied.
  }
}

function browserLanguages(): readonly string[] {
  const nav = window.navigator
  if (nav.languages && nav.languages.length > 0) return nav.languages
  return nav.language ? [nav.language] : []
}

export const usePreferencesStore = defineStore('preferences', () => {
  const storedLocale = readStored(LOCALE_STORAGE_KEY)
  const storedTheme = readStored(THEME_STORAGE_KEY)
  const locale = ref<Locale>(isLocale(storedLocale) ? storedLocale : localeFromLanguages(browserLanguages()))
  const theme = ref<ThemePreference>(isThemePreference(storedTheme) ? storedTheme : 'system')

  const media = typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : undefined
  const systemPrefersDark = ref(media?.matches ?? false)
  media?.addEventListener('change', (event) => {
    systemPrefersDark.value = event.matches
  })

  /** The theme actually shown. */
  const effectiveTheme = computed<Theme>(() =>
    theme.value === 'system' ? (systemPrefersDark.value ? 'dark' : 'light') : theme.value
  )

  function setLocale(next: Locale): void {
    locale.value = next
    writeStored(LOCALE_STORAGE_KEY, next)
  }

  function setTheme(next: ThemePreference): void {
    theme.value = next
    writeStored(THEME_STORAGE_KEY, next)
  }

  return { locale, theme, effectiveTheme, systemPrefersDark, setLocale, setTheme }
})
