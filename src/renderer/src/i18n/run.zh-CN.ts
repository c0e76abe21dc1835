import type { RunMessages } from './run.en'

/** 配置与实时运行界面的简体中文文本（并入 zh-CN.ts）。QEMU 自己的名称保持原样，不翻译。 */
const runZhCN: RunMessages = {
  configure: {
    screen: '配置',
    title: '配置一次迁移',
    intro:
      '描述客户机及其工作负载如何写内存、网络，以及 QEMU 如何迁移它。每个字段都从 QEMU 的默认值开始；配置中只保存你修改过的内容。',
    preset: '起点',
    presetCustom: '你自己的配置（已编辑、粘贴或从上次恢复）。',
    presetCustomOption: '你自己的配置',
    presetEdited: '（已修改）',
    presets: {
      'qemu-defaults': {
        name: 'QEMU 默认值',
        description:
          '全部使用 QEMU 的默认值：downtime-limit 300 毫秒，max-bandwidth 128 MiB/秒，4 GiB 客户机，2 个 vCPU，每个每秒写 16 MiB。'
      },
      'guestperf-defaults': {
        name: 'guestperf 默认值',
        description:
          'QEMU 自带的基准测试：1 个 vCPU、1 GiB，运行其 stress 程序（顺序写遍全部内存），downtime-limit 500 毫秒，带宽不限。'
      },
      'guestperf-auto-converge': {
        name: 'guestperf 自动收敛',
        description:
          'guestperf 的自动收敛场景：对 stress 客户机从 20 % 开始节流，每步增加 10 %，直到迁移收敛。'
      },
      'guestperf-xbzrle': {
        name: 'guestperf XBZRLE',
        description:
          '启用 XBZRLE、缓存 64 MiB 的 stress 客户机：stress 扫过 1 GiB，每个缓存槽对应 16 个页，每次查找都未命中，XBZRLE 没有收益。'
      },
      'xbzrle-small-writes': {
        name: 'XBZRLE，小写入',
        description:
          '512 MiB 客户机以 64 MiB/s、每次 8 字节改写 64 MiB，带宽 32 MiB/s：普通预拷贝无法收敛，XBZRLE 只用约三分之一的字节即可完成。'
      },
      'guestperf-dirty-limit': {
        name: 'guestperf 脏页限速',
        description:
          '带 4096 项脏页环的 stress 客户机，用 dirty-limit 把每个 vCPU 限制在 1 MB/s，而不是自动收敛：可与 guestperf 自动收敛对比。'
      },
      'guestperf-multifd': {
        name: 'guestperf 多通道（multifd）',
        description:
          '通过 4 个 multifd 通道发送 stress 客户机的内存：可与 guestperf 默认（单个发送线程）对比。'
      },
      'guestperf-multifd-zstd': {
        name: 'guestperf 多通道 zstd 压缩',
        description: '在 4 个通道中都用 zstd 压缩的 guestperf multifd：线路上的字节更少，每页的 CPU 更多。'
      },
      'guestperf-postcopy': {
        name: 'guestperf 后拷贝',
        description:
          'stress 客户机在 5 次脏页位图同步后切换到后拷贝（guestperf post_copy_iters）：停机时间很短，代价是目标端的缺页等待。'
      },
      'guestperf-postcopy-preempt': {
        name: 'guestperf 后拷贝抢占',
        description:
          '启用 postcopy-preempt 的 guestperf 后拷贝：缺页请求的页面走独立通道，不排在后台推送之后，客户机等待更少（对比 postcopy-blocktime）。'
      },
      'postcopy-out-dirtying': {
        name: '后拷贝：脏页速度超过链路的客户机',
        description:
          '2 个 vCPU 的 512 MiB 客户机以 64 MiB/s 改写 64 MiB，带宽 32 MiB/s，3 次同步后切换到后拷贝：仅靠预拷贝无法收敛；在目的端，vCPU 访问尚未到达的页面时发生缺页。'
      },
      'idle-desktop': {
        name: '空闲桌面',
        description: '一台基本空闲的 4 GiB 桌面：60 % 的内存仍为零页，在较小的工作集上少量写入。'
      },
      'database-hot-set': {
        name: '带热点数据的数据库',
        description:
          '4 个 vCPU、8 GiB 的数据库：90 % 的写入落在共享 6 GiB 工作集中 512 MiB 的热点区域；max-bandwidth 1 GiB/秒。'
      },
      'memory-stress': {
        name: '内存压力',
        description:
          '类似 guestperf 的 stress 程序：每个 vCPU 以 512 MiB/秒顺序写遍自己的那部分内存。在 QEMU 默认值下永不收敛。'
      }
    },
    showJson: '显示 JSON',
    hideJson: '隐藏 JSON',
    addToSweep: '加入参数扫描',
    sweepBaseName: '已配置的迁移',
    run: '运行',
    starting: '正在启动…',
    problems: '配置有 {count} 个问题；修正后才能运行。',
    allAtFields: '已在下方对应字段处标出。',
    fieldProblems: '其中 {count} 个已在下方对应字段处标出。',
    goToProblem: '跳到第一个',
    refused: '实验室主机没有启动这次运行（{kind}）。',
    notConnected: '未连接到实验室主机：连接恢复后即可运行。',
    sections: {
      guest: '实验与客户机',
      workloads: '工作负载',
      capabilities: '迁移功能',
      network: '网络',
      parameters: '迁移参数',
      policy: '实验室策略',
      host: '主机开销模型'
    },
    sectionHelp: {
      network: '源端与目的端之间的链路。最后的停机拷贝以链路速度进行，而不是 max-bandwidth。',
      parameters: 'QEMU 的 migrate-set-parameters，使用 QEMU 的单位。切换阈值为 带宽 × downtime-limit。',
      policy: 'QEMU 从不放弃一次不收敛的迁移；实验室像 guestperf 一样，在一段时间或若干次脏页同步后取消它。',
      host: 'QEMU 自身工作的开销：持有 BQL 的位图同步、暂停客户机、目的端的加载与恢复。'
    },
    advanced: '高级；默认值适合大多数实验',
    workloadsHelp:
      '每个 vCPU 对内存做什么。每个 vCPU 采用第一个指定它的条目；没有被任何条目指定的 vCPU 保持空闲。',
    capabilitiesHelp: 'QEMU 的 migrate-set-capabilities。必须在迁移开始前选定。',
    noWorkloads: '没有工作负载：所有 vCPU 都空闲。添加一个，让客户机写内存。',
    addWorkload: '添加工作负载',
    workload: '工作负载 {n}',
    drives: '驱动 vCPU {vcpus}',
    drivesNone: '不驱动任何 vCPU：它指定的 vCPU 已被前面的条目占用。',
    removeWorkload: '删除',
    removeWorkloadNamed: '删除工作负载 {n}',
    workloadOrder: '条目按顺序匹配：把具体的 vCPU 列表放在“all”条目之前。',
    needs: '与 {capability} 一起使用',
    needsNotSimulated: '与 {capability} 一起使用，而它尚未模拟',
    notSimulated: '尚未模拟',
    notANumber: '请输入数字（例如 128 或 1.5）。',
    badVcpuList: '请输入“all”或 vCPU 编号，例如 0, 2-3。',
    on: '开',
    off: '关',
    automatic: '自动',
    automaticValue: '自动：{value}',
    defaultValue: '默认：{value}',
    unitOf: '{field} 的单位',
    resetField: '恢复默认值',
    resetFieldNamed: '将 {field} 恢复为默认值',
    json: {
      label: 'JSON 形式的配置',
      help: '即“migration-lab run”所用配置文件的内容：只包含与 QEMU 默认值不同的部分。可在此粘贴配置并应用。',
      apply: '应用 JSON',
      revert: '放弃修改',
      applied: '已应用。',
      syntax: '这不是有效的 JSON：{detail}',
      notObject: '配置必须是一个 JSON 对象：以左花括号开头。'
    }
  },
  live: {
    screen: '实时运行',
    title: '实时运行',
    untitled: '未命名的迁移',
    empty: '还没有运行。配置一次迁移并点击“运行”，过程会显示在这里。',
    goConfigure: '配置一次迁移',
    openFailed: '无法打开这次运行：{message}',
    runNumber: '第 {id} 次运行',
    shape: '{vcpus} 个 vCPU，{memory}',
    status: {
      idle: '无运行',
      starting: '正在启动',
      running: '运行中',
      cancelling: '正在取消…',
      replaying: '回放中',
      completed: '已完成',
      cancelled: '已取消',
      failed: '失败'
    },
    cancel: '取消',
    backToConfigure: '返回配置',
    engine: {
      starting: '正在启动引擎：每个 vCPU 一个进程，迁移另用一个进程。',
      running: '引擎正在以虚拟时间计算这次迁移；界面按到达的数据回放。',
      done: '用 {wall} 计算了 {virtual} 的虚拟时间。',
      reopened: '从历史记录中重新打开。'
    },
    failed: '运行失败（{kind}）。',
    failedHelp: '没有记录任何结果。请重新运行；如果再次失败，实验室主机的日志会写明原因。',
    chartLabel: '客户机各 vCPU、迁移线程与目的端的时间线，以及迁移随虚拟时间的进展',
    waiting: '正在等待第一批遥测数据…',
    legendLabel: '时间线颜色',
    lanesScroll: '{count} 个 vCPU：用时间线右侧的滚动条浏览各条泳道。',
    markersNote:
      '虚线：脏页同步。红线：停机拷贝、后拷贝开始、迁移结束、目的端恢复。拖动图表下方的滑块可缩放。',
    zoomSwitchover: '放大到切换时刻',
    zoomAll: '显示整个运行',
    time: '虚拟时间',
    lanes: {
      migration: '迁移线程',
      destination: '目的端',
      vcpu: '虚拟 CPU {n}'
    },
    states: {
      setup: '准备',
      iterating: '迭代',
      syncing: '同步（BQL）',
      'stop-and-copy': '停机拷贝',
      'postcopy-active': '后拷贝（postcopy-active）',
      done: '完成',
      running: '运行',
      throttled: '被节流',
      'bql-wait': '等待 BQL',
      'page-fault': '等待页面（postcopy 缺页）',
      stopped: '已暂停',
      idle: '空闲',
      loading: '加载',
      resumed: '运行（已恢复）'
    },
    panels: {
      timeline: '谁在何时运行',
      memory: '剩余内存与阈值 · ram.remaining',
      rates: '脏页速率（每次同步时测得）和客户机写入与带宽估计',
      downtime: '预计停机时间与 downtime-limit · expected-downtime',
      throttle: '自动收敛节流 · cpu-throttle-percentage',
      throughput: '每个 vCPU 的内存写入吞吐',
      xbzrle: 'XBZRLE 缓存：命中、未命中与溢出 · xbzrle-cache',
      multifd: '每个 multifd 通道的吞吐（堆叠：顶边为总和）',
      postcopy: '后拷贝：页面请求与 vCPU 缺页累计 · postcopy-requests',
      dirtyLimit: '脏页限速：每个 vCPU 每次脏环写满后的休眠时间'
    },
    series: {
      remaining: '剩余',
      threshold: '阈值',
      transferred: '已传输',
      dirtyRate: '脏页速率 · dirty-pages-rate',
      guestWrites: '客户机写入（全部 vCPU）',
      bandwidth: '带宽估计',
      expectedDowntime: '预计停机时间',
      downtimeLimit: '停机上限 downtime-limit',
      throttle: '节流',
      vcpuMin: '最慢的 vCPU',
      vcpuMean: 'vCPU 平均',
      vcpuMax: '最快的 vCPU',
      xbzrleHitRate: '缓存命中率',
      xbzrleHits: '命中',
      xbzrleMisses: '未命中',
      xbzrleOverflows: '溢出',
      multifdChannel: '通道 {n}',
      postcopyRequests: '页面请求',
      postcopyFaults: 'vCPU 缺页次数'
    },
    markers: {
      'stop-and-copy': '停机拷贝',
      'postcopy-active': '后拷贝开始',
      done: '完成',
      resumed: '已恢复'
    },
    playback: {
      label: '回放速度',
      max: '最快',
      of: '/ 共 {end} 虚拟时间',
      computing: '虚拟时间（计算中…）',
      skip: '跳到结尾'
    },
    summary: {
      title: '结果',
      whyNot: {
        title: '为什么没有收敛'
      },
      downtime: '停机时间（QEMU 报告值）',
      limit: '上限 {limit}',
      guestPause: '客户机暂停',
      guestPauseHelp: '从源端最后一条指令到目的端第一条指令',
      expectedDowntime: '预计停机时间',
      versusLimit: '对比 downtime-limit {limit}',
      totalTime: '总时间',
      setupTime: '准备 {setup}',
      transferred: '已传输',
      ofMemory: '客户机内存 {total}',
      multifd: 'Multifd 通道',
      multifdChannel: '通道 {channel}：{bytes} · {mbps} Mbit/s',
      syncs: '脏页同步次数',
      converged: '是否收敛',
      yes: '是',
      no: '否',
      verified: '校验（独立核对）',
      verifiedYes: '内存一致',
      verifiedNo: '{pages} 页不一致',
      verifiedHelp: '在切换时将目的端内存与源端核对',
      verifiedStoppedYes: '一致',
      verifiedStoppedHelp: '未切换：已核对目的端只在已知脏页上落后于源端',
      bql: '迁移持有 BQL',
      bqlDetail: '共 {holds} 次，最长 {longest}；vCPU 等待 {wait}',
      breakdownTitle: '客户机 {pause} 的暂停花在了哪里',
      parts: {
        stop: '暂停',
        finalSync: '最后一次同步',
        ram: '剩余内存',
        deviceState: '设备状态',
        resume: '目的端恢复'
      },
      qemuEnds: 'QEMU 的停机时间到此为止（无回传通道：不计目的端的恢复）',
      qemuEndsReturnPath: 'QEMU 的停机时间到此为止（有回传通道：等待目的端完成）'
    },
    syncs: {
      title: '脏页同步（{count}）',
      help: '每次脏页位图同步一行。只有当剩余量低于阈值时才会进行新的同步。',
      time: '时间',
      trigger: '原因',
      sent: '自上次以来发送',
      dirtied: '新脏页',
      remaining: '剩余',
      threshold: '阈值',
      expected: '预计停机时间',
      throttle: '节流',
      bql: '持有 BQL',
      triggers: {
        setup: '准备',
        lazy: '低于阈值',
        'throttle-timer': '自动收敛定时器',
        final: '最后'
      },
      more: '… 还有 {count} 行'
    }
  }
}

export default runZhCN
