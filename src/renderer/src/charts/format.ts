/**
 * Numbers as a reader wants them: bytes in binary units, times in ms or s, with the page's
 * language for digits and separators. QEMU's own units stay visible where a field has a QEMU name.
 */

import { formatDecimal } from '../../../shared/locale-format'

export { formatBytes, formatCount, formatDecimal, formatMs } from '../../../shared/locale-format'

/** Axis labels of virtual time: seconds with just enough digits. */
export function formatSecondsTick(ms: number, locale = 'en'): string {
  // Chinese says 秒, as every other duration on its screens does.
  const unit = locale.startsWith('zh') ? '秒' : 's'
  const s = ms / 1000
  let digits = Math.abs(s) < 10 ? 2 : Math.abs(s) < 100 ? 1 : 0
  // A zoomed axis puts ticks closer than that (37.45 s beside 37.5 s): show the digits a tick
  // has, so that no two ticks read alike.
  while (digits < 4 && Math.abs(Number(s.toFixed(digits)) - s) > 1e-9 * Math.max(1, Math.abs(s))) digits++
  return `${formatDecimal(s, locale, digits)} ${unit}`
}

/** Bytes per second in MiB/s. */
export function formatRateMibps(mibPerS: number, locale = 'en'): string {
  return `${formatDecimal(mibPerS, locale, mibPerS < 10 ? 2 : 1)} MiB/s`
}

/** When a run or an experiment started, short date and time in the UI's language. */
export function formatStartedAt(epochMs: number, locale = 'en'): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(epochMs))
}
