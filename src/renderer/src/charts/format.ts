/**
 * Numbers as a reader wants them: bytes in binary units, times in ms or s, with the page's
 * language for digits and separators. QEMU's own units stay visible where a field has a QEMU name.
 */

const KIB = 1024
const MIB = KIB * 1024
const GIB = MIB * 1024
const TIB = GIB * 1024

function number(locale: string, value: number, digits: number): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(
    value
  )
}

/** 5541966495 → "5.16 GiB". */
export function formatBytes(bytes: number, locale = 'en'): string {
  const abs = Math.abs(bytes)
  if (abs >= TIB) return `${number(locale, bytes / TIB, 2)} TiB`
  if (abs >= GIB) return `${number(locale, bytes / GIB, 2)} GiB`
  if (abs >= MIB) return `${number(locale, bytes / MIB, 1)} MiB`
  if (abs >= KIB) return `${number(locale, bytes / KIB, 1)} KiB`
  return `${number(locale, bytes, 0)} B`
}

/** 39.436 → "39.4 ms"; 41043 → "41.04 s"; 300100 → "5 min 0.1 s" (zh: "5 分 0.1 秒"). */
export function formatMs(ms: number, locale = 'en'): string {
  const abs = Math.abs(ms)
  if (abs < 10) return `${number(locale, ms, 2)} ms`
  if (abs < 1000) return `${number(locale, ms, 1)} ms`
  if (abs < 60_000) return `${number(locale, ms / 1000, 2)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = number(locale, (ms - minutes * 60_000) / 1000, 1)
  // Chinese says minutes and seconds in its own words ("1 min 14.7 s" read English there).
  if (locale.startsWith('zh')) return `${number(locale, minutes, 0)} 分 ${seconds} 秒`
  return `${number(locale, minutes, 0)} min ${seconds} s`
}

/** Axis labels of virtual time: seconds with just enough digits. */
export function formatSecondsTick(ms: number, locale = 'en'): string {
  const s = ms / 1000
  let digits = Math.abs(s) < 10 ? 2 : Math.abs(s) < 100 ? 1 : 0
  // A zoomed axis puts ticks closer than that (37.45 s beside 37.5 s): show the digits a tick
  // has, so that no two ticks read alike.
  while (digits < 4 && Math.abs(Number(s.toFixed(digits)) - s) > 1e-9 * Math.max(1, Math.abs(s))) digits++
  return `${number(locale, s, digits)} s`
}

export function formatCount(value: number, locale = 'en'): string {
  return number(locale, value, 0)
}

export function formatDecimal(value: number, locale = 'en', digits = 1): string {
  return number(locale, value, digits)
}

/** Bytes per second in MiB/s. */
export function formatRateMibps(mibPerS: number, locale = 'en'): string {
  return `${number(locale, mibPerS, mibPerS < 10 ? 2 : 1)} MiB/s`
}

/** When a run or an experiment started, short date and time in the UI's language. */
export function formatStartedAt(epochMs: number, locale = 'en'): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(epochMs))
}
