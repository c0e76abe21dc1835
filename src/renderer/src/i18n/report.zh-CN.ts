import type reportEn from './report.en'

/** 报告导出菜单的简体中文文本（合并到 zh-CN.ts 的 `report` 下）。报告本身只有英文版（docs/reports.md）。 */
const reportZhCN: typeof reportEn = {
  button: '导出',
  menuLabel: '导出为',
  choices: {
    html: 'HTML 报告',
    pdf: 'PDF 报告',
    'csv-runs': 'CSV：运行',
    'csv-syncs': 'CSV：脏页同步',
    'csv-progress': 'CSV：进度',
    json: 'JSON（可重新导入）',
    qmp: 'QEMU 命令（QMP）',
    hmp: 'QEMU 命令（HMP）'
  },
  hints: {
    html: '单个文件，可离线打开，含图表',
    pdf: '同一份报告排版为 A4 页面，需要几秒钟',
    'csv-runs': '每次运行一行：停机时间、总时间、传输量……',
    'csv-syncs': '每次脏页位图同步一行',
    'csv-progress': '每个进度快照一行',
    json: '记录的全部内容；“导入”可读回',
    qmp: '此次运行的配置，用于真实 QEMU，每行一条 JSON 命令',
    hmp: '同样的命令，用于人机监视器（HMP）'
  },
  oneRunOnly: '仅适用于单次运行：这些命令应用的是一次运行的配置',
  rendering: '正在生成{format}……',
  renderingPdf: '正在打印 PDF 报告，需要几秒钟……',
  saved: '已下载 {file}。',
  failed: '无法导出{format}：{message}',
  fixes: {
    disconnected: '请等待状态栏显示“已连接”，然后重试。',
    pdf: '也可以导出 HTML 报告，再用浏览器打印。'
  },
  retry: '重试',
  dismiss: '关闭',
  unavailable: {
    runNotFinished: '运行结束后才能导出。',
    noSelection: '请先选择要导出的运行。',
    noRuns: '还没有可导出的运行。',
    tooMany: '一份报告最多包含 {max} 次运行，请少选一些。'
  },
  labels: {
    run: '导出运行 {id}',
    selected: '导出所选运行（{count}）',
    comparison: '导出此比较',
    experiment: '导出实验 {name}'
  }
}

export default reportZhCN
