/**
 * Numbers in a reader's language: bytes in binary units (MiB, GiB, as QEMU's HMP prints them),
 * times in ms, s and min, digits and separators from the locale, and Chinese unit words where the
 * Chinese UI uses them (毫秒, 秒, 分). Pure; the Live and History screens, the run-end text and the
 * Chinese report all read numbers through these, so one run reads alike everywhere.
 */

const KIB = 1024
const MIB = KIB * 1024
const GIB = MIB * 1024
const TIB = GIB * 1024

function isChinese(locale: string): boolean {
  return locale.toLowerCase().startsWith('zh')
}

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

/**
 * 39.436 → "39.4 ms"; 41043 → "41.04 s"; 300100 → "5 min 0.1 s". Chinese says every duration in
 * its own words, short or long: "39.4 毫秒", "41.04 秒", "5 分 0.1 秒" ("37.77 s" beside
 * "1 分 14.7 秒" read half English).
 */
export function formatMs(ms: number, locale = 'en'): string {
  const zh = isChinese(locale)
  const abs = Math.abs(ms)
  if (abs < 1000) return `${number(locale, ms, abs < 10 ? 2 : 1)} ${zh ? '毫秒' : 'ms'}`
  if (abs < 60_000) return `${number(locale, ms / 1000, 2)} ${zh ? '秒' : 's'}`
  const minutes = Math.floor(ms / 60_000)
  const seconds = number(locale, (ms - minutes * 60_000) / 1000, 1)
  if (zh) return `${number(locale, minutes, 0)} 分 ${seconds} 秒`
  return `${number(locale, minutes, 0)} min ${seconds} s`
}

export function formatCount(value: number, locale = 'en'): string {
  return number(locale, value, 0)
}

export function formatDecimal(value: number, locale = 'en', digits = 1): string {
  return number(locale, value, digits)
}
