/**
 * The report charts' titles and captions in each language the lab speaks (issue 12, defect 5).
 * QEMU's names in them (downtime-limit, dirty-pages-rate, cpu-throttle-percentage) stay as QEMU
 * spells them; the § numbers are docs/qemu-rules.md's.
 */
import type { LabLocale } from '../../shared/report'

export interface ChartText {
  remaining: { title: string; caption: string }
  bandwidth: { title: string; caption: string; availSwitchover: string }
  expectedDowntime: { title: string; caption: string }
  dirtyRate: { title: string; caption: string }
  throttle: { title: string; caption: string }
  throughput: { title: string; titleMeasured: string; caption: string; guestPaused: string }
  downtimeVs: (parameter: string) => string
  downtimeVsCaption: string
  totalTimeVs: (parameter: string) => string
  totalTimeVsCaption: string
  downtimePerRun: { title: string; caption: string }
  remainingOverlay: { title: string; caption: string }
  throughputOverlay: { title: string; caption: string }
  /** Appended to an overlay's caption when it draws only some of the runs. */
  showing: (shown: number, total: number) => string
  measured: string
}

const EN: ChartText = {
  remaining: {
    title: 'Remaining dirty memory and the threshold',
    caption:
      'QEMU switches over when what remains after a sync falls below the threshold = bandwidth × downtime-limit (§2.3). ' +
      'Diamonds mark dirty syncs (remaining right after each).'
  },
  bandwidth: {
    title: 'Bandwidth estimate and threshold',
    caption:
      'The estimate is one unsmoothed 100 ms window (§2.1, §15.3): a sync inside a window lowers it, and the threshold with it.',
    availSwitchover: ' avail-switchover-bandwidth is set, so the threshold uses it instead of the estimate.'
  },
  expectedDowntime: {
    title: 'Expected downtime and downtime-limit',
    caption:
      'expected-downtime = dirty bytes at the last sync ÷ bandwidth (§2.1). It reads far above the real downtime, ' +
      'which is sent at link speed (§10.5, §17).'
  },
  dirtyRate: {
    title: 'dirty-pages-rate and bandwidth',
    caption:
      'dirty-pages-rate counts only pages that had been sent and were dirtied again, over ≥ 1 s periods (§4.1, §15.4); ' +
      'shown in MiB/s next to the bandwidth estimate. A rate near the bandwidth cannot converge.'
  },
  throttle: {
    title: 'Auto-converge throttle',
    caption:
      'cpu-throttle-percentage: every vCPU runs (100 − p) % of the time (§5.4); a step needs two "high" periods (§5.2).'
  },
  throughput: {
    title: 'Guest throughput per vCPU',
    titleMeasured: "Guest memory-update speed per guest thread (guestperf's timings)",
    caption:
      'MiB the guest program wrote per second, in 100 ms buckets (guestperf plots the same as ms per GiB, §13.6): ' +
      'throttling shows as a lower plateau, BQL stalls as dips, the switchover pause as a drop to zero.',
    guestPaused: 'guest paused'
  },
  downtimeVs: (p) => `Downtime vs ${p}`,
  downtimeVsCaption:
    'Mean downtime as QEMU reports it (line), min–max over the runs (band) and each run (dots); runs that did not switch over have no downtime and are left out.',
  totalTimeVs: (p) => `Total time vs ${p}`,
  totalTimeVsCaption:
    "Mean, range and runs; a cancelled run's total time is where the lab's policy stopped it.",
  downtimePerRun: {
    title: 'Downtime per run',
    caption: 'Downtime as QEMU reports it; a run that did not switch over has no bar.'
  },
  remainingOverlay: { title: 'Remaining dirty memory', caption: 'What was left to send over time, per run.' },
  throughputOverlay: {
    title: 'Guest throughput (all vCPUs)',
    caption:
      'MiB/s written by the guest, summed over its vCPUs: throttling and the switchover pause show as drops.'
  },
  showing: (shown, total) => ` Showing ${shown} of ${total} runs (the first of each configuration).`,
  measured: ' (measured)'
}

const ZH: ChartText = {
  remaining: {
    title: '剩余脏内存与阈值',
    caption:
      '一次同步后剩余的量低于阈值 = 带宽 × downtime-limit 时，QEMU 切换（§2.3）。菱形标出每次脏页同步（同步刚结束时的剩余量）。'
  },
  bandwidth: {
    title: '带宽估计与阈值',
    caption: '估计值取自一个不做平滑的 100 毫秒窗口（§2.1、§15.3）：窗口内发生同步会拉低它，阈值随之降低。',
    availSwitchover: '已设置 avail-switchover-bandwidth，阈值改用它而不是估计值。'
  },
  expectedDowntime: {
    title: '预计停机时间与 downtime-limit',
    caption:
      'expected-downtime = 上次同步时的脏字节数 ÷ 带宽（§2.1）。它远高于真实停机时间，因为剩余部分以链路速度发送（§10.5、§17）。'
  },
  dirtyRate: {
    title: 'dirty-pages-rate 与带宽',
    caption:
      'dirty-pages-rate 只统计已发送后又被写脏的页，按不短于 1 秒的周期计算（§4.1、§15.4）；以 MiB/s 显示在带宽估计旁。接近带宽的脏页率无法收敛。'
  },
  throttle: {
    title: '自动收敛限速',
    caption:
      'cpu-throttle-percentage：每个 vCPU 只运行 (100 − p) % 的时间（§5.4）；提高一级需要两个“高”周期（§5.2）。'
  },
  throughput: {
    title: '每个 vCPU 的客户机吞吐量',
    titleMeasured: '每个客户机线程的内存更新速度（guestperf 的计时）',
    caption:
      '客户机程序每秒写入的 MiB，按 100 毫秒分桶（guestperf 以每 GiB 毫秒数绘制同一量，§13.6）：限速表现为较低的平台，BQL 停顿表现为凹陷，切换暂停表现为降到零。',
    guestPaused: '客户机暂停'
  },
  downtimeVs: (p) => `停机时间与 ${p}`,
  downtimeVsCaption:
    'QEMU 报告的平均停机时间（线）、各次运行的最小–最大值（带）和每次运行（点）；没有切换的运行没有停机时间，不计入。',
  totalTimeVs: (p) => `总时间与 ${p}`,
  totalTimeVsCaption: '平均值、范围和各次运行；被取消的运行，其总时间是实验策略停止它的时刻。',
  downtimePerRun: {
    title: '每次运行的停机时间',
    caption: 'QEMU 报告的停机时间；没有切换的运行没有柱。'
  },
  remainingOverlay: { title: '剩余脏内存', caption: '每次运行随时间剩余待发送的量。' },
  throughputOverlay: {
    title: '客户机吞吐量（所有 vCPU）',
    caption: '客户机写入的 MiB/s，按所有 vCPU 求和：限速和切换暂停表现为下降。'
  },
  showing: (shown, total) => `显示 ${total} 次运行中的 ${shown} 次（每种配置的第一次）。`,
  measured: '（实测）'
}

export function chartText(locale: LabLocale): ChartText {
  return locale === 'zh-CN' ? ZH : EN
}
