import { existsSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { LabFailure, labError } from '../../shared/errors'
import type { RunRecord } from '../../shared/history'
import { FILTER_TERM_HELP, parseRunFilterTerms, parseRunSort } from '../../shared/history-query'
import { formatBytes, formatMs } from '../../shared/report/format'
import { EXIT_BAD_INPUT, EXIT_OK } from './exit-codes'
import { formatChangedSettings, formatResultSummary } from './format'
import { openCliHistory, type DbOption } from './history-file'
import { parseHistoryRef, parseRunId } from './ids'
import { cliLab } from './lab-call'
import { readJsonArgument } from './read-input'

// The history commands read filters and sort keys with the History screen's parser
// (src/shared/history-query.ts) and call the LabApi's own handlers (cliLab), so a query, its
// limits and its errors are the same in the terminal as on the page.

function runLine(r: RunRecord): string {
  const s = r.summary
  const when = new Date(r.startedAtMs).toISOString().slice(0, 16).replace('T', ' ')
  const downtime = s?.downtimeMs != null ? formatMs(s.downtimeMs) : '—'
  const total = s ? formatMs(s.totalTimeMs) : '—'
  const exp = r.experimentId !== null ? `e${r.experimentId}` : ''
  return (
    `${String(r.id).padStart(6)} ${exp.padEnd(6)} ${when}  ${r.status.padEnd(11)} ${downtime.padStart(10)} ${total.padStart(10)} ` +
    `${String(s?.dirtySyncCount ?? '—').padStart(5)}  ${r.starred ? '★ ' : ''}${r.label}${r.tags.length ? ` [${r.tags.join(', ')}]` : ''}`
  )
}

export async function historyCommand(opts: {
  json?: boolean
  limit: number
  offset: number
  filter: string[]
  sort?: string
  db?: DbOption
}): Promise<number> {
  const { filter, problems } = parseRunFilterTerms(opts.filter)
  if (problems.length)
    throw new LabFailure(
      labError('Validation', `--filter: ${problems.join('; ')} (terms: ${FILTER_TERM_HELP})`)
    )
  const sort = opts.sort !== undefined ? parseRunSort(opts.sort) : undefined
  if (sort && !sort.ok) throw new LabFailure(labError('Validation', `--sort ${sort.error}`))
  const history = openCliHistory(opts.db, { readonly: 'if-needed' })
  try {
    const page = await cliLab(history)('history.listRuns', {
      filter,
      ...(sort ? { sort: sort.value } : {}),
      page: { limit: opts.limit, offset: opts.offset }
    })
    if (opts.json) {
      process.stdout.write(JSON.stringify(page, null, 2) + '\n')
      return EXIT_OK
    }
    if (page.total === 0) {
      process.stdout.write(
        Object.keys(filter).length
          ? 'No run matches these filters.\n'
          : 'No runs yet. Start one with `migration-lab run CONFIG`.\n'
      )
      return EXIT_OK
    }
    process.stdout.write(
      `${'run'.padStart(6)} ${'exp'.padEnd(6)} ${'started (UTC)'.padEnd(16)}  ${'status'.padEnd(11)} ${'downtime'.padStart(10)} ${'total'.padStart(10)} syncs  label\n`
    )
    for (const r of page.rows) process.stdout.write(runLine(r) + '\n')
    const shown = opts.offset + page.rows.length
    if (shown < page.total) process.stdout.write(`… ${page.total - shown} more (use --offset ${shown})\n`)
    return EXIT_OK
  } finally {
    history.close()
  }
}

export async function showCommand(id: string, opts: { json?: boolean; db?: DbOption }): Promise<number> {
  const runId = parseRunId(id, 'RUN_ID')
  const history = openCliHistory(opts.db, { readonly: true })
  try {
    const detail = await cliLab(history)('history.getRun', { runId, maxPoints: 2000 })
    if (opts.json) {
      process.stdout.write(JSON.stringify(detail, null, 2) + '\n')
      return EXIT_OK
    }
    const r = detail.run
    const title = `Run ${r.id}${r.label ? ` "${r.label}"` : ''} — ${r.source}, ${r.host}, started ${new Date(r.startedAtMs).toISOString()}`
    if (detail.result) process.stdout.write(formatResultSummary(detail.result, title) + '\n')
    else process.stdout.write(`${title}\nStatus       ${r.status}${r.reason ? ` — ${r.reason}` : ''}\n`)
    if (r.tags.length) process.stdout.write(`Tags         ${r.tags.join(', ')}\n`)
    if (r.notes) process.stdout.write(`Notes        ${r.notes}\n`)
    process.stdout.write(formatChangedSettings(detail.config) + '\n')
    if (detail.iterations.length) {
      process.stdout.write(
        '\n sync   time       sent pages   new dirty   remaining   bandwidth     threshold   exp. downtime  throttle\n'
      )
      for (const it of detail.iterations)
        process.stdout.write(
          `${String(it['dirty-sync-count']).padStart(5)} ${formatMs(it['time-ms']).padStart(9)} ${String(it['pages-sent']).padStart(12)} ` +
            `${String(it['dirty-pages']).padStart(11)} ${String(it['remaining-pages']).padStart(11)} ` +
            `${(formatBytes(it['bandwidth-bytes-per-ms'] * 1000) + '/s').padStart(12)} ${formatBytes(it['threshold-bytes']).padStart(12)} ` +
            `${formatMs(it['expected-downtime-ms']).padStart(14)} ${String(it['cpu-throttle-percentage']).padStart(7)}%  ${it.trigger}\n`
        )
    }
    return EXIT_OK
  } finally {
    history.close()
  }
}

/** Deleting is explicit: a confirmation on a terminal, `--yes` otherwise (issue 4). */
export async function deleteCommand(ids: string[], opts: { yes?: boolean; db?: DbOption }): Promise<number> {
  const runIds = ids.map((id) => parseRunId(id, 'RUN_ID'))
  const history = openCliHistory(opts.db)
  try {
    for (const id of runIds) history.getRunRecord(id) // NotFound names the missing id
    if (!opts.yes) {
      if (!process.stdin.isTTY) {
        process.stderr.write(
          'migration-lab: delete needs --yes when it cannot ask (standard input is not a terminal)\n'
        )
        return EXIT_BAD_INPUT
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr })
      const answer = await rl.question(`Delete ${runIds.length} run(s) (${runIds.join(', ')})? [y/N] `)
      rl.close()
      if (!/^y(es)?$/i.test(answer.trim())) {
        process.stderr.write('Nothing deleted.\n')
        return EXIT_OK
      }
    }
    const { runs } = await cliLab(history)('history.delete', { runIds })
    process.stdout.write(
      `Deleted ${runs} run(s). \`migration-lab restore ${runIds.join(' ')}\` brings them back.\n`
    )
    return EXIT_OK
  } finally {
    history.close()
  }
}

export async function restoreCommand(ids: string[], opts: { db?: DbOption }): Promise<number> {
  const runIds = ids.map((id) => parseRunId(id, 'RUN_ID'))
  const history = openCliHistory(opts.db)
  try {
    const { runs } = await cliLab(history)('history.restore', { runIds })
    process.stdout.write(`Restored ${runs} run(s).\n`)
    return EXIT_OK
  } finally {
    history.close()
  }
}

export async function exportCommand(
  id: string,
  opts: { out: string; force?: boolean; db?: DbOption }
): Promise<number> {
  const ref = parseHistoryRef(id, 'RUN_ID|EXPERIMENT_ID')
  const out = resolve(opts.out)
  if (existsSync(out) && !opts.force)
    throw new LabFailure(
      labError(
        'Validation',
        `--out ${opts.out}: the file exists; choose another name or add --force to replace it`
      )
    )
  const history = openCliHistory(opts.db, { readonly: true })
  try {
    const doc = await cliLab(history)(
      'history.export',
      ref.kind === 'run' ? { runIds: [ref.id] } : { experimentId: ref.id }
    )
    writeFileSync(out, JSON.stringify(doc, null, 2) + '\n', { flag: opts.force ? 'w' : 'wx' })
    process.stdout.write(
      `Exported ${doc.runs.length} run(s) and ${doc.experiments.length} experiment(s) to ${out}\n`
    )
    return EXIT_OK
  } finally {
    history.close()
  }
}

export async function importCommand(file: string, opts: { db?: DbOption }): Promise<number> {
  const doc = readJsonArgument(file, 'FILE')
  const history = openCliHistory(opts.db)
  try {
    const report = await cliLab(history)('history.import', { document: doc, fileName: file })
    const what =
      report.format === 'guestperf' ? 'a guestperf report (measured run)' : 'a Migration Lab export'
    process.stdout.write(
      `Imported ${what}: run(s) ${report.runIds.join(', ') || 'none'}` +
        (report.experimentIds.length
          ? `, experiment(s) ${report.experimentIds.map((e) => `e${e}`).join(', ')}`
          : '') +
        '\n'
    )
    return EXIT_OK
  } finally {
    history.close()
  }
}
