import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { LabError } from '../../../shared/errors'
import {
  metricStats,
  type ExperimentRecord,
  type MetricStats,
  type RunDetail,
  type RunRecord,
  type RunSource,
  type RunStatus,
  type Summary,
  type SummaryGroup
} from '../../../shared/history'
import { parseRange, type SweepValue, type VariedParameter } from '../../../shared/sweep'
import { labClient } from '../services/lab-api'

/**
 * The Compare screen's state (MLflow's compare view: charts on top, tables below): which runs or
 * which experiment are compared, grouped by which config parameter, the per-group statistics
 * (history.summarize), each run's summary for the scatter of repetitions, a few runs' progress
 * curves, and the configs for the "differences only" table.
 */

export type CompareTarget = { kind: 'runs'; runIds: number[] } | { kind: 'experiment'; experimentId: number }

/** At most this many runs in a comparison of hand-picked runs. */
export const MAX_COMPARED_RUNS = 50
/** At most this many overlaid progress curves (one per configuration of an experiment). */
export const MAX_PROGRESS_CURVES = 16
/** Points per progress curve. */
export const PROGRESS_POINTS = 600

export type MetricKey = 'downtimeMs' | 'guestPauseMs' | 'totalTimeMs' | 'transferredBytes'

/** One bar of the charts: a configuration (a group of repetitions) or a single run. */
export interface CompareGroup {
  /** Stable id for charts and tables. */
  id: string
  /** Value of the group-by parameter (null when each run is its own group). */
  key: SummaryGroup['key']
  /** Value of the second varied parameter (a series), or null. */
  series: SweepValue | null
  /** For a group of one run: that run. */
  runId: number | null
  /**
   * A short label for an axis: the value, or a single run's own label (its id is `runId`: the
   * screen says "run 12 · label", so that `#` stays a sweep's repetition, `downtime-limit=50 #1`).
   */
  label: string
  runIds: number[]
  statusCounts: Partial<Record<RunStatus, number>>
  sources: RunSource[]
  stats: Record<MetricKey, MetricStats>
}

/** One config field across the compared columns. */
export interface ConfigField {
  path: string
  values: unknown[]
  differs: boolean
}

/** One column of the config table: a run (or the first run of a configuration). */
export interface ConfigColumn {
  runId: number
  label: string
  source: RunSource
  config: Record<string, unknown>
}

// ---------------------------------------------------------------------------------------------
// Pure helpers (unit-tested)

/** Every leaf of a JSON config as `dotted.path → value` (array items by index), in document order. */
export function flattenConfig(
  value: unknown,
  prefix = '',
  out = new Map<string, unknown>()
): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0 && prefix) out.set(prefix, [])
    value.forEach((item, i) => flattenConfig(item, prefix ? `${prefix}.${i}` : String(i), out))
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0 && prefix) out.set(prefix, {})
    for (const [key, item] of entries) flattenConfig(item, prefix ? `${prefix}.${key}` : key, out)
  } else if (prefix) {
    out.set(prefix, value)
  }
  return out
}

/**
 * The fields of several configs side by side. A field differs when its value is not the same in
 * every config (a field missing from some configs differs too). Fields keep the order of the
 * first config they appear in; `name` (a label, not a parameter) is left out.
 */
export function compareConfigs(configs: readonly Record<string, unknown>[]): ConfigField[] {
  const flat = configs.map((config) => flattenConfig(config))
  const paths: string[] = []
  const seen = new Set<string>()
  for (const map of flat)
    for (const path of map.keys())
      if (!seen.has(path) && path !== 'name') {
        seen.add(path)
        paths.push(path)
      }
  return paths.map((path) => {
    const values = flat.map((map) => (map.has(path) ? map.get(path) : undefined))
    const texts = values.map((v) => (v === undefined ? '\u0000missing' : JSON.stringify(v)))
    return { path, values, differs: texts.some((text) => text !== texts[0]) }
  })
}

/** The values a varied parameter takes (its list, or its range expanded). */
export function variedValues(parameter: VariedParameter): SweepValue[] {
  if ('values' in parameter) return [...parameter.values]
  return parseRange(parameter.range, parameter.path, []) ?? []
}

/** A group key as people read it. */
export function keyLabel(key: SummaryGroup['key']): string {
  if (key === null) return '—'
  if (typeof key === 'number') return Number.isInteger(key) ? String(key) : String(Number(key.toPrecision(6)))
  return String(key)
}

const METRIC_OF_SUMMARY: Record<MetricKey, keyof Pick<SummaryGroup, MetricKey>> = {
  downtimeMs: 'downtimeMs',
  guestPauseMs: 'guestPauseMs',
  totalTimeMs: 'totalTimeMs',
  transferredBytes: 'transferredBytes'
}

/** Chart groups from history.summarize results, one summary per series of the second parameter. */
export function groupsFromSummaries(
  summaries: readonly { series: SweepValue | null; summary: Summary }[],
  runsById: ReadonlyMap<number, RunRecord>
): CompareGroup[] {
  const groups: CompareGroup[] = []
  for (const { series, summary } of summaries)
    for (const group of summary.groups) {
      const stats = {} as Record<MetricKey, MetricStats>
      for (const metric of Object.keys(METRIC_OF_SUMMARY) as MetricKey[])
        stats[metric] = group[METRIC_OF_SUMMARY[metric]]
      groups.push({
        id: `${JSON.stringify(series)}|${JSON.stringify(group.key)}`,
        key: group.key,
        series,
        runId: null,
        label: keyLabel(group.key),
        runIds: [...group.runIds],
        statusCounts: { ...group.statusCounts },
        sources: sourcesOf(group.runIds, runsById),
        stats
      })
    }
  return groups
}

/** One group per run (a comparison of hand-picked runs without a group-by parameter). */
export function groupsOfRuns(runs: readonly RunRecord[]): CompareGroup[] {
  return runs.map((run) => {
    const s = run.summary
    const completed = run.status === 'completed' && s !== null
    const one = (value: number | null | undefined): MetricStats => metricStats(value == null ? [] : [value])
    return {
      id: `run-${run.id}`,
      key: null,
      series: null,
      runId: run.id,
      label: run.label,
      runIds: [run.id],
      statusCounts: { [run.status]: 1 },
      sources: [run.source],
      stats: {
        downtimeMs: one(completed ? s.downtimeMs : null),
        guestPauseMs: one(completed ? s.guestPauseMs : null),
        totalTimeMs: one(s?.totalTimeMs),
        transferredBytes: one(s?.transferredBytes)
      }
    }
  })
}

function sourcesOf(runIds: readonly number[], runsById: ReadonlyMap<number, RunRecord>): RunSource[] {
  const sources = new Set<RunSource>()
  for (const id of runIds) {
    const run = runsById.get(id)
    if (run) sources.add(run.source)
  }
  return [...sources].sort()
}

/** The value of a run's summary metric, or null when it has none (not completed, no summary). */
export function runMetric(run: RunRecord, metric: MetricKey): number | null {
  const s = run.summary
  if (!s) return null
  switch (metric) {
    case 'downtimeMs':
      return run.status === 'completed' ? s.downtimeMs : null
    case 'guestPauseMs':
      return run.status === 'completed' ? s.guestPauseMs : null
    case 'totalTimeMs':
      return s.totalTimeMs
    case 'transferredBytes':
      return s.transferredBytes
  }
}

// ---------------------------------------------------------------------------------------------

export const useCompareStore = defineStore('compare', () => {
  const client = labClient()

  const target = shallowRef<CompareTarget | null>(null)
  const experiment = shallowRef<ExperimentRecord | null>(null)
  /** The compared runs (summaries only), in the order they were started. */
  const runs = shallowRef<RunRecord[]>([])
  /** Runs with telemetry and config: the columns of the config table and the progress curves. */
  const details = shallowRef<RunDetail[]>([])
  const groupBy = ref<string | null>(null)
  /** The second varied parameter of an experiment: one series per value. */
  const seriesBy = ref<string | null>(null)
  const summaries = shallowRef<{ series: SweepValue | null; summary: Summary }[]>([])
  const showAllFields = ref(false)
  const spread = ref<'range' | 'stddev'>('range')
  const loading = ref(false)
  const error = shallowRef<LabError | null>(null)
  /** Runs of the selection left out because there were more than MAX_COMPARED_RUNS. */
  const truncated = ref(0)

  const runsById = computed(() => new Map(runs.value.map((run) => [run.id, run])))

  const groups = computed<CompareGroup[]>(() =>
    groupBy.value === null ? groupsOfRuns(runs.value) : groupsFromSummaries(summaries.value, runsById.value)
  )

  /** Whether the group keys are numbers (then "downtime against the parameter" is a line chart). */
  const numericGroups = computed(
    () =>
      groupBy.value !== null &&
      groups.value.length > 0 &&
      groups.value.every((g) => typeof g.key === 'number')
  )

  const columns = computed<ConfigColumn[]>(() =>
    details.value.map((d) => ({
      runId: d.run.id,
      label: d.run.label,
      source: d.run.source,
      config: d.config
    }))
  )
  const fields = computed(() => compareConfigs(columns.value.map((c) => c.config)))
  const differingFields = computed(() => fields.value.filter((field) => field.differs))
  /** Parameters a comparison of hand-picked runs can be grouped by: those that differ. */
  const groupByOptions = computed(() =>
    differingFields.value
      .filter((field) =>
        field.values.every((v) => v === null || ['number', 'string', 'boolean'].includes(typeof v))
      )
      .map((field) => field.path)
  )

  let loadSeq = 0

  async function open(next: CompareTarget): Promise<void> {
    target.value = next
    experiment.value = null
    runs.value = []
    details.value = []
    summaries.value = []
    truncated.value = 0
    error.value = null
    groupBy.value = null
    seriesBy.value = null
    const seq = ++loadSeq
    loading.value = true
    try {
      if (next.kind === 'experiment') await loadExperiment(next.experimentId, seq)
      else await loadRuns(next.runIds, seq)
    } finally {
      if (seq === loadSeq) loading.value = false
    }
  }

  async function loadExperiment(experimentId: number, seq: number): Promise<void> {
    const [exp, list] = await Promise.all([
      client.call('history.getExperiment', { experimentId }),
      client.call('history.listRuns', {
        filter: { experimentId },
        sort: { key: 'started', dir: 'asc' },
        page: { limit: 1000, offset: 0 }
      })
    ])
    if (seq !== loadSeq) return
    if (!exp.ok) return fail(exp.error)
    if (!list.ok) return fail(list.error)
    experiment.value = exp.value
    runs.value = list.value.rows
    groupBy.value = exp.value.varied[0]?.path ?? null
    seriesBy.value = exp.value.varied[1]?.path ?? null
    seriesValues.clear()
    if (seriesBy.value !== null) await prepareSeries(seq)
    if (seq !== loadSeq) return
    if (groupBy.value === null) {
      // Repetitions of one config: one group holding them all.
      const whole = await client.call('history.summarize', { target: { experimentId }, groupBy: null })
      if (seq !== loadSeq) return
      if (!whole.ok) return fail(whole.error)
      summaries.value = [{ series: null, summary: whole.value }]
    } else {
      await loadSummaries(seq)
    }
    if (seq !== loadSeq) return
    // One progress curve and one config column per configuration: its first run.
    const representatives = groups.value
      .map((g) => g.runIds[0])
      .filter((id): id is number => id !== undefined)
    await loadDetails(representatives.slice(0, MAX_PROGRESS_CURVES), seq)
  }

  async function loadSummaries(seq: number): Promise<void> {
    const t = target.value
    if (!t || groupBy.value === null) return
    const secondary = experiment.value?.varied[1]
    if (t.kind === 'experiment' && secondary && seriesBy.value === secondary.path) {
      const out: { series: SweepValue | null; summary: Summary }[] = []
      for (const value of variedValues(secondary)) {
        const members = runs.value.filter((run) => seriesValueOf(run.id) === value).map((run) => run.id)
        if (members.length === 0) continue
        const summary = await client.call('history.summarize', {
          target: { runIds: members },
          groupBy: groupBy.value
        })
        if (seq !== loadSeq) return
        if (!summary.ok) return fail(summary.error)
        out.push({ series: value, summary: summary.value })
      }
      summaries.value = out
      return
    }
    const summary = await client.call('history.summarize', {
      target:
        t.kind === 'experiment' ? { experimentId: t.experimentId } : { runIds: runs.value.map((r) => r.id) },
      groupBy: groupBy.value
    })
    if (seq !== loadSeq) return
    if (!summary.ok) return fail(summary.error)
    summaries.value = [{ series: null, summary: summary.value }]
  }

  /** Each run's value of the second varied parameter. */
  const seriesValues = new Map<number, SweepValue>()
  function seriesValueOf(runId: number): SweepValue | undefined {
    return seriesValues.get(runId)
  }

  async function loadRuns(runIds: number[], seq: number): Promise<void> {
    const unique = [...new Set(runIds)]
    truncated.value = Math.max(0, unique.length - MAX_COMPARED_RUNS)
    await loadDetails(unique.slice(0, MAX_COMPARED_RUNS), seq)
    if (seq !== loadSeq) return
    runs.value = details.value.map((d) => d.run)
  }

  async function loadDetails(runIds: number[], seq: number): Promise<void> {
    const outcomes = await Promise.all(
      runIds.map((runId) => client.call('history.getRun', { runId, maxPoints: PROGRESS_POINTS }))
    )
    if (seq !== loadSeq) return
    const failed = outcomes.find((o) => !o.ok)
    if (failed && !failed.ok) return fail(failed.error)
    details.value = outcomes.flatMap((o) => (o.ok ? [o.value] : []))
  }

  /** Finds each run's value of the experiment's second parameter: one filtered list per value. */
  async function prepareSeries(seq: number): Promise<void> {
    const secondary = experiment.value?.varied[1]
    if (!secondary) return
    for (const value of variedValues(secondary)) {
      const t = target.value
      if (!t || t.kind !== 'experiment') return
      const list = await client.call('history.listRuns', {
        filter: { experimentId: t.experimentId, config: [{ path: secondary.path, op: '=', value }] },
        page: { limit: 1000, offset: 0 }
      })
      if (seq !== loadSeq) return
      if (!list.ok) return fail(list.error)
      for (const run of list.value.rows) seriesValues.set(run.id, value)
    }
  }

  async function setGroupBy(path: string | null): Promise<void> {
    groupBy.value = path
    const seq = ++loadSeq
    loading.value = true
    try {
      if (path !== null) await loadSummaries(seq)
    } finally {
      if (seq === loadSeq) loading.value = false
    }
  }

  function fail(e: LabError): void {
    error.value = e
  }

  function close(): void {
    loadSeq++
    target.value = null
    experiment.value = null
    runs.value = []
    details.value = []
    summaries.value = []
    error.value = null
    loading.value = false
  }

  return {
    target,
    experiment,
    runs,
    runsById,
    details,
    groupBy,
    seriesBy,
    summaries,
    groups,
    numericGroups,
    columns,
    fields,
    differingFields,
    groupByOptions,
    showAllFields,
    spread,
    loading,
    error,
    truncated,
    open,
    setGroupBy,
    close
  }
})
