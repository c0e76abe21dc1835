/**
 * Why a run ended, as one sentence in the reader's language, written from `lab.outcome` (the
 * engine's reason as data). The Live summary, the History detail and the report's status card all
 * say it through this one function, in the same words and units: the engine's own `lab.reason`
 * (English, "pending 12.3 MB fell below …") is never shown where an outcome exists.
 *
 * Pure: the numbers go through locale-format (MiB, ms/s, 毫秒/秒 in Chinese).
 */
import type { RunOutcome } from '../result'
import { formatBytes, formatCount, formatDecimal, formatMs } from '../locale-format'
import type { NonConvergence, RemainderTrend } from './interpret'

/** The languages the lab speaks (the UI's and the reports'). */
export type LabLocale = 'en' | 'zh-CN'

/** 'zh', 'zh-CN', 'zh-Hans' → 'zh-CN'; anything else → 'en'. */
export function labLocale(locale: string | null | undefined): LabLocale {
  return locale && locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

type OutcomeKey =
  'converged' | 'convergedNothingLeft' | 'postcopy' | 'maxTime' | 'maxIterations' | 'userCancel'
type StatusKey = 'completed' | 'cancelled' | 'failed' | 'interrupted' | 'running'

const MESSAGES: Record<
  LabLocale,
  { outcome: Record<OutcomeKey, string>; status: Record<StatusKey, string> }
> = {
  en: {
    outcome: {
      converged:
        'pending {pending} fell below the threshold {threshold} at dirty sync {syncs}; downtime {downtime} (limit {limit})',
      convergedNothingLeft:
        'nothing known dirty was left to send at dirty sync {syncs}; downtime {downtime} (limit {limit})',
      postcopy:
        'switched to postcopy at dirty sync {syncs} (migrate-start-postcopy); downtime {downtime} (limit {limit}); {requests} page requests, all vCPUs blocked at once {blocktime} (postcopy-blocktime)',
      maxTime:
        'stopped by lab policy: virtual time {time} went past max-time-ms ({max}); expected downtime {expected} vs downtime-limit {limit}',
      maxIterations:
        'stopped by lab policy: dirty sync {syncs} went past max-iterations ({max}); expected downtime {expected} vs downtime-limit {limit}',
      userCancel:
        'cancelled on request before switchover; expected downtime {expected} vs downtime-limit {limit}'
    },
    status: {
      completed: 'the migration switched over to the destination',
      cancelled: 'the migration was stopped before switchover',
      failed: 'the run failed',
      interrupted: 'the lab stopped while this run was in progress',
      running: 'the run is still in progress'
    }
  },
  'zh-CN': {
    outcome: {
      converged:
        '待发送的 {pending} 已低于阈值 {threshold}（第 {syncs} 次脏页同步）；停机时间 {downtime}（上限 {limit}）',
      convergedNothingLeft:
        '第 {syncs} 次脏页同步时已没有已知的脏页需要发送；停机时间 {downtime}（上限 {limit}）',
      postcopy:
        '第 {syncs} 次脏页同步时切换到后拷贝（migrate-start-postcopy）；停机时间 {downtime}（上限 {limit}）；{requests} 次页面请求，所有 vCPU 同时阻塞 {blocktime}（postcopy-blocktime）',
      maxTime:
        '实验策略终止了迁移：虚拟时间 {time} 超过了 max-time-ms（{max}）；预计停机时间 {expected}，对比 downtime-limit {limit}',
      maxIterations:
        '实验策略终止了迁移：第 {syncs} 次脏页同步超过了 max-iterations（{max}）；预计停机时间 {expected}，对比 downtime-limit {limit}',
      userCancel: '应请求在切换前取消；预计停机时间 {expected}，对比 downtime-limit {limit}'
    },
    status: {
      completed: '迁移已切换到目的端',
      cancelled: '迁移在切换前被停止',
      failed: '运行失败',
      interrupted: '运行进行中时实验室停止了',
      running: '运行仍在进行中'
    }
  }
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)
}

/** `lab.outcome` as a sentence. */
export function describeOutcome(outcome: RunOutcome, locale: string): string {
  const lang = labLocale(locale)
  const text = MESSAGES[lang].outcome
  const ms = (v: number) => formatMs(v, lang)
  const bytes = (v: number) => formatBytes(v, lang)
  const count = (v: number) => formatCount(v, lang)
  switch (outcome.kind) {
    case 'converged':
      return fill(outcome['pending-bytes'] === 0 ? text.convergedNothingLeft : text.converged, {
        pending: bytes(outcome['pending-bytes']),
        threshold: bytes(outcome['threshold-bytes']),
        syncs: count(outcome['dirty-sync-count']),
        downtime: ms(outcome['downtime-ms']),
        limit: ms(outcome['downtime-limit-ms'])
      })
    case 'postcopy':
      return fill(text.postcopy, {
        syncs: count(outcome['dirty-sync-count']),
        downtime: ms(outcome['downtime-ms']),
        limit: ms(outcome['downtime-limit-ms']),
        requests: count(outcome['postcopy-requests']),
        blocktime: ms(outcome['postcopy-blocktime-ms'])
      })
    case 'max-time':
      return fill(text.maxTime, {
        time: ms(outcome['virtual-time-ms']),
        max: ms(outcome['max-time-ms']),
        expected: ms(outcome['expected-downtime-ms']),
        limit: ms(outcome['downtime-limit-ms'])
      })
    case 'max-iterations':
      return fill(text.maxIterations, {
        syncs: count(outcome['dirty-sync-count']),
        max: count(outcome['max-iterations']),
        expected: ms(outcome['expected-downtime-ms']),
        limit: ms(outcome['downtime-limit-ms'])
      })
    case 'user-cancel':
      return fill(text.userCancel, {
        expected: ms(outcome['expected-downtime-ms']),
        limit: ms(outcome['downtime-limit-ms'])
      })
  }
}

export interface RunEnd {
  /** The run's (or its result's) status. */
  status: string
  /** `lab.outcome`, when the result has one (simulated runs). */
  outcome?: RunOutcome | null
  /** The engine's or the store's English text (`lab.reason`, the run record's reason). */
  reason?: string | null
}

/**
 * Why the run ended, in `locale`. From the outcome when there is one; otherwise (imported or
 * measured results, a run without a result) English keeps the recorded text and Chinese says
 * what the status means — never the raw English.
 */
export function describeRunEnd(run: RunEnd, locale: string): string {
  const lang = labLocale(locale)
  // A kind this version does not know (a newer engine's result) falls through to the text.
  if (run.outcome && run.outcome.kind in KNOWN_KINDS) return describeOutcome(run.outcome, lang)
  if (lang === 'en' && run.reason) return run.reason
  const status = run.status in MESSAGES[lang].status ? (run.status as StatusKey) : null
  return status ? MESSAGES[lang].status[status] : (run.reason ?? run.status)
}

const KNOWN_KINDS: Record<RunOutcome['kind'], true> = {
  converged: true,
  postcopy: true,
  'max-time': true,
  'max-iterations': true,
  'user-cancel': true
}

/**
 * What ran a run, as the store records it (`node on lab-host-1`, `electron on laptop`,
 * `guestperf on qemu-host`), in `locale`: Chinese reads "lab-host-1 上的 node" (it showed
 * "node on vm"). Other text is shown as recorded.
 */
export function describeHost(host: string, locale: string): string {
  if (labLocale(locale) === 'en') return host
  const match = /^(\S+) on (.+)$/.exec(host)
  return match ? `${match[2]} 上的 ${match[1]}` : host
}

const WHY_NOT: Record<
  LabLocale,
  {
    firstPass: string
    trend: Record<RemainderTrend, string>
    needs: string
    noBandwidth: string
    dirtyHigh: string
    dirtyLow: string
  }
> = {
  en: {
    firstPass:
      'The first pass over RAM had not finished: {remaining} of {total} were still to send at {rate}, so the lab’s limit was shorter than one pass (QEMU sends every page once first).',
    trend: {
      held: 'The remaining dirty memory held at about {remaining}',
      falling: 'The remaining dirty memory was still falling, at {remaining} at the last sync',
      grew: 'The remaining dirty memory grew to {remaining} at the last sync',
      only: 'The remaining dirty memory was {remaining} at the only sync after the first pass'
    },
    needs:
      '{trend}, which needs about {needed} at the measured bandwidth of {bandwidth}, while downtime-limit is {limit}: QEMU switches over only when the remainder falls below bandwidth × downtime-limit = {threshold}.',
    noBandwidth: '{trend}, and no bandwidth estimate was recorded to compare it with.',
    dirtyHigh:
      'The guest dirtied memory at about {rate}, {percent} of the bandwidth: each pass re-dirtied about as much as it sent, so the remainder could not shrink.',
    dirtyLow:
      'The guest dirtied memory at about {rate}, {percent} of the bandwidth: each pass sent more than was dirtied meanwhile, but the pages rewritten during a pass (a hot working set) kept the remainder above the threshold.'
  },
  'zh-CN': {
    firstPass:
      '对内存的第一遍复制尚未完成：{total} 中还有 {remaining} 待以 {rate} 发送，实验策略的上限比一遍复制还短（QEMU 先把每一页发送一次）。',
    trend: {
      held: '剩余脏内存稳定在约 {remaining}',
      falling: '剩余脏内存仍在下降，最后一次同步时为 {remaining}',
      grew: '剩余脏内存增长到最后一次同步时的 {remaining}',
      only: '第一遍之后唯一一次同步时剩余脏内存为 {remaining}'
    },
    needs:
      '{trend}，按测得的带宽 {bandwidth} 需要约 {needed}，而 downtime-limit 为 {limit}：只有剩余量低于带宽 × downtime-limit = {threshold} 时，QEMU 才会切换。',
    noBandwidth: '{trend}，且没有记录可供比较的带宽估计。',
    dirtyHigh:
      '客户机弄脏内存的速率约为 {rate}，是带宽的 {percent}：每一遍重新弄脏的量与发送的量相当，剩余量无法减少。',
    dirtyLow:
      '客户机弄脏内存的速率约为 {rate}，是带宽的 {percent}：每一遍发送的多于期间新弄脏的，但一遍之内被反复改写的页（热工作集）使剩余量始终高于阈值。'
  }
}

/**
 * Why a run the lab's policy stopped did not converge (nonConvergence's numbers), in `locale`:
 * the Live summary's "Why it did not converge" and the Chinese report's interpretation.
 */
export function explainNonConvergence(facts: NonConvergence, locale: string): string[] {
  const lang = labLocale(locale)
  const text = WHY_NOT[lang]
  const bytes = (v: number) => formatBytes(v, lang)
  const rate = (v: number) => `${formatBytes(v, lang)}/s`
  const ms = (v: number) => formatMs(v, lang)
  if (facts.kind === 'first-pass')
    return [
      fill(text.firstPass, {
        remaining: bytes(facts.remainingBytes),
        total: bytes(facts.totalBytes),
        rate: rate(facts.sendBytesPerS)
      })
    ]
  const trend = fill(text.trend[facts.trend], { remaining: bytes(facts.remainingBytes) })
  if (facts.bandwidthBytesPerS <= 0) return [fill(text.noBandwidth, { trend })]
  const out = [
    fill(text.needs, {
      trend,
      needed: ms(facts.neededMs),
      bandwidth: rate(facts.bandwidthBytesPerS),
      limit: ms(facts.downtimeLimitMs),
      threshold: bytes((facts.bandwidthBytesPerS * facts.downtimeLimitMs) / 1000)
    })
  ]
  const dirty = facts.dirtyRateBytesPerS
  if (dirty !== null && dirty > 0) {
    const ratio = dirty / facts.bandwidthBytesPerS
    out.push(
      fill(ratio >= 0.95 ? text.dirtyHigh : text.dirtyLow, {
        rate: rate(dirty),
        percent: `${formatDecimal(ratio * 100, lang, 0)} %`
      })
    )
  }
  return out
}
