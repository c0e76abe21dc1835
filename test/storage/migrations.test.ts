import Database from 'better-sqlite3'
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  migrate,
  openHistory,
  type Migration
} from '../../src/main/storage'
import { FIXTURE_CONTENT, buildFixture, fixturePath } from '../fixtures/history/build-fixtures'
import { tempDir } from './helpers'

const FIXTURE_VERSIONS = MIGRATIONS.slice(0, -1).map((m) => m.version)

beforeAll(() => {
  // Committed fixtures stand for files users have; they are rebuilt only when asked (or missing).
  for (const version of FIXTURE_VERSIONS)
    if (process.env.LAB_WRITE_FIXTURES === '1' || !existsSync(fixturePath(version))) buildFixture(version)
})

let cleanup: (() => void) | null = null
afterEach(() => {
  cleanup?.()
  cleanup = null
})

function copyOfFixture(version: number): string {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  const file = join(tmp.dir, `history-v${version}.sqlite`)
  copyFileSync(fixturePath(version), file)
  return file
}

describe('schema migrations', () => {
  it('has at least two real migrations, numbered 1, 2, … without gaps', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(2)
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it.each(FIXTURE_VERSIONS)('committed fixture v%i is small and really at that version', (version) => {
    const file = fixturePath(version)
    expect(statSync(file).size).toBeLessThan(100 * 1024)
    const db = new Database(file, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(version)
    db.close()
  })

  it.each(FIXTURE_VERSIONS)(
    'upgrades a v%i history to the latest schema and keeps every run and sample',
    (version) => {
      const file = copyOfFixture(version)
      const history = openHistory(file)
      try {
        expect(history.migration.from).toBe(version)
        expect(history.migration.to).toBe(LATEST_SCHEMA_VERSION)
        expect(history.migration.applied).toHaveLength(LATEST_SCHEMA_VERSION - version)

        const runs = history.listRuns({ sort: { key: 'started', dir: 'asc' } })
        expect(runs.total).toBe(3)
        expect(runs.rows.map((r) => r.label)).toEqual([
          'downtime-limit=100 #1',
          'downtime-limit=300 #1',
          'stand-alone'
        ])

        const completed = history.getRun(FIXTURE_CONTENT.completedRunId)
        expect(completed.run.status).toBe('completed')
        expect(completed.run.summary?.downtimeMs).toBe(FIXTURE_CONTENT.completedDowntimeMs)
        expect(completed.run.experimentName).toBe(FIXTURE_CONTENT.experimentName)
        expect(completed.progress).toHaveLength(FIXTURE_CONTENT.completedProgressPoints)
        expect(completed.throughput[0]['mib-per-s']).toHaveLength(50)
        expect(completed.timeline.length).toBeGreaterThan(0)
        expect(completed.iterations).toHaveLength(completed.result?.lab.iterations.length ?? -1)

        // The run whose writer died before the upgrade is recovered, with its samples.
        expect(history.interruptedAtOpen.map((r) => r.id)).toEqual([FIXTURE_CONTENT.interruptedRunId])
        const interrupted = history.getRun(FIXTURE_CONTENT.interruptedRunId)
        expect(interrupted.run.status).toBe('interrupted')
        expect(interrupted.progress).toHaveLength(FIXTURE_CONTENT.interruptedProgressPoints)

        if (version >= 2) {
          // Written by v2: tags and notes survive the later migrations.
          expect(completed.run.tags).toEqual(FIXTURE_CONTENT.v2Tags)
          expect(completed.run.notes).toBe(FIXTURE_CONTENT.v2Notes)
          expect(history.getExperiment(1).tags).toEqual(['sweep'])
        } else {
          // v2 added tags and notes: runs from v1 start with none, and can be given some.
          expect(completed.run.tags).toEqual([])
          expect(completed.run.notes).toBe('')
          history.setRunTags(FIXTURE_CONTENT.completedRunId, ['from-v1'])
          history.setRunNotes(FIXTURE_CONTENT.completedRunId, 'annotated after upgrade')
          expect(history.getRunRecord(FIXTURE_CONTENT.completedRunId).tags).toEqual(['from-v1'])
        }
        // v3's sort indexes: sorting by downtime puts runs without a summary last.
        const byDowntime = history.listRuns({ sort: { key: 'downtime', dir: 'desc' } })
        expect(byDowntime.rows[0].id).toBe(FIXTURE_CONTENT.completedRunId)
      } finally {
        history.close()
      }
      const db = new Database(file, { readonly: true })
      const indexes = (
        db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index'`).all() as { name: string }[]
      ).map((r) => r.name)
      expect(indexes).toContain('run_listed_by_started')
      expect(indexes).toContain('run_summary_by_downtime')
      expect(indexes).not.toContain('run_by_started')
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
      db.close()
    }
  )

  it('runs all pending migrations in one transaction: a failing one leaves the database as it was', () => {
    const file = copyOfFixture(1)
    const before = readFileSync(file)
    const broken: Migration[] = [
      ...MIGRATIONS.slice(0, 2),
      {
        version: 3,
        name: 'broken on purpose',
        sql: 'CREATE TABLE note_ok (x); INSERT INTO no_such_table VALUES (1);'
      }
    ]
    const db = new Database(file)
    expect(() => migrate(db, broken)).toThrow(/no_such_table/)
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    const tables = (
      db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).all() as { name: string }[]
    ).map((r) => r.name)
    expect(tables).not.toContain('run_tag') // migration 2 was rolled back together with 3
    expect(tables).not.toContain('note_ok')
    db.close()
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it('builds a fixture at any version from the migration list (fixture script)', () => {
    const tmp = tempDir()
    cleanup = tmp.cleanup
    const file = buildFixture(1, join(tmp.dir, 'v1.sqlite'))
    const db = new Database(file, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    expect((db.prepare('SELECT count(*) AS n FROM run').get() as { n: number }).n).toBe(3)
    db.close()
  })
})
