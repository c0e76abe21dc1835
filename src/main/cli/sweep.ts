import { availableParallelism } from 'node:os'
import { LabFailure, labError } from '../../shared/errors'
import type { SweepValue, VariedParameter } from '../../shared/sweep'
import type { SweepFinished } from '../../shared/protocol/lab-api-history'
import { SweepRunner } from '../lab/sweep-runner'
import { NodeProcessHost } from '../process/node-host'
import { EXIT_FAILURE, EXIT_OK } from './exit-codes'
import { openCliHistory, type DbOption } from './history-file'
import { bar, terminalProgress } from './progress'
import { readJsonArgument } from './read-input'
import { onStopSignals } from './stop-signals'
import { parseShard } from './shard'

export interface SweepCliOptions {
  vary: string[]
  repeat: number
  parallel?: number
  name?: string
  db?: DbOption
  json?: boolean
  shard?: string
  shardCount?: number
}

/**
 * `--vary PATH=V1,V2,...` or `--vary PATH=a..b:step`. Values are JSON scalars where they parse
 * as one (numbers, true, false), else strings (`pattern=uniform,hotspot`).
 */
export function parseVary(text: string): VariedParameter {
  const eq = text.indexOf('=')
  if (eq <= 0 || eq === text.length - 1)
    throw new LabFailure(
      labError('Validation', `--vary "${text}": write PATH=V1,V2,... or PATH=start..end:step`)
    )
  const path = text.slice(0, eq).trim()
  const values = text.slice(eq + 1).trim()
  if (/^-?[\d.e+-]+\s*\.\.\s*-?[\d.e+-]+\s*:\s*[\d.e+-]+$/i.test(values)) return { path, range: values }
  return { path, values: values.split(',').map((v) => scalar(v.trim())) }
}

function scalar(v: string): SweepValue {
  if (v === 'true') return true
  if (v === 'false') return false
  if (v !== '' && Number.isFinite(Number(v))) return Number(v)
  return v
}

/** `migration-lab sweep CONFIG --vary …`: runs an experiment and prints where it is kept. */
export async function sweepCommand(configPath: string, opts: SweepCliOptions): Promise<number> {
  if (opts.vary.length === 0 || opts.vary.length > 2)
    throw new LabFailure(labError('Validation', 'sweep: give one or two --vary PATH=V1,V2,... options'))
  const baseConfig = readJsonArgument(configPath, 'CONFIG')
  if (typeof baseConfig !== 'object' || baseConfig === null || Array.isArray(baseConfig))
    throw new LabFailure(labError('Validation', `CONFIG ${configPath}: the config must be a JSON object`))
  const vary = opts.vary.map(parseVary)
  const shard = opts.shard !== undefined ? parseShard(opts.shard, process.env, opts.shardCount) : undefined
  if (shard === undefined && opts.shardCount !== undefined)
    throw new LabFailure(labError('Validation', '--shard-count goes with --shard auto'))
  const history = openCliHistory(opts.db)
  const host = new NodeProcessHost()
  const progress = terminalProgress(process.stderr, process.stderr.isTTY === true)
  let finished: SweepFinished | undefined
  const runner = new SweepRunner({
    history,
    host,
    defaultParallelism: availableParallelism(),
    onProgress: (p) =>
      progress.update(
        `${bar(p.done / p.total)} ${p.done}/${p.total} runs${p.failed ? ` · ${p.failed} failed` : ''}`
      ),
    onFinished: (f) => (finished = f)
  })
  const offStopSignals = onStopSignals(() => void runner.cancelAll())
  try {
    const name = opts.name ?? `sweep of ${vary.map((v) => v.path).join(' × ')}`
    const started = runner.start({
      name,
      baseConfig: baseConfig as Record<string, unknown>,
      vary,
      repeat: opts.repeat,
      ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
      ...(shard ? { shard } : {})
    })
    await runner.whenFinished(started.experimentId)
    progress.done()
    const status = finished?.status ?? 'failed'
    const runs = history.listRuns({
      filter: { experimentId: started.experimentId },
      page: { limit: 1000, offset: 0 }
    })
    if (opts.json) {
      process.stdout.write(
        JSON.stringify(
          {
            experimentId: started.experimentId,
            status,
            runs: runs.rows.map((r) => ({ id: r.id, label: r.label, status: r.status, summary: r.summary }))
          },
          null,
          2
        ) + '\n'
      )
    } else {
      process.stdout.write(
        `Experiment e${started.experimentId} "${name}"${shard ? ` (shard ${shard.index + 1}/${shard.count})` : ''}: ${status} — ${started.total} runs, ${started.parallel} at a time\n`
      )
      for (const r of [...runs.rows].reverse())
        process.stdout.write(
          `  run ${String(r.id).padStart(5)}  ${r.status.padEnd(10)} ${r.label.padEnd(40)} ` +
            (r.summary?.downtimeMs != null
              ? `downtime ${r.summary.downtimeMs.toFixed(1)} ms`
              : (r.reason ?? '')) +
            '\n'
        )
      process.stdout.write(
        `Kept in ${history.file}; compare it in the lab or with \`migration-lab history --filter experiment=${started.experimentId}\`.\n`
      )
    }
    if (finished?.error) process.stderr.write(`migration-lab: ${finished.error.message}\n`)
    return status === 'failed' ? EXIT_FAILURE : EXIT_OK
  } finally {
    progress.done()
    offStopSignals()
    await host.killAll()
    history.close()
  }
}
