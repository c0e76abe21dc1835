import type { HistoryMessages } from './history.en'

/** 历史、比较与参数扫描页面的简体中文文案(合并到 zh-CN.ts 的 `history` 下)。QEMU 的原名保持不变。 */
const historyZhCN: HistoryMessages = {
  screens: {
    history: '历史',
    compare: '比较'
  },
  title: '历史',
  intro: '每次运行和每个参数扫描都保存在这里。可以筛选、标注、比较，也可以启动新的扫描。',
  tabs: {
    label: '列出的内容',
    runs: '运行',
    experiments: '实验（参数扫描）',
    sweep: '新建扫描'
  },
  actions: {
    openLive: '在实时运行中打开',
    import: '导入…',
    importHint: 'Migration Lab 导出文件或 guestperf 报告（JSON）',
    exportSelected: '导出所选',
    compareSelected: '比较所选（{count}）',
    deleteSelected: '删除所选',
    refresh: '刷新',
    open: '打开',
    compare: '比较',
    delete: '删除',
    rerun: '重新运行',
    useAsSweepBase: '用作扫描的基础配置',
    showRuns: '查看运行',
    save: '保存',
    dismiss: '关闭提示',
    undo: '撤销',
    backToHistory: '返回历史'
  },
  filter: {
    label: '筛选运行',
    text: '搜索',
    experimentTextPlaceholder: '名称、说明、备注、标签',
    textPlaceholder: '标签名、备注、标签、主机、实验',
    status: '状态',
    tags: '标签（须全部包含）',
    tagsPlaceholder: '例如 baseline, 10GbE',
    source: '来源',
    anySource: '模拟或实测',
    starred: '仅看星标',
    conditions: '配置条件',
    conditionsHint: '每行一个：参数、运算符（= != > >= < <=）、值。',
    conditionsPlaceholder: '例如 migration.parameters.downtime-limit >= 300',
    apply: '应用筛选',
    clear: '清除',
    experiment: '实验 #{id} 的运行',
    problems: '请先修正这些条件：'
  },
  statuses: {
    running: '运行中',
    completed: '已完成',
    cancelled: '已取消',
    failed: '失败',
    interrupted: '已中断',
    draft: '草稿'
  },
  sources: {
    simulated: '模拟',
    measured: '实测'
  },
  table: {
    caption: '运行，第 {from}–{to} 条，共 {total} 条',
    captionEmpty: '运行',
    select: '选择运行 #{id}',
    selectAll: '选择本页所有运行',
    star: '为运行 #{id} 加星标',
    unstar: '取消运行 #{id} 的星标',
    label: '名称',
    status: '状态',
    started: '开始时间',
    downtime: '停机时间（ms）',
    guestPause: '客户机暂停（ms）',
    totalTime: '总时长（s）',
    transferred: '已传输（MiB）',
    syncs: '同步次数',
    syncsTitle: 'dirty-sync-count：脏页位图同步次数',
    actions: '操作',
    sortBy: '按{column}排序',
    experiment: '属于 {name}',
    notVerified: '内存未通过校验',
    loading: '加载中…'
  },
  experiments: {
    caption: '实验',
    name: '名称',
    varied: '变化的参数',
    repetitions: '重复次数',
    runs: '运行',
    runsValue: '已完成 {finished} / {total}',
    created: '创建时间',
    status: '状态',
    nothingVaried: '无（仅重复）',
    empty: '还没有实验。在“新建扫描”中启动一个扫描，改变某个参数并比较各次运行。'
  },
  pager: {
    label: '分页',
    previous: '上一页',
    next: '下一页',
    page: '第 {page} / {count} 页',
    pageSize: '每页行数',
    total: '共 {total} 次运行'
  },
  empty: {
    noRuns: '还没有运行。可以在“配置”页面运行一次迁移，在“新建扫描”中启动扫描，或导入 guestperf 报告。',
    noMatch: '没有符合筛选条件的运行。',
    clearFilter: '清除筛选'
  },
  undo: {
    deleted: '已将 {runs} 次运行移入回收站。',
    deletedExperiment: '已将 {experiments} 个实验和 {runs} 次运行移入回收站。'
  },
  notices: {
    imported: '已导入 {count} 次运行，来自 {file}。',
    importedGuestperf: '已将 {file} 导入为一次实测运行。',
    restored: '已恢复 {runs} 次运行。'
  },
  errors: {
    title: '出现问题',
    fileTooLarge: '{file} 大小为 {size} MiB，本实验室最多接受 {max} MiB 的文件。请改用命令行导入。',
    fileUnreadable: '无法读取 {file}：{message}'
  },
  detail: {
    title: '运行 #{id}',
    close: '关闭此运行',
    summary: '摘要',
    status: '状态',
    reason: '结束原因',
    source: '来源',
    host: '运行于',
    seed: '随机种子',
    engine: '引擎版本',
    started: '开始时间',
    downtime: '停机时间（downtime，源端报告）',
    guestPause: '客户机暂停（客户机实际感受）',
    totalTime: '总时长（total-time）',
    setupTime: '准备时长（setup-time）',
    expectedDowntime: '预计停机时间（expected-downtime）',
    transferred: '已传输（ram.transferred）',
    syncs: '脏页位图同步次数（dirty-sync-count）',
    throttle: '最高限速（cpu-throttle-percentage）',
    verified: '切换时内存校验通过',
    yes: '是',
    no: '否',
    notes: '备注',
    notesPlaceholder: '这次运行说明了什么，下一步尝试什么…',
    tags: '标签',
    tagsHint: '用逗号分隔',
    saved: '已保存',
    syncsTitle: '每次脏页位图同步一行',
    noSyncs: '这次运行没有记录任何同步。',
    noResult: '这次运行没有结果：{reason}',
    sync: {
      count: '同步',
      time: '时间（ms）',
      trigger: '触发原因',
      pagesSent: '已发送页',
      dirtyPages: '新脏页',
      remaining: '剩余（MiB）',
      threshold: '阈值（MiB）',
      expected: '预计停机（ms）',
      throttle: '限速（%）',
      bql: 'BQL 持有（ms）'
    },
    triggers: {
      setup: '准备阶段',
      lazy: '惰性同步（待发送 < 阈值）',
      'throttle-timer': '自动收敛定时器',
      final: '最终同步（停机拷贝）'
    },
    loadFailed: '无法打开这次运行：{message}'
  },
  compare: {
    title: '比较',
    predicted: {
      title: '预测与实测',
      note: '每个实测运行与同一配置（同一标签）的模拟运行并列。误差 = 模拟值 ÷ 实测值 − 1。',
      pair: '{measured}（实测）对比 {simulated}（模拟）',
      figure: '指标',
      measured: '实测',
      simulated: '模拟',
      error: '误差',
      figures: {
        totalTime: '总时间',
        transferred: '已传输',
        dirtySyncs: '脏页位图同步次数',
        setupTime: '准备时间',
        downtime: '停机时间',
        guestPause: '客户机暂停'
      }
    },
    experimentTitle: '实验：{name}',
    runsTitle: '比较 {count} 次运行',
    empty: '还没有可比较的内容。请在“历史”中选择若干运行并点击“比较所选”，或打开一个实验。',
    goToHistory: '前往历史',
    varied: '变化的参数：{params}',
    repetitions: '每个配置重复 {count} 次',
    nothingVaried: '同一配置的重复运行',
    truncated: '只比较前 {shown} 次运行（另有 {left} 次已选但未纳入）。',
    groupBy: '分组依据',
    groupByNone: '每次运行单独一组',
    spread: '离散程度',
    spreadRange: '最小 – 最大',
    spreadStddev: '± 标准差',
    charts: '图表',
    tables: '表格',
    loading: '正在加载比较…',
    metrics: {
      downtimeMs: '停机时间',
      guestPauseMs: '客户机暂停',
      totalTimeMs: '总时长',
      transferredBytes: '已传输'
    },
    chartTitles: {
      downtimePerRun: '各次运行的停机时间',
      totalTimePerRun: '各次运行的总时长',
      transferredPerRun: '各次运行的传输量',
      downtime: '各配置的停机时间',
      totalTime: '各配置的总时长',
      transferred: '各配置的传输量',
      downtimeVsParameter: '停机时间随 {param} 的变化',
      progress: '剩余脏内存随时间的变化'
    },
    chartLabels: {
      mean: '均值',
      range: '最小–最大',
      stddev: '±标准差',
      runs: '运行',
      runsAxis: '运行',
      measured: '（实测）',
      noValue: '没有已完成的运行',
      time: '时间',
      remaining: '剩余',
      run: '运行 {id}',
      runNamed: '运行 {id} · {label}',
      downtimeLimit: '停机上限 downtime-limit'
    },
    progressNote: '每个配置一条曲线（取其第一次运行）。虚线：实测运行。',
    summaryTable: '按配置汇总',
    summary: {
      configuration: '配置',
      runs: '运行',
      source: '来源',
      downtime: '停机时间（ms）',
      guestPause: '客户机暂停（ms）',
      totalTime: '总时长（s）',
      transferred: '已传输（MiB）',
      meanSpread: '均值（最小–最大，±标准差）',
      statusCounts: '完成 {completed} 次，共 {total} 次'
    },
    configTable: '配置',
    parameter: '参数',
    differencesOnly: '只显示差异',
    noDifferences: '这些配置完全相同（随机种子除外，即同一配置的重复运行）。',
    allSame: '有 {count} 个参数在所有运行中都相同；取消勾选“只显示差异”即可查看。',
    missing: '（缺失）',
    series: '{param} 取 {value}'
  },
  sweep: {
    title: '新建扫描',
    intro:
      '参数扫描以同一个基础配置运行多次，每次改变一到两个参数（类似 guestperf 的对比实验），并对每个取值重复运行以显示离散程度。',
    base: '基础配置',
    baseDefault: '默认配置（QEMU 默认值）',
    baseRun: '运行 #{id} {label} 的配置',
    baseProvided: '来自{label}的配置',
    baseConfigure: '使用“配置”页面的配置',
    baseSelected: '使用所选运行的配置',
    baseReset: '使用默认配置',
    configureLabel: '“配置”页面',
    parameters: '变化的参数',
    parameter: '参数 {index}',
    path: '配置参数',
    mode: '取值方式',
    modeValues: '列表',
    modeRange: '范围',
    values: '取值（用逗号分隔）',
    range: '范围（起点..终点:步长）',
    rangeHint: '例如 100..500:100 表示 100、200、300、400、500',
    remove: '移除参数 {index}',
    add: '添加第二个参数',
    repeat: '每个取值的重复次数',
    repeatHint: '每次重复使用不同的随机种子，各取值之间相同。',
    parallel: '同时运行数',
    parallelHint: '0 = 与实验室主机的 CPU 核数相同',
    name: '名称',
    plan: '{points} 个取值 × {repeat} 次重复 = {runs} 次运行',
    start: '开始扫描',
    starting: '正在启动…',
    cancel: '取消扫描',
    progress: '扫描“{name}”：已完成 {done} / {total} 次运行',
    failed: '{failed} 次失败',
    running: '{running} 次运行中',
    finished: '扫描“{name}”已结束：完成 {done} / {total} 次运行。',
    finishedCancelled: '扫描“{name}”在完成 {done} / {total} 次运行后被取消；已完成的运行会保留。',
    finishedFailed: '扫描“{name}”失败：{message}',
    openComparison: '打开比较',
    problems: '请先修正以下问题再开始扫描：',
    otherSweeps: '本实验室主机上正在进行的其他扫描',
    group: {
      config: '配置',
      guest: '客户机',
      network: '网络',
      migration_capabilities: '迁移能力（migrate-set-capabilities）',
      migration_parameters: '迁移参数（migrate-set-parameters）',
      migration_policy: '实验室策略',
      host: '主机开销模型',
      workload: '负载 {index}'
    }
  },
  params: {
    seed: '随机种子',
    guest: {
      'memory-mib': '客户机内存（MiB）',
      vcpus: 'vCPU 数',
      'page-size': '页大小（字节）',
      'zero-fraction': '零页比例',
      'device-state-kib': '设备状态（KiB）',
      workloads: {
        n: {
          pattern: '写入模式',
          'dirty-rate-mibps': '每个 vCPU 的脏页速率（MiB/s）',
          'working-set-mib': '工作集（MiB）',
          'hot-set-mib': '热点集（MiB）',
          'hot-fraction': '写入热点集的比例',
          shared: '共享工作集',
          'io-exits-per-second': '每秒 I/O 退出次数'
        }
      }
    },
    network: {
      'bandwidth-mbps': '链路速率（Mbit/s）',
      'rtt-ms': '往返时延（ms）'
    },
    migration: {
      parameters: {
        'max-bandwidth': '带宽上限（字节/秒）',
        'downtime-limit': '停机时间上限（ms）',
        'avail-switchover-bandwidth': '切换可用带宽（字节/秒）',
        'cpu-throttle-initial': '初始限速（%）',
        'cpu-throttle-increment': '限速步长（%）',
        'max-cpu-throttle': '最高限速（%）'
      },
      capabilities: {
        'auto-converge': '自动收敛',
        'return-path': '返回通道'
      },
      policy: {
        'max-time-ms': '放弃前的最长时间（虚拟 ms）',
        'max-iterations': '放弃前的最多同步次数'
      }
    }
  }
}

export default historyZhCN
