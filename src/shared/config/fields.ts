/**
 * The Configure form, as data: every config field with its place, its QEMU (or config) name, the
 * units it is edited in, and how a value typed in a unit becomes the config's own unit. The view
 * renders these descriptors; the config store maps validation problems onto them by path.
 *
 * Paths are arrays of keys (`['migration', 'parameters', 'downtime-limit']`); their text form is
 * parseConfig's (`migration.parameters.downtime-limit`, `guest.workloads[0].pattern`), so a
 * `path: message` problem finds its field by prefix.
 */
import { formatPath, type ConfigPath } from './paths'

export type { ConfigPath }

/** A unit a number may be edited in: shown value × factor = stored value. */
export interface UnitOption {
  /** Key under `run.units` in the translations, unless the unit has a `symbol`. */
  readonly id: string
  readonly factor: number
  /** A symbol every language writes the same way (MiB, %). */
  readonly symbol?: string
}

interface FieldBase {
  /** Key under `configure.fields` (label, help). */
  readonly key: string
  /** Path relative to its section (a workload entry for workload fields). */
  readonly path: ConfigPath
  /** QEMU's own name (parameters, capabilities) or the config key. */
  readonly name: string
  /** Optional in the schema with a computed default: empty means "automatic". */
  readonly automatic?: boolean
}

export interface NumberField extends FieldBase {
  readonly kind: 'number'
  /** First unit is the default one. Empty: a plain count. */
  readonly units: readonly UnitOption[]
  /** The stored value must be an integer (bytes/s, ms, MiB): typed values are rounded. */
  readonly integer?: boolean
}

export interface BooleanField extends FieldBase {
  readonly kind: 'boolean'
}

export interface EnumField extends FieldBase {
  readonly kind: 'enum'
  readonly options: readonly string[]
}

export interface TextField extends FieldBase {
  readonly kind: 'text'
}

/** `all` or a list of vCPU indexes, typed as `all` or `0, 2-5`. */
export interface VcpuListField extends FieldBase {
  readonly kind: 'vcpus'
}

export type FieldDescriptor = NumberField | BooleanField | EnumField | TextField | VcpuListField

export interface FieldSection {
  /** Key under `configure.sections`. */
  readonly id: 'experiment' | 'guest' | 'network' | 'parameters' | 'policy' | 'host'
  /** Path of the object the fields live in. */
  readonly base: ConfigPath
  readonly fields: readonly FieldDescriptor[]
  /** Collapsed until opened (the host cost model). */
  readonly advanced?: boolean
}

const MIB = 1024 * 1024

export const UNITS = {
  bytes: { id: 'bytes', factor: 1 },
  kib: { id: 'kib', factor: 1, symbol: 'KiB' },
  kibAsMib: { id: 'mib', factor: 1024, symbol: 'MiB' },
  mib: { id: 'mib', factor: 1, symbol: 'MiB' },
  bytesAsMib: { id: 'mib', factor: MIB, symbol: 'MiB' },
  gibAsMib: { id: 'gib', factor: 1024, symbol: 'GiB' },
  ms: { id: 'ms', factor: 1 },
  sAsMs: { id: 's', factor: 1000 },
  minAsMs: { id: 'min', factor: 60_000 },
  percentOfOne: { id: 'percent', factor: 0.01, symbol: '%' },
  percent: { id: 'percent', factor: 1, symbol: '%' },
  mibps: { id: 'mibps', factor: 1 },
  gibpsAsMibps: { id: 'gibps', factor: 1024 },
  /** max-bandwidth and avail-switchover-bandwidth: bytes/s in the config. */
  bytesPerSAsMibps: { id: 'mibps', factor: MIB },
  bytesPerSAsGbitps: { id: 'gbitps', factor: 1e9 / 8 },
  mbitps: { id: 'mbitps', factor: 1 },
  gbitpsAsMbitps: { id: 'gbitps', factor: 1000 },
  perSecond: { id: 'perSecond', factor: 1 },
  msPerGib: { id: 'msPerGib', factor: 1 },
  gibps: { id: 'gibps', factor: 1 },
  mbps: { id: 'mbpsDecimal', factor: 1 }
} as const satisfies Record<string, UnitOption>

const n = (
  key: string,
  path: ConfigPath,
  units: readonly UnitOption[],
  extra: Partial<Pick<NumberField, 'integer' | 'automatic' | 'name'>> = {}
): NumberField => ({ kind: 'number', key, path, name: String(path[path.length - 1]), units, ...extra })
const b = (key: string, path: ConfigPath): BooleanField => ({
  kind: 'boolean',
  key,
  path,
  name: String(path[path.length - 1])
})
const e = (key: string, path: ConfigPath, options: readonly string[]): EnumField => ({
  kind: 'enum',
  key,
  path,
  name: String(path[path.length - 1]),
  options
})

export const WORKLOAD_PATTERNS = ['idle', 'uniform', 'hotspot', 'sequential'] as const

/** Fields of one `guest.workloads[i]` entry, relative to it. */
export const WORKLOAD_FIELDS: readonly FieldDescriptor[] = [
  { kind: 'vcpus', key: 'workloadVcpus', path: ['vcpus'], name: 'vcpus' },
  e('pattern', ['pattern'], WORKLOAD_PATTERNS),
  n('dirtyRate', ['dirty-rate-mibps'], [UNITS.mibps, UNITS.gibpsAsMibps]),
  n('workingSet', ['working-set-mib'], [UNITS.mib, UNITS.gibAsMib], { automatic: true }),
  n('hotSet', ['hot-set-mib'], [UNITS.mib, UNITS.gibAsMib], { automatic: true }),
  n('hotFraction', ['hot-fraction'], [UNITS.percentOfOne]),
  b('shared', ['shared']),
  n('ioExits', ['io-exits-per-second'], [UNITS.perSecond]),
  n('bytesPerWrite', ['bytes-per-write'], [UNITS.bytes], { integer: true })
]

/** Workload fields that only matter for the hotspot pattern. */
export const HOTSPOT_ONLY = new Set(['hot-set-mib', 'hot-fraction'])

export const SECTIONS: readonly FieldSection[] = [
  {
    id: 'experiment',
    base: [],
    fields: [
      { kind: 'text', key: 'name', path: ['name'], name: 'name' },
      n('seed', ['seed'], [], { integer: true })
    ]
  },
  {
    id: 'guest',
    base: ['guest'],
    fields: [
      n('memory', ['memory-mib'], [UNITS.gibAsMib, UNITS.mib], { integer: true }),
      n('vcpus', ['vcpus'], [], { integer: true }),
      n('pageSize', ['page-size'], [UNITS.bytes], { integer: true }),
      n('zeroFraction', ['zero-fraction'], [UNITS.percentOfOne]),
      n('deviceState', ['device-state-kib'], [UNITS.kib, UNITS.kibAsMib]),
      n('dirtyRingSize', ['dirty-ring-size'], [], { integer: true })
    ]
  },
  {
    id: 'network',
    base: ['network'],
    fields: [
      n('linkBandwidth', ['bandwidth-mbps'], [UNITS.gbitpsAsMbitps, UNITS.mbitps]),
      n('rtt', ['rtt-ms'], [UNITS.ms])
    ]
  },
  {
    id: 'parameters',
    base: ['migration', 'parameters'],
    fields: [
      n('downtimeLimit', ['downtime-limit'], [UNITS.ms, UNITS.sAsMs], { integer: true }),
      n('maxBandwidth', ['max-bandwidth'], [UNITS.bytesPerSAsMibps, UNITS.bytesPerSAsGbitps, UNITS.bytes], {
        integer: true
      }),
      n(
        'availSwitchoverBandwidth',
        ['avail-switchover-bandwidth'],
        [UNITS.bytesPerSAsMibps, UNITS.bytesPerSAsGbitps, UNITS.bytes],
        { integer: true }
      ),
      n('throttleTriggerThreshold', ['throttle-trigger-threshold'], [UNITS.percent], { integer: true }),
      n('cpuThrottleInitial', ['cpu-throttle-initial'], [UNITS.percent], { integer: true }),
      n('cpuThrottleIncrement', ['cpu-throttle-increment'], [UNITS.percent], { integer: true }),
      b('cpuThrottleTailslow', ['cpu-throttle-tailslow']),
      n('maxCpuThrottle', ['max-cpu-throttle'], [UNITS.percent], { integer: true }),
      e('multifdCompression', ['multifd-compression'], ['none', 'zlib', 'zstd']),
      e('zeroPageDetection', ['zero-page-detection'], ['none', 'legacy', 'multifd']),
      n('xbzrleCacheSize', ['xbzrle-cache-size'], [UNITS.bytesAsMib, UNITS.bytes], { integer: true }),
      n('multifdChannels', ['multifd-channels'], [], { integer: true }),
      n(
        'maxPostcopyBandwidth',
        ['max-postcopy-bandwidth'],
        [UNITS.bytesPerSAsMibps, UNITS.bytesPerSAsGbitps, UNITS.bytes],
        { integer: true }
      ),
      n('dirtyLimitPeriod', ['x-vcpu-dirty-limit-period'], [UNITS.ms], { integer: true }),
      n('vcpuDirtyLimit', ['vcpu-dirty-limit'], [UNITS.mbps], { integer: true })
    ]
  },
  {
    id: 'policy',
    base: ['migration', 'policy'],
    fields: [
      n('maxTime', ['max-time-ms'], [UNITS.sAsMs, UNITS.minAsMs, UNITS.ms], { integer: true }),
      n('maxIterations', ['max-iterations'], [], { integer: true }),
      n('postcopyAfterSyncs', ['postcopy-after-syncs'], [], { integer: true })
    ]
  },
  {
    id: 'host',
    base: ['host'],
    advanced: true,
    fields: [
      n('dirtyLogStart', ['dirty-log-start-ms-per-gib'], [UNITS.msPerGib]),
      n('syncCost', ['sync-ms-per-gib'], [UNITS.msPerGib]),
      n('stopCost', ['stop-ms'], [UNITS.ms]),
      n('resumeCost', ['resume-ms'], [UNITS.ms]),
      n('zeroScan', ['zero-scan-gib-per-s'], [UNITS.gibps]),
      n('senderCpu', ['sender-gib-per-s'], [UNITS.gibps]),
      n('multifdChannelCpu', ['multifd-channel-gib-per-s'], [UNITS.gibps]),
      n('multifdZlibSpeed', ['multifd-zlib-gib-per-s'], [UNITS.gibps]),
      n('multifdZlibRatio', ['multifd-zlib-ratio'], []),
      n('multifdZstdSpeed', ['multifd-zstd-gib-per-s'], [UNITS.gibps]),
      n('multifdZstdRatio', ['multifd-zstd-ratio'], []),
      n('xbzrleEncode', ['xbzrle-encode-gib-per-s'], [UNITS.gibps]),
      n('dstLoad', ['dst-load-gib-per-s'], [UNITS.gibps])
    ]
  }
]

/** Parameters that only matter with a capability (shown with a note naming it). */
export const PARAMETER_NEEDS: Readonly<Record<string, string>> = {
  'throttle-trigger-threshold': 'auto-converge',
  'cpu-throttle-initial': 'auto-converge',
  'cpu-throttle-increment': 'auto-converge',
  'cpu-throttle-tailslow': 'auto-converge',
  'max-cpu-throttle': 'auto-converge',
  'xbzrle-cache-size': 'xbzrle',
  'bytes-per-write': 'xbzrle',
  'xbzrle-encode-gib-per-s': 'xbzrle',
  'multifd-channels': 'multifd',
  'multifd-compression': 'multifd',
  'x-vcpu-dirty-limit-period': 'dirty-limit',
  'vcpu-dirty-limit': 'dirty-limit',
  'max-postcopy-bandwidth': 'postcopy-ram',
  'postcopy-after-syncs': 'postcopy-ram'
}

export const CAPABILITIES = [
  'auto-converge',
  'return-path',
  'switchover-ack',
  'xbzrle',
  'multifd',
  'postcopy-ram',
  'postcopy-preempt',
  'dirty-limit'
] as const
export type CapabilityName = (typeof CAPABILITIES)[number]

// ---------------------------------------------------------------------------------------------
// Paths and values
// ---------------------------------------------------------------------------------------------

export function pathText(path: ConfigPath): string {
  return formatPath(path as PropertyKey[])
}

// Reading and writing a field's value: the one config-path module.
export { valueAtPath as valueAt, setValueAtPath as setValueAt } from './paths'

// ---------------------------------------------------------------------------------------------
// Numbers in units
// ---------------------------------------------------------------------------------------------

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
