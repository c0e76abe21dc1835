/**
 * Reads what a report needs from the history database: every run with its complete telemetry,
 * the experiment, and the statistics of a comparison (HistoryDb.summarize grouped by the varied
 * path). Unknown ids fail with the history's own NotFound error, which names the id.
 */
import { hostname } from 'node:os'
import { version as labVersion } from '../../../package.json'
import { LabFailure, labError } from '../../shared/errors'
import type { ExperimentRecord } from '../../shared/history'
import {
  MAX_REPORT_RUNS,
  comparisonVariedPaths,
  configValueAt,
  shortPath,
  type ReportData,
  type ReportEnvironment,
  type ReportRun,
  type SeriesSummary
} from '../../shared/report'
import type { HistoryDb } from '../storage'

/** What to report on: one run, several runs (a comparison), or an experiment. */
export type ReportTarget = { runIds: number[] } | { experimentId: number }

export { MAX_REPORT_RUNS }

export function reportEnvironment(nowMs = Date.now()): ReportEnvironment {
  return { labVersion, generatedAtMs: nowMs, generatedOn: `${process.release.name} on ${hostname()}` }
}

export function loadReportRun(history: HistoryDb, runId: number): ReportRun {
  const detail = history.getRun(runId)
  return {
    record: detail.run,
    config: detail.config,
    result: detail.result,
    iterations: detail.iterations,
    progress: detail.progress,
    throughput: detail.throughput
  }
}

export function loadReportData(history: HistoryDb, target: ReportTarget, nowMs = Date.now()): ReportData {
  const environment = reportEnvironment(nowMs)
  let experiment: ExperimentRecord | null = null
  let runIds: number[]
  if ('experimentId' in target) {
    experiment = history.getExperiment(target.experimentId)
    const page = history.listRuns({
      filter: { experimentId: target.experimentId },
      page: { limit: MAX_REPORT_RUNS + 1, offset: 0 }
    })
    if (page.total > MAX_REPORT_RUNS) throw tooMany(page.total)
    runIds = page.rows.map((r) => r.id).sort((a, b) => a - b)
    if (runIds.length === 0)
      throw new LabFailure(
        labError(
          'Validation',
          `Experiment e${target.experimentId} has no runs to report on (it is ${experiment.status}).`
        )
      )
  } else {
    runIds = [...new Set(target.runIds)]
    if (runIds.length === 0)
      throw new LabFailure(labError('Validation', 'Give at least one run id to report on.'))
  }
  if (runIds.length > MAX_REPORT_RUNS) throw tooMany(runIds.length)
  const runs = runIds.map((id) => loadReportRun(history, id))
  if (!experiment && runs.length === 1) return { kind: 'run', run: runs[0], environment }

  const variedPaths = comparisonVariedPaths(
    experiment,
    runs.map((r) => r.config)
  )
  const summaryTarget = experiment ? { experimentId: experiment.id } : { runIds }
  const summaries: SeriesSummary[] = []
  const [groupPath, seriesPath] = variedPaths
  if (groupPath !== undefined && seriesPath === undefined) {
    summaries.push({ series: null, summary: history.summarize(summaryTarget, groupPath) })
  } else if (groupPath !== undefined && seriesPath !== undefined) {
    // Two varied paths: one series per value of the second, each grouped by the first.
    const bySeries = new Map<string, number[]>()
    for (const run of runs) {
      const key = JSON.stringify(configValueAt(run.config, seriesPath) ?? null)
      bySeries.set(key, [...(bySeries.get(key) ?? []), run.record.id])
    }
    const ordered = [...bySeries].sort(([a], [b]) => compareLeaves(JSON.parse(a), JSON.parse(b)))
    for (const [key, ids] of ordered)
      summaries.push({
        series: `${shortPath(seriesPath)}=${String(JSON.parse(key))}`,
        summary: history.summarize({ runIds: ids }, groupPath)
      })
  } else {
    summaries.push({ series: null, summary: history.summarize(summaryTarget, null) })
  }
  return { kind: 'comparison', runs, experiment, variedPaths, summaries, environment }
}

function tooMany(count: number): LabFailure {
  return new LabFailure(
    labError(
      'Validation',
      `A report holds at most ${MAX_REPORT_RUNS} runs; this one would have ${count}. Export it as CSV or JSON instead.`
    )
  )
}

/** Numbers ascending, then strings, then booleans, then null — the order of HistoryDb.summarize. */
function compareLeaves(a: unknown, b: unknown): number {
  const rank = (v: unknown): number =>
    typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : 3
  if (rank(a) !== rank(b)) return rank(a) - rank(b)
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a).localeCompare(String(b))
}
