import { z } from 'zod'
import { labError, type LabError } from '../errors'
import { MIB } from '../engine/constants'
import { assignWorkloads, guestNonZeroPages, mibToPages, vcpusDrivenBy } from '../engine/workload'
import { storedUnitLabel, type CatalogLocale } from './catalog'
import { formatPath } from './paths'
import { checkRunResources } from './resources'
import {
  LIMITS,
  SCHEMA_PROBLEMS,
  labConfigSchema,
  type LabConfig,
  type SchemaProblem,
  type WorkloadConfig
} from './schema'

export type ParseConfigResult = { ok: true; config: LabConfig } | { ok: false; error: LabError }

export interface ParseConfigOptions {
  /**
   * Memory this machine can give the run, bytes. When given, a run whose estimate does not fit
   * is refused with a `ResourceLimit` error (the caller measures it, so parsing stays pure).
   */
  readonly availableMemoryBytes?: number
  /** Wording of the problems (default English, as the CLI prints them). */
  readonly messages?: ConfigMessages
}

/** Capabilities in the schema that the engine does not simulate yet: refused, never ignored. */
const NOT_SIMULATED: readonly (keyof LabConfig['migration']['capabilities'])[] = []

/**
 * The unit a config value is written in (`memory-mib`: MiB, `max-bandwidth`: bytes/s, 字节/秒 in
 * Chinese), from the parameter catalog; '' for plain counts and fractions. A range message must
 * name it: the form may show the value in another unit (GiB for memory-mib).
 */
export function configUnit(path: readonly PropertyKey[], locale: CatalogLocale = 'en'): string {
  return storedUnitLabel(
    path.filter((k): k is string | number => typeof k !== 'symbol'),
    locale
  )
}

/** How a config problem is worded (the UI passes its language's; default English). */
export interface ConfigMessages {
  /** The config's unit of the value at `path` in this language (configUnit), '' for counts. */
  readonly unit: (path: readonly PropertyKey[]) => string
  /** `bound` is the limit with its unit ("1 MiB", "300 毫秒"). */
  readonly atLeast: (bound: string) => string
  readonly moreThan: (bound: string) => string
  readonly atMost: (bound: string) => string
  readonly lessThan: (bound: string) => string
  readonly notANumber: () => string
  readonly unknownKey: () => string
  readonly summary: (count: number) => string
  /** The problems the schema words itself (SCHEMA_PROBLEMS). */
  readonly schema: Readonly<Record<SchemaProblem, string>>
  /** The checks the schema cannot make (resolveAndCheck), and a config too big to check. */
  readonly checks: ConfigCheckMessages
}

/**
 * The combination checks' wording, after the `path: `. Sizes come as numbers in the config's
 * units (MiB, bytes); `nonZeroMib` is already rounded to two decimals.
 */
export interface ConfigCheckMessages {
  readonly vcpuMissing: (vcpu: number, vcpus: number) => string
  readonly writesAllZero: () => string
  readonly lessThanOnePage: (mib: number, pageSizeBytes: number) => string
  readonly workingSetAboveNonZero: (workingSetMib: number, nonZeroMib: string) => string
  readonly hotSetAboveWorkingSet: (hotSetMib: number, workingSetMib: number) => string
  readonly dirtyLimitWithAutoConverge: () => string
  readonly multifdWithXbzrle: () => string
  readonly postcopyWithMultifd: () => string
  readonly compressionNeedsMultifd: (compression: string) => string
  readonly switchoverAckNeedsReturnPath: () => string
  readonly preemptNeedsPostcopy: () => string
  readonly dirtyLimitNeedsRing: () => string
  readonly postcopyAfterNeedsPostcopy: () => string
  readonly postcopyAfterAboveMaxIterations: (syncs: number, maxIterations: number) => string
  readonly notSimulated: () => string
  readonly maxThrottleBelowInitial: (max: number, initial: number) => string
  readonly xbzrleCacheBelowPage: (pageSizeBytes: number) => string
  readonly tooDeep: () => string
  readonly tooLarge: (mib: string, maxMib: number) => string
}

const CAPS = 'migration.capabilities'

export const ENGLISH_CONFIG_MESSAGES: ConfigMessages = {
  unit: (path) => configUnit(path),
  atLeast: (bound) => `must be at least ${bound}`,
  moreThan: (bound) => `must be more than ${bound}`,
  atMost: (bound) => `must be at most ${bound}`,
  lessThan: (bound) => `must be less than ${bound}`,
  notANumber: () => 'must be a number',
  unknownKey: () => 'unknown key',
  summary: (count) => (count === 1 ? 'The config has 1 problem.' : `The config has ${count} problems.`),
  schema: SCHEMA_PROBLEMS,
  checks: {
    vcpuMissing: (v, vcpus) => `vCPU ${v} does not exist (guest.vcpus is ${vcpus}, indexes 0–${vcpus - 1})`,
    writesAllZero: () => 'the workload writes but all memory is zero (guest.zero-fraction is 1)',
    lessThanOnePage: (mib, pageSize) => `${mib} MiB is less than one page (${pageSize} bytes)`,
    workingSetAboveNonZero: (ws, nonZero) =>
      `${ws} MiB is larger than the non-zero memory ` +
      `(${nonZero} MiB = memory-mib × (1 − zero-fraction)); working sets lie in non-zero memory`,
    hotSetAboveWorkingSet: (hot, ws) => `${hot} MiB is larger than the working set (${ws} MiB)`,
    dirtyLimitWithAutoConverge: () => 'cannot be used together with auto-converge (§6.1)',
    // migrate_caps_check (migration/options.c): "Multifd is not compatible with xbzrle".
    multifdWithXbzrle: () => `Multifd is not compatible with xbzrle (turn off ${CAPS}.multifd or xbzrle)`,
    postcopyWithMultifd: () => 'cannot be used together with multifd at this QEMU version (§8.1)',
    compressionNeedsMultifd: (compression) =>
      `${compression} needs ${CAPS}.multifd (compression only runs in multifd channels)`,
    switchoverAckNeedsReturnPath: () => 'needs return-path (§2.3)',
    preemptNeedsPostcopy: () => 'needs postcopy-ram (§12)',
    dirtyLimitNeedsRing: () =>
      "needs KVM's dirty ring: set guest.dirty-ring-size (e.g. 4096); the dirty bitmap cannot limit per vCPU (§6.1)",
    postcopyAfterNeedsPostcopy: () =>
      `needs ${CAPS}.postcopy-ram (migrate-start-postcopy is refused without it, §9.1)`,
    postcopyAfterAboveMaxIterations: (syncs, max) =>
      `${syncs} is above max-iterations (${max}); the run would be cancelled first`,
    notSimulated: () => 'not simulated yet',
    maxThrottleBelowInitial: (max, initial) =>
      `${max} is below cpu-throttle-initial (${initial}); the range is initial–99 (§5.1)`,
    xbzrleCacheBelowPage: (pageSize) => `must be at least one page (${pageSize} bytes, §7.1)`,
    tooDeep: () => 'nested too deeply or too large to be checked (a config is at most a few levels deep)',
    tooLarge: (mib, maxMib) =>
      `${mib} MiB as JSON, more than a config may be (at most ${maxMib} MiB; a config the lab can run is a few kB)`
  }
}

const SCHEMA_PROBLEM_BY_TEXT: ReadonlyMap<string, SchemaProblem> = new Map(
  Object.entries(SCHEMA_PROBLEMS).map(([name, text]) => [text, name as SchemaProblem])
)

function issueMessage(issue: z.core.$ZodIssue, messages: ConfigMessages): string {
  const bound = (value: unknown): string => {
    const unit = messages.unit(issue.path)
    return unit === '' ? String(value) : `${String(value)} ${unit}`
  }
  const own = SCHEMA_PROBLEM_BY_TEXT.get(issue.message)
  if (own !== undefined) return messages.schema[own]
  if (issue.code === 'too_small' && (issue.origin === 'number' || issue.origin === 'int'))
    return issue.inclusive === false
      ? messages.moreThan(bound(issue.minimum))
      : messages.atLeast(bound(issue.minimum))
  if (issue.code === 'too_big' && (issue.origin === 'number' || issue.origin === 'int'))
    return issue.inclusive === false
      ? messages.lessThan(bound(issue.maximum))
      : messages.atMost(bound(issue.maximum))
  if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int'))
    return messages.notANumber()
  return issue.message
}

function zodProblems(error: z.ZodError, messages: ConfigMessages): string[] {
  const out: string[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(`${formatPath([...issue.path, key])}: ${messages.unknownKey()}`)
    } else {
      out.push(`${formatPath(issue.path)}: ${issueMessage(issue, messages)}`)
    }
  }
  return out
}

const mibText = (pages: number, pageSize: number): string => {
  const v = (pages * pageSize) / MIB
  return Number.isInteger(v) ? String(v) : v.toFixed(2)
}

/**
 * Fills the defaults that depend on other fields (working-set-mib, hot-set-mib) and checks the
 * combinations the schema cannot see. Returns the problems as `path: message` lines.
 */
function resolveAndCheck(
  parsed: z.output<typeof labConfigSchema>,
  m: ConfigCheckMessages
): {
  config: LabConfig
  problems: string[]
} {
  const problems: string[] = []
  const guest = parsed.guest
  const pageSize = guest['page-size']
  const nonZeroPages = guestNonZeroPages(guest)
  const owner = assignWorkloads(guest.vcpus, guest.workloads)

  const workloads: WorkloadConfig[] = guest.workloads.map((w, index) => {
    const at = `guest.workloads[${index}]`
    if (w.vcpus !== 'all') {
      w.vcpus.forEach((v, j) => {
        if (v >= guest.vcpus) problems.push(`${at}.vcpus[${j}]: ${m.vcpuMissing(v, guest.vcpus)}`)
      })
    }
    const driven = vcpusDrivenBy(owner, index).length
    const writes = w.pattern !== 'idle' && w['dirty-rate-mibps'] > 0
    // Default working set: the non-zero memory shared out among the entry's vCPUs, like
    // guestperf's stress threads that each own ramsize / ncpus (§13.6).
    const defaultWsPages = w.shared || driven <= 1 ? nonZeroPages : Math.floor(nonZeroPages / driven)
    const workingSetMib = w['working-set-mib'] ?? (defaultWsPages * pageSize) / MIB
    const wsPages = mibToPages(workingSetMib, pageSize)
    const hotSetMib = w['hot-set-mib'] ?? Math.min(64, workingSetMib)
    if (writes && driven > 0) {
      if (nonZeroPages === 0) {
        problems.push(`${at}.pattern: ${m.writesAllZero()}`)
      } else if (wsPages < 1) {
        problems.push(`${at}.working-set-mib: ${m.lessThanOnePage(workingSetMib, pageSize)}`)
      } else if (wsPages > nonZeroPages) {
        problems.push(
          `${at}.working-set-mib: ${m.workingSetAboveNonZero(workingSetMib, mibText(nonZeroPages, pageSize))}`
        )
      }
      if (w.pattern === 'hotspot' && w['hot-set-mib'] !== undefined && hotSetMib > workingSetMib)
        problems.push(`${at}.hot-set-mib: ${m.hotSetAboveWorkingSet(hotSetMib, workingSetMib)}`)
      if (w.pattern === 'hotspot' && mibToPages(hotSetMib, pageSize) < 1)
        problems.push(`${at}.hot-set-mib: ${m.lessThanOnePage(hotSetMib, pageSize)}`)
    }
    return { ...w, 'working-set-mib': workingSetMib, 'hot-set-mib': hotSetMib }
  })

  // Capability interlocks (§12, migrate_caps_check).
  const caps = parsed.migration.capabilities
  const c = CAPS
  if (caps['dirty-limit'] && caps['auto-converge'])
    problems.push(`${c}.dirty-limit: ${m.dirtyLimitWithAutoConverge()}`)
  if (caps.multifd && caps.xbzrle) problems.push(`${c}.xbzrle: ${m.multifdWithXbzrle()}`)
  if (caps.multifd && caps['postcopy-ram']) problems.push(`${c}.postcopy-ram: ${m.postcopyWithMultifd()}`)
  // The lab refuses a compression it would not use: multifd-compression acts only in the multifd
  // channels (multifd_send_setup picks the compression ops only with multifd on).
  const mp = parsed.migration.parameters
  if (mp['multifd-compression'] !== 'none' && !caps.multifd)
    problems.push(
      `migration.parameters.multifd-compression: ${m.compressionNeedsMultifd(mp['multifd-compression'])}`
    )
  if (caps['switchover-ack'] && !caps['return-path'])
    problems.push(`${c}.switchover-ack: ${m.switchoverAckNeedsReturnPath()}`)
  if (caps['postcopy-preempt'] && !caps['postcopy-ram'])
    problems.push(`${c}.postcopy-preempt: ${m.preemptNeedsPostcopy()}`)
  // migrate_caps_check (migration/options.c): "dirty-limit requires KVM with accelerator
  // property 'dirty-ring-size' set".
  if (caps['dirty-limit'] && guest['dirty-ring-size'] === 0)
    problems.push(`${c}.dirty-limit: ${m.dirtyLimitNeedsRing()}`)
  // qmp_migrate_start_postcopy (migration/migration.c) refuses the command without postcopy-ram.
  const postcopyAfter = parsed.migration.policy['postcopy-after-syncs']
  if (postcopyAfter !== undefined && !caps['postcopy-ram'])
    problems.push(`migration.policy.postcopy-after-syncs: ${m.postcopyAfterNeedsPostcopy()}`)
  const maxIterations = parsed.migration.policy['max-iterations']
  if (postcopyAfter !== undefined && postcopyAfter > maxIterations)
    problems.push(
      `migration.policy.postcopy-after-syncs: ${m.postcopyAfterAboveMaxIterations(postcopyAfter, maxIterations)}`
    )
  for (const name of NOT_SIMULATED) if (caps[name]) problems.push(`${c}.${name}: ${m.notSimulated()}`)

  const params = parsed.migration.parameters
  if (params['max-cpu-throttle'] < params['cpu-throttle-initial'])
    problems.push(
      `migration.parameters.max-cpu-throttle: ${m.maxThrottleBelowInitial(params['max-cpu-throttle'], params['cpu-throttle-initial'])}`
    )
  if (params['xbzrle-cache-size'] < pageSize)
    problems.push(`migration.parameters.xbzrle-cache-size: ${m.xbzrleCacheBelowPage(pageSize)}`)

  const config: LabConfig = { ...parsed, guest: { ...guest, workloads } }
  return { config, problems }
}

/**
 * Validates a config and fills every default. Bad input gives a `Validation` error listing every
 * problem as `path: message`; a run that would not fit `availableMemoryBytes` gives a
 * `ResourceLimit` error with the estimate. Pure: no I/O, no globals.
 */
export function parseConfig(input: unknown, options: ParseConfigOptions = {}): ParseConfigResult {
  const messages = options.messages ?? ENGLISH_CONFIG_MESSAGES
  try {
    return parseConfigChecked(input, options, messages)
  } catch (e) {
    // A document nested thousands of levels deep (no config is more than five) exhausts the call
    // stack while it is checked or copied: that is bad input, not a failure of the lab.
    if (!(e instanceof RangeError)) throw e
    const details = [`(config): ${messages.checks.tooDeep()}`]
    return { ok: false, error: labError('Validation', messages.summary(details.length), details) }
  }
}

function parseConfigChecked(
  input: unknown,
  options: ParseConfigOptions,
  messages: ConfigMessages
): ParseConfigResult {
  // Only a missing config means the defaults; `null` is a mistake the schema names.
  let candidate: unknown = input === undefined ? {} : input
  // Bound the work before the schema walks it: a 3.3 MB config once took seconds to check and
  // blocked the web host's other pages meanwhile (issue 13, defect 3).
  const chars = JSON.stringify(candidate)?.length ?? 0
  if (chars > LIMITS.maxConfigChars) {
    const details = [
      `(config): ${messages.checks.tooLarge((chars / 1024 / 1024).toFixed(1), LIMITS.maxConfigChars / 1024 / 1024)}`
    ]
    return { ok: false, error: labError('Validation', messages.summary(details.length), details) }
  }
  let parsed = labConfigSchema.safeParse(candidate)
  const details: string[] = []
  // Report every problem, not just the first layer: drop what the schema rejected (defaults take
  // its place) and parse again, so the combination checks below still see the rest of the config.
  for (let round = 0; !parsed.success && round < 8; round++) {
    details.push(...zodProblems(parsed.error, messages))
    const stripped = stripRejected(candidate, parsed.error.issues)
    if (stripped === undefined) break
    candidate = stripped
    parsed = labConfigSchema.safeParse(candidate)
  }
  if (parsed.success) {
    const { config, problems } = resolveAndCheck(parsed.data, messages.checks)
    for (const p of problems) if (!details.includes(p)) details.push(p)
    if (details.length === 0) {
      if (options.availableMemoryBytes !== undefined) {
        const limit = checkRunResources(config, options.availableMemoryBytes)
        if (limit) return { ok: false, error: limit }
      }
      return { ok: true, config }
    }
  }
  return { ok: false, error: labError('Validation', messages.summary(details.length), details) }
}

/**
 * A copy of `input` without the values the schema rejected: unknown keys are removed, a bad value
 * is removed so its default applies, a bad workload entry becomes `{}`, a bad element of a vCPU
 * list removes the list. Undefined when nothing could be removed.
 */
function stripRejected(input: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  if (input === null || typeof input !== 'object') return undefined
  const copy = structuredClone(input) as Record<string, unknown>
  let changed = false
  const parentOf = (path: readonly PropertyKey[]): unknown => {
    let node: unknown = copy
    for (const key of path) {
      if (node === null || typeof node !== 'object') return undefined
      node = (node as Record<PropertyKey, unknown>)[key]
    }
    return node
  }
  for (const issue of issues) {
    const path = issue.path
    if (issue.code === 'unrecognized_keys') {
      const node = parentOf(path)
      if (node && typeof node === 'object')
        for (const key of issue.keys) changed = delete (node as Record<string, unknown>)[key] || changed
      continue
    }
    if (path.length === 0) return undefined
    const last = path[path.length - 1]
    if (typeof last === 'number') {
      const arrayPath = path.slice(0, -1)
      const owner = parentOf(arrayPath.slice(0, -1)) as Record<PropertyKey, unknown> | undefined
      const arrayKey = arrayPath[arrayPath.length - 1]
      if (!owner || arrayKey === undefined) continue
      if (arrayKey === 'workloads') {
        const list = owner[arrayKey]
        if (Array.isArray(list)) {
          list[last] = {}
          changed = true
        }
      } else {
        changed = delete owner[arrayKey] || changed
      }
      continue
    }
    const node = parentOf(path.slice(0, -1))
    if (node && typeof node === 'object')
      changed = delete (node as Record<PropertyKey, unknown>)[last] || changed
  }
  return changed ? copy : undefined
}

/** The fully defaulted config of an empty input. */
export function defaultConfig(): LabConfig {
  const r = parseConfig({})
  if (!r.ok) throw new Error(`the default config is invalid: ${r.error.details?.join('; ')}`)
  return r.config
}

/** JSON Schema of what a user may write (every field optional), for editors and `schema`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(labConfigSchema, { io: 'input' }) as Record<string, unknown>
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

/**
 * The config as stable JSON: fully defaulted, keys sorted at every level, no whitespace. Equal
 * experiments give equal strings, so this is what a history hashes.
 */
export function canonicalConfigJson(config: LabConfig): string {
  return JSON.stringify(sortKeys(config))
}
