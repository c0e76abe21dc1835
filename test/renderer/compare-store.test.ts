// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  barPointCount,
  formatNumber,
  formatSpread,
  metricBarOption,
  parameterLineOption,
  progressOverlayOption,
  whiskerBounds,
  type ChartLabels
} from '../../src/renderer/src/components/compare/chart-options'
import { chartPalette } from '../../src/renderer/src/charts/palette'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import {
  compareConfigs,
  flattenConfig,
  groupsOfRuns,
  useCompareStore,
  variedValues
} from '../../src/renderer/src/stores/compare'
import { metricStats } from '../../src/shared/history'
import type { VariedParameter } from '../../src/shared/sweep'
import { sample } from './run-fixtures'
import { ServiceLabClient } from './service-lab-client'

beforeEach(() => {
  setActivePinia(createPinia())
})

const LABELS: ChartLabels = {
  title: 'Downtime',
  mean: 'mean',
  range: 'min–max',
  stddev: '±sd',
  runs: 'runs',
  category: 'migration.parameters.downtime-limit',
  seriesName: (v) => `bw = ${v}`,
  measured: '(measured)',
  noValue: 'no completed run',
  runName: (id, label) => (label ? `run ${id} · ${label}` : `run ${id}`)
}

const limit = (ms: number, extra: Record<string, unknown> = {}) => ({
  seed: 1,
  guest: { 'memory-mib': 4096 },
  migration: { parameters: { 'downtime-limit': ms, 'max-bandwidth': 134217728, ...extra } }
})

describe('which config fields differ', () => {
  it('flattens a config to dotted paths, array items by index', () => {
    expect([...flattenConfig({ a: { b: 1, c: [{ d: 'x' }] }, e: true }).entries()]).toEqual([
      ['a.b', 1],
      ['a.c.0.d', 'x'],
      ['e', true]
    ])
  })

  it('marks the fields whose values are not all equal, ignoring the config name', () => {
    const fields = compareConfigs([
      { name: 'a', ...limit(100) },
      { name: 'b', ...limit(300) },
      { name: 'c', ...limit(300), extra: 1 }
    ])
    const differing = fields.filter((f) => f.differs)
    expect(differing.map((f) => f.path)).toEqual(['migration.parameters.downtime-limit', 'extra'])
    expect(differing[0].values).toEqual([100, 300, 300])
    expect(differing[1].values).toEqual([undefined, undefined, 1])
    expect(fields.map((f) => f.path)).not.toContain('name')
    expect(fields.find((f) => f.path === 'guest.memory-mib')).toMatchObject({
      differs: false,
      values: [4096, 4096, 4096]
    })
  })

  it('finds nothing different in repetitions of one config', () => {
    expect(compareConfigs([limit(300), limit(300)]).some((f) => f.differs)).toBe(false)
  })
})

// The store against the real lab host: a LabService over a history database in this process
// (service-lab-client.ts); only the connection is a stand-in.
describe('compare store', () => {
  let host: ServiceLabClient
  beforeEach(() => {
    host = new ServiceLabClient()
    installLabClient(host)
  })
  afterEach(() => host.dispose())

  const sweep = (varied: VariedParameter[], repetitions: number): number =>
    host.history.createExperiment({ name: 'limit sweep', baseConfig: {}, varied, repetitions })

  it('groups an experiment by its varied parameter, with the spread of its repetitions', async () => {
    const experimentId = sweep([{ path: 'migration.parameters.downtime-limit', values: [100, 300, 500] }], 2)
    for (const ms of [100, 300, 500])
      for (const downtime of [ms * 0.5, ms * 0.7])
        host.addRun({ experimentId, config: limit(ms), downtimeMs: downtime })
    const compare = useCompareStore()
    await compare.open({ kind: 'experiment', experimentId })
    expect(compare.error).toBeNull()
    expect(compare.groupBy).toBe('migration.parameters.downtime-limit')
    expect(compare.groups.map((g) => g.key)).toEqual([100, 300, 500])
    expect(compare.groups[1].stats.downtimeMs).toMatchObject({ n: 2, mean: 180, min: 150, max: 210 })
    expect(compare.numericGroups).toBe(true)
    // One progress curve and config column per configuration: its first run.
    expect(compare.details.map((d) => d.run.id)).toEqual([1, 3, 5])
    expect(compare.differingFields.map((f) => f.path)).toEqual(['migration.parameters.downtime-limit'])
  })

  it('makes one series per value of a second varied parameter', async () => {
    const experimentId = sweep(
      [
        { path: 'migration.parameters.downtime-limit', values: [100, 300] },
        { path: 'migration.parameters.max-bandwidth', range: '1..2:1' }
      ],
      1
    )
    for (const ms of [100, 300])
      for (const bw of [1, 2])
        host.addRun({ experimentId, config: limit(ms, { 'max-bandwidth': bw }), downtimeMs: ms / bw })
    const compare = useCompareStore()
    await compare.open({ kind: 'experiment', experimentId })
    expect(compare.seriesBy).toBe('migration.parameters.max-bandwidth')
    expect(compare.groups.map((g) => [g.series, g.key, g.stats.downtimeMs.mean])).toEqual([
      [1, 100, 100],
      [1, 300, 300],
      [2, 100, 50],
      [2, 300, 150]
    ])
  })

  it('compares hand-picked runs one by one, and can group them by a parameter that differs', async () => {
    host.addRun({ config: limit(100), downtimeMs: 40, label: 'run 1' })
    host.addRun({ config: limit(100), downtimeMs: 60, label: 'run 2' })
    host.addRun({ config: limit(300), downtimeMs: 90, label: 'run 3', source: 'measured' })
    const compare = useCompareStore()
    await compare.open({ kind: 'runs', runIds: [1, 2, 3, 3] })
    expect(compare.groupBy).toBeNull()
    expect(compare.groups.map((g) => [g.runId, g.label])).toEqual([
      [1, 'run 1'],
      [2, 'run 2'],
      [3, 'run 3']
    ])
    expect(compare.groupByOptions).toEqual(['migration.parameters.downtime-limit'])
    expect(compare.columns.map((c) => c.source)).toEqual(['simulated', 'simulated', 'measured'])

    await compare.setGroupBy('migration.parameters.downtime-limit')
    expect(compare.groups.map((g) => [g.key, g.stats.downtimeMs.mean, g.sources])).toEqual([
      [100, 50, ['simulated']],
      [300, 90, ['measured']]
    ])
  })

  it('reports a run that cannot be read', async () => {
    host.addRun()
    const compare = useCompareStore()
    await compare.open({ kind: 'runs', runIds: [1, 404] })
    expect(compare.error?.kind).toBe('NotFound')
  })
})

describe('varied values', () => {
  it('expands the values of a varied parameter given as a range', () => {
    expect(variedValues({ path: 'x', range: '100..500:200' })).toEqual([100, 300, 500])
    expect(variedValues({ path: 'x', values: [true, false] })).toEqual([true, false])
  })
})

describe('chart options', () => {
  const palette = chartPalette('light')
  // Runs as the host records and returns them.
  let host: ServiceLabClient
  beforeEach(() => {
    host = new ServiceLabClient()
  })
  afterEach(() => host.dispose())

  it('draws one bar per configuration and a whisker where there are repetitions', () => {
    const groups = [
      { key: 100, values: [50, 70] },
      { key: 300, values: [150] },
      { key: 500, values: [] as number[] }
    ].map((g, i) => ({
      id: String(i),
      key: g.key,
      series: null,
      runId: null,
      label: String(g.key),
      runIds: [i],
      statusCounts: { completed: 1 },
      sources: ['simulated' as const],
      stats: {
        downtimeMs: metricStats(g.values),
        guestPauseMs: metricStats(g.values),
        totalTimeMs: metricStats([1000]),
        transferredBytes: metricStats([2 ** 30])
      }
    }))
    const option = metricBarOption(groups, 'downtimeMs', 'range', palette, LABELS)
    const series = option.series as { type: string; data: unknown[] }[]
    expect(series.map((s) => s.type)).toEqual(['bar', 'custom'])
    expect(series[0].data).toEqual([60, 150, '-'])
    expect(series[1].data).toEqual([[0, 50, 70]])
    expect(barPointCount(option)).toBe(2)
    expect((option.xAxis as { data: string[] }).data).toEqual(['100', '300', '500'])

    const stddev = metricBarOption(groups, 'downtimeMs', 'stddev', palette, LABELS)
    const whisker = (stddev.series as { data: number[][] }[])[1].data[0]
    expect(whisker[1]).toBeCloseTo(60 - Math.SQRT2 * 10)
    expect(whisker[2]).toBeCloseTo(60 + Math.SQRT2 * 10)

    const bytes = metricBarOption(groups, 'transferredBytes', 'range', palette, LABELS)
    expect((bytes.yAxis as { name: string }).name).toBe('Downtime (MiB)')
    expect((bytes.series as { data: unknown[] }[])[0].data).toEqual([1024, 1024, 1024])
    // Next to Chinese the unit's brackets are full-width, as in the tables ("停机时间 (ms)" before).
    const zh = metricBarOption(groups, 'downtimeMs', 'range', palette, { ...LABELS, title: '停机时间' })
    expect((zh.yAxis as { name: string }).name).toBe('停机时间（ms）')
  })

  it('keeps a bar chart’s legend on one paging row, clear of the axis name (issue 12)', () => {
    const groups = groupsOfRuns([host.addRun(), host.addRun()]).map((g, i) => ({ ...g, series: i }))
    const option = metricBarOption(groups, 'downtimeMs', 'range', palette, LABELS)
    expect(option.legend).toMatchObject({ show: true, type: 'scroll' })
  })

  it('labels a configuration that holds measured runs', () => {
    const runs = [host.addRun({ label: 'run 1' }), host.addRun({ label: 'run 2', source: 'measured' })]
    const option = metricBarOption(groupsOfRuns(runs), 'downtimeMs', 'range', palette, LABELS)
    // The run id in words: `#` is a sweep's repetition in a label (`downtime-limit=50 #1`).
    expect((option.xAxis as { data: string[] }).data).toEqual(['run 1', 'run 2 (measured)'])
    // The tooltip names the run in full.
    const tooltip = option.tooltip as { formatter: (params: unknown) => string }
    expect(tooltip.formatter([{ dataIndex: 1, seriesName: 'Downtime' }])).toMatch(
      /^run 2 · run 2 \(measured\)<br\/>mean 102 ms/
    )
  })

  it('plots the metric against a numeric parameter with every repetition as a point', () => {
    const runs = [1, 2, 3, 4].map((id) => host.addRun({ downtimeMs: id * 10 }))
    const byId = new Map(runs.map((r) => [r.id, r]))
    const groups = [
      { key: 100, runIds: [1, 2] },
      { key: 300, runIds: [3, 4] }
    ].map((g) => ({
      id: String(g.key),
      key: g.key,
      series: null,
      runId: null,
      label: String(g.key),
      runIds: g.runIds,
      statusCounts: { completed: 2 },
      sources: ['simulated' as const],
      stats: {
        downtimeMs: metricStats(g.runIds.map((id) => id * 10)),
        guestPauseMs: metricStats([]),
        totalTimeMs: metricStats([]),
        transferredBytes: metricStats([])
      }
    }))
    const option = parameterLineOption(groups, byId, 'downtimeMs', 'range', chartPalette('dark'), LABELS)
    const series = option.series as { type: string; data: unknown[] }[]
    expect(series.map((s) => s.type)).toEqual(['line', 'custom', 'scatter'])
    // With the downtime-limit: a flat line when every run had the same one, y = x when it varies.
    const flat = parameterLineOption(groups, byId, 'downtimeMs', 'range', chartPalette('dark'), LABELS, {
      kind: 'flat',
      ms: 300,
      name: 'downtime-limit'
    })
    const flatLine = (flat.series as { id?: string; name: string; data: unknown[] }[]).find(
      (s) => s.id === 'downtime-limit'
    )
    expect(flatLine?.name).toBe('downtime-limit')
    expect(flatLine?.data).toEqual([
      [100, 300],
      [300, 300]
    ])
    const diagonal = parameterLineOption(groups, byId, 'downtimeMs', 'range', chartPalette('dark'), LABELS, {
      kind: 'diagonal',
      name: 'downtime-limit'
    })
    expect(
      (diagonal.series as { id?: string; data: unknown[] }[]).find((s) => s.id === 'downtime-limit')?.data
    ).toEqual([
      [100, 100],
      [300, 300]
    ])
    expect(series[0].data).toEqual([
      [100, 15],
      [300, 35]
    ])
    expect(series[2].data).toEqual([
      [100, 10],
      [100, 20],
      [300, 30],
      [300, 40]
    ])
  })

  it('overlays remaining memory over time on a log axis, dashed for measured runs', () => {
    const progress = [0, 100, 200].map((t, i) => sample(t, { 'remaining-bytes': (3 - i) * 1e6 }))
    const simulated = host.detail(host.addRun({ label: 'run 1', progress }).id)
    const measured = host.detail(host.addRun({ label: 'run 2', source: 'measured', progress }).id)
    const option = progressOverlayOption([simulated, measured], palette, {
      title: 'Remaining',
      time: 'Time',
      remaining: 'Remaining',
      measured: '(measured)',
      runName: LABELS.runName
    })
    const series = option.series as { name: string; data: (number | null)[][]; lineStyle: { type: string } }[]
    expect(series.map((s) => s.lineStyle.type)).toEqual(['solid', 'dashed'])
    expect(series[1].name).toBe('run 2 · run 2 (measured)')
    expect(series[0].data[0]).toEqual([0, 3e6 / 2 ** 20])
    // The tail where configurations differ (MiB of GiB) is visible on a log axis; the 0 a run
    // ends at after switchover has no place there and becomes a gap, not -Infinity.
    expect((option.yAxis as { type: string }).type).toBe('log')
    const zero = progressOverlayOption(
      [{ ...simulated, progress: [{ ...simulated.progress[0], 'remaining-bytes': 0 }] }],
      palette,
      {
        title: 'Remaining',
        time: 'Time',
        remaining: 'Remaining',
        measured: '(measured)',
        runName: LABELS.runName
      }
    )
    expect((zero.series as { data: (number | null)[][] }[])[0].data[0][1]).toBeNull()
  })

  it('formats numbers and bounds for people', () => {
    expect(formatNumber(1234.5)).toBe('1,235')
    expect(formatNumber(12.345)).toBe('12.3')
    expect(formatNumber(null)).toBe('—')
    expect(whiskerBounds(metricStats([1]), 'range')).toBeNull()
    expect(whiskerBounds(metricStats([1, 3]), 'range')).toEqual([1, 3])
    // A spread at the mean's resolution: never "±0.000392" beside a 300 ms mean.
    expect(formatSpread(0.000392, 300)).toBe('±<0.1')
    expect(formatSpread(1.24, 300)).toBe('±1.2')
    expect(formatSpread(0.264, 12.3)).toBe('±0.26')
    expect(formatSpread(0, 300)).toBe('±0')
    expect(formatSpread(2 ** 20 * 3, 2 ** 30, 2 ** 20)).toBe('±3.0')
  })
})
