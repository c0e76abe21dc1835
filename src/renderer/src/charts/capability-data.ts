import type { ProgressSample } from '../../../shared/result'

/**
 * The capabilities' counters of a run's progress samples (issue 9) as columns the live chart
 * draws, one value per progress sample (the same index as RunData.timeMs; NaN where a sample
 * lacks the field).
 *
 * The counters are cumulative, as query-migrate reports them (migration/ram.c xbzrle_counters,
 * MigrationStats postcopy_requests, each multifd channel's bytes); a rate is the difference
 * between a sample and the one before it over the time between them. Downsampled samples (a run
 * reopened from the history) give the average over the longer interval, not a wrong figure.
 */

const MIB = 1024 * 1024

export class CapabilitySeries {
  /** XBZRLE cache hits per second (xbzrle-cache `pages`: encoded, unchanged or overflowed). */
  readonly xbzrleHitsPerS: number[] = []
  /** XBZRLE cache misses per second (pages not in the cache, sent whole). */
  readonly xbzrleMissesPerS: number[] = []
  /** Hits per second whose encoding did not fit in a page (sent whole). */
  readonly xbzrleOverflowsPerS: number[] = []
  /**
   * Hits ÷ (hits + misses) over the interval, %: of the pages XBZRLE looked up in its cache
   * (save_xbzrle_page), how many found their previous version there. NaN without lookups.
   */
  readonly xbzrleHitRatePct: number[] = []
  /** Per multifd channel: MiB/s it sent over the interval (index = channel). */
  readonly multifdMibps: number[][] = []
  /** Page requests received by the source so far (ram.postcopy-requests). */
  readonly postcopyRequests: number[] = []
  /** Per vCPU: dirty-limit's sleep per full dirty ring in force, ms (index = vCPU). */
  readonly dirtyLimitSleepMs: number[][] = []

  hasXbzrle = false
  hasPostcopy = false

  private previous: ProgressSample | null = null
  private count = 0

  add(p: ProgressSample): void {
    const prev = this.previous
    const dtS = prev ? (p['time-ms'] - prev['time-ms']) / 1000 : 0
    const rate = (now: number | undefined, before: number | undefined): number =>
      now === undefined || dtS <= 0 ? NaN : (now - (before ?? 0)) / dtS

    if (p['xbzrle-pages'] !== undefined) this.hasXbzrle = true
    const hits = rate(p['xbzrle-pages'], prev?.['xbzrle-pages'])
    const misses = rate(p['xbzrle-cache-miss'], prev?.['xbzrle-cache-miss'])
    this.xbzrleHitsPerS.push(hits)
    this.xbzrleMissesPerS.push(misses)
    this.xbzrleOverflowsPerS.push(rate(p['xbzrle-overflow'], prev?.['xbzrle-overflow']))
    this.xbzrleHitRatePct.push(hits + misses > 0 ? (100 * hits) / (hits + misses) : NaN)

    const channels = p['multifd-channel-bytes']
    if (channels) {
      for (let c = this.multifdMibps.length; c < channels.length; c++)
        this.multifdMibps.push(new Array<number>(this.count).fill(NaN))
    }
    this.multifdMibps.forEach((column, c) =>
      column.push(rate(channels?.[c], prev?.['multifd-channel-bytes']?.[c]) / MIB)
    )

    if (p['postcopy-requests'] !== undefined) this.hasPostcopy = true
    this.postcopyRequests.push(p['postcopy-requests'] ?? NaN)

    const sleep = p['dirty-limit-throttle-us-per-full']
    if (sleep) {
      for (let v = this.dirtyLimitSleepMs.length; v < sleep.length; v++)
        this.dirtyLimitSleepMs.push(new Array<number>(this.count).fill(NaN))
    }
    this.dirtyLimitSleepMs.forEach((column, v) =>
      column.push(sleep?.[v] === undefined ? NaN : sleep[v] / 1000)
    )

    this.previous = p
    this.count++
  }
}
