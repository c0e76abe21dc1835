/**
 * Why a run ended, as one sentence in the reader's language, written from `lab.outcome` (the
 * engine's reason as data). The Live summary, the History detail and the report's status card all
 * say it through this one function, in the same words and units: the engine's own `lab.reason`
 * (English, "pending 12.3 MB fell below …") is never shown where an outcome exists.
 *
 * Pure: the numbers go through locale-format (MiB, ms/s, 毫秒/秒 in Chinese).
 */
import type { RunOutcome } from '../result'
import { formatBytes, formatCount, formatMs } from '../locale-format'

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
