import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabFailure, type LabError } from '../../src/shared/errors'
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, openHistory } from '../../src/main/storage'
import { sampleConfig, sampleResult, tempDir } from './helpers'

let dir = ''
let cleanup = (): void => {}
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

function refusal(open: () => unknown): LabError {
  try {
    open()
  } catch (e) {
    expect(e).toBeInstanceOf(LabFailure)
    return (e as LabFailure).error
  }
  throw new Error('expected the history to be refused')
}

/** The file and everything beside it, byte for byte (as sha256 of each file's bytes). */
function snapshot(file: string): Record<string, string> {
  const folder = join(file, '..')
  return Object.fromEntries(
    readdirSync(folder).map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(join(folder, name)))
        .digest('hex')
    ])
  )
}

function makeHistoryWithOneRun(file: string): void {
  const history = openHistory(file)
  const id = history.beginRun({ config: sampleConfig(), seed: 1, engineVersion: 'test' })
  history.finish(id, sampleResult())
  history.close()
}

describe('opening a history database', () => {
  it('creates a new file, with its folders, as a Migration Lab database in WAL mode', () => {
    const file = join(dir, 'nested', 'deeper', 'history.db')
    const history = openHistory(file)
    expect(history.migration).toMatchObject({ from: 0, to: LATEST_SCHEMA_VERSION })
    history.close()
    const db = new Database(file, { readonly: true })
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('turns an empty (0-byte) file into a history', () => {
    const file = join(dir, 'empty.db')
    writeFileSync(file, '')
    makeHistoryWithOneRun(file)
    const history = openHistory(file)
    expect(history.listRuns().total).toBe(1)
    history.close()
  })

  it('keeps its data across reopening, and another process can open it read-only', () => {
    const file = join(dir, 'history.db')
    makeHistoryWithOneRun(file)
    const reader = openHistory(file, { readonly: true })
    expect(reader.listRuns().rows[0].summary?.downtimeMs).toBe(87)
    expect(() => reader.setRunStarred(1, true)).toThrow(/read-only/)
    reader.close()
  })

  it('refuses a text file given as the database and leaves it byte-identical', () => {
    const file = join(dir, 'notes.txt')
    writeFileSync(file, 'these are my notes about migration\nnot a database\n')
    const before = snapshot(file)
    const error = refusal(() => openHistory(file))
    expect(error.kind).toBe('Database')
    expect(error.message).toContain(file)
    expect(error.message).toMatch(/not a SQLite database/)
    expect(error.message).toContain('these are my notes')
    expect(snapshot(file)).toEqual(before)
  })

  it("refuses another application's SQLite database (its own application_id) untouched", () => {
    const file = join(dir, 'other-app.sqlite')
    const db = new Database(file)
    db.pragma('application_id = 1234')
    db.pragma('journal_mode = WAL')
    db.exec(`CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');`)
    db.close()
    const before = snapshot(file)
    const error = refusal(() => openHistory(file))
    expect(error.kind).toBe('Database')
    expect(error.message).toContain(file)
    expect(error.message).toMatch(/another application \(application_id 0x4d2\)/)
    expect(snapshot(file)).toEqual(before)
  })

  it('refuses a SQLite database without an application id that has tables, untouched (WAL side files included)', () => {
    const file = join(dir, 'plain.sqlite')
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('wal_autocheckpoint = 0')
    db.exec(`CREATE TABLE t (x); INSERT INTO t VALUES (1);`)
    // Keep the data in the WAL: a careless open would checkpoint it into the main file.
    const holder = new Database(file)
    holder.prepare('SELECT * FROM t').get()
    db.close()
    const before = snapshot(file)
    expect(existsSync(`${file}-wal`)).toBe(true)
    const error = refusal(() => openHistory(file))
    expect(error.kind).toBe('Database')
    expect(error.message).toMatch(/did not create/)
    expect(snapshot(file)).toEqual(before)
    holder.close()
  })

  it('adopts an empty SQLite database (no tables, no id)', () => {
    const file = join(dir, 'blank.sqlite')
    const db = new Database(file)
    db.pragma('journal_mode = DELETE')
    db.pragma('user_version = 0')
    db.exec('VACUUM')
    db.close()
    makeHistoryWithOneRun(file)
    expect(openHistory(file, { readonly: true }).listRuns().total).toBe(1)
  })

  it('refuses a damaged history (schema page overwritten) and leaves the file byte-identical', () => {
    const good = join(dir, 'good.db')
    makeHistoryWithOneRun(good)
    const file = join(dir, 'damaged.db')
    const bytes = readFileSync(good)
    // Keep the 100-byte header (so it still says "Migration Lab"), wreck the schema b-tree.
    for (let i = 100; i < 4096; i++) bytes[i] = (i * 131) & 0xff
    writeFileSync(file, bytes)
    const before = readFileSync(file)
    const error = refusal(() => openHistory(file))
    expect(error.kind).toBe('Database')
    expect(error.message).toContain(file)
    expect(error.message).toMatch(/cannot be read/)
    expect(readFileSync(file).equals(before)).toBe(true)
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(existsSync(`${file}-shm`)).toBe(false)
  })

  it('refuses a truncated history and leaves it byte-identical', () => {
    const good = join(dir, 'good.db')
    makeHistoryWithOneRun(good)
    const file = join(dir, 'truncated.db')
    writeFileSync(file, readFileSync(good).subarray(0, 3000))
    const before = readFileSync(file)
    const error = refusal(() => openHistory(file))
    expect(error.kind).toBe('Database')
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it('refuses a history written by a newer Migration Lab, naming both schema versions', () => {
    const file = join(dir, 'future.db')
    makeHistoryWithOneRun(file)
    const db = new Database(file)
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 4}`)
    db.close()
    const before = snapshot(file)
    const error = refusal(() => openHistory(file))
    expect(error.kind).toBe('DbFromFuture')
    expect(error.message).toBe(
      `${file} was written by a newer Migration Lab (schema ${LATEST_SCHEMA_VERSION + 4}; this version knows up to ${LATEST_SCHEMA_VERSION}). ` +
        'Update Migration Lab, or choose another file with --db.'
    )
    expect(snapshot(file)).toEqual(before)
  })

  it('refuses a folder given as the database', () => {
    const folder = join(dir, 'a-folder')
    mkdirSync(folder)
    expect(refusal(() => openHistory(folder)).message).toMatch(/is a directory/)
  })

  it('does not create a file when opened read-only', () => {
    const file = join(dir, 'missing.db')
    expect(refusal(() => openHistory(file, { readonly: true })).kind).toBe('NotFound')
    expect(existsSync(file)).toBe(false)
  })

  it('opens a history another connection is writing (its data still only in the WAL)', () => {
    const file = join(dir, 'live.db')
    const writer = openHistory(file)
    const id = writer.beginRun({
      config: sampleConfig(),
      seed: 3,
      engineVersion: 'test',
      label: 'still writing'
    })
    expect(readFileSync(`${file}-wal`).length).toBeGreaterThan(0)
    const reader = openHistory(file, { readonly: true })
    expect(reader.getRunRecord(id).label).toBe('still writing')
    reader.close()
    writer.close()
  })
})

describe('native binding per runtime', () => {
  it('inside Electron opens the history with Electron’s own build of better-sqlite3, and says when it is missing', () => {
    // Node's build in node_modules cannot load in Electron (another ABI), so the storage layer
    // must ask for the build `npm start` makes. Pretend to be Electron: the open must go for that
    // file and, since it was never built here, fail with a clear Database error naming it.
    const file = join(dir, 'electron.db')
    Object.defineProperty(process.versions, 'electron', {
      value: '45.5.0',
      configurable: true,
      enumerable: true
    })
    try {
      let error: LabError | undefined
      try {
        openHistory(file).close()
      } catch (e) {
        error = (e as LabFailure).error
      }
      expect(error?.kind).toBe('Database')
      expect(error?.message).toMatch(/electron-45\.5\.0-.*better_sqlite3\.node/)
    } finally {
      delete (process.versions as { electron?: string }).electron
    }
    expect(openHistory(file).schemaVersion).toBe(LATEST_SCHEMA_VERSION)
  })
})
