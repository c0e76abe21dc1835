/**
 * Numbers as a report reads them. Binary units for memory (MiB, GiB, like QEMU's HMP `info
 * migrate`), decimal Mbit/s for links (like `network.bandwidth-mbps` and QEMU's `mbps`), ms and s
 * for time. Pure; the same text in HTML, PDF and the interpretation.
 */

export const KIB = 1024
export const MIB = 1024 * 1024
export const GIB = 1024 * 1024 * 1024

/** What a report prints for a value that was not recorded (never 0, never blank). */
export const NOT_MEASURED = 'not measured'
/** What a report prints for a value that does not exist for this run (e.g. downtime of a run that never switched over). */
export const NOT_APPLICABLE = '—'

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** 12,345 */
export function formatInteger(value: number): string {
  return integer.format(value)
}

/** Three significant digits at most, without trailing noise: 1.5, 38.4, 128, 1,234. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 100) return integer.format(Math.round(value))
  if (abs >= 10) return trimZeros(value.toFixed(1))
  if (abs >= 1) return trimZeros(value.toFixed(2))
  if (abs === 0) return '0'
  return trimZeros(value.toPrecision(2))
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** 4.00 GiB, 38.4 MiB, 512 B. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = bytes
  let i = 0
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0
    ? `${integer.format(v)} B`
    : `${v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)} ${units[i]}`
}

/** Bytes per second as MiB/s (QEMU's max-bandwidth default 134217728 reads "128 MiB/s"). */
export function formatBytesPerSecond(bytesPerSecond: number): string {
  if (bytesPerSecond < MIB) return `${formatNumber(bytesPerSecond / KIB)} KiB/s`
  if (bytesPerSecond >= 10 * GIB) return `${formatNumber(bytesPerSecond / GIB)} GiB/s`
  return `${formatNumber(bytesPerSecond / MIB)} MiB/s`
}

/** 0.21 ms, 39.4 ms, 300 ms, 41.0 s, 5 min 3 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (Math.abs(ms) < 1) return `${ms.toFixed(2)} ms`
  if (Math.abs(ms) < 1000) return `${Math.abs(ms) < 100 ? ms.toFixed(1) : Math.round(ms)} ms`
  const s = ms / 1000
  if (Math.abs(s) < 600) return `${s.toFixed(Math.abs(s) < 10 ? 2 : 1)} s`
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
}

/** Decimal megabits per second, QEMU's `mbps` unit. */
export function formatMbps(mbps: number): string {
  return mbps >= 1000 ? `${formatNumber(mbps / 1000)} Gbit/s` : `${formatNumber(mbps)} Mbit/s`
}

export function formatPercent(fraction: number): string {
  return `${formatNumber(fraction * 100)} %`
}

/** 2026-11-25 20:15 UTC */
export function formatDate(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/**
 * A "nice" round value at or above `value`: 1640 → 1700, 2210 → 2300, 12_400 → 13_000. Used to
 * suggest a setting, so it rounds up to two significant digits.
 */
export function roundUpNice(value: number): number {
  if (!(value > 0)) return 0
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1)
  return Math.ceil(value / magnitude) * magnitude
}
