import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/shared/config'
import type { MigrationResult } from '../../src/shared/result'

// The command line as a user runs it: `npx migration-lab …` is bin/migration-lab.mjs running the
// built out/main/cli.js (the global setup builds), with the history in a temporary home.
const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let home: string

function lab(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, MIGRATION_LAB_HOME: home },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 120_000
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

function writeConfig(name: string, config: unknown): string {
  const file = join(home, name)
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config))
  return file
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'lab-cli-'))
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

// 1 GiB keeps each run short; the engine is exercised in depth by test/engine.
const small = { guest: { 'memory-mib': 1024 } }

describe('migration-lab run', () => {
  it('prints a readable summary, records the run and exits 0', () => {
    const r = lab(['run', writeConfig('small.json', { name: 'small guest', ...small })])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Migration Lab — run "small guest"/)
    expect(r.stdout).toMatch(/^Status +completed — /m)
    expect(r.stdout).toMatch(/^Downtime +[\d.]+ ms as QEMU reports it; the guest was paused [\d.]+ ms/m)
    expect(r.stdout).toMatch(/^Verified +yes/m)
    expect(r.stdout).toMatch(/Recorded as run 1 in .*history\.db/)
    expect(existsSync(join(home, 'history.db'))).toBe(true)
  })

  it('prints the query-migrate-shaped result with --json (DESIGN.md §4)', () => {
    const r = lab(['run', writeConfig('small.json', small), '--json', '--no-db', '--seed', '7'])
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as MigrationResult
    expect(result.status).toBe('completed')
    for (const key of ['total-time', 'setup-time', 'downtime', 'expected-downtime'] as const)
      expect(typeof result[key]).toBe('number')
    expect(result.ram.total).toBe(1024 * 1024 * 1024)
    expect(result.ram['page-size']).toBe(4096)
    expect(result.ram['dirty-sync-count']).toBeGreaterThanOrEqual(2)
    expect(result.lab.seed).toBe(7)
    expect(result.lab.verified).toBe(true)
    expect(result.lab.iterations).toHaveLength(result.ram['dirty-sync-count'])
  })

  it('adds progress, throughput and timeline with --full', () => {
    const r = lab(['run', writeConfig('small.json', small), '--json', '--full', '--no-db'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as {
      result: MigrationResult
      telemetry: { progress: unknown[]; throughput: unknown[]; timeline: unknown[] }
    }
    expect(out.result.status).toBe('completed')
    expect(out.telemetry.progress.length).toBeGreaterThan(10)
    expect(out.telemetry.throughput).toHaveLength(2)
    expect(out.telemetry.timeline.length).toBeGreaterThan(0)
  })

  it('reads the config from standard input with -', () => {
    const r = lab(['run', '-', '--json', '--no-db'], JSON.stringify(small))
    expect(r.code).toBe(0)
    expect((JSON.parse(r.stdout) as MigrationResult).status).toBe('completed')
  })

  it('lists every problem of a bad config as path: message and exits 2', () => {
    const r = lab([
      'run',
      writeConfig('bad.json', { guest: { 'memory-mib': -1, vcpus: 'two' }, colour: 'red' })
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/guest\.memory-mib: /)
    expect(r.stderr).toMatch(/guest\.vcpus: /)
    expect(r.stderr).toMatch(/colour: unknown key/)
    expect(r.stdout).toBe('')
  })

  it('refuses dirty-limit with auto-converge or without a dirty ring (migrate_caps_check), exit 2 naming the fields', () => {
    const both = lab([
      'run',
      writeConfig('dl-ac.json', {
        guest: { 'dirty-ring-size': 4096 },
        migration: { capabilities: { 'dirty-limit': true, 'auto-converge': true } }
      })
    ])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(
      /migration\.capabilities\.dirty-limit: cannot be used together with auto-converge/
    )
    const noRing = lab([
      'run',
      writeConfig('dl-bitmap.json', { migration: { capabilities: { 'dirty-limit': true } } })
    ])
    expect(noRing.code).toBe(2)
    expect(noRing.stderr).toMatch(
      /migration\.capabilities\.dirty-limit: needs KVM's dirty ring: set guest\.dirty-ring-size/
    )
    expect(noRing.stdout).toBe('')
  })

  it('names the file and the place of a JSON syntax error', () => {
    const r = lab(['run', writeConfig('broken.json', '{\n  "guest": {\n    memory: 1\n  }\n}')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/broken\.json: not valid JSON .*line 3, column 5/)
  })

  it('refuses bad flags and missing files with exit 2', () => {
    expect(lab(['run', join(home, 'nope.json')]).stderr).toMatch(/nope\.json: no such file/)
    expect(lab(['run', join(home, 'nope.json')]).code).toBe(2)
    const seed = lab(['run', writeConfig('small.json', small), '--seed', 'abc'])
    expect(seed.code).toBe(2)
    expect(seed.stderr).toMatch(/--seed: "abc" is not a whole number/)
    expect(lab(['frobnicate']).code).toBe(2)
    expect(lab(['run', writeConfig('small.json', small), '--full']).stderr).toMatch(/--full goes with --json/)
  })

  it('refuses a file that is not a history database and leaves it untouched', () => {
    const notes = writeConfig('notes.txt', 'my notes, not a database\n')
    const r = lab(['run', writeConfig('small.json', small), '--db', notes])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/notes\.txt/)
    expect(readFileSync(notes, 'utf8')).toBe('my notes, not a database\n')
  })
})

describe('migration-lab schema and defaults', () => {
  it('prints a JSON Schema and a default config that validates', () => {
    const schema = lab(['schema'])
    expect(schema.code).toBe(0)
    const json = JSON.parse(schema.stdout) as { properties: Record<string, unknown> }
    expect(Object.keys(json.properties)).toEqual(
      expect.arrayContaining(['guest', 'network', 'migration', 'host'])
    )
    const defaults = lab(['defaults'])
    expect(defaults.code).toBe(0)
    const parsed = parseConfig(JSON.parse(defaults.stdout))
    expect(parsed.ok).toBe(true)
    if (parsed.ok) expect(parsed.config.migration.parameters['downtime-limit']).toBe(300)
  })
})

describe('migration-lab sweep, history, show, delete, export, import', () => {
  it('runs a 3-point sweep and finds its runs by a config filter', () => {
    const db = join(home, 'sweep.db')
    const sweep = lab([
      'sweep',
      writeConfig('small.json', small),
      '--vary',
      'migration.parameters.downtime-limit=50,300,1000',
      '--name',
      'downtime limits',
      '--db',
      db
    ])
    expect(sweep.code).toBe(0)
    expect(sweep.stdout).toMatch(/Experiment e1 "downtime limits": completed — 3 runs/)
    expect(sweep.stdout.match(/ completed {2}downtime-limit=/g)).toHaveLength(3)

    const filtered = lab([
      'history',
      '--json',
      '--db',
      db,
      '--filter',
      'migration.parameters.downtime-limit>=300'
    ])
    expect(filtered.code).toBe(0)
    const page = JSON.parse(filtered.stdout) as { total: number; rows: { label: string }[] }
    expect(page.total).toBe(2)
    expect(page.rows.map((r) => r.label).sort()).toEqual(['downtime-limit=1000', 'downtime-limit=300'])

    // The History screen's parser: a misspelt parameter is refused (it used to match nothing).
    const misspelt = lab(['history', '--db', db, '--filter', 'migration.parameters.downtime-limt>=300'])
    expect(misspelt.code).toBe(2)
    expect(misspelt.stderr).toContain('migration.parameters.downtime-limt is not a config parameter')
    const sorted = lab(['history', '--json', '--db', db, '--sort', 'downtime:up'])
    expect(sorted.code).toBe(2)
    expect(sorted.stderr).toContain('the direction is asc or desc')

    const bad = lab([
      'sweep',
      writeConfig('small.json', small),
      '--vary',
      'migration.parameters.no-such=1,2',
      '--db',
      db
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/no-such/)
  })

  it('shows a run with one line per dirty sync', () => {
    const db = join(home, 'show.db')
    expect(lab(['run', writeConfig('small.json', small), '--db', db]).code).toBe(0)
    const show = lab(['show', '1', '--db', db])
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(/^ +1 .* setup$/m)
    expect(show.stdout).toMatch(/ final$/m)
    // The settings that differ from the defaults, in Configure's units (the parameter catalog).
    expect(show.stdout).toMatch(/^Settings +guest\.memory-mib = 1024 \(1 GiB\) — Guest memory$/m)
    expect(lab(['show', '42', '--db', db]).code).toBe(2)
  })

  it('deletes only when told to, and restores', () => {
    const db = join(home, 'delete.db')
    expect(lab(['run', writeConfig('small.json', small), '--db', db]).code).toBe(0)
    const refused = lab(['delete', '1', '--db', db])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--yes/)
    expect(JSON.parse(lab(['history', '--json', '--db', db]).stdout).total).toBe(1)
    expect(lab(['delete', '1', '--yes', '--db', db]).code).toBe(0)
    expect(JSON.parse(lab(['history', '--json', '--db', db]).stdout).total).toBe(0)
    expect(lab(['restore', '1', '--db', db]).code).toBe(0)
    expect(JSON.parse(lab(['history', '--json', '--db', db]).stdout).total).toBe(1)
  })

  it('exports a run and imports it into another history unchanged, never overwriting a file', () => {
    const from = join(home, 'from.db')
    const to = join(home, 'to.db')
    expect(lab(['run', writeConfig('small.json', small), '--db', from]).code).toBe(0)
    const out = join(home, 'run1.json')
    expect(lab(['export', '1', '--out', out, '--db', from]).code).toBe(0)
    const again = lab(['export', '1', '--out', out, '--db', from])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/exists/)
    expect(lab(['import', out, '--db', to]).code).toBe(0)
    const original = JSON.parse(lab(['show', '1', '--json', '--db', from]).stdout)
    const imported = JSON.parse(lab(['show', '1', '--json', '--db', to]).stdout)
    expect(imported.result).toEqual(original.result)
    expect(imported.configJson).toBe(original.configJson)
  })

  it('imports a guestperf report as a measured run', () => {
    const db = join(home, 'guestperf.db')
    const r = lab([
      'import',
      resolve(__dirname, '../fixtures/guestperf/auto-converge-10gbs.json'),
      '--db',
      db
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/guestperf report/)
    const page = JSON.parse(lab(['history', '--json', '--filter', 'source=measured', '--db', db]).stdout)
    expect(page.total).toBe(1)
  })
})
