/**
 * The HTML report's own words in each language the lab speaks: headings, labels, table headers,
 * status words, and how numbers read (Chinese durations in 毫秒/秒/分, as the UI says them).
 * Configuration names, QEMU's commands and the charts' captions stay as they are (QEMU's names
 * are the same in every language).
 */
import type { LabLocale } from '../../shared/report'
import { formatMs as formatMsLocale } from '../../shared/locale-format'
import { formatMs, NOT_MEASURED } from '../../shared/report'

export interface ReportStrings {
  readonly lang: LabLocale
  /** How a duration reads. */
  readonly ms: (ms: number) => string
  readonly kicker: { run: string; comparison: string }
  readonly titleSuffix: string
  /** A value a measured run did not record (never 0, never blank). */
  readonly notMeasured: string
  readonly footer: (version: string, date: string, on: string) => string
  readonly headings: {
    interpretation: string
    summary: string
    downtime: string
    charts: string
    syncs: string
    config: string
    qemu: string
    notes: string
    environment: string
    comparisonInterpretation: string
    runs: string
    fidelity: string
    groups: (parameter: string) => string
    comparisonCharts: string
    configDiff: string
  }
  readonly started: string
  readonly statuses: Record<string, string>
  readonly sources: { measured: string; simulated: string }
  readonly yes: string
  readonly no: string
  readonly verifiedNo: string
  readonly metrics: {
    status: string
    result: string
    noResult: string
    downtime: string
    downtimeNoSwitchover: string
    guestPause: string
    totalTime: string
    setupTime: string
    transferred: string
    ofRam: (total: string) => string
    syncs: string
    syncsNote: string
    converged: string
    verified: string
    highestThrottle: string
    averageRate: string
    averageRateNote: string
  }
  readonly notes: {
    noOracle: string
    noSwitchover: string
    verifiedYes: string
    pagesDiffer: (pages: string) => string
    downtime: (limit: string, returnPath: boolean) => string
    noSwitchoverExpected: (expected: string) => string
    pause: string
    pauseEstimated: string
    keptRunning: string
  }
  readonly breakdown: {
    parts: Record<BreakdownPart, string>
    what: Record<BreakdownPart, string>
    together: string
    tick: (downtime: string) => string
    guestPause: string
    header: { part: string; duration: string; share: string; what: string }
    noSwitchover: string
    /** A measured run's breakdown: guestperf records only QEMU's total downtime. */
    measuredOnlyTotal: (notMeasured: string, downtime: string) => string
  }
  readonly syncTable: {
    header: readonly string[]
    none: string
  }
  readonly configTable: { setting: string; value: string; readsAs: string; changed: string }
  readonly qemu: { qmp: string; hmp: string; notQemu: string }
  readonly environment: {
    source: string
    sourceMeasured: string
    sourceSimulated: string
    engineVersion: string
    seed: string
    host: string
    started: string
    ended: string
    configHash: string
    simulated: string
    simulatedValue: (virtual: string, wall: string) => string
    experiment: string
    tags: string
    thisReport: string
  }
  readonly runsTable: {
    run: string
    label: string
    source: string
    status: string
    downtime: string
    guestPause: string
    totalTime: string
    setup: string
    transferred: string
    syncs: string
    converged: string
    verified: string
  }
  readonly groupsTable: readonly string[]
  readonly envTable: readonly string[]
  /** The sentences around the tables and QEMU's commands (the commands stay as QEMU spells them). */
  readonly prose: {
    syncTableNote: string
    configNote: (settings: string, changed: string) => string
    noQemuCommands: string
    /** The words around the commands: HTML with QEMU's words in <code>. */
    qemuIntro: string
    bothSides: (capabilities: string) => string
    runsTableNote: (notApplicable: string, notMeasured: string) => string
    equalSettings: (count: string) => string
    madeBy: (version: string) => string
  }
}

type BreakdownPart = 'stop-ms' | 'final-sync-ms' | 'ram-ms' | 'device-state-ms' | 'resume-ms'

const STATUS_EN = {
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
  interrupted: 'interrupted',
  running: 'running'
}

export const REPORT_STRINGS: Record<LabLocale, ReportStrings> = {
  en: {
    lang: 'en',
    ms: formatMs,
    kicker: { run: 'Migration Lab report', comparison: 'Migration Lab comparison report' },
    titleSuffix: 'Migration Lab report',
    notMeasured: NOT_MEASURED,
    footer: (version, date, on) =>
      `Migration Lab ${version} · report generated ${date} on ${on} · section numbers (§) refer to the lab's QEMU rule book (docs/qemu-rules.md in the Migration Lab repository).`,
    headings: {
      interpretation: 'What happened',
      summary: 'Summary',
      downtime: 'Downtime breakdown',
      charts: 'Over virtual time',
      syncs: 'Dirty syncs',
      config: 'Configuration',
      qemu: 'Apply to a real QEMU',
      notes: 'Notes',
      environment: 'Environment',
      comparisonInterpretation: 'What the runs show',
      runs: 'Runs',
      fidelity: 'Predicted vs measured',
      groups: (parameter) => `Statistics per ${parameter}`,
      comparisonCharts: 'Charts',
      configDiff: 'Configuration differences'
    },
    started: 'started',
    statuses: STATUS_EN,
    sources: { measured: 'measured', simulated: 'simulated' },
    yes: 'yes',
    no: 'no',
    verifiedNo: 'NO',
    metrics: {
      status: 'Status',
      result: 'Result',
      noResult: 'the run ended without one',
      downtime: 'Downtime (as QEMU reports it)',
      downtimeNoSwitchover: 'Downtime',
      guestPause: 'Guest pause',
      totalTime: 'Total time',
      setupTime: 'Setup time',
      transferred: 'Transferred',
      ofRam: (total) => `for ${total} of RAM`,
      syncs: 'Dirty syncs',
      syncsNote: 'dirty-sync-count (1 = the setup sync)',
      converged: 'Converged',
      verified: 'Verified',
      highestThrottle: 'Highest throttle',
      averageRate: 'Average rate',
      averageRateNote: 'mbps over (total − setup) time'
    },
    notes: {
      noOracle: 'a real QEMU: no oracle compared memories',
      noSwitchover: 'no switchover',
      verifiedYes: 'destination = source at switchover',
      pagesDiffer: (pages) => `${pages} pages differ at switchover`,
      downtime: (limit, returnPath) =>
        `downtime-limit ${limit}${returnPath ? ', with return-path' : ', no return-path'}`,
      noSwitchoverExpected: (expected) => `no switchover; expected-downtime ${expected} at the end`,
      pause: 'last instruction on the source → first on the destination',
      pauseEstimated: "estimated from the guest's own timings",
      keptRunning: 'the guest kept running on the source'
    },
    breakdown: {
      parts: {
        'stop-ms': 'Stop',
        'final-sync-ms': 'Final sync',
        'ram-ms': 'RAM',
        'device-state-ms': 'Device state',
        'resume-ms': 'Resume'
      },
      what: {
        'stop-ms': 'vm_stop_force_state: pause vCPUs, drain block I/O (§1.5)',
        'final-sync-ms': 'the last dirty bitmap sync, under the BQL (§1.5)',
        'ram-ms': 'remaining dirty pages at link speed, rate limit lifted (§10.5)',
        'device-state-ms': 'non-iterable device state, not counted in pending (§10.3)',
        'resume-ms': 'destination: load tail, block activation, vm_start (§10.1)'
      },
      together: 'the five parts together',
      tick: (downtime) => `the tick marks where QEMU's downtime ends (${downtime})`,
      guestPause: 'Guest pause',
      header: { part: 'part', duration: 'duration', share: 'share', what: 'what it is' },
      noSwitchover: 'No switchover happened, so there is no downtime to break down.',
      measuredOnlyTotal: (nm, downtime) =>
        `${nm}: guestperf records only QEMU's total downtime (${downtime}), not its parts.`
    },
    syncTable: {
      header: [
        'sync',
        'time',
        'trigger',
        'pages sent',
        'new dirty pages',
        'remaining pages',
        'bandwidth estimate',
        'threshold',
        'expected downtime',
        'throttle',
        'BQL hold'
      ],
      none: 'No dirty sync was recorded.'
    },
    configTable: { setting: 'setting', value: 'value', readsAs: 'reads as', changed: 'changed' },
    qemu: {
      qmp: 'QMP (one command per line; <code>id</code> says which monitor)',
      hmp: 'HMP',
      notQemu: 'Not QEMU commands'
    },
    environment: {
      source: 'Source',
      sourceMeasured: 'measured on a real QEMU (imported)',
      sourceSimulated: 'simulated by the Migration Lab engine',
      engineVersion: 'Engine version',
      seed: 'Seed',
      host: 'Host',
      started: 'Started',
      ended: 'Ended',
      configHash: 'Config hash (sha256)',
      simulated: 'Simulated',
      simulatedValue: (virtual, wall) => `${virtual} of virtual time in ${wall} of wall time`,
      experiment: 'Experiment',
      tags: 'Tags',
      thisReport: 'this report'
    },
    runsTable: {
      run: 'run',
      label: 'label',
      source: 'source',
      status: 'status',
      downtime: 'downtime',
      guestPause: 'guest pause',
      totalTime: 'total time',
      setup: 'setup',
      transferred: 'transferred',
      syncs: 'syncs',
      converged: 'converged',
      verified: 'verified'
    },
    groupsTable: [
      'runs',
      'status',
      'switched over',
      'mean downtime',
      'median',
      'min – max',
      'std. dev.',
      'mean total time'
    ],
    envTable: ['run', 'source', 'engine', 'seed', 'host', 'started', 'ended'],
    prose: {
      syncTableNote:
        'One row per dirty bitmap sync (§4.1): pages sent since the previous sync, newly dirtied pages it found (only pages already sent count), pages known dirty after it, and the counters in force.',
      configNote: (settings, changed) =>
        `${settings} settings, ${changed} changed from the defaults (QEMU's, and the lab's where QEMU has none). ` +
        "Capability and parameter names and units are QEMU's (§12).",
      noQemuCommands: "This run's config cannot be turned into QEMU commands:",
      qemuIntro:
        'To try this configuration on a real QEMU: start the destination with the same <code>-m</code>, <code>-smp</code> and devices plus ' +
        "<code>-incoming defer</code>, send the <code>destination-…</code> commands to its monitor, then the <code>source-…</code> ones to the source's. " +
        "<code>tcp:DESTINATION:4444</code> is a placeholder: put the destination's address in it.",
      bothSides: (capabilities) =>
        ` ${capabilities} are set on both sides, because QEMU checks them on the destination too.`,
      runsTableNote: (na, nm) =>
        `Downtime as QEMU reports it; "${na}" where a run has no such value (no switchover), "${nm}" where a measured run did not record it.`,
      equalSettings: (count) =>
        `${count} other settings are equal in every run and not shown; each run's single report lists them all.`,
      madeBy: (version) => `Migration Lab ${version} made this report.`
    }
  },
  'zh-CN': {
    lang: 'zh-CN',
    ms: (v) => formatMsLocale(v, 'zh-CN'),
    kicker: { run: '迁移实验室报告', comparison: '迁移实验室比较报告' },
    titleSuffix: '迁移实验室报告',
    notMeasured: '未测量',
    footer: (version, date, on) =>
      `迁移实验室 ${version} · 报告生成于 ${date}（${on}）· 章节号（§）指实验室的 QEMU 规则手册（Migration Lab 仓库中的 docs/qemu-rules.md）。`,
    headings: {
      interpretation: '发生了什么',
      summary: '摘要',
      downtime: '停机时间分解',
      charts: '随虚拟时间的变化',
      syncs: '脏页同步',
      config: '配置',
      qemu: '应用到真实的 QEMU',
      notes: '备注',
      environment: '环境',
      comparisonInterpretation: '这些运行说明了什么',
      runs: '运行',
      fidelity: '预测与实测',
      groups: (parameter) => `按 ${parameter} 分组的统计`,
      comparisonCharts: '图表',
      configDiff: '配置差异'
    },
    started: '开始于',
    statuses: {
      completed: '已完成',
      cancelled: '已取消',
      failed: '失败',
      interrupted: '已中断',
      running: '运行中'
    },
    sources: { measured: '实测', simulated: '模拟' },
    yes: '是',
    no: '否',
    verifiedNo: '否',
    metrics: {
      status: '状态',
      result: '结果',
      noResult: '运行结束时没有结果',
      downtime: '停机时间（QEMU 报告值）',
      downtimeNoSwitchover: '停机时间',
      guestPause: '客户机暂停',
      totalTime: '总时间',
      setupTime: '准备时间',
      transferred: '已传输',
      ofRam: (total) => `客户机内存 ${total}`,
      syncs: '脏页同步',
      syncsNote: 'dirty-sync-count（1 = 准备阶段的同步）',
      converged: '已收敛',
      verified: '已验证',
      highestThrottle: '最高节流',
      averageRate: '平均速率',
      averageRateNote: 'mbps，按（总时间 − 准备时间）计'
    },
    notes: {
      noOracle: '真实的 QEMU：没有预言机比较内存',
      noSwitchover: '没有切换',
      verifiedYes: '切换时目的端 = 源端',
      pagesDiffer: (pages) => `切换时有 ${pages} 页不同`,
      downtime: (limit, returnPath) =>
        `downtime-limit ${limit}，${returnPath ? '开启 return-path' : '未开启 return-path'}`,
      noSwitchoverExpected: (expected) => `没有切换；结束时 expected-downtime 为 ${expected}`,
      pause: '从源端最后一条指令到目的端第一条指令',
      pauseEstimated: '由客户机自身的计时估算',
      keptRunning: '客户机一直在源端运行'
    },
    breakdown: {
      parts: {
        'stop-ms': '停止',
        'final-sync-ms': '最后一次同步',
        'ram-ms': '内存',
        'device-state-ms': '设备状态',
        'resume-ms': '恢复'
      },
      what: {
        'stop-ms': 'vm_stop_force_state：暂停 vCPU，排空块设备 I/O（§1.5）',
        'final-sync-ms': '最后一次脏页位图同步，持有 BQL（§1.5）',
        'ram-ms': '剩余脏页以链路速度发送，解除限速（§10.5）',
        'device-state-ms': '不可迭代的设备状态，不计入 pending（§10.3）',
        'resume-ms': '目的端：加载剩余数据、激活块设备、vm_start（§10.1）'
      },
      together: '五部分之和',
      tick: (downtime) => `刻度线标出 QEMU 的停机时间结束处（${downtime}）`,
      guestPause: '客户机暂停',
      header: { part: '部分', duration: '时长', share: '占比', what: '含义' },
      noSwitchover: '没有发生切换，因此没有可分解的停机时间。',
      measuredOnlyTotal: (nm, downtime) =>
        `${nm}：guestperf 只记录 QEMU 的总停机时间（${downtime}），不记录其各部分。`
    },
    syncTable: {
      header: [
        '同步',
        '时间',
        '触发',
        '已发送页',
        '新脏页',
        '剩余页',
        '带宽估计',
        '阈值',
        '预计停机时间',
        '节流',
        'BQL 持有'
      ],
      none: '没有记录脏页同步。'
    },
    configTable: { setting: '设置', value: '值', readsAs: '含义', changed: '已修改' },
    qemu: {
      qmp: 'QMP（每行一条命令；<code>id</code> 表示发往哪个监视器）',
      hmp: 'HMP',
      notQemu: '不是 QEMU 命令的部分'
    },
    environment: {
      source: '来源',
      sourceMeasured: '在真实 QEMU 上实测（导入）',
      sourceSimulated: '由迁移实验室引擎模拟',
      engineVersion: '引擎版本',
      seed: '随机种子',
      host: '主机',
      started: '开始',
      ended: '结束',
      configHash: '配置哈希（sha256）',
      simulated: '模拟',
      simulatedValue: (virtual, wall) => `用 ${wall} 实际时间模拟了 ${virtual} 虚拟时间`,
      experiment: '实验',
      tags: '标签',
      thisReport: '本报告'
    },
    runsTable: {
      run: '运行',
      label: '名称',
      source: '来源',
      status: '状态',
      downtime: '停机时间',
      guestPause: '客户机暂停',
      totalTime: '总时间',
      setup: '准备',
      transferred: '已传输',
      syncs: '同步次数',
      converged: '已收敛',
      verified: '已验证'
    },
    groupsTable: ['运行', '状态', '已切换', '平均停机时间', '中位数', '最小 – 最大', '标准差', '平均总时间'],
    envTable: ['运行', '来源', '引擎', '随机种子', '主机', '开始', '结束'],
    prose: {
      syncTableNote:
        '每次脏页位图同步一行（§4.1）：自上次同步以来发送的页、本次发现的新脏页（只计已发送过的页）、同步后已知的脏页，以及当时生效的计数器。',
      configNote: (settings, changed) =>
        `共 ${settings} 项设置，其中 ${changed} 项不同于默认值（QEMU 的默认值；QEMU 没有的，用实验室的）。能力和参数的名称与单位都是 QEMU 的（§12）。`,
      noQemuCommands: '这次运行的配置无法转换为 QEMU 命令：',
      qemuIntro:
        '要在真实的 QEMU 上尝试这个配置：用相同的 <code>-m</code>、<code>-smp</code> 和设备加上 <code>-incoming defer</code> 启动目的端，' +
        '把 <code>destination-…</code> 命令发到它的监视器，再把 <code>source-…</code> 命令发到源端的监视器。' +
        '<code>tcp:DESTINATION:4444</code> 是占位符：请填入目的端的地址。',
      bothSides: (capabilities) => `${capabilities} 在两端都要设置，因为 QEMU 也会在目的端检查它们。`,
      runsTableNote: (na, nm) =>
        `停机时间为 QEMU 报告值；没有该值的运行（未切换）显示“${na}”，实测运行未记录的显示“${nm}”。`,
      equalSettings: (count) =>
        `其余 ${count} 项设置在所有运行中都相同，未列出；每次运行的单独报告列出全部设置。`,
      madeBy: (version) => `本报告由迁移实验室 ${version} 生成。`
    }
  }
}
