/**
 * A short interpretation of a run or a comparison, written from the data: why a migration
 * converged or not, why QEMU's downtime differs from the limit and from the guest's pause, what
 * auto-converge did, and what to change. Every number in the text is computed from the run's
 * result, its per-sync records and its config; every rule it invokes is QEMU's, cited by section
 * of docs/qemu-rules.md.
 *
 * Pure and deterministic, so it is unit-tested against real engine runs.
 */
import type { RunRecord } from '../history'
import type { MigrationResult, RunOutcome, SyncRecord } from '../result'
import {
  formatBytes,
  formatBytesPerSecond,
  formatInteger,
  formatMs,
  formatNumber,
  formatPercent,
  roundUpNice
} from './format'
import {
  maxThrottlePercent,
  migrationSettings,
  runIsMeasured,
  shortPath,
  type MigrationSettings,
  type ReportRun,
  type SeriesSummary
} from './model'
import { LIMITS } from '../config/schema'

export type Verdict = 'converged' | 'not-converged' | 'failed' | 'no-result' | 'unverified'

export interface Interpretation {
  verdict: Verdict
  /** One sentence: what happened. */
  headline: string
  /** Why, in the order a reader needs it. */
  paragraphs: string[]
  /** What must not be missed (a failed verification): shown loudly. */
  warnings: string[]
}

/** Syncs a "held at about" judgement looks back over. */
const RECENT_SYNCS = 5
/** Spread (max − min) / median below which the remainder "held" rather than moved. */
const FLAT_SPREAD = 0.25

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The bandwidth QEMU's threshold and expected-downtime divide by, bytes/ms (§2.1). */
function expectedBandwidthBytesPerMs(settings: MigrationSettings, estimateBytesPerMs: number): number {
  return settings.availSwitchoverBandwidthBytesPerS > 0
    ? settings.availSwitchoverBandwidthBytesPerS / 1000
    : estimateBytesPerMs
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInteger(n)} ${n === 1 ? one : many}`
}

/** Interpretation of one run. */
export function interpretRun(run: ReportRun): Interpretation {
  const { record, result } = run
  const measured = runIsMeasured(run)
  if (!result) {
    return {
      verdict: 'no-result',
      headline: `No result: the run is ${record.status}${record.reason ? ` (${record.reason})` : ''}.`,
      paragraphs: [
        record.status === 'interrupted'
          ? 'The lab stopped before the run ended; the telemetry recorded until then is kept and shown below, but no downtime or verification exists for it.'
          : 'The run ended before the engine produced a result; what was recorded is shown below.'
      ],
      warnings: []
    }
  }
  const settings = migrationSettings(run.config)
  const paragraphs: string[] = []
  const warnings: string[] = []
  let verdict: Verdict
  let headline: string

  if (result.status === 'completed' && result.lab.outcome?.kind === 'postcopy') {
    verdict = 'converged'
    const postcopy = explainPostcopy(result, result.lab.outcome)
    headline = postcopy.headline
    paragraphs.push(...postcopy.paragraphs)
  } else if (result.status === 'completed') {
    verdict = 'converged'
    const converged = explainConvergence(run, result, settings)
    headline = converged.headline
    paragraphs.push(...converged.paragraphs)
    paragraphs.push(...explainDowntime(result, settings, measured))
  } else if (result.status === 'cancelled') {
    verdict = 'not-converged'
    const stalled = explainNonConvergence(run, result, settings)
    headline = stalled.headline
    paragraphs.push(...stalled.paragraphs)
  } else {
    verdict = 'failed'
    headline = `The run failed: ${result['error-desc'] ?? result.lab.reason}.`
    paragraphs.push(
      `It ended after ${formatMs(result['total-time'])} and ${plural(result.ram['dirty-sync-count'], 'dirty sync')}; no switchover happened.`
    )
  }

  const throttle = explainAutoConverge(run, settings)
  if (throttle) paragraphs.push(throttle)

  const multifd = explainMultifd(result)
  if (multifd) paragraphs.push(multifd)
  const xbzrle = explainXbzrle(result)
  if (xbzrle) paragraphs.push(xbzrle)

  if (result.ram.total > 0 && result.ram.transferred > 0) {
    const ratio = result.ram.transferred / result.ram.total
    paragraphs.push(
      `In all, ${formatBytes(result.ram.transferred)} went over the wire for ${formatBytes(result.ram.total)} of guest RAM ` +
        `(${formatNumber(ratio)}×): every page once in the first pass, then again each time the guest dirtied it before the switchover.`
    )
  }

  if (measured) {
    paragraphs.push(
      'Measured on a real QEMU (imported from guestperf): the downtime breakdown, BQL times, new dirty pages per sync ' +
        'and the precopy/downtime byte split were not recorded and read "not measured"; no oracle compared the ' +
        "destination's memory with the source's."
    )
  } else if (!result.lab.verified) {
    verdict = 'unverified'
    const pages = result.lab['mismatched-pages']
    warnings.push(
      (result.status === 'completed'
        ? `VERIFICATION FAILED: at switchover the destination's memory differed from the source's`
        : `VERIFICATION FAILED: when the run stopped, the destination's memory differed from the source's where the migration believed it up to date`) +
        (pages !== undefined ? ` in ${plural(pages, 'page')}` : '') +
        '. The oracle checks every page independently of the dirty log (DESIGN.md §2); a lost dirty page is ' +
        'silent in every statistic QEMU reports (§17). Do not trust the downtime or the transfer figures of this run.'
    )
  }
  return { verdict, headline, paragraphs, warnings }
}

/**
 * multifd (docs/engine.md "multifd"): how the bytes went over the channels. Page data and packets
 * go on the channels (`ram.multifd-bytes`), headers, flags and device state on the main channel;
 * the channels take packets in turn, so their shares are even.
 */
export interface MultifdFacts {
  channels: number
  multifdBytes: number
  /** multifd bytes / all bytes on the wire. */
  share: number
  packets: number
  busiestChannelBytes: number
}

/** What the multifd channels carried (every language's interpretation says it from these). */
export function multifdFacts(result: MigrationResult): MultifdFacts | null {
  const multifdBytes = result.ram['multifd-bytes']
  const channels = result.lab['multifd-channels']
  if (!(multifdBytes > 0) || !channels || channels.length === 0) return null
  return {
    channels: channels.length,
    multifdBytes,
    share: result.ram.transferred > 0 ? multifdBytes / result.ram.transferred : 0,
    packets: channels.reduce((n, c) => n + c.packets, 0),
    busiestChannelBytes: Math.max(...channels.map((c) => c.bytes))
  }
}

function explainMultifd(result: MigrationResult): string | null {
  const m = multifdFacts(result)
  if (!m) return null
  return (
    `multifd: ${plural(m.channels, 'channel')} carried ${formatBytes(m.multifdBytes)} ` +
    `(${formatPercent(m.share)} of the bytes on the wire) in ${plural(m.packets, 'packet')}; ` +
    `the busiest channel sent ${formatBytes(m.busiestChannelBytes)}. Each channel is one sender thread: with a fast link ` +
    'the channels’ CPU (host.multifd-channel-gib-per-s, or the compression speed) sets the pace and more channels ' +
    'help; when the link or max-bandwidth (shared by all channels) is the limit, they do not.'
  )
}

/**
 * XBZRLE (docs/engine.md "XBZRLE"): how the page cache did. A hit sends the page's delta, a miss
 * or an overflow a whole page; whole-page rewrites overflow every hit, so XBZRLE gains nothing.
 */
export type XbzrleFacts =
  /** Never looked up: XBZRLE starts after the first round and the run ended before. */
  | { kind: 'unused' }
  | { kind: 'all-missed'; cacheSizeBytes: number; misses: number }
  | {
      kind: 'hits'
      cacheSizeBytes: number
      hits: number
      misses: number
      /** misses / lookups */
      missRate: number
      overflows: number
      /** Hits sent as deltas (not overflowed). */
      encoded: number
      /** Average delta of an encoded hit, bytes (0 when none). */
      bytesPerDelta: number
      /** More hits overflowed than were encoded: whole-page rewrites. */
      mostlyOverflowed: boolean
    }

/** How XBZRLE's page cache did, from query-migrate's xbzrle-cache (every language's source). */
export function xbzrleFacts(result: MigrationResult): XbzrleFacts | null {
  const x = result['xbzrle-cache']
  if (!x) return null
  const lookups = x.pages + x['cache-miss']
  if (lookups === 0) return { kind: 'unused' }
  if (x.pages === 0) return { kind: 'all-missed', cacheSizeBytes: x['cache-size'], misses: x['cache-miss'] }
  const encoded = x.pages - x.overflow
  return {
    kind: 'hits',
    cacheSizeBytes: x['cache-size'],
    hits: x.pages,
    misses: x['cache-miss'],
    missRate: x['cache-miss'] / lookups,
    overflows: x.overflow,
    encoded,
    bytesPerDelta: encoded > 0 ? Math.round((x.bytes - x.overflow * result.ram['page-size']) / encoded) : 0,
    mostlyOverflowed: x.overflow > encoded
  }
}

function explainXbzrle(result: MigrationResult): string | null {
  const x = xbzrleFacts(result)
  if (!x) return null
  if (x.kind === 'unused')
    return (
      'XBZRLE was on but never used: it starts after the first complete round (xbzrle_started), ' +
      'and the run ended before a page was sent a second time.'
    )
  if (x.kind === 'all-missed')
    return (
      `XBZRLE (cache ${formatBytes(x.cacheSizeBytes)}): all ${plural(x.misses, 'lookup')} missed, ` +
      'so every page went whole and XBZRLE only cost: the cache holds fewer pages than the guest rewrites ' +
      'between two sends of a page, and each slot was taken by another page before its own came back.'
    )
  return (
    `XBZRLE (cache ${formatBytes(x.cacheSizeBytes)}): ${plural(x.hits, 'cache hit')} and ` +
    `${plural(x.misses, 'miss', 'misses')} (${formatPercent(x.missRate)} of the lookups); ` +
    `${plural(x.overflows, 'hit')} overflowed and went as whole pages` +
    (x.encoded > 0
      ? `, the other ${formatInteger(x.encoded)} as deltas of ~${formatInteger(x.bytesPerDelta)} bytes`
      : '') +
    '. ' +
    (x.mostlyOverflowed
      ? 'Most deltas did not fit in a page: the guest rewrites whole pages (bytes-per-write), so XBZRLE costs encoding time and saves nothing.'
      : 'Small deltas are what make XBZRLE pay; a cache smaller than the pages rewritten each round turns hits into misses.')
  )
}

/** Lazy syncs: those the convergence test triggered (not setup, not the final sync). */
function iterationSyncs(iterations: readonly SyncRecord[]): SyncRecord[] {
  return iterations.filter((s) => s.trigger === 'lazy' || s.trigger === 'throttle-timer')
}

/**
 * A run that switched to postcopy (docs/engine.md "Postcopy in a run"): the downtime is the switch
 * alone; the guest paid instead on the destination, waiting for pages it touched before they came.
 */
function explainPostcopy(
  result: MigrationResult,
  o: Extract<RunOutcome, { kind: 'postcopy' }>
): { headline: string; paragraphs: string[] } {
  const headline =
    `Completed in postcopy: migrate-start-postcopy went at dirty sync ${formatInteger(o['dirty-sync-count'])}, ` +
    `the switch cost a downtime of ${formatMs(o['downtime-ms'])} (downtime-limit ${formatMs(o['downtime-limit-ms'])}) ` +
    `and every page was on the destination after ${formatMs(result['total-time'])}.`
  const perVcpu = result['postcopy-vcpu-blocktime'] ?? []
  const worst = perVcpu.length > 0 ? Math.max(...perVcpu) : 0
  const paragraphs = [
    `The downtime covers only stopping the guest, the last bitmap sync, the discard bitmap and the device state: ` +
      `${formatBytes(result.ram['postcopy-bytes'])} of RAM still dirty at the switch went afterwards, while the guest ` +
      `already ran on the destination. That is the price: the guest faulted on pages not yet there and sent ` +
      `${plural(o['postcopy-requests'], 'page request')} over the return path; every vCPU was blocked at once for ` +
      `${formatMs(o['postcopy-blocktime-ms'])} (postcopy-blocktime), the most blocked vCPU for ${formatMs(worst)} ` +
      `(postcopy-vcpu-blocktime). postcopy-preempt sends requested pages on their own channel and lowers both; ` +
      `a failure of the source or the link after the switch would lose the guest, which pre-copy never risks.`
  ]
  return { headline, paragraphs }
}

function explainConvergence(
  run: ReportRun,
  result: MigrationResult,
  settings: MigrationSettings
): { headline: string; paragraphs: string[] } {
  const syncs = result.ram['dirty-sync-count']
  const decisive = iterationSyncs(run.iterations).at(-1)
  const headline = `Converged after ${plural(syncs, 'dirty sync')} and ${formatMs(result['total-time'])}; QEMU reported a downtime of ${formatMs(result.downtime ?? 0)} (downtime-limit ${formatMs(settings.downtimeLimitMs)}).`
  const paragraphs: string[] = []
  if (decisive) {
    const remaining = decisive['remaining-pages'] * settings.pageSizeBytes
    const bandwidth = expectedBandwidthBytesPerMs(settings, decisive['bandwidth-bytes-per-ms'])
    paragraphs.push(
      `At dirty sync ${decisive['dirty-sync-count']} (${formatMs(decisive['time-ms'])}) the remaining dirty memory, ` +
        `${formatBytes(remaining)}, was below the threshold of ${formatBytes(decisive['threshold-bytes'])} = ` +
        `${settings.availSwitchoverBandwidthBytesPerS > 0 ? 'avail-switchover-bandwidth' : 'the bandwidth estimate'} ` +
        `${formatBytesPerSecond(bandwidth * 1000)} × downtime-limit ${formatMs(settings.downtimeLimitMs)}, so QEMU stopped ` +
        `the guest and sent the rest (§2.1, §2.3). Syncs are lazy: a new one happens only when the known remainder ` +
        `falls below the threshold (§15.1).`
    )
  } else {
    paragraphs.push(
      'The whole remainder fitted under the threshold = bandwidth × downtime-limit before a second pass was needed, ' +
        'so QEMU switched over straight after the first pass (§2.3).'
    )
  }
  return { headline, paragraphs }
}

function explainDowntime(result: MigrationResult, settings: MigrationSettings, measured: boolean): string[] {
  // Parts below come from the engine's breakdown; a measured run has none (see measured.ts).
  const out: string[] = []
  const downtime = result.downtime ?? 0
  const breakdown = result.lab['downtime-breakdown']
  const limitedBelowLink =
    settings.maxBandwidthBytesPerS > 0 && settings.maxBandwidthBytesPerS < settings.linkBytesPerS
  if (measured) {
    // guestperf records neither the link speed nor the parts of the downtime.
    out.push(
      `The real downtime, ${formatMs(downtime)}, is ${downtime <= settings.downtimeLimitMs ? 'within' : 'above'} the ` +
        `${formatMs(settings.downtimeLimitMs)} limit. QEMU lifts the rate limit for the stop-and-copy (§10.5, §15.2) ` +
        `and leaves the stop and the device state out of its prediction (§10.3); guestperf records neither the link ` +
        `speed nor the parts of the downtime, so which of these dominated is not known.`
    )
  } else if (downtime <= settings.downtimeLimitMs) {
    if (limitedBelowLink) {
      out.push(
        `The real downtime, ${formatMs(downtime)}, is below the ${formatMs(settings.downtimeLimitMs)} limit because ` +
          `the threshold assumes the remainder goes at the rate-limited bandwidth (max-bandwidth ` +
          `${formatBytesPerSecond(settings.maxBandwidthBytesPerS)}), while the stop-and-copy runs with the rate limit ` +
          `lifted, at link speed (${formatBytesPerSecond(settings.linkBytesPerS)}) (§10.5, §15.2): the remaining RAM ` +
          `took ${formatMs(breakdown['ram-ms'])}.`
      )
    } else {
      out.push(
        `The real downtime, ${formatMs(downtime)}, is within the ${formatMs(settings.downtimeLimitMs)} limit: ` +
          `the stop-and-copy ran at about the bandwidth the threshold was computed from (max-bandwidth is ` +
          `${settings.maxBandwidthBytesPerS === 0 ? 'unlimited' : 'at or above the link speed'}), and what was left fitted (§2.3).`
      )
    }
  } else {
    const outside =
      `the stop (${formatMs(breakdown['stop-ms'])}), the final sync (${formatMs(breakdown['final-sync-ms'])}) and the ` +
      `device state (${formatMs(breakdown['device-state-ms'])})` +
      (settings.returnPath
        ? `, and with return-path the destination's resume (${formatMs(breakdown['resume-ms'])})`
        : '')
    out.push(
      `The real downtime, ${formatMs(downtime)}, exceeded the ${formatMs(settings.downtimeLimitMs)} limit: QEMU's ` +
        `prediction covers only the remaining RAM at the estimated bandwidth, not ${outside}; device state is not ` +
        `counted in pending at all (§10.3, §15.7).`
    )
  }
  const pause = result.lab['guest-pause-ms']
  if (measured) {
    out.push(
      `From the guest's own timings (guestperf), its pause was about ${formatMs(pause)} against QEMU's ${formatMs(downtime)}` +
        (settings.returnPath
          ? '.'
          : ': without return-path QEMU stops counting before the destination has loaded the tail and run vm_start (§10.1, §17).')
    )
  } else if (settings.returnPath) {
    out.push(
      `With return-path on, QEMU's downtime waits for the destination's SHUT after vm_start, so it includes the ` +
        `destination's resume (${formatMs(breakdown['resume-ms'])}); the guest felt ${formatMs(pause)} (§10.1).`
    )
  } else if (pause > downtime) {
    out.push(
      `The guest itself was paused ${formatMs(pause)}, ${formatMs(pause - downtime)} longer than the downtime QEMU ` +
        `reports: without return-path QEMU stops counting when the last byte is pushed into the socket, before the ` +
        `destination finishes loading and runs vm_start (resume ${formatMs(breakdown['resume-ms'])}) (§10.1, §15.7, §17).`
    )
  }
  return out
}

/** How the remaining dirty memory behaved over the last syncs of a run that did not converge. */
export type RemainderTrend = 'held' | 'falling' | 'grew' | 'only'

/**
 * Why a run did not converge, as numbers (the report words them in English, the Live summary in
 * the UI's language): nothing here is text.
 */
export type NonConvergence =
  | {
      /** No sync after the first pass: the run was stopped before one pass over RAM ended. */
      kind: 'first-pass'
      remainingBytes: number
      totalBytes: number
      /** What the first pass was sending at: max-bandwidth, else the link. */
      sendBytesPerS: number
      totalTimeMs: number
    }
  | {
      kind: 'stalled'
      trend: RemainderTrend
      /** The remainder the comparison uses: the median of the recent syncs if it held, else the last. */
      remainingBytes: number
      /** Syncs after the first pass the judgement looked at (at most 5). */
      recentSyncs: number
      /** The bandwidth QEMU's threshold divides by (§2.1); 0 when none was recorded. */
      bandwidthBytesPerS: number
      downtimeLimitMs: number
      /** How long the remainder needs at that bandwidth (0 without a bandwidth). */
      neededMs: number
      /** The guest's dirty rate near the end, or null when not known. */
      dirtyRateBytesPerS: number | null
    }

/** What nonConvergence reads of a run: the Live screen has no history record, only its source. */
export type NonConvergenceInput = Pick<ReportRun, 'result' | 'config' | 'iterations' | 'progress'> & {
  record: Pick<RunRecord, 'source'>
}

/**
 * Why a stopped run did not converge, from its per-sync records (the report's and the Live
 * summary's one source). Null for a run that switched over or has no result.
 */
export function nonConvergence(run: NonConvergenceInput): NonConvergence | null {
  const result = run.result
  if (!result || result.status !== 'cancelled') return null
  const settings = migrationSettings(run.config)
  const syncs = iterationSyncs(run.iterations)
  if (syncs.length === 0)
    return {
      kind: 'first-pass',
      remainingBytes: result.ram.remaining,
      totalBytes: result.ram.total,
      sendBytesPerS: settings.maxBandwidthBytesPerS || settings.linkBytesPerS,
      totalTimeMs: result['total-time']
    }
  const recent = syncs.slice(-RECENT_SYNCS)
  const remainders = recent.map((s) => s['remaining-pages'] * settings.pageSizeBytes)
  const remaining = median(remainders)
  const spread = (Math.max(...remainders) - Math.min(...remainders)) / Math.max(1, remaining)
  const last = remainders[remainders.length - 1]
  const estimates = recent.map((s) => s['bandwidth-bytes-per-ms']).filter((b) => b > 0)
  const estimate = estimates.length > 0 ? median(estimates) : 0
  const bandwidth = expectedBandwidthBytesPerMs(settings, estimate)
  const held = recent.length >= 2 && spread <= FLAT_SPREAD
  const trend: RemainderTrend = held
    ? 'held'
    : recent.length < 2
      ? 'only'
      : last < remainders[0]
        ? 'falling'
        : 'grew'
  const basis = held ? remaining : last
  return {
    kind: 'stalled',
    trend,
    remainingBytes: basis,
    recentSyncs: recent.length,
    bandwidthBytesPerS: bandwidth * 1000,
    downtimeLimitMs: settings.downtimeLimitMs,
    neededMs: bandwidth > 0 ? basis / bandwidth : 0,
    dirtyRateBytesPerS: dirtyRateBytesPerS(run, recent, settings)
  }
}

export type Remedy =
  | { kind: 'raise-downtime-limit'; suggestedLimitMs: number }
  /** A measured run: the link's speed is not known, only what the remainder needs. */
  | {
      kind: 'raise-max-bandwidth-measured'
      maxBandwidthBytesPerS: number
      neededBytesPerS: number
      downtimeLimitMs: number
    }
  | {
      kind: 'raise-max-bandwidth'
      maxBandwidthBytesPerS: number
      linkBytesPerS: number
      /** What the remainder needs at downtime-limit, when the link can carry it; else null. */
      neededBytesPerS: number | null
      downtimeLimitMs: number
    }
  | { kind: 'faster-link'; maxBandwidthUnlimited: boolean; linkBytesPerS: number }
  | { kind: 'enable-auto-converge' }
  | { kind: 'auto-converge-climb'; reachedPercent: number; maxCpuThrottlePercent: number }
  | { kind: 'stronger-throttle'; maxCpuThrottlePercent: number }

/**
 * What would make a stalled run switch over (§2.1: threshold = bandwidth × downtime-limit): a
 * higher limit, more bandwidth, or a guest that dirties less. Every language says these.
 */
export function remediesFor(
  run: ReportRun,
  settings: MigrationSettings,
  why: Extract<NonConvergence, { kind: 'stalled' }>
): Remedy[] {
  const limit = why.downtimeLimitMs
  const remedies: Remedy[] = []
  const suggestedLimit = roundUpNice(why.neededMs * 1.05)
  if (suggestedLimit <= LIMITS.maxDowntimeLimitMs)
    remedies.push({ kind: 'raise-downtime-limit', suggestedLimitMs: suggestedLimit })
  const neededBytesPerS = (why.remainingBytes / limit) * 1000
  const maxBw = settings.maxBandwidthBytesPerS
  if (runIsMeasured(run))
    remedies.push({
      kind: 'raise-max-bandwidth-measured',
      maxBandwidthBytesPerS: maxBw,
      neededBytesPerS,
      downtimeLimitMs: limit
    })
  else if (maxBw > 0 && maxBw < settings.linkBytesPerS)
    remedies.push({
      kind: 'raise-max-bandwidth',
      maxBandwidthBytesPerS: maxBw,
      linkBytesPerS: settings.linkBytesPerS,
      neededBytesPerS: neededBytesPerS <= settings.linkBytesPerS ? neededBytesPerS : null,
      downtimeLimitMs: limit
    })
  else
    remedies.push({
      kind: 'faster-link',
      maxBandwidthUnlimited: maxBw === 0,
      linkBytesPerS: settings.linkBytesPerS
    })
  const maxThrottle = maxThrottlePercent(run)
  if (!settings.autoConverge) remedies.push({ kind: 'enable-auto-converge' })
  else if (maxThrottle < settings.maxCpuThrottlePercent)
    remedies.push({
      kind: 'auto-converge-climb',
      reachedPercent: maxThrottle,
      maxCpuThrottlePercent: settings.maxCpuThrottlePercent
    })
  else remedies.push({ kind: 'stronger-throttle', maxCpuThrottlePercent: settings.maxCpuThrottlePercent })
  return remedies
}

function remedyText(r: Remedy): string {
  switch (r.kind) {
    case 'raise-downtime-limit':
      return `raising downtime-limit to ~${formatInteger(r.suggestedLimitMs)} ms`
    case 'raise-max-bandwidth-measured':
      return (
        `raising max-bandwidth (now ${r.maxBandwidthBytesPerS === 0 ? 'unlimited' : formatBytesPerSecond(r.maxBandwidthBytesPerS)}; ` +
        `this remainder needs about ${formatBytesPerSecond(r.neededBytesPerS)} at the ${formatMs(r.downtimeLimitMs)} limit, if the link carries it)`
      )
    case 'raise-max-bandwidth':
      return (
        `raising max-bandwidth (now ${formatBytesPerSecond(r.maxBandwidthBytesPerS)}; the link carries ` +
        `${formatBytesPerSecond(r.linkBytesPerS)}${r.neededBytesPerS !== null ? `, and this remainder needs about ${formatBytesPerSecond(r.neededBytesPerS)} at the ${formatMs(r.downtimeLimitMs)} limit` : ''})`
      )
    case 'faster-link':
      return (
        `a faster link (max-bandwidth ${r.maxBandwidthUnlimited ? 'is unlimited' : 'is already at or above the link speed'}, ` +
        `so the ${formatBytesPerSecond(r.linkBytesPerS)} link is what bounds the bandwidth)`
      )
    case 'enable-auto-converge':
      return 'enabling auto-converge, which throttles the vCPUs until they dirty less (§5)'
    case 'auto-converge-climb':
      return (
        `letting auto-converge climb further (it reached ${r.reachedPercent} % of max-cpu-throttle ${r.maxCpuThrottlePercent} %; ` +
        `a longer policy max-time-ms or max-iterations gives it the periods it needs, §5.3)`
      )
    case 'stronger-throttle':
      return `a stronger throttle (auto-converge is at max-cpu-throttle ${r.maxCpuThrottlePercent} %)`
  }
}

function explainNonConvergence(
  run: ReportRun,
  result: MigrationResult,
  settings: MigrationSettings
): { headline: string; paragraphs: string[] } {
  const policy =
    `The lab stopped it (${result.lab.reason}); QEMU itself never gives up and would iterate forever (§2.4) — ` +
    `the cap is the lab's policy, like guestperf's max_iters and max_time (§13.3).`
  const why = nonConvergence(run)!
  if (why.kind === 'first-pass') {
    return {
      headline: `Did not converge: the first pass over RAM had not finished when the run was cancelled after ${formatMs(why.totalTimeMs)}.`,
      paragraphs: [
        `${formatBytes(why.remainingBytes)} of ${formatBytes(why.totalBytes)} were still to send at ` +
          `${formatBytesPerSecond(why.sendBytesPerS)}; the first pass sends ` +
          `every page once (§1.3), so the policy limit was shorter than one pass.`,
        policy
      ]
    }
  }
  const basis = why.remainingBytes
  const heldText = {
    held: `held at about ${formatBytes(basis)}`,
    falling: `was still falling, at ${formatBytes(basis)} at the last sync`,
    grew: `grew to ${formatBytes(basis)} at the last sync`,
    only: `was ${formatBytes(basis)} at the only sync after the first pass`
  }[why.trend]
  const bandwidth = why.bandwidthBytesPerS / 1000
  const limit = why.downtimeLimitMs

  if (bandwidth <= 0) {
    return {
      headline: `Did not converge: the remaining dirty memory ${heldText}, and no bandwidth estimate was recorded to compare it with.`,
      paragraphs: [policy]
    }
  }
  const neededMs = why.neededMs
  const headline =
    `Did not converge: the remaining dirty memory ${heldText}, which needs ~${formatMs(neededMs)} at the measured ` +
    `bandwidth of ${formatBytesPerSecond(bandwidth * 1000)} while downtime-limit is ${formatMs(limit)}.`
  const paragraphs: string[] = []
  paragraphs.push(
    `QEMU switches over only when the remaining dirty memory falls below threshold = bandwidth × downtime-limit ` +
      `(§2.1, §2.3): here ${formatBytesPerSecond(bandwidth * 1000)} × ${formatMs(limit)} = ` +
      `${formatBytes(bandwidth * limit)}, against ${formatBytes(basis)} left after each sync over the last ` +
      `${plural(why.recentSyncs, 'sync')}.`
  )

  const dirtyRate = why.dirtyRateBytesPerS
  if (dirtyRate !== null && dirtyRate > 0) {
    const ratio = dirtyRate / (bandwidth * 1000)
    paragraphs.push(
      ratio >= 0.95
        ? `The guest dirtied memory at about ${formatBytesPerSecond(dirtyRate)}, ${formatPercent(ratio)} of the ` +
            `bandwidth: each pass re-dirtied about as much as it sent, so the remainder could not shrink (§14).`
        : `The guest dirtied memory at about ${formatBytesPerSecond(dirtyRate)}, ${formatPercent(ratio)} of the ` +
            `bandwidth: each pass sends more than is dirtied meanwhile, but the pages rewritten during one pass ` +
            `(a hot working set) kept the remainder above the threshold (§14, §17).`
    )
  }

  const remedies = remediesFor(run, settings, why).map(remedyText)
  paragraphs.push(`${capitalize(joinOr(remedies))} would change that.`)
  paragraphs.push(policy)
  return { headline, paragraphs }
}

/**
 * The guest's dirty rate near the end, bytes/s: new dirty pages found by the recent syncs over the
 * time they span (what QEMU's dirty-pages-rate measures, §4.1), else the result's dirty-pages-rate
 * (a measured run records no per-sync dirty pages).
 */
function dirtyRateBytesPerS(
  run: NonConvergenceInput,
  recent: readonly SyncRecord[],
  settings: MigrationSettings
): number | null {
  if (!runIsMeasured(run) && recent.length >= 2) {
    const spanMs = recent[recent.length - 1]['time-ms'] - recent[0]['time-ms']
    let pages = 0
    for (const s of recent.slice(1)) pages += s['dirty-pages']
    if (spanMs > 0) return (pages * settings.pageSizeBytes * 1000) / spanMs
  }
  const rate = run.result?.ram['dirty-pages-rate'] ?? 0
  const lastSample = run.progress.at(-1)?.['dirty-pages-rate'] ?? 0
  const pagesPerS = rate > 0 ? rate : lastSample
  return pagesPerS > 0 ? pagesPerS * settings.pageSizeBytes : null
}

export type AutoConvergeFacts =
  | { kind: 'never-throttled' }
  | {
      kind: 'throttled'
      /** The first sync that found the vCPUs throttled, and when. */
      firstSync: number
      firstTimeMs: number
      firstPercent: number
      maxPercent: number
      /** Distinct throttle levels the run went through. */
      steps: number
    }

/** What auto-converge did, from the per-sync records (null when it was off). */
export function autoConvergeFacts(run: ReportRun, settings: MigrationSettings): AutoConvergeFacts | null {
  if (!settings.autoConverge) return null
  const first = run.iterations.find((s) => s['cpu-throttle-percentage'] > 0)
  const max = maxThrottlePercent(run)
  if (!first || max === 0) return { kind: 'never-throttled' }
  return {
    kind: 'throttled',
    firstSync: first['dirty-sync-count'],
    firstTimeMs: first['time-ms'],
    firstPercent: first['cpu-throttle-percentage'],
    maxPercent: max,
    steps: new Set(run.iterations.map((s) => s['cpu-throttle-percentage']).filter((p) => p > 0)).size
  }
}

function explainAutoConverge(run: ReportRun, settings: MigrationSettings): string | null {
  const a = autoConvergeFacts(run, settings)
  if (!a) return null
  if (a.kind === 'never-throttled')
    return (
      `The auto-converge capability was on but never throttled: in too few ≥1 s periods did newly dirtied bytes exceed ` +
      `throttle-trigger-threshold ${settings.throttleTriggerThresholdPercent} % of the bytes sent (two such periods make one step, §5.2).`
    )
  const max = a.maxPercent
  return (
    `The auto-converge capability throttled the vCPUs from dirty sync ${a.firstSync} (${formatMs(a.firstTimeMs)}) at ` +
    `${a.firstPercent} % and reached ${max} % in ${plural(a.steps, 'step')} ` +
    `(cpu-throttle-initial ${settings.cpuThrottleInitialPercent} %, increment ${settings.cpuThrottleIncrementPercent} %, ` +
    `max-cpu-throttle ${settings.maxCpuThrottlePercent} %): at ${max} % every vCPU runs only ${100 - max} % of the time, ` +
    `all equally, whatever each one dirties (§5.3, §5.4).`
  )
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  if (items.length === 2) return `${items[0]} or ${items[1]}`
  return `${items.slice(0, -1).join(', ')}, or ${items[items.length - 1]}`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

// ---------------------------------------------------------------------------------------------
// Comparisons

/** What a run is called in a comparison: `run 8 (downtime-limit=3000 #1)`. */
function runName(run: ReportRun): string {
  return `run ${run.record.id}${run.record.label ? ` (${run.record.label})` : ''}`
}

function groupName(path: string, key: unknown): string {
  return `${shortPath(path)}=${String(key)}`
}

/** Interpretation of a comparison of runs (an experiment or a hand-picked set). */
export function interpretComparison(
  runs: readonly ReportRun[],
  variedPaths: readonly string[],
  summaries: readonly SeriesSummary[]
): Interpretation {
  const paragraphs: string[] = []
  const warnings: string[] = []
  const completed = runs.filter((r) => r.result?.status === 'completed')
  const cancelled = runs.filter((r) => r.result?.status === 'cancelled')
  const failed = runs.filter((r) => r.result?.status === 'failed')
  const noResult = runs.filter((r) => !r.result)
  const measured = runs.filter((r) => runIsMeasured(r))

  const counts = [
    `${formatInteger(completed.length)} switched over (completed)`,
    cancelled.length
      ? `${formatInteger(cancelled.length)} did not converge before the lab's policy cancelled them`
      : '',
    failed.length ? `${formatInteger(failed.length)} failed` : '',
    noResult.length ? `${formatInteger(noResult.length)} have no result` : ''
  ].filter((s) => s !== '')
  const headline = `${plural(runs.length, 'run')}${variedPaths.length ? `, varying ${variedPaths.map(shortPath).join(' and ')}` : ''}: ${counts.join(', ')}.`

  if (completed.length > 0) {
    const byDowntime = [...completed].sort((a, b) => (a.result?.downtime ?? 0) - (b.result?.downtime ?? 0))
    const byTotal = [...completed].sort(
      (a, b) => (a.result?.['total-time'] ?? 0) - (b.result?.['total-time'] ?? 0)
    )
    const best = byDowntime[0]
    const fastest = byTotal[0]
    paragraphs.push(
      `Lowest downtime: ${runName(best)}, ${formatMs(best.result?.downtime ?? 0)} as QEMU reports it ` +
        `(guest pause ${formatMs(best.result?.lab['guest-pause-ms'] ?? 0)}). Shortest total time among the runs that ` +
        `completed: ${runName(fastest)}, ${formatMs(fastest.result?.['total-time'] ?? 0)}.`
    )
  } else {
    paragraphs.push(
      'No run switched over, so no downtime exists to compare; the expected-downtime at the end of each run (in the table) says how far each was from its limit.'
    )
  }

  const path = variedPaths[0]
  if (path !== undefined) {
    for (const { series, summary } of summaries) {
      const groups = summary.groups
      const withDowntime = groups.filter((g) => g.downtimeMs.mean !== null)
      const without = groups.filter((g) => g.downtimeMs.n === 0)
      const sentence = (text: string): string => (series ? `With ${series}: ${text}` : capitalize(text))
      if (withDowntime.length > 0) {
        const best = [...withDowntime].sort((a, b) => (a.downtimeMs.mean ?? 0) - (b.downtimeMs.mean ?? 0))[0]
        const sd = best.downtimeMs.stddev
        paragraphs.push(
          sentence(
            `the lowest mean downtime is with ${groupName(path, best.key)}: ${formatMs(best.downtimeMs.mean ?? 0)}` +
              (sd !== null ? ` ± ${formatMs(sd)} (sample standard deviation)` : '') +
              ` over ${plural(best.downtimeMs.n, 'completed run')}.`
          )
        )
      }
      if (without.length > 0)
        paragraphs.push(
          sentence(
            `no run with ${shortPath(path)} = ${joinOr(without.map((g) => String(g.key)))} switched over` +
              (withDowntime.length > 0 ? '.' : ' — at no value of it.')
          )
        )
    }
  }

  if (measured.length > 0)
    paragraphs.push(
      `${plural(measured.length, 'run')} ${measured.length === 1 ? 'was' : 'were'} measured on a real QEMU (guestperf) and ` +
        `${measured.length === 1 ? 'is' : 'are'} shown next to the simulated ones; what guestperf does not record reads "not measured".`
    )

  const unverified = runs.filter(
    (r) => !runIsMeasured(r) && r.result !== null && r.result !== undefined && !r.result.lab.verified
  )
  if (unverified.length > 0)
    warnings.push(
      `VERIFICATION FAILED in ${unverified.map(runName).join(', ')}: the destination's memory differed from the ` +
        `source's where the migration believed it up to date. Leave these runs out of any conclusion.`
    )

  return {
    verdict: unverified.length > 0 ? 'unverified' : completed.length > 0 ? 'converged' : 'not-converged',
    headline,
    paragraphs,
    warnings
  }
}
