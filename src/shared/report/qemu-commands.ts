/**
 * The commands that apply a run's config to a real QEMU: QMP (one JSON object per line) and HMP
 * (the human monitor), for the destination and the source. Names are QEMU's own and values are
 * in QEMU's units (docs/qemu-rules.md §12): the lab's `migration.capabilities` and
 * `migration.parameters` already use both, so they are passed through, every one explicitly (a
 * real QEMU may have been configured before; stating every value leaves nothing to chance).
 *
 * What the lab's config has that QEMU does not — the guest's shape and workload, the link, the
 * lab's policy, the host cost model — is not a command; it is listed as notes.
 *
 * Written for QEMU 10.0 (the reference's version); an older QEMU rejects parameters it does not
 * know yet (zero-page-detection 9.0, avail-switchover-bandwidth 8.2, dirty-limit 8.1).
 */
import { valueAtPath } from '../config/paths'
import { capabilitiesSchema, parametersSchema } from '../config/schema'
import { formatBytesPerSecond, formatMbps } from './format'
import type { LabLocale } from './run-end'

/** A QMP command as QEMU reads it. `id` is QMP's own field, echoed in the reply. */
export interface QmpCommand {
  execute: string
  arguments?: Record<string, unknown>
  id: string
}

export type MonitorSide = 'destination' | 'source'

export interface QemuCommandPlan {
  /** Start the destination with `-incoming defer`, then these on its monitor. */
  destination: QmpCommand[]
  /** Then these on the source's monitor; `migrate` last. */
  source: QmpCommand[]
  /** Capabilities that must be set on both sides (QEMU checks them on the destination too). */
  bothSidesCapabilities: string[]
  /** Settings of the lab's config that are not QEMU migration commands, one line each. */
  notQemu: string[]
  /** Problems reading the config (a value QEMU would refuse); empty when all is well. */
  problems: string[]
}

/** Placeholder the user replaces with the destination's address. */
export const DESTINATION_PLACEHOLDER = 'DESTINATION'
export const MIGRATION_PORT = 4444
export const SOURCE_MIGRATE_URI = `tcp:${DESTINATION_PLACEHOLDER}:${MIGRATION_PORT}`
export const DESTINATION_LISTEN_URI = `tcp:0:${MIGRATION_PORT}`

/**
 * Capabilities QEMU needs on the destination as well: the destination opens the return path and
 * sends switchover-ack (§2.3, §10.1), receives multifd channels and postcopy (§8, §9), and decodes
 * XBZRLE (QEMU's xbzrle.rst: "on both source and destination"). libvirt and guestperf set them on
 * both sides. auto-converge and dirty-limit act on the source's vCPUs only.
 */
const BOTH_SIDES = new Set([
  'return-path',
  'switchover-ack',
  'multifd',
  'postcopy-ram',
  'postcopy-preempt',
  'xbzrle'
])

/** Parameters the destination must agree on when their capability is on. */
const DESTINATION_PARAMETERS: Record<string, string> = {
  'multifd-channels': 'multifd',
  // multifd_recv_setup uses the destination's own multifd-compression: both sides must agree.
  'multifd-compression': 'multifd'
}

/** HMP parses these two with qemu_strtosz_MiB: a bare number would mean MiB, so bytes get a `B`. */
const HMP_MIB_DEFAULT = new Set(['max-bandwidth', 'avail-switchover-bandwidth'])

/** The commands for a stored run config (fully defaulted or partial: QEMU's defaults fill gaps). */
export function qemuCommandPlan(config: Record<string, unknown>, locale: LabLocale = 'en'): QemuCommandPlan {
  const problems: string[] = []
  const read = <T>(
    schema: {
      safeParse: (
        v: unknown
      ) =>
        | { success: true; data: T }
        | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }
    },
    value: unknown,
    where: string
  ): T | null => {
    const parsed = schema.safeParse(value ?? {})
    if (parsed.success) return parsed.data
    for (const issue of parsed.error.issues)
      problems.push(`${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    return null
  }
  const capabilities = read(
    capabilitiesSchema,
    valueAtPath(config, ['migration', 'capabilities']),
    'migration.capabilities'
  )
  const parameters = read(
    parametersSchema,
    valueAtPath(config, ['migration', 'parameters']),
    'migration.parameters'
  )
  if (!capabilities || !parameters)
    return { destination: [], source: [], bothSidesCapabilities: [], notQemu: [], problems }

  const capabilityList = Object.entries(capabilities).map(([capability, state]) => ({ capability, state }))
  const both = capabilityList.filter((c) => BOTH_SIDES.has(c.capability))
  const destinationParameters: Record<string, unknown> = {}
  for (const [parameter, capability] of Object.entries(DESTINATION_PARAMETERS))
    if ((capabilities as Record<string, boolean>)[capability])
      destinationParameters[parameter] = (parameters as Record<string, unknown>)[parameter]

  const destination: Omit<QmpCommand, 'id'>[] = [
    { execute: 'qmp_capabilities' },
    { execute: 'migrate-set-capabilities', arguments: { capabilities: both } },
    ...(Object.keys(destinationParameters).length
      ? [{ execute: 'migrate-set-parameters', arguments: destinationParameters }]
      : []),
    { execute: 'migrate-incoming', arguments: { uri: DESTINATION_LISTEN_URI } }
  ]
  const source: Omit<QmpCommand, 'id'>[] = [
    { execute: 'qmp_capabilities' },
    { execute: 'migrate-set-capabilities', arguments: { capabilities: capabilityList } },
    { execute: 'migrate-set-parameters', arguments: { ...parameters } },
    { execute: 'migrate', arguments: { uri: SOURCE_MIGRATE_URI } }
  ]
  const withIds = (side: MonitorSide, list: Omit<QmpCommand, 'id'>[]): QmpCommand[] =>
    list.map((c, i) => ({ ...c, id: `${side}-${i + 1}` }))

  return {
    destination: withIds('destination', destination),
    source: withIds('source', source),
    bothSidesCapabilities: both.map((c) => c.capability),
    notQemu: notQemuSettings(config, locale),
    problems
  }
}

/**
 * The lab's settings that no migration command sets, described for a person in `locale`. QEMU's
 * command-line options and names (-m, -smp, migrate_cancel) read the same in every language.
 */
function notQemuSettings(config: Record<string, unknown>, locale: LabLocale): string[] {
  const zh = locale === 'zh-CN'
  const out: string[] = []
  const guest = valueAtPath(config, ['guest']) as Record<string, unknown> | undefined
  if (guest) {
    const memory = guest['memory-mib']
    const vcpus = guest.vcpus
    const shape =
      typeof memory === 'number' && typeof vcpus === 'number'
        ? zh
          ? `（-m ${memory}M -smp ${vcpus}，两端相同）`
          : ` (-m ${memory}M -smp ${vcpus}, the same on both sides)`
        : ''
    const ring =
      typeof guest['dirty-ring-size'] === 'number' && guest['dirty-ring-size'] > 0
        ? zh
          ? `；脏页环用 -accel kvm,dirty-ring-size=${guest['dirty-ring-size']}`
          : `; -accel kvm,dirty-ring-size=${guest['dirty-ring-size']} for the dirty ring`
        : ''
    out.push(
      zh
        ? `guest：虚拟机的形状由 QEMU 命令行决定，不是迁移命令${shape}${ring}；workloads、zero-fraction 和 device-state-kib 描述客户机做什么、保存什么。`
        : `guest: the VM's shape is QEMU's command line, not a migration command${shape}${ring}; the workloads, zero-fraction and device-state-kib describe what the guest does and holds.`
    )
  }
  const network = valueAtPath(config, ['network']) as Record<string, unknown> | undefined
  if (network && typeof network['bandwidth-mbps'] === 'number') {
    const link =
      `${formatMbps(network['bandwidth-mbps'])}, ${formatBytesPerSecond((network['bandwidth-mbps'] * 1e6) / 8)}` +
      (typeof network['rtt-ms'] === 'number' ? `, RTT ${network['rtt-ms']} ms` : '')
    out.push(
      zh
        ? `network：链路本身（${link}）；QEMU 只用 max-bandwidth 限制它发送的速率。`
        : `network: the link itself (${link}); QEMU only caps what it sends with max-bandwidth.`
    )
  }
  const policy = valueAtPath(config, ['migration', 'policy']) as Record<string, unknown> | undefined
  if (policy) {
    const limits = `max-time-ms ${String(policy['max-time-ms'])}, max-iterations ${String(policy['max-iterations'])}`
    const postcopy = policy['postcopy-after-syncs']
    out.push(
      (zh
        ? `migration.policy：实验室自己的限制（${limits}），如同 guestperf 的 max_time 和 max_iters；QEMU 从不放弃，管理工具必须自己发送 migrate_cancel（§2.4）。`
        : `migration.policy: the lab's own limits (${limits}), like guestperf's max_time and max_iters; QEMU never gives up, so a ` +
          `management tool must send migrate_cancel itself (§2.4).`) +
        (typeof postcopy === 'number'
          ? zh
            ? `postcopy-after-syncs ${postcopy}：当 query-migrate 的 dirty-sync-count 达到该值时发送 migrate-start-postcopy（HMP migrate_start_postcopy），如同 guestperf 的 post_copy_iters；QEMU 从不自行切换。`
            : ` postcopy-after-syncs ${postcopy}: send migrate-start-postcopy (HMP ` +
              `migrate_start_postcopy) once query-migrate's dirty-sync-count reaches it, as guestperf's ` +
              `post_copy_iters does; QEMU never switches on its own.`
          : '')
    )
  }
  if (valueAtPath(config, ['host']) !== undefined)
    out.push(
      zh
        ? 'host：实验室的成本模型（同步、停止、恢复、加载和扫描的开销）；真实主机有它自己的。'
        : "host: the lab's cost model (sync, stop, resume, load and scan costs); a real host has its own."
    )
  if (typeof config.seed === 'number')
    out.push(
      zh
        ? `seed ${config.seed}：模拟工作负载的随机种子；真实客户机没有。`
        : `seed ${config.seed}: the simulated workload's random seed; a real guest has none.`
    )
  return out
}

/** QMP lines: destination first (it must listen before `migrate`), then source. */
export function formatQmpLines(plan: QemuCommandPlan): string {
  return [...plan.destination, ...plan.source].map((c) => JSON.stringify(c)).join('\n') + '\n'
}

function hmpValue(parameter: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  if (HMP_MIB_DEFAULT.has(parameter) && typeof value === 'number') return `${value}B`
  return String(value)
}

/** The same commands for HMP, with `#` comment lines that say where each part goes and why. */
export function formatHmp(plan: QemuCommandPlan, title: string): string {
  const lines: string[] = [
    `# ${title}`,
    "# HMP commands for QEMU 10.0; names and units are QEMU's own (qapi/migration.json).",
    `# Replace ${DESTINATION_PLACEHOLDER} with the destination host's address; the port ${MIGRATION_PORT} is an example.`,
    '# max-bandwidth and avail-switchover-bandwidth carry a B suffix: HMP reads a bare number as MiB/s.',
    '',
    '# --- destination: start QEMU with the same -m/-smp/devices and -incoming defer, then:'
  ]
  const caps = (c: QmpCommand): { capability: string; state: boolean }[] =>
    (c.arguments?.capabilities as { capability: string; state: boolean }[] | undefined) ?? []
  const emit = (c: QmpCommand): void => {
    switch (c.execute) {
      case 'qmp_capabilities':
        return
      case 'migrate-set-capabilities':
        for (const { capability, state } of caps(c))
          lines.push(`migrate_set_capability ${capability} ${state ? 'on' : 'off'}`)
        return
      case 'migrate-set-parameters':
        for (const [name, value] of Object.entries(c.arguments ?? {}))
          lines.push(`migrate_set_parameter ${name} ${hmpValue(name, value)}`)
        return
      case 'migrate-incoming':
        lines.push(`migrate_incoming ${String(c.arguments?.uri)}`)
        return
      case 'migrate':
        lines.push(
          `# ${SOURCE_MIGRATE_URI}: a placeholder URI — put the destination's address in place of ${DESTINATION_PLACEHOLDER}.`
        )
        lines.push(`migrate -d ${String(c.arguments?.uri)}`)
        return
      default:
        lines.push(`# (no HMP form) ${JSON.stringify(c)}`)
    }
  }
  if (plan.bothSidesCapabilities.length)
    lines.push(
      `# ${plan.bothSidesCapabilities.join(', ')} must be set on both sides: QEMU checks them on the destination too.`
    )
  plan.destination.forEach(emit)
  lines.push('', '# --- source: every capability and parameter, then start the migration:')
  plan.source.forEach(emit)
  if (plan.notQemu.length) {
    lines.push('', "# Not QEMU commands — the lab's config also holds:")
    for (const note of plan.notQemu) lines.push(`#   ${note}`)
  }
  return lines.join('\n') + '\n'
}
