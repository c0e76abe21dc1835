import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CONVERGING,
  HOT_SET,
  csvObjects,
  recordExperiment,
  recordRun,
  tempHistory,
  type TempHistory
} from './helpers'

// `migration-lab report` as a user runs it: bin/migration-lab.mjs running the built CLI (the
// global setup builds out/), on a history database filled by the real engine.

const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let t: TempHistory
let runId: number
let experimentId: number
let experimentRuns: number[]

function lab(
  args: string[],
  env: Record<string, string> = {}
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args, '--db', t.file], {
    env: { ...process.env, MIGRATION_LAB_HOME: t.dir, ...env },
    encoding: 'utf8',
    timeout: 120_000
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(async () => {
  t = tempHistory('lab-report-cli-')
  runId = await recordRun(t.history, CONVERGING, { label: 'small guest' })
  ;({ experimentId, runIds: experimentRuns } = await recordExperiment(t.history, HOT_SET, {
    path: 'migration.parameters.downtime-limit',
    values: [300, 3000]
  }))
  t.history.flush()
}, 120_000)
afterAll(() => t.cleanup())

describe('migration-lab report', () => {
  it('writes the HTML report of a run and says where', () => {
    const out = join(t.dir, 'run.html')
    const r = lab(['report', String(runId), '--out', out])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`Wrote the HTML report of run ${runId} to ${out}\n`)
    const html = readFileSync(out, 'utf8')
    expect(html).toContain(`<title>Run ${runId} — small guest · Migration Lab report</title>`)
    expect(html.match(/<figure id="chart-/g)?.length).toBe(5)
  })

  it('writes an experiment’s three CSV tables into a folder', () => {
    const dir = join(t.dir, 'csv') + '/'
    const r = lab(['report', `e${experimentId}`, '--format', 'csv', '--out', dir])
    expect(r.code).toBe(0)
    for (const table of ['runs', 'syncs', 'progress'])
      expect(existsSync(join(dir, `report-${table}.csv`))).toBe(true)
    const { rows } = csvObjects(readFileSync(join(dir, 'report-runs.csv'), 'utf8'))
    expect(rows.map((row) => Number(row['run-id']))).toEqual(experimentRuns)
    expect(rows.map((row) => row['migration.parameters.downtime-limit'])).toEqual(['300', '3000'])
  })

  it('writes CSV with a file prefix', () => {
    const r = lab(['report', String(runId), '--format', 'csv', '--out', join(t.dir, 'small.csv')])
    expect(r.code).toBe(0)
    for (const table of ['runs', 'syncs', 'progress'])
      expect(existsSync(join(t.dir, `small-${table}.csv`))).toBe(true)
  })

  it('compares several runs in one report', () => {
    const out = join(t.dir, 'comparison.html')
    const r = lab(['report', String(runId), ...experimentRuns.map(String), '--out', out])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`of ${experimentRuns.length + 1} runs`)
    expect(readFileSync(out, 'utf8')).toContain('Migration Lab comparison report')
  })

  it('writes QMP commands, one JSON object per line', () => {
    const out = join(t.dir, 'commands.jsonl')
    const r = lab(['report', String(runId), '--format', 'qmp', '--out', out])
    expect(r.code).toBe(0)
    const commands = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { execute: string })
    expect(commands.at(-1)?.execute).toBe('migrate')
  })

  it('writes a re-importable JSON export and a PDF of an experiment', () => {
    const json = join(t.dir, 'experiment.json')
    expect(lab(['report', `e${experimentId}`, '--format', 'json', '--out', json]).code).toBe(0)
    expect((JSON.parse(readFileSync(json, 'utf8')) as { format: string }).format).toBe('migration-lab-export')
    const pdf = join(t.dir, 'experiment.pdf')
    const r = lab(['report', `e${experimentId}`, '--format', 'pdf', '--out', pdf])
    expect(r.code).toBe(0)
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-')
  })

  it('never overwrites a file without --force (exit 2, naming it)', () => {
    const out = join(t.dir, 'kept.html')
    writeFileSync(out, 'my notes')
    const r = lab(['report', String(runId), '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${out} exists; choose another name or add --force`)
    expect(readFileSync(out, 'utf8')).toBe('my notes')
    expect(lab(['report', String(runId), '--out', out, '--force']).code).toBe(0)
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/)
  })

  it('refuses unknown ids, unknown formats and QEMU commands of several runs with exit 2', () => {
    const unknown = lab(['report', '99999', '--out', join(t.dir, 'x.html')])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('There is no run 99999')
    const experiment = lab(['report', 'e99999', '--out', join(t.dir, 'x.html')])
    expect(experiment.code).toBe(2)
    expect(experiment.stderr).toContain('99999')
    const format = lab(['report', String(runId), '--format', 'docx', '--out', join(t.dir, 'x.docx')])
    expect(format.code).toBe(2)
    expect(format.stderr).toContain('--format: "docx" is not one of html, pdf, csv, json, qmp, hmp')
    const qmp = lab([
      'report',
      ...experimentRuns.map(String),
      '--format',
      'qmp',
      '--out',
      join(t.dir, 'x.jsonl')
    ])
    expect(qmp.code).toBe(2)
    expect(qmp.stderr).toContain('give exactly one run id')
    expect(existsSync(join(t.dir, 'x.html'))).toBe(false)
  })

  it('says what to install when no Chromium is found, exit 1', () => {
    const out = join(t.dir, 'nochrome.pdf')
    const r = lab(['report', String(runId), '--format', 'pdf', '--out', out], {
      CHROME_PATH: join(t.dir, 'no-such-chrome')
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'PDF needs Chromium or Google Chrome; install it (e.g. `apt-get install chromium`) or set CHROME_PATH'
    )
    expect(existsSync(out)).toBe(false)
  })
})
