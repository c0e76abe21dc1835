import { useI18n } from 'vue-i18n'
import type { PredictedFigure } from '../../../../shared/report/measured'
import { formatBytes, formatCount, formatMs } from '../../charts/format'

/** The figure names measuredFigures gives (src/shared/report/measured.ts), as message keys. */
const FIGURE_KEYS: Readonly<Record<string, string>> = {
  'total time': 'totalTime',
  transferred: 'transferred',
  'dirty syncs': 'dirtySyncs',
  'setup time': 'setupTime',
  downtime: 'downtime',
  'guest pause': 'guestPause'
}

/**
 * A predicted-vs-measured figure as the page shows it, in the page's language: its name, a value
 * in its unit, and the simulation's error (+12.3 %). Compare's "Predicted vs measured" table and
 * calibration's before/after table show figures the same way.
 */
export function usePredictedFigure() {
  const { t, locale } = useI18n()
  return {
    figureName(f: PredictedFigure): string {
      const key = FIGURE_KEYS[f.name]
      return key ? t(`history.compare.predicted.figures.${key}`) : f.name
    },
    value(f: PredictedFigure, v: number): string {
      if (f.unit === 'ms') return formatMs(v, locale.value)
      if (f.unit === 'bytes') return formatBytes(v, locale.value)
      return formatCount(v, locale.value)
    },
    error(f: PredictedFigure): string {
      if (f.error === null) return '—'
      const pct = Math.round(f.error * 1000) / 10
      return `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct).toLocaleString(locale.value)} %`
    }
  }
}
