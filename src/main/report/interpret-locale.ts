/**
 * The report's interpretation in a language other than English, written from the same data as
 * the English one (shared/report/interpret.ts) with the sentences the UI already speaks: why the
 * run ended (describeRunEnd), why it did not converge (explainNonConvergence), QEMU's downtime
 * against the guest's pause, what auto-converge, multifd, XBZRLE and postcopy did, what to change
 * for a run that did not converge, and a failed verification (docs/reports.md).
 */
import {
  autoConvergeFacts,
  describeRunEnd,
  migrationSettings,
  multifdFacts,
  remediesFor,
  xbzrleFacts,
  type MigrationSettings,
  type Remedy,
  explainNonConvergence,
  interpretRun,
  nonConvergence,
  type Interpretation,
  type LabLocale,
  type NonConvergence,
  type ReportRun
} from '../../shared/report'
import { formatBytes, formatCount, formatDecimal, formatMs } from '../../shared/locale-format'
import type { MigrationResult, RunOutcome } from '../../shared/result'

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

const zhBytes = (v: number) => formatBytes(v, 'zh-CN')
const zhRate = (v: number) => `${formatBytes(v, 'zh-CN')}/s`
const zhMs = (v: number) => formatMs(v, 'zh-CN')
const zhCount = (v: number) => formatCount(v, 'zh-CN')
const zhPercent = (ratio: number) => `${formatDecimal(ratio * 100, 'zh-CN', 0)} %`

/** What auto-converge did (QEMU's migration/ram.c mig_throttle_guest_down; §5). */
function autoConvergeZh(run: ReportRun, settings: MigrationSettings): string | null {
  const a = autoConvergeFacts(run, settings)
  if (!a) return null
  if (a.kind === 'never-throttled')
    return (
      `auto-converge 能力已开启，但从未限速：新写脏的字节超过已发送字节的 throttle-trigger-threshold ` +
      `${settings.throttleTriggerThresholdPercent} % 的 ≥1 秒周期太少（两个这样的周期才提高一级，§5.2）。`
    )
  const max = a.maxPercent
  return (
    `auto-converge 能力从第 ${zhCount(a.firstSync)} 次脏页同步（${zhMs(a.firstTimeMs)}）起以 ` +
    `${a.firstPercent} % 限制 vCPU，分 ${zhCount(a.steps)} 级升到 ${max} %` +
    `（cpu-throttle-initial ${settings.cpuThrottleInitialPercent} %，increment ${settings.cpuThrottleIncrementPercent} %，` +
    `max-cpu-throttle ${settings.maxCpuThrottlePercent} %）：在 ${max} % 时每个 vCPU 只运行 ${100 - max} % 的时间，` +
    `所有 vCPU 相同，不论各自写脏多少（§5.3、§5.4）。`
  )
}

/** How the bytes went over the multifd channels (docs/engine.md "multifd"). */
function multifdZh(result: MigrationResult): string | null {
  const m = multifdFacts(result)
  if (!m) return null
  return (
    `multifd：${zhCount(m.channels)} 个通道以 ${zhCount(m.packets)} 个包传送了 ${zhBytes(m.multifdBytes)}` +
    `（线路上字节的 ${zhPercent(m.share)}）；最忙的通道发送了 ${zhBytes(m.busiestChannelBytes)}。每个通道是一个发送线程：` +
    `链路很快时，通道的 CPU（host.multifd-channel-gib-per-s 或压缩速度）决定速度，多加通道有用；` +
    `瓶颈是链路或 max-bandwidth（所有通道共用）时则没用。`
  )
}

/** How XBZRLE's page cache did (docs/engine.md "XBZRLE"). */
function xbzrleZh(result: MigrationResult): string | null {
  const x = xbzrleFacts(result)
  if (!x) return null
  if (x.kind === 'unused')
    return 'XBZRLE 已开启但从未使用：它在第一轮完整发送之后才开始（xbzrle_started），而运行在有页被第二次发送之前就结束了。'
  if (x.kind === 'all-missed')
    return (
      `XBZRLE（缓存 ${zhBytes(x.cacheSizeBytes)}）：全部 ${zhCount(x.misses)} 次查找都未命中，` +
      '所以每页都整页发送，XBZRLE 只带来开销：缓存容纳的页少于客户机在同一页两次发送之间重写的页，每个槽位在它自己的页回来之前就被别的页占用了。'
    )
  return (
    `XBZRLE（缓存 ${zhBytes(x.cacheSizeBytes)}）：${zhCount(x.hits)} 次缓存命中，${zhCount(x.misses)} 次未命中` +
    `（占查找的 ${zhPercent(x.missRate)}）；${zhCount(x.overflows)} 次命中溢出，整页发送` +
    (x.encoded > 0 ? `，其余 ${zhCount(x.encoded)} 次以约 ${zhCount(x.bytesPerDelta)} 字节的增量发送` : '') +
    '。' +
    (x.mostlyOverflowed
      ? '大多数增量放不进一页：客户机整页重写（bytes-per-write），所以 XBZRLE 只花编码时间，什么也省不下。'
      : '增量小，XBZRLE 才划算；缓存小于每轮重写的页时，命中会变成未命中。')
  )
}

/** A run that switched to postcopy (docs/engine.md "Postcopy in a run"). */
function postcopyZh(result: MigrationResult, o: Extract<RunOutcome, { kind: 'postcopy' }>): string {
  const perVcpu = result['postcopy-vcpu-blocktime'] ?? []
  const worst = perVcpu.length > 0 ? Math.max(...perVcpu) : 0
  return (
    `以 postcopy 完成：migrate-start-postcopy 在第 ${zhCount(o['dirty-sync-count'])} 次脏页同步时发出，切换的停机时间为 ` +
    `${zhMs(o['downtime-ms'])}（downtime-limit ${zhMs(o['downtime-limit-ms'])}）。停机时间只包括停止客户机、最后一次位图同步、` +
    `丢弃位图和设备状态：切换时仍脏的 ${zhBytes(result.ram['postcopy-bytes'])} 内存在之后发送，此时客户机已在目的端运行。` +
    `代价是：客户机访问尚未到达的页时缺页，经返回路径发出 ${zhCount(o['postcopy-requests'])} 个页请求；所有 vCPU 同时阻塞 ` +
    `${zhMs(o['postcopy-blocktime-ms'])}（postcopy-blocktime），阻塞最久的 vCPU ${zhMs(worst)}（postcopy-vcpu-blocktime）。` +
    `postcopy-preempt 在单独的通道上发送被请求的页，两者都会降低；切换后源端或链路故障会丢失客户机，预拷贝从不冒这个险。`
  )
}

/** What would make a run that did not converge switch over (the English report's suggestions). */
function remediesZh(run: ReportRun, settings: MigrationSettings, facts: NonConvergence): string | null {
  if (facts.kind !== 'stalled' || facts.bandwidthBytesPerS <= 0) return null
  const remedies = remediesFor(run, settings, facts).map(remedyZh)
  return `${remedies.join('，或')}，都可以改变这一点。`
}

function remedyZh(r: Remedy): string {
  switch (r.kind) {
    case 'raise-downtime-limit':
      return `把 downtime-limit 提高到约 ${zhCount(r.suggestedLimitMs)} 毫秒`
    case 'raise-max-bandwidth-measured':
      return `提高 max-bandwidth（现为 ${r.maxBandwidthBytesPerS === 0 ? '不限' : zhRate(r.maxBandwidthBytesPerS)}；在 ${zhMs(r.downtimeLimitMs)} 的上限下这些剩余量需要约 ${zhRate(r.neededBytesPerS)}，前提是链路承载得了）`
    case 'raise-max-bandwidth':
      return (
        `提高 max-bandwidth（现为 ${zhRate(r.maxBandwidthBytesPerS)}；链路可承载 ${zhRate(r.linkBytesPerS)}` +
        (r.neededBytesPerS !== null
          ? `，在 ${zhMs(r.downtimeLimitMs)} 的上限下这些剩余量需要约 ${zhRate(r.neededBytesPerS)}`
          : '') +
        '）'
      )
    case 'faster-link':
      return `更快的链路（max-bandwidth ${r.maxBandwidthUnlimited ? '不限' : '已不低于链路速度'}，所以限制带宽的是 ${zhRate(r.linkBytesPerS)} 的链路）`
    case 'enable-auto-converge':
      return '开启 auto-converge，它限制 vCPU 直到它们写脏得更少（§5）'
    case 'auto-converge-climb':
      return (
        `让 auto-converge 继续升高（它达到 ${r.reachedPercent} %，max-cpu-throttle 为 ${r.maxCpuThrottlePercent} %；` +
        `更长的策略 max-time-ms 或 max-iterations 给它所需的周期，§5.3）`
      )
    case 'stronger-throttle':
      return `更强的限速（auto-converge 已达到 max-cpu-throttle ${r.maxCpuThrottlePercent} %）`
  }
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
    const outcome = result.lab.outcome
    if (result.status === 'completed' && outcome?.kind === 'postcopy')
      paragraphs.push(postcopyZh(result, outcome))
    const facts = outcome?.kind === 'user-cancel' ? null : nonConvergence(run)
    const settings = migrationSettings(run.config)
    if (facts) {
      paragraphs.push(...explainNonConvergence(facts, locale))
      const remedies = remediesZh(run, settings, facts)
      if (remedies) paragraphs.push(remedies)
    }
    for (const extra of [autoConvergeZh(run, settings), multifdZh(result), xbzrleZh(result)])
      if (extra) paragraphs.push(extra)
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
