import type { MessageSchema } from './en'
import historyZhCN from './history.zh-CN'
import measureZhCN from './measure.zh-CN'
import reportZhCN from './report.zh-CN'
import runZhCN from './run.zh-CN'

/** 简体中文. Typed against the English catalogue, so a missing key fails the type check. */
const zhCN: MessageSchema = {
  history: historyZhCN,
  measure: measureZhCN,
  report: reportZhCN,
  ...runZhCN,
  app: {
    name: '迁移实验室',
    tagline: 'QEMU/KVM 热迁移实验室'
  },
  a11y: {
    skipToContent: '跳到主要内容',
    screens: '页面'
  },
  screens: {
    overview: '概览'
  },
  preferences: {
    label: '偏好设置',
    language: '语言',
    theme: '主题',
    themes: {
      system: '跟随系统',
      light: '浅色',
      dark: '深色'
    }
  },
  connection: {
    label: '与实验室主机的连接',
    connected: '已连接到实验室主机',
    connecting: '正在连接实验室主机…',
    lost: '已断开：与实验室主机的连接中断。',
    hostStopped: '已断开：实验室主机已关闭。',
    unreachable: '已断开：无法连接到实验室主机。',
    closed: '已断开。',
    retryIn: '{seconds} 秒后重新连接…',
    retrying: '正在重新连接…',
    retryNow: '立即重新连接',
    hostStopping: '实验室主机正在关闭。',
    host: '主机：{host}',
    hosts: {
      electron: '桌面应用',
      web: '网页浏览器'
    }
  },
  overview: {
    title: '概览',
    intro: '迁移实验室模拟 QEMU/KVM 热迁移：客户机在内存被复制到目标主机期间持续运行，最后仅为切换短暂暂停。',
    about: '关于本实验室',
    appVersion: '版本',
    host: '主机',
    platform: '平台',
    engineVersion: '模拟引擎',
    apiVersion: 'LabApi 版本',
    waiting: '正在等待实验室主机…',
    start: {
      title: '从这里开始',
      configure: '配置客户机、其工作负载和 QEMU 的迁移参数，或从下面的预设开始。',
      watch: '实时观察迁移：每次脏页位图同步、客户机写入速率与带宽的对比、预期停机时间和切换。',
      compare: '每次运行都保存在历史中：比较多次运行和参数扫描，并导出报告。',
      firstRun: '立即运行“{preset}”',
      starting: '正在启动…',
      configureOwn: '自行配置'
    },
    presets: {
      title: '预设',
      run: '运行',
      open: '在配置中打开',
      runNamed: '运行“{preset}”',
      openNamed: '在配置中打开“{preset}”'
    },
    recent: {
      title: '最近的运行',
      none: '还没有运行：第一次运行会显示在这里。',
      run: '运行 {id}：{label}',
      downtime: '停机时间 {ms} 毫秒',
      all: '在历史中查看全部（{count}）',
      failed: '无法列出最近的运行：{message}'
    },
    helloFailed: '实验室主机未响应：{message}',
    hosts: {
      electron: '桌面应用（Electron）',
      web: '网页浏览器（本地 Web 主机）'
    }
  },
  platforms: {
    linux: 'Linux',
    darwin: 'macOS',
    win32: 'Windows',
    other: '其他（{name}）'
  }
}

export default zhCN
