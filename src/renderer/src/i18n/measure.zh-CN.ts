import type { MessageSchema } from './en'

/** 实测运行相关文案（合并进 zh-CN.ts 的 `measure`）。QEMU 自己的名称不翻译。 */
const measureZhCN: MessageSchema['measure'] = {
  action: '在 QEMU 上实测',
  starting: '正在启动 QEMU…',
  accel: '加速器',
  accelAuto: '加速器：自动（先试 {accel}）',
  accelHelp:
    'KVM 需要可用的 /dev/kvm；KVM 启动不了客户机时，20 秒后退回 TCG。TCG 到处都能运行，每个 QEMU 占一整个 CPU。',
  verify: '校验内存',
  verifyHelp: '完成后逐页比较两端客户机的内存（在真实 QEMU 上运行实验室的校验；多花几秒）。',
  checking: '正在检查本机能否运行 QEMU…',
  available: '在本机的 QEMU {version}（{accel}）上运行此配置，并记录为实测运行。',
  availableBuild:
    '在本机的 QEMU {version}（{accel}）上运行此配置，并记录为实测运行。第一次运行会构建客户机镜像（一两分钟）。',
  unavailable: '本机无法实测：{reasons}',
  invalidConfig: '请先修正配置中的问题。',
  warnings: '注意：{warnings}',
  live: {
    badge: '实测于 QEMU {version}（{accel}）',
    badgeStarting: '正在 QEMU {version} 上实测',
    running: '实测中',
    note: '真实的 QEMU 正在本机迁移客户机；每 100 毫秒读取一次 query-migrate，并随到随画。',
    verifying: '并校验内存'
  },
  calibrate: {
    title: '校准主机模型',
    help: '拟合主机开销模型（停机、同步开销、发送吞吐、目的端加载），使此配置的模拟更接近 QEMU 的实测：与 migration-lab calibrate 相同的拟合。',
    action: '校准主机模型',
    running: '正在校准：用候选主机模型模拟此配置…',
    failed: '校准失败：{message}',
    figure: '指标',
    measured: '实测',
    before: '校准前模拟',
    after: '校准后模拟',
    notFitted: '（未拟合）',
    loss: '{evaluations} 次模拟；损失 {before} → {after}',
    hostTitle: '拟合出的主机模型',
    field: '字段',
    was: '原值',
    now: '新值',
    presetName: '预设名称',
    presetDefault: '按第 {id} 次运行校准的主机',
    save: '保存为主机预设',
    saved: '已保存为主机预设“{name}”。配置页面的主机部分会列出它。',
    saveFailed: '无法保存预设：{message}'
  },
  presets: {
    label: '主机预设',
    none: '选择已保存的主机预设…',
    help: '由实测运行校准得到并保存的主机模型。选择一个会设置本部分的所有字段。',
    applied: '已按“{name}”设置主机模型。',
    failed: '无法读取主机预设：{message}'
  }
}

export default measureZhCN
