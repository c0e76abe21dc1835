/**
 * What a report is made of, independent of its format: the runs with everything recorded for
 * them, the comparison's statistics, the environment, and pure helpers every format shares
 * (titles, file names, config flattening and diffing, the settings that drive convergence).
 *
 * The main process fills a ReportData from the history database (src/main/report/data.ts); HTML,
 * PDF, CSV, JSON and QEMU commands are all rendered from it, so they never disagree.
 */
import { formatParameterValue, type CatalogLocale } from '../config/catalog'
import { defaultConfig } from '../config/parse'
import { splitConfigPath, valueAtPath } from '../config/paths'
import { capabilitiesSchema, guestSchema, networkSchema, parametersSchema } from '../config/schema'
import type { ExperimentRecord, RunRecord, Summary, ThroughputPoints } from '../history'
import type { MigrationResult, ProgressSample, SyncRecord } from '../result'
import { isMeasuredRun } from './measured'
import type { LabLocale } from './run-end'

/** Most runs one report holds; an experiment of more is better read as CSV or JSON. */
export const MAX_REPORT_RUNS = 500

/** One run with everything a report shows of it. Series are complete (not downsampled). */
export interface ReportRun {
  record: RunRecord
  /** The stored config (canonical and fully defaulted for simulated runs; as mapped for measured ones). */
  config: Record<string, unknown>
  /** Null for a run that ended without a result (interrupted, or failed before one existed). */
  result: MigrationResult | null
  /** One record per dirty sync. */
  iterations: SyncRecord[]
  progress: ProgressSample[]
  throughput: ThroughputPoints[]
}

/** HistoryDb.summarize grouped by the first varied path, for one value of the second (if any). */
export interface SeriesSummary {
  /** `max-bandwidth=33554432` for the second varied path's value; null with one varied path. */
  series: string | null
  summary: Summary
}

export interface ReportEnvironment {
  /** Migration Lab's version (package.json). */
  labVersion: string
  generatedAtMs: number
  /** Where the report was made: `node on lab-host-1`. */
  generatedOn: string
}

export interface RunReportData {
  kind: 'run'
  run: ReportRun
  environment: ReportEnvironment
}

export interface ComparisonReportData {
  kind: 'comparison'
  runs: ReportRun[]
  /** The experiment, when the comparison is one. */
  experiment: ExperimentRecord | null
  /** The experiment's varied paths, or the config paths that differ between the runs (≤ 2). */
  variedPaths: string[]
  /** Statistics grouped by variedPaths[0] (one entry per value of variedPaths[1]). */
  summaries: SeriesSummary[]
  environment: ReportEnvironment
}

export type ReportData = RunReportData | ComparisonReportData

export function reportRuns(data: ReportData): ReportRun[] {
  return data.kind === 'run' ? [data.run] : data.runs
}

// ---------------------------------------------------------------------------------------------
// Titles and names

export function runTitle(record: RunRecord, locale: LabLocale = 'en'): string {
  return `${runWord(locale)} ${record.id}${record.label ? ` — ${record.label}` : ''}`
}

/** What a run is called in a title, in `locale`. */
function runWord(locale: LabLocale): string {
  return locale === 'zh-CN' ? '运行' : 'Run'
}

/** `Run 3 — hot set`: the label, else the config's name (a run started by hand has no label). */
export function runDisplayTitle(run: Pick<ReportRun, 'record' | 'config'>, locale: LabLocale = 'en'): string {
  if (run.record.label) return runTitle(run.record, locale)
  const name = run.config.name
  return typeof name === 'string' && name !== '' && name !== 'unnamed'
    ? `${runWord(locale)} ${run.record.id} — ${name}`
    : runTitle(run.record, locale)
}

export function reportTitle(data: ReportData, locale: LabLocale = 'en'): string {
  if (data.kind === 'run') return runDisplayTitle(data.run, locale)
  const zh = locale === 'zh-CN'
  if (data.experiment) return `${zh ? '实验' : 'Experiment'} e${data.experiment.id} — ${data.experiment.name}`
  const ids = data.runs.map((r) => r.record.id).join(', ')
  return zh ? `运行 ${ids} 的比较` : `Comparison of runs ${ids}`
}

/** File name without extension: `run-12`, `experiment-3`, `runs-4-5-9`. */
export function reportFileStem(data: ReportData): string {
  if (data.kind === 'run') return `run-${data.run.record.id}`
  if (data.experiment) return `experiment-${data.experiment.id}`
  const ids = data.runs.map((r) => r.record.id)
  return ids.length <= 6 ? `runs-${ids.join('-')}` : `runs-${ids[0]}-to-${ids[ids.length - 1]}-${ids.length}`
}

/** The last segment of a dotted path: `downtime-limit`. */
export function shortPath(path: string): string {
  const segments = path.split('.')
  return segments[segments.length - 1] ?? path
}

// ---------------------------------------------------------------------------------------------
// Config as rows

export type ConfigLeaf = string | number | boolean | null

/** Every leaf of a config as `[dotted path, value]`, arrays by index (`guest.workloads.0.pattern`). */
export function flattenConfig(config: unknown, prefix = ''): [string, ConfigLeaf][] {
  const out: [string, ConfigLeaf][] = []
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      // A list of leaves (vCPU indexes) is one value: `0,1`.
      if (node.every((v) => v === null || typeof v !== 'object')) {
        out.push([path, node.map(String).join(',')])
        return
      }
      node.forEach((item, i) => walk(item, path ? `${path}.${i}` : String(i)))
      return
    }
    if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node).sort())
        walk((node as Record<string, unknown>)[key], path ? `${path}.${key}` : key)
      return
    }
    if (node === undefined) return
    out.push([path, node as ConfigLeaf])
  }
  walk(config, prefix)
  return out
}

/** One setting of a run's config as a report lists it. */
export interface ConfigRow {
  path: string
  value: ConfigLeaf
  /** The value in the units Configure shows it in (`128 MiB/s`); '' where it reads as written. */
  readsAs: string
  /** Differs from the default (QEMU's, or the lab's where QEMU has none). */
  changed: boolean
}

/** How a config value reads: `134217728` at max-bandwidth → `128 MiB/s` (the parameter catalog). */
export function configValueReadsAs(path: string, value: ConfigLeaf, locale: CatalogLocale = 'en'): string {
  if (typeof value !== 'number') return ''
  const key = shortPath(path)
  if (value === 0 && (key === 'max-bandwidth' || key === 'max-postcopy-bandwidth'))
    return locale === 'zh-CN' ? '不限速' : 'no rate limit'
  if (value === 0 && key === 'avail-switchover-bandwidth')
    return locale === 'zh-CN' ? '使用估计值' : 'use the estimate'
  const shown = formatParameterValue(path, value, locale)
  return shown === String(value) ? '' : shown
}

/** Every setting of a run's config, path order, with how it reads and whether it was changed. */
export function configRows(config: Record<string, unknown>, locale: CatalogLocale = 'en'): ConfigRow[] {
  const defaults = new Map(flattenConfig(defaultConfig()))
  return flattenConfig(config).map(([path, value]) => {
    const byDefault = defaults.get(path)
    // Working-set sizes are derived from the memory, so "changed" would mislead there.
    // The name and the seed are labels of the run, not settings with a default.
    const derived = /\.(working-set-mib|hot-set-mib)$/.test(path) || path === 'name' || path === 'seed'
    const changed = byDefault !== undefined && !derived && JSON.stringify(byDefault) !== JSON.stringify(value)
    return { path, value, readsAs: configValueReadsAs(path, value, locale), changed }
  })
}

export interface ConfigDifference {
  path: string
  /** One value per run, in the runs' order; undefined where a run's config lacks the path. */
  values: (ConfigLeaf | undefined)[]
}

export interface ConfigDiff {
  differing: ConfigDifference[]
  /** Paths whose value is the same in every run. */
  equalCount: number
}

/** The config paths whose values differ between runs (in path order) and how many are equal. */
export function diffConfigs(configs: readonly Record<string, unknown>[]): ConfigDiff {
  const maps = configs.map((c) => new Map(flattenConfig(c)))
  const paths = new Set<string>()
  for (const m of maps) for (const p of m.keys()) paths.add(p)
  const differing: ConfigDifference[] = []
  let equalCount = 0
  for (const path of [...paths].sort()) {
    const values = maps.map((m) => m.get(path))
    const first = JSON.stringify(values[0] ?? null)
    if (values.every((v) => v !== undefined && JSON.stringify(v) === first)) equalCount++
    else differing.push({ path, values })
  }
  return { differing, equalCount }
}

/**
 * The paths a comparison varies: the experiment's own, else the config paths that differ between
 * the runs when there are one or two of them (the seed and the name are left out: they differ
 * between repetitions and labels, not between configurations).
 */
export function comparisonVariedPaths(
  experiment: Pick<ExperimentRecord, 'varied'> | null,
  configs: readonly Record<string, unknown>[]
): string[] {
  if (experiment && experiment.varied.length > 0) return experiment.varied.map((v) => v.path)
  if (configs.length < 2) return []
  const differing = diffConfigs(configs)
    .differing.map((d) => d.path)
    .filter((p) => p !== 'seed' && p !== 'name')
  // Runs that differ in more than two ways are not a sweep of one or two knobs: compare them run by run.
  return differing.length <= 2 ? differing : []
}

/** The value of a dotted path in a run's config, as a table cell shows it. */
export function configValueAt(config: Record<string, unknown>, path: string): ConfigLeaf | undefined {
  const value = valueAtPath(config, splitConfigPath(path) ?? [])
  if (value === undefined) return undefined
  // A list of leaves (vCPU indexes) is one value, as flattenConfig has it: `0,1`.
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'))
    return value.map(String).join(',')
  return value !== null && typeof value === 'object' ? undefined : (value as ConfigLeaf)
}

// ---------------------------------------------------------------------------------------------
// The settings a report reasons with

/** The few settings that decide convergence and downtime, with QEMU's defaults filled in. */
export interface MigrationSettings {
  downtimeLimitMs: number
  /** max-bandwidth, bytes/s; 0 = no rate limit. */
  maxBandwidthBytesPerS: number
  /** avail-switchover-bandwidth, bytes/s; 0 = use the estimate. */
  availSwitchoverBandwidthBytesPerS: number
  /** network.bandwidth-mbps as bytes/s. */
  linkBytesPerS: number
  autoConverge: boolean
  returnPath: boolean
  throttleTriggerThresholdPercent: number
  cpuThrottleInitialPercent: number
  cpuThrottleIncrementPercent: number
  maxCpuThrottlePercent: number
  pageSizeBytes: number
  memoryBytes: number
  vcpus: number
}

function section<T>(
  schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false } },
  value: unknown
): T {
  const parsed = schema.safeParse(value ?? {})
  if (parsed.success) return parsed.data
  const fallback = schema.safeParse({})
  if (!fallback.success) throw new Error('a config schema has no defaults')
  return fallback.data
}

/**
 * Reads the settings from a stored config. Missing or malformed sections fall back to QEMU's
 * defaults (a measured run's config is only what guestperf recorded).
 */
export function migrationSettings(config: Record<string, unknown>): MigrationSettings {
  const caps = section(capabilitiesSchema, valueAtPath(config, ['migration', 'capabilities']))
  const params = section(parametersSchema, valueAtPath(config, ['migration', 'parameters']))
  const network = section(networkSchema, valueAtPath(config, ['network']))
  const guest = section(guestSchema, valueAtPath(config, ['guest']))
  return {
    downtimeLimitMs: params['downtime-limit'],
    maxBandwidthBytesPerS: params['max-bandwidth'],
    availSwitchoverBandwidthBytesPerS: params['avail-switchover-bandwidth'],
    linkBytesPerS: (network['bandwidth-mbps'] * 1e6) / 8,
    autoConverge: caps['auto-converge'],
    returnPath: caps['return-path'],
    throttleTriggerThresholdPercent: params['throttle-trigger-threshold'],
    cpuThrottleInitialPercent: params['cpu-throttle-initial'],
    cpuThrottleIncrementPercent: params['cpu-throttle-increment'],
    maxCpuThrottlePercent: params['max-cpu-throttle'],
    pageSizeBytes: guest['page-size'],
    memoryBytes: guest['memory-mib'] * 1024 * 1024,
    vcpus: guest.vcpus
  }
}

// ---------------------------------------------------------------------------------------------
// Run facts shared by every format

export function runIsMeasured(run: {
  record: Pick<RunRecord, 'source'>
  result: MigrationResult | null
}): boolean {
  return isMeasuredRun(run.record, run.result)
}

/** Virtual ms at which the guest stopped (QEMU's downtime start), when the run switched over. */
export function switchoverTimeMs(result: MigrationResult | null): number | null {
  if (!result || result.status !== 'completed' || result.downtime === undefined) return null
  return Math.max(0, result['total-time'] - result.downtime)
}

/** Highest auto-converge throttle seen: syncs, progress samples and the final value. */
export function maxThrottlePercent(run: Pick<ReportRun, 'result' | 'iterations' | 'progress'>): number {
  let max = run.result?.['cpu-throttle-percentage'] ?? 0
  for (const s of run.iterations) max = Math.max(max, s['cpu-throttle-percentage'])
  for (const p of run.progress) max = Math.max(max, p['cpu-throttle-percentage'])
  return max
}
