import { z } from 'zod'
import { configUnit, ENGLISH_CONFIG_MESSAGES, LIMITS, type ConfigMessages } from '../../../shared/config'
import { UNITS } from '../../../shared/config/catalog'
import { KVM_DIRTY_RING_MAX_ENTRIES, KVM_DIRTY_RING_MIN_ENTRIES } from '../../../shared/engine/dirty-limit'
import type { Locale } from '.'

// Units as the catalog names them in Chinese (the one table of unit names).
const BYTES = UNITS.bytes.label['zh-CN']
const MIB = UNITS.mib.label['zh-CN']
const CAPS = 'migration.capabilities'

/**
 * How the config's problems read on the Configure form, in the UI's language: the lab's own
 * wording (ranges with the config's unit, named as the catalog names it in Chinese: 毫秒, 字节/秒;
 * the schema's own problems and the combination checks, src/shared/config/parse.ts) and, for the
 * rest of the schema's messages, zod's own translations (zod's locales: "Too small: expected
 * number to be >=1" read in English on the Chinese UI).
 */
const CHINESE_CONFIG_MESSAGES: ConfigMessages = {
  unit: (path) => configUnit(path, 'zh-CN'),
  atLeast: (bound) => `不能小于 ${bound}`,
  moreThan: (bound) => `必须大于 ${bound}`,
  atMost: (bound) => `不能大于 ${bound}`,
  lessThan: (bound) => `必须小于 ${bound}`,
  notANumber: () => '必须是数字',
  unknownKey: () => '未知的键',
  summary: (count) => `配置有 ${count} 个问题。`,
  schema: {
    vcpuList: '应为 "all" 或非空的 vCPU 编号列表',
    tooManyVcpuIndexes: `最多 ${LIMITS.maxVcpus} 个 vCPU 编号（客户机最多有 ${LIMITS.maxVcpus} 个 vCPU）`,
    pageSize: '只模拟 4096（x86 上的 TARGET_PAGE_SIZE）',
    dirtyRingSize: `必须是 0（脏页位图）或 ${KVM_DIRTY_RING_MIN_ENTRIES} 到 ${KVM_DIRTY_RING_MAX_ENTRIES} 之间的 2 的幂`,
    tooManyWorkloads: `最多 ${LIMITS.maxWorkloads} 项（每个 vCPU 最多一项；客户机最多有 ${LIMITS.maxVcpus} 个 vCPU）`,
    xbzrleCacheSize: '必须是 2 的幂（§7.1）'
  },
  checks: {
    vcpuMissing: (v, vcpus) => `vCPU ${v} 不存在（guest.vcpus 为 ${vcpus}，编号 0–${vcpus - 1}）`,
    writesAllZero: () => '该负载会写内存，但全部内存都是零页（guest.zero-fraction 为 1）',
    lessThanOnePage: (mib, pageSize) => `${mib} ${MIB} 不足一页（${pageSize} ${BYTES}）`,
    workingSetAboveNonZero: (ws, nonZero) =>
      `${ws} ${MIB} 大于非零内存（${nonZero} ${MIB} = memory-mib × (1 − zero-fraction)）；工作集位于非零内存中`,
    hotSetAboveWorkingSet: (hot, ws) => `${hot} ${MIB} 大于工作集（${ws} ${MIB}）`,
    dirtyLimitWithAutoConverge: () => '不能与 auto-converge 同时使用（§6.1）',
    multifdWithXbzrle: () => `multifd 与 xbzrle 不兼容（请关闭 ${CAPS}.multifd 或 xbzrle）`,
    postcopyWithMultifd: () => '在此 QEMU 版本中不能与 multifd 同时使用（§8.1）',
    compressionNeedsMultifd: (compression) =>
      `${compression} 需要 ${CAPS}.multifd（压缩只在 multifd 通道中进行）`,
    switchoverAckNeedsReturnPath: () => '需要 return-path（§2.3）',
    preemptNeedsPostcopy: () => '需要 postcopy-ram（§12）',
    dirtyLimitNeedsRing: () =>
      '需要 KVM 的脏页环：请设置 guest.dirty-ring-size（例如 4096）；脏页位图无法按 vCPU 限速（§6.1）',
    postcopyAfterNeedsPostcopy: () =>
      `需要 ${CAPS}.postcopy-ram（没有它，migrate-start-postcopy 会被拒绝，§9.1）`,
    postcopyAfterAboveMaxIterations: (syncs, max) => `${syncs} 超过 max-iterations（${max}）：运行会先被取消`,
    notSimulated: () => '尚未模拟',
    maxThrottleBelowInitial: (max, initial) =>
      `${max} 小于 cpu-throttle-initial（${initial}）；取值范围为 initial–99（§5.1）`,
    xbzrleCacheBelowPage: (pageSize) => `不能小于一页（${pageSize} ${BYTES}，§7.1）`,
    tooDeep: () => '嵌套太深或太大，无法检查（配置最多只有几层）',
    tooLarge: (mib, maxMib) =>
      `JSON 为 ${mib} ${MIB}，超过配置的上限（最多 ${maxMib} ${MIB}；实验室能运行的配置只有几 kB）`
  }
}

const ZOD_LOCALES: Record<Locale, () => { localeError: z.core.$ZodErrorMap }> = {
  en: z.locales.en,
  'zh-CN': z.locales.zhCN
}

let zodLocale: Locale | undefined

/** The config messages of `locale`; also switches zod's own messages to it (zod keeps one global setting). */
export function configMessages(locale: Locale): ConfigMessages {
  if (zodLocale !== locale) {
    z.config(ZOD_LOCALES[locale]())
    zodLocale = locale
  }
  return locale === 'zh-CN' ? CHINESE_CONFIG_MESSAGES : ENGLISH_CONFIG_MESSAGES
}
