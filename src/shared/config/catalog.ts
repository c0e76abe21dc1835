/**
 * The parameter catalog: for every config path, what a person reads about it — its label and
 * help (English and Chinese), the units it is shown and typed in and how they convert from the
 * config's own unit, its enum values and their labels, and the capability it needs. The kind of
 * each field (number, integer, switch, enum, text, vCPU list) and its enum values come from the
 * schema itself (schema.ts); `parameters()` joins the two, and test/shared/config-catalog.test.ts
 * fails when a schema field has no entry here or an entry names no schema field.
 *
 * Configure's fields, the sweep picker, Compare, the History config table, reports and the CLI
 * all read labels and units here: nowhere else names a parameter's unit.
 *
 * Paths are dotted (`migration.parameters.max-bandwidth`); a workload entry's fields are under
 * `guest.workloads.*` (`parameterAt` maps `guest.workloads.3.pattern` there).
 */
import { z } from 'zod'
import { dottedPath, splitConfigPath, type ConfigPath } from './paths'
import { labConfigSchema } from './schema'

export type CatalogLocale = 'en' | 'zh-CN'

/** A text in each language the lab speaks. */
export interface Text {
  readonly en: string
  readonly 'zh-CN': string
}

/** A unit a number is shown or typed in: shown value × factor = stored value. */
export interface UnitOption {
  /** Tells the units of one field apart (the unit picker's value). */
  readonly id: string
  readonly factor: number
  readonly label: Text
}

const MIB = 1024 * 1024
const same = (label: string): Text => ({ en: label, 'zh-CN': label })
const unit = (id: string, factor: number, label: Text): UnitOption => ({ id, factor, label })

/** Units, named `<shown>` or `<stored>As<shown>`; the factor converts shown to stored. */
export const UNITS = {
  bytes: unit('bytes', 1, { en: 'bytes', 'zh-CN': '字节' }),
  bytesPerS: unit('bytesPerS', 1, { en: 'bytes/s', 'zh-CN': '字节/秒' }),
  kib: unit('kib', 1, same('KiB')),
  kibAsMib: unit('mib', 1024, same('MiB')),
  mib: unit('mib', 1, same('MiB')),
  bytesAsMib: unit('mib', MIB, same('MiB')),
  gibAsMib: unit('gib', 1024, same('GiB')),
  ms: unit('ms', 1, { en: 'ms', 'zh-CN': '毫秒' }),
  sAsMs: unit('s', 1000, { en: 's', 'zh-CN': '秒' }),
  minAsMs: unit('min', 60_000, { en: 'min', 'zh-CN': '分钟' }),
  /** A share stored as a fraction of one (0.9), shown as a percentage. */
  percentOfOne: unit('percent', 0.01, same('%')),
  percent: unit('percent', 1, same('%')),
  mibps: unit('mibps', 1, { en: 'MiB/s', 'zh-CN': 'MiB/秒' }),
  gibpsAsMibps: unit('gibps', 1024, { en: 'GiB/s', 'zh-CN': 'GiB/秒' }),
  /** max-bandwidth and the other bandwidth parameters: bytes/s in the config. */
  bytesPerSAsMibps: unit('mibps', MIB, { en: 'MiB/s', 'zh-CN': 'MiB/秒' }),
  bytesPerSAsGbitps: unit('gbitps', 1e9 / 8, { en: 'Gbit/s', 'zh-CN': 'Gbit/秒' }),
  mbitps: unit('mbitps', 1, { en: 'Mbit/s', 'zh-CN': 'Mbit/秒' }),
  gbitpsAsMbitps: unit('gbitps', 1000, { en: 'Gbit/s', 'zh-CN': 'Gbit/秒' }),
  perSecond: unit('perSecond', 1, { en: 'per second', 'zh-CN': '次/秒' }),
  msPerGib: unit('msPerGib', 1, { en: 'ms per GiB', 'zh-CN': '毫秒/GiB' }),
  gibps: unit('gibps', 1, { en: 'GiB/s', 'zh-CN': 'GiB/秒' }),
  /** vcpu-dirty-limit: QEMU's MB/s (decimal). */
  mbps: unit('mbps', 1, { en: 'MB/s', 'zh-CN': 'MB/秒' })
} as const satisfies Record<string, UnitOption>

const U = UNITS

/** What the catalog says about one config path; the rest comes from the schema. */
export interface CatalogEntry {
  readonly label: Text
  readonly help?: Text
  /**
   * Units it is shown and typed in, the usual one first; the one with factor 1 is the config's
   * own. Empty: a plain count (or a fraction, with percentOfOne).
   */
  readonly units?: readonly UnitOption[]
  /** Labels of enum values (QEMU's own value names are shown where this has none). */
  readonly options?: Readonly<Record<string, Text>>
  /** The capability this parameter only matters with. */
  readonly needs?: string
  /** Optional in the schema because its default is computed from other fields ("automatic"). */
  readonly automatic?: boolean
}

const ENTRIES: Readonly<Record<string, CatalogEntry>> = {
  name: {
    label: { en: 'Experiment name', 'zh-CN': '实验名称' },
    help: { en: 'Shown in the history and in comparisons.', 'zh-CN': '显示在历史记录和对比中。' }
  },
  seed: {
    label: { en: 'Seed', 'zh-CN': '随机种子' },
    help: {
      en: 'The same config and seed give the same result on any machine.',
      'zh-CN': '相同的配置和种子在任何机器上得到相同的结果。'
    }
  },
  'guest.memory-mib': {
    label: { en: 'Guest memory', 'zh-CN': '客户机内存' },
    help: { en: 'RAM of the guest, migrated page by page.', 'zh-CN': '客户机的内存，逐页迁移。' },
    units: [U.gibAsMib, U.mib]
  },
  'guest.vcpus': {
    label: { en: 'vCPUs', 'zh-CN': 'vCPU 数' },
    help: { en: 'One engine process per vCPU.', 'zh-CN': '每个 vCPU 一个引擎进程。' }
  },
  'guest.page-size': {
    label: { en: 'Page size', 'zh-CN': '页大小' },
    help: { en: 'TARGET_PAGE_SIZE; only 4096 is simulated.', 'zh-CN': 'TARGET_PAGE_SIZE；只模拟 4096。' },
    units: [U.bytes]
  },
  'guest.zero-fraction': {
    label: { en: 'Zero memory', 'zh-CN': '零页比例' },
    help: {
      en: 'Share of RAM never written yet; zero pages cost 9 bytes on the wire.',
      'zh-CN': '尚未写过的内存比例；零页在线路上只占 9 字节。'
    },
    units: [U.percentOfOne]
  },
  'guest.device-state-kib': {
    label: { en: 'Device state', 'zh-CN': '设备状态' },
    help: {
      en: 'Sent at switchover and not counted in pending, so outside QEMU’s prediction.',
      'zh-CN': '在切换时发送，不计入待发送量，因此不在 QEMU 的预测之内。'
    },
    units: [U.kib, U.kibAsMib]
  },
  'guest.dirty-ring-size': {
    label: { en: 'KVM dirty ring', 'zh-CN': 'KVM 脏页环' },
    help: {
      en: 'Entries per vCPU, a power of two; 0 uses the dirty bitmap. Dirty-limit needs a ring.',
      'zh-CN': '每个 vCPU 的条目数，须为 2 的幂；0 使用脏页位图。dirty-limit 需要脏页环。'
    }
  },
  'guest.workloads.*.vcpus': {
    label: { en: 'vCPUs', 'zh-CN': 'vCPU' },
    help: { en: '“all” or a list such as 0, 2-3.', 'zh-CN': '“all”或列表，例如 0, 2-3。' }
  },
  'guest.workloads.*.pattern': {
    label: { en: 'Write pattern', 'zh-CN': '写入模式' },
    help: { en: 'How the vCPU picks the pages it writes.', 'zh-CN': 'vCPU 如何选择要写的页。' },
    options: {
      idle: { en: 'idle — no writes', 'zh-CN': 'idle — 不写入' },
      uniform: { en: 'uniform — random pages', 'zh-CN': 'uniform — 随机页' },
      hotspot: { en: 'hotspot — mostly a hot set', 'zh-CN': 'hotspot — 主要写热点区域' },
      sequential: {
        en: 'sequential — sweeps memory (stress)',
        'zh-CN': 'sequential — 顺序扫过内存（stress）'
      }
    }
  },
  'guest.workloads.*.dirty-rate-mibps': {
    label: { en: 'Dirty rate', 'zh-CN': '脏页速率' },
    help: {
      en: 'Written per second of guest run time, per vCPU, before throttling.',
      'zh-CN': '每个 vCPU 每秒运行时间写入的量，未计节流。'
    },
    units: [U.mibps, U.gibpsAsMibps]
  },
  'guest.workloads.*.working-set-mib': {
    label: { en: 'Working set', 'zh-CN': '工作集' },
    help: { en: 'Memory the pattern writes to.', 'zh-CN': '写入模式所覆盖的内存。' },
    units: [U.mib, U.gibAsMib],
    automatic: true
  },
  'guest.workloads.*.hot-set-mib': {
    label: { en: 'Hot set', 'zh-CN': '热点区域' },
    help: {
      en: 'hotspot: the part of the working set most writes hit.',
      'zh-CN': 'hotspot：工作集中承受大部分写入的部分。'
    },
    units: [U.mib, U.gibAsMib],
    automatic: true
  },
  'guest.workloads.*.hot-fraction': {
    label: { en: 'Writes to the hot set', 'zh-CN': '写入热点的比例' },
    help: {
      en: 'hotspot: share of writes that hit the hot set.',
      'zh-CN': 'hotspot：落在热点区域的写入比例。'
    },
    units: [U.percentOfOne]
  },
  'guest.workloads.*.shared': {
    label: { en: 'Shared working set', 'zh-CN': '共享工作集' },
    help: {
      en: 'Off: each vCPU has its own region, like guestperf’s stress threads.',
      'zh-CN': '关闭时每个 vCPU 有自己的区域，类似 guestperf 的 stress 线程。'
    }
  },
  'guest.workloads.*.io-exits-per-second': {
    label: { en: 'I/O exits', 'zh-CN': 'I/O 退出' },
    help: {
      en: 'Exits that need the BQL; they stall while the migration thread holds it.',
      'zh-CN': '需要 BQL 的退出；迁移线程持有 BQL 时它们会停顿。'
    },
    units: [U.perSecond]
  },
  'guest.workloads.*.bytes-per-write': {
    label: { en: 'Bytes per write', 'zh-CN': '每次写入字节数' },
    help: {
      en: 'How much of a page one write changes (1–4096); sizes the XBZRLE delta. 4096: the whole page.',
      'zh-CN': '一次写入改变页中的多少字节（1–4096），决定 XBZRLE 增量的大小。4096 表示整页。'
    },
    units: [U.bytes],
    needs: 'xbzrle'
  },
  'network.bandwidth-mbps': {
    label: { en: 'Link bandwidth', 'zh-CN': '链路带宽' },
    help: { en: 'Decimal bits per second.', 'zh-CN': '十进制比特每秒。' },
    units: [U.gbitpsAsMbitps, U.mbitps]
  },
  'network.rtt-ms': {
    label: { en: 'Round-trip time', 'zh-CN': '往返时延' },
    help: { en: 'Latency of the link.', 'zh-CN': '链路的延迟。' },
    units: [U.ms]
  },
  'migration.capabilities.auto-converge': {
    label: { en: 'Auto-converge', 'zh-CN': '自动收敛' },
    help: {
      en: 'Throttles every vCPU when the guest dirties memory faster than it is sent.',
      'zh-CN': '当客户机弄脏内存比发送更快时，对所有 vCPU 节流。'
    }
  },
  'migration.capabilities.return-path': {
    label: { en: 'Return path', 'zh-CN': '回传通道' },
    help: {
      en: 'The destination answers; the reported downtime then includes its resume.',
      'zh-CN': '目的端会应答；此时报告的停机时间包含其恢复过程。'
    }
  },
  'migration.capabilities.switchover-ack': {
    label: { en: 'Switchover acknowledgement', 'zh-CN': '切换确认' },
    help: {
      en: 'Switch over only once the destination agrees; needs return-path.',
      'zh-CN': '只在目的端同意后才切换；需要 return-path。'
    }
  },
  'migration.capabilities.xbzrle': {
    label: { en: 'XBZRLE compression', 'zh-CN': 'XBZRLE 压缩' },
    help: { en: 'Sends the changes of pages sent before.', 'zh-CN': '只发送已发送过的页的变化部分。' }
  },
  'migration.capabilities.multifd': {
    label: { en: 'Multiple channels', 'zh-CN': '多通道' },
    help: { en: 'Sends pages over several connections.', 'zh-CN': '通过多个连接发送页面。' }
  },
  'migration.capabilities.postcopy-ram': {
    label: { en: 'Postcopy', 'zh-CN': '后拷贝' },
    help: {
      en: 'Runs the guest on the destination and fetches pages on demand.',
      'zh-CN': '在目的端运行客户机，按需拉取页面。'
    }
  },
  'migration.capabilities.postcopy-preempt': {
    label: { en: 'Postcopy preemption', 'zh-CN': '后拷贝抢占' },
    help: { en: 'A separate channel for urgent pages.', 'zh-CN': '为紧急页面单独开一个通道。' }
  },
  'migration.capabilities.dirty-limit': {
    label: { en: 'Dirty limit', 'zh-CN': '脏页限速' },
    help: {
      en: 'Limits each vCPU’s dirty rate instead of throttling all.',
      'zh-CN': '限制每个 vCPU 的脏页速率，而不是整体节流。'
    }
  },
  'migration.parameters.downtime-limit': {
    label: { en: 'Downtime limit', 'zh-CN': '停机时间上限' },
    help: {
      en: 'Longest pause QEMU aims for at switchover.',
      'zh-CN': 'QEMU 在切换时力求不超过的暂停时长。'
    },
    units: [U.ms, U.sAsMs]
  },
  'migration.parameters.max-bandwidth': {
    label: { en: 'Maximum bandwidth', 'zh-CN': '最大带宽' },
    help: {
      en: 'Rate limit while the guest runs; 0 means unlimited. Lifted for the final copy.',
      'zh-CN': '客户机运行期间的限速；0 表示不限。最后的拷贝不受此限。'
    },
    units: [U.bytesPerSAsMibps, U.bytesPerSAsGbitps, U.bytesPerS]
  },
  'migration.parameters.avail-switchover-bandwidth': {
    label: { en: 'Switchover bandwidth', 'zh-CN': '切换带宽' },
    help: {
      en: 'If set, used instead of the measured bandwidth to decide switchover; 0 = measure.',
      'zh-CN': '若设置，则代替测得的带宽来判断是否切换；0 表示使用测量值。'
    },
    units: [U.bytesPerSAsMibps, U.bytesPerSAsGbitps, U.bytesPerS]
  },
  'migration.parameters.throttle-trigger-threshold': {
    label: { en: 'Throttle trigger', 'zh-CN': '节流触发点' },
    help: {
      en: 'Throttle when the guest dirties more than this share of what was sent.',
      'zh-CN': '当客户机弄脏的量超过已发送量的这一比例时节流。'
    },
    units: [U.percent],
    needs: 'auto-converge'
  },
  'migration.parameters.cpu-throttle-initial': {
    label: { en: 'First throttle step', 'zh-CN': '首次节流幅度' },
    units: [U.percent],
    needs: 'auto-converge'
  },
  'migration.parameters.cpu-throttle-increment': {
    label: { en: 'Throttle increment', 'zh-CN': '节流增量' },
    units: [U.percent],
    needs: 'auto-converge'
  },
  'migration.parameters.cpu-throttle-tailslow': {
    label: { en: 'Slow down the last steps', 'zh-CN': '放缓最后几步' },
    needs: 'auto-converge'
  },
  'migration.parameters.max-cpu-throttle': {
    label: { en: 'Maximum throttle', 'zh-CN': '最大节流' },
    units: [U.percent],
    needs: 'auto-converge'
  },
  'migration.parameters.multifd-compression': {
    label: { en: 'Multifd compression', 'zh-CN': 'Multifd 压缩' },
    help: { en: 'Compression in the channels; needs multifd.', 'zh-CN': '在通道中压缩；需要 multifd。' },
    needs: 'multifd'
  },
  'migration.parameters.zero-page-detection': {
    label: { en: 'Zero page detection', 'zh-CN': '零页检测' },
    help: {
      en: 'none sends zero pages in full; legacy finds them on the migration thread, multifd in the channels.',
      'zh-CN': 'none 会完整发送零页；legacy 在迁移线程检测，multifd 在通道线程检测。'
    }
  },
  'migration.parameters.xbzrle-cache-size': {
    label: { en: 'XBZRLE cache', 'zh-CN': 'XBZRLE 缓存' },
    help: { en: 'A power of two.', 'zh-CN': '必须是 2 的幂。' },
    units: [U.bytesAsMib, U.bytes],
    needs: 'xbzrle'
  },
  'migration.parameters.multifd-channels': {
    label: { en: 'Multifd channels', 'zh-CN': 'multifd 通道数' },
    needs: 'multifd'
  },
  'migration.parameters.max-postcopy-bandwidth': {
    label: { en: 'Postcopy bandwidth', 'zh-CN': 'postcopy 带宽' },
    help: {
      en: 'Rate limit of the background push after the switch to postcopy; 0 means unlimited.',
      'zh-CN': '切换到 postcopy 后后台推送的限速；0 表示不限。'
    },
    units: [U.bytesPerSAsMibps, U.bytesPerSAsGbitps, U.bytesPerS],
    needs: 'postcopy-ram'
  },
  'migration.parameters.x-vcpu-dirty-limit-period': {
    label: { en: 'Dirty-limit period', 'zh-CN': '脏页限速周期' },
    units: [U.ms],
    needs: 'dirty-limit'
  },
  'migration.parameters.vcpu-dirty-limit': {
    label: { en: 'Dirty limit per vCPU', 'zh-CN': '每 vCPU 脏页上限' },
    units: [U.mbps],
    needs: 'dirty-limit'
  },
  'migration.policy.max-time-ms': {
    label: { en: 'Give up after', 'zh-CN': '超时放弃' },
    help: { en: 'Virtual time; guestperf’s max_time.', 'zh-CN': '虚拟时间；即 guestperf 的 max_time。' },
    units: [U.sAsMs, U.minAsMs, U.ms]
  },
  'migration.policy.max-iterations': {
    label: { en: 'Give up after syncs', 'zh-CN': '同步次数上限' },
    help: { en: 'Dirty syncs; guestperf’s max_iters.', 'zh-CN': '脏页同步次数；即 guestperf 的 max_iters。' }
  },
  'migration.policy.postcopy-after-syncs': {
    label: { en: 'Switch to postcopy after syncs', 'zh-CN': '多少次同步后切换到 postcopy' },
    help: {
      en: 'Send migrate-start-postcopy at this dirty-sync count; empty = never. guestperf’s post_copy_iters.',
      'zh-CN':
        '脏页同步次数达到此值时发送 migrate-start-postcopy；留空表示从不。即 guestperf 的 post_copy_iters。'
    },
    needs: 'postcopy-ram'
  },
  'host.dirty-log-start-ms-per-gib': {
    label: { en: 'Dirty logging start', 'zh-CN': '开启脏页记录' },
    help: { en: 'Setup: write-protecting every memslot.', 'zh-CN': '准备阶段：对每个内存槽加写保护。' },
    units: [U.msPerGib]
  },
  'host.sync-ms-per-gib': {
    label: { en: 'Bitmap sync', 'zh-CN': '位图同步' },
    help: { en: 'BQL hold of one dirty bitmap sync.', 'zh-CN': '一次脏页位图同步持有 BQL 的时间。' },
    units: [U.msPerGib]
  },
  'host.stop-ms': {
    label: { en: 'Stopping the guest', 'zh-CN': '暂停客户机' },
    help: { en: 'vm_stop: pause vCPUs, drain block I/O.', 'zh-CN': 'vm_stop：暂停 vCPU、排空块设备 I/O。' },
    units: [U.ms]
  },
  'host.resume-ms': {
    label: { en: 'Destination resume', 'zh-CN': '目的端恢复' },
    help: { en: 'Block activation, announce, vm_start.', 'zh-CN': '激活块设备、广播、vm_start。' },
    units: [U.ms]
  },
  'host.zero-scan-gib-per-s': {
    label: { en: 'Zero page scan', 'zh-CN': '零页扫描' },
    help: {
      en: 'Sender’s buffer_is_zero rate; 0 = free.',
      'zh-CN': '发送端 buffer_is_zero 的速率；0 表示无开销。'
    },
    units: [U.gibps]
  },
  'host.sender-gib-per-s': {
    label: { en: 'Sender CPU', 'zh-CN': '发送端 CPU' },
    help: {
      en: 'Single-threaded sender (no multifd), per page; 0 = free.',
      'zh-CN': '单线程发送端（无 multifd）每页的速率；0 表示无开销。'
    },
    units: [U.gibps]
  },
  'host.multifd-channel-gib-per-s': {
    label: { en: 'Multifd channel CPU', 'zh-CN': 'Multifd 通道 CPU' },
    help: {
      en: 'One channel thread, uncompressed; 0 = free.',
      'zh-CN': '单个通道线程，不压缩；0 表示无开销。'
    },
    units: [U.gibps]
  },
  'host.multifd-zlib-gib-per-s': {
    label: { en: 'zlib speed', 'zh-CN': 'zlib 速度' },
    help: { en: 'Per channel, level 1; 0 = free.', 'zh-CN': '每通道，级别 1；0 表示无开销。' },
    units: [U.gibps]
  },
  'host.multifd-zlib-ratio': {
    label: { en: 'zlib ratio', 'zh-CN': 'zlib 压缩比' },
    help: { en: 'Page bytes per compressed byte.', 'zh-CN': '页字节数 / 压缩后字节数。' }
  },
  'host.multifd-zstd-gib-per-s': {
    label: { en: 'zstd speed', 'zh-CN': 'zstd 速度' },
    help: { en: 'Per channel, level 1; 0 = free.', 'zh-CN': '每通道，级别 1；0 表示无开销。' },
    units: [U.gibps]
  },
  'host.multifd-zstd-ratio': {
    label: { en: 'zstd ratio', 'zh-CN': 'zstd 压缩比' },
    help: { en: 'Page bytes per compressed byte.', 'zh-CN': '页字节数 / 压缩后字节数。' }
  },
  'host.xbzrle-encode-gib-per-s': {
    label: { en: 'XBZRLE encoding', 'zh-CN': 'XBZRLE 编码' },
    help: {
      en: 'Sender’s rate per cache hit (copy, encode, cache update); 0 = free.',
      'zh-CN': '发送端处理每次缓存命中（复制、编码、更新缓存）的速率；0 表示无开销。'
    },
    units: [U.gibps],
    needs: 'xbzrle'
  },
  'host.dst-load-gib-per-s': {
    label: { en: 'Destination load', 'zh-CN': '目的端加载' },
    help: {
      en: 'Slower than the link leaves a load tail; 0 = keeps up.',
      'zh-CN': '比链路慢时会留下加载尾巴；0 表示跟得上。'
    },
    units: [U.gibps]
  }
}

// ---------------------------------------------------------------------------------------------
// The schema's side: every leaf of the config with its kind

export type ParameterKind = 'number' | 'boolean' | 'enum' | 'text' | 'vcpus'

/** A config field: the schema's facts joined with the catalog's words. */
export interface Parameter extends CatalogEntry {
  /** Dotted, workload entries as `guest.workloads.*`. */
  readonly path: string
  /** QEMU's own name (parameters, capabilities) or the config key: the path's last segment. */
  readonly name: string
  readonly kind: ParameterKind
  /** The stored value is an integer (bytes/s, ms, MiB): typed values are rounded. */
  readonly integer: boolean
  /** Optional in the schema, without a default: absent means automatic or never. */
  readonly optional: boolean
  /** The enum's values, in the schema's order. */
  readonly values: readonly string[]
  readonly units: readonly UnitOption[]
  /** The config's own unit (factor 1), if it has one. */
  readonly stored: UnitOption | undefined
}

interface Leaf {
  path: string
  kind: ParameterKind
  integer: boolean
  optional: boolean
  values: readonly string[]
}

function leavesOf(schema: z.ZodType, path: string[], optional: boolean, out: Leaf[]): void {
  const def = schema.def as z.core.$ZodTypeDef & { innerType?: z.ZodType }
  if (def.type === 'default' || def.type === 'prefault') return leavesOf(def.innerType!, path, false, out)
  if (def.type === 'optional') return leavesOf(def.innerType!, path, true, out)
  const leaf = (kind: ParameterKind, extra: Partial<Leaf> = {}): void => {
    out.push({ path: path.join('.'), kind, integer: false, optional, values: [], ...extra })
  }
  if (schema instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(schema.shape))
      leavesOf(child as z.ZodType, [...path, key], false, out)
  } else if (schema instanceof z.ZodArray) {
    leavesOf(schema.element as z.ZodType, [...path, '*'], false, out)
  } else if (schema instanceof z.ZodUnion) {
    leaf('vcpus')
  } else if (schema instanceof z.ZodEnum) {
    leaf('enum', { values: schema.options.map(String) })
  } else if (schema instanceof z.ZodNumber) {
    leaf('number', { integer: schema.isInt })
  } else if (schema instanceof z.ZodLiteral) {
    leaf('number', { integer: [...schema.values].every((v) => Number.isInteger(v)) })
  } else if (schema instanceof z.ZodBoolean) {
    leaf('boolean')
  } else if (schema instanceof z.ZodString) {
    leaf('text')
  } else {
    throw new Error(`${path.join('.')}: the catalog cannot read a ${def.type} schema`)
  }
}

/** Every leaf of the config schema, in the schema's order (test/shared/config-catalog.test.ts). */
export function schemaLeaves(): readonly Leaf[] {
  const out: Leaf[] = []
  leavesOf(labConfigSchema, [], false, out)
  return out
}

/** Paths the catalog describes (the test checks they are the schema's). */
export const CATALOG_PATHS: readonly string[] = Object.keys(ENTRIES)

let cache: ReadonlyMap<string, Parameter> | null = null

/** Every config field, schema order, with its words; built once. */
export function parameters(): ReadonlyMap<string, Parameter> {
  if (cache) return cache
  const out = new Map<string, Parameter>()
  for (const leaf of schemaLeaves()) {
    const entry = ENTRIES[leaf.path] ?? { label: same(leaf.path) }
    const units = entry.units ?? []
    out.set(leaf.path, {
      ...entry,
      ...leaf,
      name: leaf.path.split('.').pop() ?? leaf.path,
      units,
      stored: units.find((u) => u.factor === 1)
    })
  }
  cache = out
  return out
}

/** `guest.workloads.3.pattern` (or its keys) → `guest.workloads.*.pattern`. */
export function catalogPath(path: string | ConfigPath): string {
  const keys = typeof path === 'string' ? (splitConfigPath(path) ?? [path]) : path
  return dottedPath(
    keys.map((k, i) => (i > 0 && keys[i - 1] === 'workloads' && /^\d+$/.test(String(k)) ? '*' : k))
  )
}

/** The field at a config path (any workload index), or undefined for a path the config has not. */
export function parameterAt(path: string | ConfigPath): Parameter | undefined {
  return parameters().get(catalogPath(path))
}

// ---------------------------------------------------------------------------------------------
// Words and numbers

export function unitLabel(unit: UnitOption | undefined, locale: CatalogLocale): string {
  return unit ? unit.label[locale] : ''
}

/** "Maximum bandwidth"; the dotted path itself for a path the catalog does not know. */
export function parameterLabel(path: string | ConfigPath, locale: CatalogLocale): string {
  const parameter = parameterAt(path)
  return parameter ? parameter.label[locale] : typeof path === 'string' ? path : dottedPath(path)
}

/**
 * A name with its unit in the locale's brackets: "Downtime limit (ms)", "停机时间上限（毫秒）"
 * (full-width next to Chinese, as the Chinese UI writes every bracket); the name alone without one.
 */
export function labelWithUnit(label: string, unit: string, locale: CatalogLocale): string {
  if (unit === '') return label
  return locale === 'zh-CN' ? `${label}（${unit}）` : `${label} (${unit})`
}

/** The config's own unit of a path ('bytes/s' for max-bandwidth), '' for counts and fractions. */
export function storedUnitLabel(path: string | ConfigPath, locale: CatalogLocale = 'en'): string {
  return unitLabel(parameterAt(path)?.stored, locale)
}

/** An enum value as a person reads it (`hotspot — mostly a hot set`), else the value itself. */
export function optionLabel(path: string | ConfigPath, value: string, locale: CatalogLocale): string {
  return parameterAt(path)?.options?.[value]?.[locale] ?? value
}

/** The stored value shown in `unit`: at most 6 significant digits, no exponent for usual sizes. */
export function formatInUnit(stored: number, unit: UnitOption | undefined): string {
  const shown = unit ? stored / unit.factor : stored
  if (!Number.isFinite(shown)) return String(shown)
  if (Number.isInteger(shown)) return String(shown)
  return String(Number(shown.toPrecision(6)))
}

export type ParsedNumber = { ok: true; stored: number } | { ok: false; reason: 'empty' | 'not-a-number' }

/**
 * What the user typed in `unit`, as the config's value: `1.5` GiB → 1536 (MiB); integers are
 * rounded (a fraction of a byte per second means nothing). Accepts a decimal comma.
 */
export function parseInUnit(text: string, unit: UnitOption | undefined, integer = false): ParsedNumber {
  const trimmed = text.trim().replace(/\s+/g, '').replace(',', '.')
  if (trimmed === '') return { ok: false, reason: 'empty' }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed)) return { ok: false, reason: 'not-a-number' }
  const shown = Number(trimmed)
  if (!Number.isFinite(shown)) return { ok: false, reason: 'not-a-number' }
  let stored = unit ? shown * unit.factor : shown
  // Undo binary floating-point noise of the conversion (0.1 × 1000 = 100.00000000000001).
  stored = Number(stored.toPrecision(12))
  if (integer) stored = Math.round(stored)
  return { ok: true, stored }
}

/** The unit that shows `stored` most naturally: the first whose shown value is a whole number ≥ 1. */
export function naturalUnit(stored: number, units: readonly UnitOption[]): UnitOption | undefined {
  if (units.length <= 1 || stored === 0) return units[0]
  for (const unit of units) {
    const shown = stored / unit.factor
    if (Math.abs(shown) >= 1 && Number.isInteger(Number(shown.toPrecision(9)))) return unit
  }
  return units[0]
}

const ON_OFF: Readonly<Record<'true' | 'false', Text>> = {
  true: { en: 'on', 'zh-CN': '开' },
  false: { en: 'off', 'zh-CN': '关' }
}

/**
 * A config value as the Configure screen shows it: `134217728` at max-bandwidth → `128 MiB/s`,
 * `0.9` at hot-fraction → `90 %`, `true` → `on`; a value the catalog cannot place, as JSON.
 */
export function formatParameterValue(
  path: string | ConfigPath,
  value: unknown,
  locale: CatalogLocale
): string {
  const parameter = parameterAt(path)
  if (typeof value === 'boolean') return ON_OFF[value ? 'true' : 'false'][locale]
  if (typeof value === 'number' && parameter) {
    const shownIn = naturalUnit(value, parameter.units)
    const label = unitLabel(shownIn, locale)
    return label === '' ? formatInUnit(value, shownIn) : `${formatInUnit(value, shownIn)} ${label}`
  }
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join(', ')
  return JSON.stringify(value) ?? String(value)
}
