/**
 * The self-contained HTML report (docs/reports.md): one file that opens offline with no external
 * resource — inline CSS, charts as inline SVG rendered on the server, no script at all, and a CSP
 * that forbids loading anything (`default-src 'none'`), so even a label someone typed cannot pull
 * a resource in. The same HTML is printed to PDF.
 *
 * In English, or in Chinese when asked (the UI passes its language, the CLI `--lang zh-CN`): headings,
 * labels, table headers, the status card and the interpretation's lead (strings.ts); the
 * configuration names, QEMU's commands and the charts' captions read the same in both.
 */
import type { SummaryGroup } from '../../shared/history'
import {
  NOT_APPLICABLE,
  configRows,
  diffConfigs,
  flattenConfig,
  formatBytes,
  formatBytesPerSecond,
  formatDate,
  formatHmp,
  formatInteger,
  formatMbps,
  formatNumber,
  formatQmpLines,
  interpretComparison,
  interpretRun,
  isUnrecordedSyncField,
  maxThrottlePercent,
  migrationSettings,
  qemuCommandPlan,
  reportTitle,
  runIsMeasured,
  measuredRunWasVerified,
  predictedVsMeasured,
  type PredictedFigure,
  runDisplayTitle,
  describeHost,
  describeRunEnd,
  shortPath,
  type ComparisonReportData,
  type ConfigLeaf,
  type Interpretation,
  type ReportData,
  type ReportRun,
  type RunReportData,
  type LabLocale
} from '../../shared/report'
import { comparisonCharts, runCharts, type ReportChart } from './charts'
import { interpretComparisonIn, interpretRunIn } from './interpret-locale'
import { REPORT_STRINGS, type ReportStrings } from './strings'

/** "not measured" in every language a report speaks: such cells read muted. */
const NOT_MEASURED_TEXTS = new Set(Object.values(REPORT_STRINGS).map((s) => s.notMeasured))

/** The report's Content-Security-Policy: nothing may be loaded, no script may run. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

/** Sync rows shown in full; beyond this, the first and last half (the CSV has all). */
const MAX_SYNC_ROWS = 300
/** Runs shown as columns in a comparison's config table when many fields differ. */
const MAX_CONFIG_COLUMNS = 12

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

const e = escapeHtml

export function renderReportHtml(data: ReportData, locale: LabLocale = 'en'): string {
  const L = REPORT_STRINGS[locale]
  const title = reportTitle(data, locale)
  const body = data.kind === 'run' ? runBody(data, L) : comparisonBody(data, L)
  return `<!doctype html>
<html lang="${L.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(REPORT_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Migration Lab ${e(data.environment.labVersion)}">
<title>${e(title)} · ${e(L.titleSuffix)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>${e(L.footer(data.environment.labVersion, formatDate(data.environment.generatedAtMs), describeHost(data.environment.generatedOn, L.lang)))}</footer>
</main>
</body>
</html>
`
}

// ---------------------------------------------------------------------------------------------
// Pieces

function section(id: string, heading: string, content: string): string {
  return `<section id="${id}">\n<h2>${e(heading)}</h2>\n${content}\n</section>`
}

function interpretationHtml(interpretation: Interpretation, kind: 'run' | 'comparison'): string {
  const warnings = interpretation.warnings
    .map((w) => `<div class="alert" role="alert">${e(w)}</div>`)
    .join('\n')
  const paragraphs = interpretation.paragraphs.map((p) => `<p>${e(p)}</p>`).join('\n')
  return `${warnings}\n<p class="headline verdict-${kind}-${interpretation.verdict}">${e(interpretation.headline)}</p>\n${paragraphs}`
}

function chartsHtml(charts: readonly ReportChart[]): string {
  return charts
    .map(
      (c) =>
        `<figure id="chart-${c.id}">\n<figcaption><strong>${e(c.title)}</strong> — ${e(c.caption)}</figcaption>\n${c.svg}\n</figure>`
    )
    .join('\n')
}

type CellClass = 'good' | 'bad' | 'muted' | ''

interface Metric {
  label: string
  value: string
  note?: string
  tone?: CellClass
}

function metricsHtml(metrics: readonly Metric[]): string {
  return `<dl class="metrics">${metrics
    .map(
      (m) =>
        `<div class="metric ${m.tone ?? ''}"><dt>${e(m.label)}</dt><dd>${e(m.value)}</dd>${m.note ? `<dd class="note">${e(m.note)}</dd>` : ''}</div>`
    )
    .join('')}</dl>`
}

/** A table; `numeric` lists the columns (by index) that hold numbers and are right-aligned. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { numeric?: readonly number[]; className?: string } = {}
): string {
  const numeric = new Set(opts.numeric ?? [])
  const cell = (text: string, i: number, tag: 'td' | 'th'): string => {
    const classes = [numeric.has(i) ? 'num' : '', NOT_MEASURED_TEXTS.has(text) ? 'muted' : '']
      .filter(Boolean)
      .join(' ')
    return `<${tag}${classes ? ` class="${classes}"` : ''}>${e(text)}</${tag}>`
  }
  return (
    `<table${opts.className ? ` class="${opts.className}"` : ''}>\n<thead><tr>${header.map((h, i) => cell(h, i, 'th')).join('')}</tr></thead>\n<tbody>\n` +
    rows.map((r) => `<tr>${r.map((c, i) => cell(c, i, 'td')).join('')}</tr>`).join('\n') +
    '\n</tbody>\n</table>'
  )
}

function statusWord(status: string, L: ReportStrings): string {
  return L.statuses[status] ?? status
}

function statusBadge(run: ReportRun, L: ReportStrings): string {
  const status = run.result?.status ?? run.record.status
  return `<span class="badge status-${e(status)}">${e(statusWord(status, L))}</span>${runIsMeasured(run) ? ` <span class="badge measured">${e(L.sources.measured)}</span>` : ` <span class="badge simulated">${e(L.sources.simulated)}</span>`}`
}

function verifiedText(run: ReportRun, L: ReportStrings): { value: string; tone: CellClass; note?: string } {
  const result = run.result
  if (runIsMeasured(run) && !measuredRunWasVerified(result))
    return { value: L.notMeasured, tone: 'muted', note: L.notes.noOracle }
  if (!result || result.status !== 'completed')
    return { value: NOT_APPLICABLE, tone: 'muted', note: L.notes.noSwitchover }
  if (result.lab.verified) return { value: L.yes, tone: 'good', note: L.notes.verifiedYes }
  return {
    value: L.verifiedNo,
    tone: 'bad',
    note: L.notes.pagesDiffer(formatInteger(result.lab['mismatched-pages'] ?? 0))
  }
}

// ---------------------------------------------------------------------------------------------
// One run

function runMetrics(run: ReportRun, L: ReportStrings): Metric[] {
  const result = run.result
  if (!result)
    return [
      {
        label: L.metrics.status,
        value: statusWord(run.record.status, L),
        note: describeRunEnd({ status: run.record.status, reason: run.record.reason }, L.lang),
        tone: 'bad'
      },
      { label: L.metrics.result, value: NOT_APPLICABLE, note: L.metrics.noResult, tone: 'muted' }
    ]
  const measured = runIsMeasured(run)
  const completed = result.status === 'completed'
  const settings = migrationSettings(run.config)
  const verified = verifiedText(run, L)
  const ms = L.ms
  const metrics: Metric[] = [
    {
      label: L.metrics.status,
      value: statusWord(result.status, L),
      // The engine's reason may begin with the status itself ("completed: …"); say it once.
      // The Live summary's and History's sentence (MiB, not the engine's "MB").
      note: describeRunEnd(
        { status: result.status, outcome: result.lab.outcome, reason: result.lab.reason },
        L.lang
      ),
      tone: completed ? 'good' : 'bad'
    },
    completed
      ? {
          label: L.metrics.downtime,
          value: ms(result.downtime ?? 0),
          note: L.notes.downtime(ms(settings.downtimeLimitMs), settings.returnPath)
        }
      : {
          label: L.metrics.downtimeNoSwitchover,
          value: NOT_APPLICABLE,
          note: L.notes.noSwitchoverExpected(ms(result['expected-downtime'])),
          tone: 'muted'
        },
    completed
      ? {
          label: L.metrics.guestPause,
          value: ms(result.lab['guest-pause-ms']),
          note: measured ? L.notes.pauseEstimated : L.notes.pause
        }
      : {
          label: L.metrics.guestPause,
          value: NOT_APPLICABLE,
          tone: 'muted',
          note: L.notes.keptRunning
        },
    { label: L.metrics.totalTime, value: ms(result['total-time']) },
    { label: L.metrics.setupTime, value: ms(result['setup-time']) },
    {
      label: L.metrics.transferred,
      value: formatBytes(result.ram.transferred),
      note: L.metrics.ofRam(formatBytes(result.ram.total))
    },
    {
      label: L.metrics.syncs,
      value: formatInteger(result.ram['dirty-sync-count']),
      note: L.metrics.syncsNote
    },
    {
      label: L.metrics.converged,
      value: result.lab.converged ? L.yes : L.no,
      tone: result.lab.converged ? 'good' : 'bad'
    },
    { label: L.metrics.verified, value: verified.value, tone: verified.tone, note: verified.note }
  ]
  const throttle = maxThrottlePercent(run)
  if (settings.autoConverge || throttle > 0)
    metrics.push({
      label: L.metrics.highestThrottle,
      value: `${throttle} %`,
      note: `max-cpu-throttle ${settings.maxCpuThrottlePercent} %`
    })
  metrics.push({
    label: L.metrics.averageRate,
    value: formatMbps(result.ram.mbps),
    note: L.metrics.averageRateNote
  })
  return metrics
}

/** The parts of the guest's pause, in order (their names and meanings: strings.ts). */
const BREAKDOWN = [['stop-ms'], ['final-sync-ms'], ['ram-ms'], ['device-state-ms'], ['resume-ms']] as const

function breakdownHtml(run: ReportRun, L: ReportStrings): string {
  const ms = L.ms
  const partName = (key: (typeof BREAKDOWN)[number][0]): string => L.breakdown.parts[key]
  const result = run.result
  if (!result || result.status !== 'completed') return `<p class="muted">${e(L.breakdown.noSwitchover)}</p>`
  if (runIsMeasured(run))
    return (
      `<p class="muted">${e(L.breakdown.measuredOnlyTotal(L.notMeasured, ms(result.downtime ?? 0)))}</p>` +
      table(
        [L.breakdown.header.part, L.breakdown.header.duration, L.breakdown.header.what],
        BREAKDOWN.map(([key]) => [partName(key), L.notMeasured, L.breakdown.what[key]]),
        { numeric: [1], className: 'breakdown' }
      )
    )
  const breakdown = result.lab['downtime-breakdown']
  const pause = result.lab['guest-pause-ms']
  const total = BREAKDOWN.reduce((sum, [key]) => sum + breakdown[key], 0)
  const bar = BREAKDOWN.map(
    ([key], i) =>
      `<span class="part part-${i}" style="width:${total > 0 ? ((100 * breakdown[key]) / total).toFixed(2) : 0}%" title="${e(partName(key))}"></span>`
  ).join('')
  const downtime = result.downtime ?? 0
  const marker = total > 0 ? Math.min(100, (100 * downtime) / total) : 0
  const rows = BREAKDOWN.map(([key]) => [
    partName(key),
    ms(breakdown[key]),
    total > 0 ? `${formatNumber((100 * breakdown[key]) / total)} %` : NOT_APPLICABLE,
    L.breakdown.what[key]
  ])
  rows.push([L.breakdown.guestPause, ms(pause), '100 %', L.breakdown.together])
  return (
    `<div class="stack" aria-hidden="true">${bar}<span class="marker" style="left:${marker.toFixed(2)}%"></span></div>` +
    `<p class="legend">${BREAKDOWN.map(([key], i) => `<span class="swatch part-${i}"></span>${e(partName(key))}`).join(' ')} · ` +
    `${e(L.breakdown.tick(ms(downtime)))}</p>` +
    table(
      [
        L.breakdown.header.part,
        L.breakdown.header.duration,
        L.breakdown.header.share,
        L.breakdown.header.what
      ],
      rows,
      { numeric: [1, 2], className: 'breakdown' }
    )
  )
}

function syncTableHtml(run: ReportRun, L: ReportStrings): string {
  if (run.iterations.length === 0) return `<p class="muted">${e(L.syncTable.none)}</p>`
  const ms = L.ms
  const measured = runIsMeasured(run)
  const page = migrationSettings(run.config).pageSizeBytes
  const field = (name: string, text: string): string =>
    isUnrecordedSyncField(measured, name) ? L.notMeasured : text
  let rows = run.iterations.map((s) => [
    String(s['dirty-sync-count']),
    ms(s['time-ms']),
    s.trigger,
    formatInteger(s['pages-sent']),
    field('dirty-pages', formatInteger(s['dirty-pages'])),
    `${formatInteger(s['remaining-pages'])} (${formatBytes(s['remaining-pages'] * page)})`,
    formatBytesPerSecond(s['bandwidth-bytes-per-ms'] * 1000),
    formatBytes(s['threshold-bytes']),
    ms(s['expected-downtime-ms']),
    `${s['cpu-throttle-percentage']} %`,
    field('bql-hold-ms', ms(s['bql-hold-ms']))
  ])
  let note = ''
  if (rows.length > MAX_SYNC_ROWS) {
    const half = MAX_SYNC_ROWS / 2
    const hidden = rows.length - MAX_SYNC_ROWS
    rows = [
      ...rows.slice(0, half),
      [
        `… ${formatInteger(hidden)} syncs not shown (the CSV has all) …`,
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        ''
      ],
      ...rows.slice(-half)
    ]
    note = `<p class="muted">${formatInteger(run.iterations.length)} syncs; the middle ${formatInteger(hidden)} are left out here.</p>`
  }
  return (
    note +
    table(L.syncTable.header, rows, { numeric: [0, 3, 4, 5, 6, 7, 8, 9, 10], className: 'syncs' }) +
    `<p class="muted">${e(L.prose.syncTableNote)}</p>`
  )
}

function leafText(value: ConfigLeaf | undefined): string {
  if (value === undefined) return NOT_APPLICABLE
  if (value === null) return 'null'
  return typeof value === 'number' ? String(value) : String(value)
}

function configTableHtml(run: ReportRun, L: ReportStrings): string {
  const rows = configRows(run.config, L.lang)
  const body = rows
    .map(
      (r) =>
        `<tr${r.changed ? ' class="changed"' : ''}><td><code>${e(r.path)}</code></td><td class="num">${e(leafText(r.value))}</td><td>${e(r.readsAs)}</td><td>${r.changed ? e(L.configTable.changed) : ''}</td></tr>`
    )
    .join('\n')
  const changed = rows.filter((r) => r.changed).length
  return (
    `<p class="muted">${e(L.prose.configNote(formatInteger(rows.length), formatInteger(changed)))}</p>` +
    `<table class="config">\n<thead><tr><th>${e(L.configTable.setting)}</th><th class="num">${e(L.configTable.value)}</th><th>${e(L.configTable.readsAs)}</th><th></th></tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`
  )
}

function qemuHtml(run: ReportRun, L: ReportStrings): string {
  const plan = qemuCommandPlan(run.config, L.lang)
  if (plan.problems.length > 0)
    return `<p class="muted">${e(L.prose.noQemuCommands)}</p><ul>${plan.problems.map((p) => `<li>${e(p)}</li>`).join('')}</ul>`
  return (
    `<p>${L.prose.qemuIntro}` +
    (plan.bothSidesCapabilities.length ? e(L.prose.bothSides(plan.bothSidesCapabilities.join(', '))) : '') +
    `</p>\n<h3>${L.qemu.qmp}</h3>\n<pre class="code">${e(formatQmpLines(plan))}</pre>\n` +
    `<h3>${e(L.qemu.hmp)}</h3>\n<pre class="code">${e(formatHmp(plan, runDisplayTitle(run)))}</pre>\n` +
    `<h3>${e(L.qemu.notQemu)}</h3>\n<ul>${plan.notQemu.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`
  )
}

function runEnvironmentRows(run: ReportRun, L: ReportStrings): string[][] {
  const E = L.environment
  const r = run.record
  const measured = runIsMeasured(run)
  const rows: string[][] = [
    [E.source, measured ? E.sourceMeasured : E.sourceSimulated],
    [E.engineVersion, r.engineVersion],
    [E.seed, measured ? L.notMeasured : String(r.seed)],
    [E.host, describeHost(r.host, L.lang)],
    [E.started, formatDate(r.startedAtMs)],
    [E.ended, r.endedAtMs !== null ? formatDate(r.endedAtMs) : NOT_APPLICABLE],
    [E.configHash, r.configHash]
  ]
  if (run.result && !measured)
    rows.push([
      E.simulated,
      E.simulatedValue(L.ms(run.result.lab['virtual-time-ms']), L.ms(run.result.lab['wall-time-ms']))
    ])
  if (r.experimentId !== null)
    rows.push([E.experiment, `e${r.experimentId}${r.experimentName ? ` — ${r.experimentName}` : ''}`])
  if (r.tags.length) rows.push([E.tags, r.tags.join(', ')])
  return rows
}

function runBody(data: RunReportData, L: ReportStrings): string {
  const { run, environment } = data
  const H = L.headings
  const interpretation = L.lang === 'en' ? interpretRun(run) : interpretRunIn(run, L.lang)
  const parts = [
    `<header>\n<p class="kicker">${e(L.kicker.run)}</p>\n<h1>${e(runDisplayTitle(run, L.lang))}</h1>\n<p class="sub">${statusBadge(run, L)} · ${e(L.started)} ${e(formatDate(run.record.startedAtMs))} · ${e(describeHost(run.record.host, L.lang))}</p>\n</header>`,
    section('interpretation', H.interpretation, interpretationHtml(interpretation, 'run')),
    section('summary', H.summary, metricsHtml(runMetrics(run, L))),
    section('downtime', H.downtime, breakdownHtml(run, L)),
    section('charts', H.charts, chartsHtml(runCharts(run, L.lang))),
    section('syncs', H.syncs, syncTableHtml(run, L)),
    section('config', H.config, configTableHtml(run, L)),
    section('qemu', H.qemu, qemuHtml(run, L))
  ]
  if (run.record.notes)
    parts.push(section('notes', H.notes, `<pre class="notes">${e(run.record.notes)}</pre>`))
  parts.push(
    section(
      'environment',
      H.environment,
      table(
        ['', ''],
        [
          ...runEnvironmentRows(run, L),
          ['Migration Lab', `${environment.labVersion} (${L.environment.thisReport})`]
        ],
        { className: 'kv' }
      )
    )
  )
  return parts.join('\n')
}

// ---------------------------------------------------------------------------------------------
// Comparisons

function metricCell(run: ReportRun, value: (r: NonNullable<ReportRun['result']>) => string | null): string {
  if (!run.result) return NOT_APPLICABLE
  return value(run.result) ?? NOT_APPLICABLE
}

function runsTableHtml(data: ComparisonReportData, L: ReportStrings): string {
  const ms = L.ms
  const T = L.runsTable
  const varied = data.variedPaths
  // In an experiment the varied columns say what the label says; keep the table within the page.
  const withLabel = !(data.experiment && varied.length > 0)
  const rows = data.runs.map((run) => {
    const measured = runIsMeasured(run)
    const verified = verifiedText(run, L)
    return [
      String(run.record.id),
      ...(withLabel ? [run.record.label] : []),
      measured ? L.sources.measured : L.sources.simulated,
      statusWord(run.result?.status ?? run.record.status, L),
      ...varied.map((p) => leafText(flattenConfig(run.config).find(([path]) => path === p)?.[1])),
      metricCell(run, (r) => (r.status === 'completed' ? ms(r.downtime ?? 0) : null)),
      metricCell(run, (r) => (r.status === 'completed' ? ms(r.lab['guest-pause-ms']) : null)),
      metricCell(run, (r) => ms(r['total-time'])),
      metricCell(run, (r) => ms(r['setup-time'])),
      metricCell(run, (r) => formatBytes(r.ram.transferred)),
      metricCell(run, (r) => formatInteger(r.ram['dirty-sync-count'])),
      metricCell(run, (r) => (r.lab.converged ? L.yes : L.no)),
      verified.value
    ]
  })
  const header = [
    T.run,
    ...(withLabel ? [T.label] : []),
    T.source,
    T.status,
    ...varied.map(shortPath),
    T.downtime,
    T.guestPause,
    T.totalTime,
    T.setup,
    T.transferred,
    T.syncs,
    T.converged,
    T.verified
  ]
  const firstValue = withLabel ? 4 : 3
  const numeric = [0, ...Array.from({ length: varied.length + 6 }, (_, i) => firstValue + i)]
  return (
    table(header, rows, { numeric, className: 'runs' }) +
    `<p class="muted">${e(L.prose.runsTableNote(NOT_APPLICABLE, L.notMeasured))}</p>`
  )
}

function statsText(
  stats: SummaryGroup['downtimeMs'],
  ms: (v: number) => string
): [string, string, string, string] {
  if (stats.n === 0 || stats.mean === null)
    return [NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
  return [
    ms(stats.mean),
    ms(stats.median ?? stats.mean),
    `${ms(stats.min ?? stats.mean)} – ${ms(stats.max ?? stats.mean)}`,
    stats.stddev !== null ? ms(stats.stddev) : NOT_APPLICABLE
  ]
}

function groupsHtml(data: ComparisonReportData, L: ReportStrings): string {
  const path = data.variedPaths[0]
  if (path === undefined) return ''
  return data.summaries
    .map(({ series, summary }) => {
      const rows = summary.groups.map((g) => [
        g.key === null ? '(none)' : String(g.key),
        formatInteger(g.runIds.length),
        Object.entries(g.statusCounts)
          .map(([status, n]) => `${n} ${statusWord(status, L)}`)
          .join(', '),
        formatInteger(g.downtimeMs.n),
        ...statsText(g.downtimeMs, L.ms),
        g.totalTimeMs.mean !== null ? L.ms(g.totalTimeMs.mean) : NOT_APPLICABLE
      ])
      return (
        (series ? `<h3>${e(series)}</h3>` : '') +
        table([shortPath(path), ...L.groupsTable], rows, {
          numeric: [1, 3, 4, 5, 6, 7, 8],
          className: 'groups'
        })
      )
    })
    .join('\n')
}

function comparisonConfigHtml(data: ComparisonReportData, L: ReportStrings): string {
  const diff = diffConfigs(data.runs.map((r) => r.config))
  const equalNote = `<p class="muted">${e(L.prose.equalSettings(formatInteger(diff.equalCount)))}</p>`
  if (diff.differing.length === 0) return `<p>All runs have the same config.</p>${equalNote}`
  if (diff.differing.length <= 6) {
    const rows = data.runs.map((run, i) => [
      String(run.record.id),
      run.record.label,
      ...diff.differing.map((d) => leafText(d.values[i]))
    ])
    return (
      table(['run', 'label', ...diff.differing.map((d) => d.path)], rows, {
        numeric: [0, ...diff.differing.map((_, i) => i + 2)],
        className: 'config-diff'
      }) + equalNote
    )
  }
  const shown = data.runs.slice(0, MAX_CONFIG_COLUMNS)
  const rows = diff.differing.map((d) => [d.path, ...shown.map((_, i) => leafText(d.values[i]))])
  const more =
    data.runs.length > shown.length
      ? `<p class="muted">Showing the first ${shown.length} of ${data.runs.length} runs; the CSV has every run.</p>`
      : ''
  return (
    table(['setting', ...shown.map((r) => `run ${r.record.id}`)], rows, {
      numeric: shown.map((_, i) => i + 1),
      className: 'config-diff'
    }) +
    more +
    equalNote
  )
}

function comparisonEnvironmentHtml(data: ComparisonReportData, L: ReportStrings): string {
  const rows = data.runs.map((run) => [
    String(run.record.id),
    runIsMeasured(run) ? L.sources.measured : L.sources.simulated,
    run.record.engineVersion,
    runIsMeasured(run) ? L.notMeasured : String(run.record.seed),
    describeHost(run.record.host, L.lang),
    formatDate(run.record.startedAtMs),
    run.record.endedAtMs !== null ? formatDate(run.record.endedAtMs) : NOT_APPLICABLE
  ])
  return (
    table(L.envTable, rows, {
      numeric: [0],
      className: 'env'
    }) + `<p class="muted">${e(L.prose.madeBy(data.environment.labVersion))}</p>`
  )
}

/** Each measured run beside the simulation of the same experiment, with the error of each figure. */
function predictedVsMeasuredHtml(data: ComparisonReportData, L: ReportStrings): string {
  const pairs = predictedVsMeasured(data.runs)
  if (pairs.length === 0) return ''
  const value = (unit: PredictedFigure['unit'], v: number): string =>
    unit === 'ms' ? L.ms(v) : unit === 'bytes' ? formatBytes(v) : formatInteger(v)
  const rows = pairs.flatMap((p) =>
    p.figures.map((f) => [
      `${p.label} (measured #${p.measuredRunId}, simulated #${p.simulatedRunId})`,
      f.name,
      value(f.unit, f.measured),
      value(f.unit, f.simulated),
      f.error === null ? NOT_APPLICABLE : `${f.error >= 0 ? '+' : '−'}${Math.abs(f.error * 100).toFixed(1)} %`
    ])
  )
  return (
    table(['experiment', 'figure', 'measured', 'simulated', 'error'], rows, {
      numeric: [2, 3, 4],
      className: 'fidelity'
    }) +
    '<p class="muted">Error = simulated / measured − 1, for runs of the same name; how measured runs are made and where the simulation differs: docs/fidelity.md.</p>'
  )
}

function comparisonBody(data: ComparisonReportData, L: ReportStrings): string {
  const H = L.headings
  const interpretation =
    L.lang === 'en'
      ? interpretComparison(data.runs, data.variedPaths, data.summaries)
      : interpretComparisonIn(data.runs, L.lang)
  const experiment = data.experiment
  const sub = experiment
    ? `experiment e${experiment.id} · ${experiment.status} · ${formatInteger(data.runs.length)} runs` +
      (experiment.varied.length ? ` · varies ${experiment.varied.map((v) => v.path).join(' and ')}` : '') +
      ` · ${experiment.repetitions} repetition${experiment.repetitions === 1 ? '' : 's'} per point`
    : `${formatInteger(data.runs.length)} runs${data.variedPaths.length ? ` · differing in ${data.variedPaths.join(' and ')}` : ''}`
  const parts = [
    `<header>\n<p class="kicker">${e(L.kicker.comparison)}</p>\n<h1>${e(reportTitle(data, L.lang))}</h1>\n<p class="sub">${e(sub)}</p>\n${experiment?.description ? `<p>${e(experiment.description)}</p>` : ''}\n</header>`,
    section('interpretation', H.comparisonInterpretation, interpretationHtml(interpretation, 'comparison')),
    section('runs', H.runs, runsTableHtml(data, L))
  ]
  const fidelity = predictedVsMeasuredHtml(data, L)
  if (fidelity) parts.push(section('fidelity', H.fidelity, fidelity))
  const groups = groupsHtml(data, L)
  if (groups) parts.push(section('groups', H.groups(shortPath(data.variedPaths[0] as string)), groups))
  parts.push(section('charts', H.comparisonCharts, chartsHtml(comparisonCharts(data, L.lang))))
  parts.push(section('config', H.configDiff, comparisonConfigHtml(data, L)))
  if (experiment?.notes)
    parts.push(section('notes', H.notes, `<pre class="notes">${e(experiment.notes)}</pre>`))
  parts.push(section('environment', H.environment, comparisonEnvironmentHtml(data, L)))
  return parts.join('\n')
}

// ---------------------------------------------------------------------------------------------

const STYLE = `
:root { --ink: #1d2430; --muted: #5f6b7a; --line: #dde2e8; --bg: #ffffff; --soft: #f4f6f9;
  --good: #2e7d4f; --bad: #b3261e; --accent: #2f6fb3; }
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--ink); }
body { margin: 0; font: 14px/1.5 Helvetica, Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 28px 32px 40px; }
header { border-bottom: 2px solid var(--ink); margin-bottom: 18px; padding-bottom: 10px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: var(--muted); }
h1 { margin: 2px 0 6px; font-size: 24px; line-height: 1.25; }
h2 { font-size: 17px; margin: 26px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
.sub { margin: 0; color: var(--muted); }
p { margin: 6px 0; }
.headline { font-size: 15px; font-weight: 600; }
.verdict-run-converged { color: var(--good); }
.verdict-run-not-converged, .verdict-run-failed, .verdict-run-no-result, .verdict-run-unverified,
.verdict-comparison-unverified { color: var(--bad); }
.alert { border: 2px solid var(--bad); background: #fdecea; color: var(--bad); font-weight: 700; padding: 10px 14px;
  margin: 10px 0; border-radius: 4px; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; border: 1px solid var(--line); }
.status-completed { background: #e6f4ea; color: var(--good); border-color: #b7dfc3; }
.status-cancelled, .status-failed, .status-interrupted { background: #fdecea; color: var(--bad); border-color: #f3c2be; }
.measured { background: #fff4e0; color: #8a5a00; border-color: #f0d59c; }
.simulated { background: var(--soft); color: var(--muted); }
dl.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 0; }
.metric { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; background: var(--soft); break-inside: avoid; }
.metric dt { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.metric dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; }
.metric dd.note { font-size: 11px; font-weight: 400; color: var(--muted); }
.metric.good dd:not(.note) { color: var(--good); }
.metric.bad dd:not(.note) { color: var(--bad); }
.metric.muted dd:not(.note) { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 6px 0; }
table.runs, table.syncs { font-size: 11px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.muted { color: var(--muted); font-style: italic; }
tr { break-inside: avoid; }
table.kv td:first-child { width: 200px; color: var(--muted); }
table.kv thead { display: none; }
table.config tr.changed td { font-weight: 600; }
table.config td:last-child { color: var(--accent); font-size: 11px; }
figure { margin: 10px 0 18px; break-inside: avoid; }
figcaption { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
figcaption strong { color: var(--ink); }
figure svg { width: 100%; height: auto; display: block; }
.stack { position: relative; display: flex; height: 22px; border-radius: 4px; overflow: visible; margin: 6px 0 4px; background: var(--soft); }
.stack .part { display: block; height: 100%; }
.stack .marker { position: absolute; top: -4px; bottom: -4px; width: 2px; background: var(--ink); }
.part-0 { background: #5f6b7a; } .part-1 { background: #7d5ba6; } .part-2 { background: #2f6fb3; }
.part-3 { background: #d9822b; } .part-4 { background: #3a9a5b; }
.legend { font-size: 12px; color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 8px; border-radius: 2px; vertical-align: -1px; }
pre { white-space: pre-wrap; word-break: break-word; }
pre.code { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; font: 11px/1.45 Menlo, Consolas, monospace; }
pre.notes { font: inherit; background: var(--soft); padding: 8px 10px; border-radius: 4px; }
code { font: 12px Menlo, Consolas, monospace; }
footer { margin-top: 30px; padding-top: 8px; border-top: 1px solid var(--line); font-size: 11px; color: var(--muted); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; }
  #summary, #downtime, #groups, table.kv { break-inside: avoid; }
  .metric, .alert, .badge, th, .stack .part, .swatch { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`
