import { useI18n } from 'vue-i18n'
import type { RunName } from './chart-options'

/**
 * "run 6 · downtime-limit=50 #1" in the page's language: the Compare screen names a run by its id
 * in words, so that `#` is only ever a sweep's repetition (part of the label).
 */
export function useRunName(): RunName {
  const { t } = useI18n()
  return (id, label) =>
    label
      ? t('history.compare.chartLabels.runNamed', { id, label })
      : t('history.compare.chartLabels.run', { id })
}
