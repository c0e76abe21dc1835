import { watchEffect } from 'vue'
import { useI18n } from 'vue-i18n'
import type { MessageSchema } from '../i18n/en'
import type { Locale } from '../i18n'
import { usePreferencesStore } from '../stores/preferences'

/**
 * Applies the reader's preferences to the whole document: the i18n locale, `<html lang>`, the
 * window title, and the theme (`data-theme` for our styles, `color-scheme` for the browser's own
 * controls and scrollbars). Call once, from the root component.
 */
export function useDocumentPreferences(): void {
  const preferences = usePreferencesStore()
  const { locale, t } = useI18n<{ message: MessageSchema }, Locale>({ useScope: 'global' })
  watchEffect(() => {
    locale.value = preferences.locale
    const root = document.documentElement
    root.lang = preferences.locale
    root.dataset.theme = preferences.effectiveTheme
    root.style.colorScheme = preferences.effectiveTheme
    document.title = t('app.name')
  })
}
