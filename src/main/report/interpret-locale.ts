/**
 * The report's interpretation in a language other than English, written from the same data as
 * the English one (shared/report/interpret.ts) with the sentences the UI already speaks: why the
 * run ended (describeRunEnd), why it did not converge (explainNonConvergence), QEMU's downtime
 * against the guest's pause, and a failed verification. Shorter than the English interpretation,
 * which goes on to auto-converge, multifd, XBZRLE and suggestions: those paragraphs are not
 * translated yet (docs/reports.md).
 */
import {
  describeRunEnd,
  explainNonConvergence,
  interpretRun,
  nonConvergence,
  type Interpretation,
  type LabLocale,
  type ReportRun
} from '../../shared/report'
import { formatBytes, formatCount, formatMs } from '../../shared/locale-format'

const ZH = {
  converged: '迁移已切换到目的端',
  notConverged: '迁移没有收敛，未发生切换',
  failed: '运行失败',
  noResult: '这次运行没有结果',
  unverified: '验证失败',
  downtime: (downtime: string, pause: string) =>
    `QEMU 报告的停机时间为 ${downtime}；客户机实际暂停 ${pause}（从源端最后一条指令到目的端第一条指令）。`,
  transferred: (sent: string, total: string, syncs: string) =>
    `共传输 ${sent}（客户机内存 ${total}），${syncs} 次脏页同步。`,
  verificationFailed: (pages: string) =>
    `验证失败：目的端内存与源端有 ${pages} 页不同。请不要相信这次运行的停机时间和传输数据。`,
  measured: '在真实 QEMU 上实测（从 guestperf 导入）：没有预言机比较目的端与源端的内存。'
}

/** interpretRun in `locale` (English: interpretRun itself). */
export function interpretRunIn(run: ReportRun, locale: LabLocale): Interpretation {
  const english = interpretRun(run)
  if (locale === 'en') return english
  const { record, result } = run
  const status = result?.status ?? record.status
  const why = describeRunEnd(
    { status, outcome: result?.lab.outcome, reason: result?.lab.reason ?? record.reason },
    locale
  )
  const lead =
    english.verdict === 'no-result'
      ? ZH.noResult
      : english.verdict === 'failed'
        ? ZH.failed
        : result?.status === 'completed'
          ? ZH.converged
          : ZH.notConverged
  const paragraphs: string[] = []
  const warnings: string[] = []
  if (result) {
    const ms = (v: number) => formatMs(v, locale)
    if (result.status === 'completed')
      paragraphs.push(ZH.downtime(ms(result.downtime ?? 0), ms(result.lab['guest-pause-ms'])))
    const facts = result.lab.outcome?.kind === 'user-cancel' ? null : nonConvergence(run)
    if (facts) paragraphs.push(...explainNonConvergence(facts, locale))
    paragraphs.push(
      ZH.transferred(
        formatBytes(result.ram.transferred, locale),
        formatBytes(result.ram.total, locale),
        formatCount(result.ram['dirty-sync-count'], locale)
      )
    )
    if (record.source === 'measured') paragraphs.push(ZH.measured)
    else if (!result.lab.verified)
      warnings.push(ZH.verificationFailed(formatCount(result.lab['mismatched-pages'] ?? 0, locale)))
  }
  return { verdict: english.verdict, headline: `${lead}：${why}`, paragraphs, warnings }
}

/** The comparison's interpretation in `locale`: how many runs switched over, and why each ended. */
export function interpretComparisonIn(runs: readonly ReportRun[], locale: LabLocale): Interpretation {
  const switched = runs.filter((r) => r.result?.status === 'completed').length
  const unverified = runs.filter(
    (r) => r.record.source !== 'measured' && r.result !== null && !r.result.lab.verified
  )
  const ms = (v: number) => formatMs(v, locale)
  const paragraphs = runs.map((run) => {
    const result = run.result
    const why = describeRunEnd(
      {
        status: result?.status ?? run.record.status,
        outcome: result?.lab.outcome,
        reason: result?.lab.reason ?? run.record.reason
      },
      locale
    )
    const downtime = result?.status === 'completed' ? `，停机时间 ${ms(result.downtime ?? 0)}` : ''
    return `运行 #${run.record.id}（${run.record.label}）${downtime}：${why}`
  })
  return {
    verdict: unverified.length > 0 ? 'unverified' : switched === runs.length ? 'converged' : 'not-converged',
    headline: `${formatCount(runs.length, locale)} 次运行中有 ${formatCount(switched, locale)} 次切换到目的端。`,
    paragraphs,
    warnings: unverified.map(
      (r) =>
        `运行 #${r.record.id}：${ZH.verificationFailed(formatCount(r.result?.lab['mismatched-pages'] ?? 0, locale))}`
    )
  }
}
