/**
 * A one-line progress bar on stderr, shown only when stderr is a terminal (DESIGN.md §5). It
 * repaints at most ten times a second, whatever the telemetry rate.
 */
export interface ProgressView {
  update(line: string): void
  done(): void
}

export function terminalProgress(stream: NodeJS.WriteStream, enabled: boolean): ProgressView {
  if (!enabled) return { update: () => {}, done: () => {} }
  let last = 0
  let shown = false
  return {
    update(line: string): void {
      const now = Date.now()
      if (now - last < 100) return
      last = now
      const width = Math.max(20, (stream.columns || 80) - 1)
      stream.write(`\r${line.slice(0, width).padEnd(width)}`)
      shown = true
    },
    done(): void {
      if (shown) stream.write(`\r${' '.repeat(Math.max(20, (stream.columns || 80) - 1))}\r`)
      shown = false
    }
  }
}

/** `[#######-----] 58%` for a fraction in [0, 1]. */
export function bar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction))
  const filled = Math.round(f * width)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%`
}
