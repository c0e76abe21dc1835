/**
 * The Configure form's layout: which fields each section holds, in order. What a field is (kind,
 * units, label, help, the capability it needs) comes from the parameter catalog (catalog.ts),
 * itself joined with the schema; the view renders these descriptors and the config store maps
 * validation problems onto them by path.
 *
 * Paths are arrays of keys (`['migration', 'parameters', 'downtime-limit']`); their text form is
 * parseConfig's (`migration.parameters.downtime-limit`, `guest.workloads[0].pattern`), so a
 * `path: message` problem finds its field by prefix.
 */
import { catalogPath, parameters, type Parameter } from './catalog'
import { formatPath, type ConfigPath } from './paths'
import { capabilitiesSchema } from './schema'

export type { ConfigPath }
export type { UnitOption, ParsedNumber } from './catalog'
export { UNITS, formatInUnit, parseInUnit, naturalUnit } from './catalog'

/** One field of the form: its catalog entry, placed relative to its section. */
export interface FieldDescriptor extends Omit<Parameter, 'path'> {
  /** The catalog path (`guest.workloads.*.pattern`): unique, a key for lists. */
  readonly key: string
  /** Path relative to its section (a workload entry for workload fields). */
  readonly path: ConfigPath
}

export type SectionId = 'experiment' | 'guest' | 'network' | 'parameters' | 'policy' | 'host'

export interface FieldSection {
  /** Key under `configure.sections`. */
  readonly id: SectionId
  /** Path of the object the fields live in. */
  readonly base: ConfigPath
  readonly fields: readonly FieldDescriptor[]
  /** Collapsed until opened (the host cost model). */
  readonly advanced?: boolean
}

function field(base: ConfigPath, name: string): FieldDescriptor {
  const key = catalogPath([...base, name])
  const parameter = parameters().get(key)
  if (!parameter) throw new Error(`${key}: not a config field`)
  const { path: _catalogPath, ...rest } = parameter
  return { ...rest, key, path: [name] }
}

const section = (
  id: SectionId,
  base: ConfigPath,
  names: readonly string[],
  advanced = false
): FieldSection => ({
  id,
  base,
  fields: names.map((name) => field(base, name)),
  ...(advanced ? { advanced } : {})
})

/** Fields of one `guest.workloads[i]` entry, relative to it. */
export const WORKLOAD_FIELDS: readonly FieldDescriptor[] = section(
  'guest',
  ['guest', 'workloads', '*'],
  [
    'vcpus',
    'pattern',
    'dirty-rate-mibps',
    'working-set-mib',
    'hot-set-mib',
    'hot-fraction',
    'shared',
    'io-exits-per-second',
    'bytes-per-write'
  ]
).fields

export const WORKLOAD_PATTERNS: readonly string[] = parameters().get('guest.workloads.*.pattern')!.values

/** Workload fields that only matter for the hotspot pattern. */
export const HOTSPOT_ONLY = new Set(['hot-set-mib', 'hot-fraction'])

export const SECTIONS: readonly FieldSection[] = [
  section('experiment', [], ['name', 'seed']),
  section(
    'guest',
    ['guest'],
    ['memory-mib', 'vcpus', 'page-size', 'zero-fraction', 'device-state-kib', 'dirty-ring-size']
  ),
  section('network', ['network'], ['bandwidth-mbps', 'rtt-ms']),
  section(
    'parameters',
    ['migration', 'parameters'],
    [
      'downtime-limit',
      'max-bandwidth',
      'avail-switchover-bandwidth',
      'throttle-trigger-threshold',
      'cpu-throttle-initial',
      'cpu-throttle-increment',
      'cpu-throttle-tailslow',
      'max-cpu-throttle',
      'multifd-compression',
      'zero-page-detection',
      'xbzrle-cache-size',
      'multifd-channels',
      'max-postcopy-bandwidth',
      'x-vcpu-dirty-limit-period',
      'vcpu-dirty-limit'
    ]
  ),
  section('policy', ['migration', 'policy'], ['max-time-ms', 'max-iterations', 'postcopy-after-syncs']),
  section(
    'host',
    ['host'],
    [
      'dirty-log-start-ms-per-gib',
      'sync-ms-per-gib',
      'stop-ms',
      'resume-ms',
      'zero-scan-gib-per-s',
      'sender-gib-per-s',
      'multifd-channel-gib-per-s',
      'multifd-zlib-gib-per-s',
      'multifd-zlib-ratio',
      'multifd-zstd-gib-per-s',
      'multifd-zstd-ratio',
      'xbzrle-encode-gib-per-s',
      'dst-load-gib-per-s'
    ],
    true
  )
]

/** Parameters that only matter with a capability (shown with a note naming it), by QEMU name. */
export const PARAMETER_NEEDS: Readonly<Record<string, string>> = Object.fromEntries(
  [...parameters().values()].flatMap((p) => (p.needs ? [[p.name, p.needs]] : []))
)

export type CapabilityName = keyof typeof capabilitiesSchema.shape
export const CAPABILITIES = Object.keys(capabilitiesSchema.shape) as readonly CapabilityName[]

export function pathText(path: ConfigPath): string {
  return formatPath(path as PropertyKey[])
}

// ---------------------------------------------------------------------------------------------
// vCPU lists
// ---------------------------------------------------------------------------------------------

export function formatVcpuList(value: unknown): string {
  if (value === undefined || value === 'all') return 'all'
  if (!Array.isArray(value)) return String(value)
  const sorted = [...value].filter((v): v is number => typeof v === 'number').sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    parts.push(
      j > i + 1 ? `${sorted[i]}-${sorted[j]}` : j === i + 1 ? `${sorted[i]}, ${sorted[j]}` : `${sorted[i]}`
    )
    i = j + 1
  }
  return parts.join(', ')
}

/** `all` → 'all'; `0, 2-4` → [0, 2, 3, 4]; anything else → null. */
export function parseVcpuList(text: string): 'all' | number[] | null {
  const trimmed = text.trim().toLowerCase()
  if (trimmed === 'all' || trimmed === '') return 'all'
  const out = new Set<number>()
  for (const part of trimmed.split(/[,\s]+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part)
    if (range) {
      const from = Number(range[1])
      const to = Number(range[2])
      if (to < from || to - from > 4096) return null
      for (let v = from; v <= to; v++) out.add(v)
    } else if (/^\d+$/.test(part)) out.add(Number(part))
    else return null
  }
  return [...out].sort((a, b) => a - b)
}
