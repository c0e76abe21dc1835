/**
 * Opening a history database without ever damaging a file that is not one.
 *
 * A path given with `--db` may name anything: a text file, another program's SQLite database,
 * a damaged copy, or a history written by a newer Migration Lab. Before SQLite opens a file for
 * writing, it is inspected: first its 100-byte header with plain file reads (magic string,
 * `application_id`, `user_version`, page count, journal mode — sqlite.org/fileformat.html §1.3),
 * then, only for a file that carries Migration Lab's application id, a read-only SQLite
 * connection reads its schema. Anything else is refused with a LabFailure naming the file and
 * the problem, and the file is left byte for byte as it was: no table is ever created in it, no
 * WAL is ever checkpointed into it.
 *
 * Accepted: a missing or 0-byte file (a new history), a SQLite file with no schema and no
 * application id (an empty database, adopted), and our own databases up to LATEST_SCHEMA_VERSION.
 */
import Database from 'better-sqlite3'
import {
  closeSync,
  constants as fsConstants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  unlinkSync
} from 'node:fs'
import { dirname } from 'node:path'
import { LabFailure, labError } from '../../shared/errors'
import { hasAccess, sqliteNativeBinding } from '../paths'
import { APPLICATION_ID, LATEST_SCHEMA_VERSION } from './migrations'

const SQLITE_MAGIC = 'SQLite format 3\u0000'

/** What the first 100 bytes say, before SQLite is allowed near the file. */
export type FileInspection =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'not-sqlite'; preview: string }
  | {
      kind: 'sqlite'
      applicationId: number
      userVersion: number
      pageCount: number
      /** File format read/write versions are 2 in WAL mode. */
      walMode: boolean
    }

export function inspectFile(file: string): FileInspection {
  if (!existsSync(file)) return { kind: 'missing' }
  const stat = statSync(file)
  if (stat.isDirectory())
    throw new LabFailure(
      labError('Database', `${file} is a directory, not a history database file. Choose a file with --db.`)
    )
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    if (size === 0) return { kind: 'empty' }
    const header = Buffer.alloc(100)
    const read = readSync(fd, header, 0, 100, 0)
    if (read < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC)
      return { kind: 'not-sqlite', preview: previewOf(header.subarray(0, read)) }
    // Page size: 2 bytes at offset 16, where 1 means 65536.
    const rawPageSize = header.readUInt16BE(16)
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize
    // The in-header page count (offset 28) is valid only when the "version-valid-for" number
    // (offset 92) equals the change counter (offset 24); otherwise derive it from the size.
    const headerPages = header.readUInt32BE(28)
    const pageCountValid = headerPages > 0 && header.readUInt32BE(92) === header.readUInt32BE(24)
    const pageCount = pageCountValid ? headerPages : pageSize > 0 ? Math.ceil(size / pageSize) : 0
    return {
      kind: 'sqlite',
      applicationId: header.readUInt32BE(68),
      userVersion: header.readUInt32BE(60),
      pageCount,
      walMode: header[18] === 2 || header[19] === 2
    }
  } finally {
    closeSync(fd)
  }
}

function previewOf(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, 24))
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.')
  return text.length > 0 ? text : '(binary data)'
}

export interface OpenedDatabase {
  db: Database.Database
  /** user_version before any migration ran (0 for a new file). */
  foundVersion: number
  created: boolean
}

export interface OpenOptions {
  readonly?: boolean
  /** How long a statement waits for another process's write lock, ms (default 5000). */
  busyTimeoutMs?: number
}

/**
 * Opens (creating when needed) the database at `file` after checking that it is ours.
 * Does not migrate: the caller runs `migrate` on the returned connection.
 */
export function openDatabaseFile(file: string, options: OpenOptions = {}): OpenedDatabase {
  const readonly = options.readonly === true
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  const inspection = inspectFile(file)

  let created = false
  switch (inspection.kind) {
    case 'missing':
      if (readonly)
        throw new LabFailure(
          labError(
            'NotFound',
            `There is no history database at ${file} (it was opened read-only, so none was created).`
          )
        )
      try {
        mkdirSync(dirname(file), { recursive: true })
      } catch (e) {
        throw new LabFailure(
          labError(
            'Database',
            `Cannot create the folder for the history database ${file}: ${(e as Error).message}`
          )
        )
      }
      created = true
      break
    case 'empty':
      if (readonly)
        throw new LabFailure(
          labError(
            'Database',
            `${file} is an empty file, not yet a history database (it was opened read-only).`
          )
        )
      created = true
      break
    case 'not-sqlite':
      throw new LabFailure(
        labError(
          'Database',
          `${file} is not a Migration Lab history database: it is not a SQLite database at all (it begins with "${inspection.preview}"). ` +
            'The file was left untouched. Choose another file with --db.'
        )
      )
    case 'sqlite':
      if (inspection.applicationId === APPLICATION_ID) break
      if (inspection.applicationId !== 0)
        throw new LabFailure(
          labError(
            'Database',
            `${file} is a SQLite database of another application (application_id 0x${inspection.applicationId.toString(16)}), ` +
              'not a Migration Lab history. The file was left untouched. Choose another file with --db.'
          )
        )
      if (!isEmptyForeignCandidate(file, inspection))
        throw new LabFailure(
          labError(
            'Database',
            `${file} is a SQLite database that Migration Lab did not create (it has no Migration Lab application id` +
              `${inspection.userVersion !== 0 ? ` and user_version ${inspection.userVersion}` : ''}, and ${inspection.pageCount} pages of data). ` +
              'The file was left untouched. Choose another file with --db.'
          )
        )
      if (readonly)
        throw new LabFailure(
          labError(
            'Database',
            `${file} is an empty SQLite database, not yet a history database (it was opened read-only).`
          )
        )
      // An empty SQLite database with no schema and no id: nothing in it to damage, adopt it.
      created = true
      break
  }

  if (inspection.kind === 'sqlite' || inspection.kind === 'empty') {
    const blocker = writeBlocker(file)
    if (!readonly && blocker)
      throw new LabFailure(
        labError(
          'Database',
          `${file} is read-only for this user (${blocker}): it can be read (history, show, export, report) ` +
            'but not written. Make it writable, or choose another file with --db.'
        )
      )
    // SQLite reads a WAL database only through its -shm index; without one, and with no right to
    // create it, even a read-only connection fails ("attempt to write a readonly database").
    if (readonly && inspection.kind === 'sqlite' && inspection.walMode && !canCreateBeside(file))
      throw new LabFailure(
        labError(
          'Database',
          `${file} cannot be read here: it is a WAL-mode database, SQLite needs ${file}-shm beside it, and the folder ` +
            `${dirname(file)} is read-only for this user. The file was left untouched. Copy it to a folder you may ` +
            'write, or make the folder writable.'
        )
      )
  }

  const fromFuture = (version: number): LabFailure =>
    new LabFailure(
      labError(
        'DbFromFuture',
        `${file} was written by a newer Migration Lab (schema ${version}; this version knows up to ${LATEST_SCHEMA_VERSION}). ` +
          'Update Migration Lab, or choose another file with --db.'
      )
    )
  // Without WAL content the header's user_version is the real one: refuse without opening.
  if (inspection.kind === 'sqlite' && inspection.userVersion > LATEST_SCHEMA_VERSION && !walHasContent(file))
    throw fromFuture(inspection.userVersion)
  const foundVersion = created ? 0 : probeOurDatabase(file)
  if (foundVersion > LATEST_SCHEMA_VERSION) throw fromFuture(foundVersion)
  if (readonly && foundVersion < LATEST_SCHEMA_VERSION)
    throw new LabFailure(
      labError(
        'Database',
        `${file} uses history schema ${foundVersion}; this version needs ${LATEST_SCHEMA_VERSION} and upgrades it when it opens ` +
          'the file for writing, but it was opened read-only. Open it once without read-only.'
      )
    )

  let db: Database.Database
  try {
    db = new Database(file, {
      readonly,
      fileMustExist: !created,
      timeout: busyTimeoutMs,
      ...nativeBindingOption()
    })
  } catch (e) {
    throw new LabFailure(
      labError('Database', `Cannot open the history database ${file}: ${(e as Error).message}`)
    )
  }
  try {
    if (created) {
      // Written first and outside WAL, straight into the main file's header: from now on the
      // header alone says "Migration Lab", even if the process dies before a checkpoint.
      db.pragma(`application_id = ${APPLICATION_ID}`)
    }
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true })
      if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (journal_mode is ${String(mode)})`)
      db.pragma('synchronous = NORMAL')
    }
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`)
  } catch (e) {
    db.close()
    throw new LabFailure(
      labError('Database', `Cannot prepare the history database ${file}: ${(e as Error).message}`)
    )
  }
  return { db, foundVersion, created }
}

/**
 * An application-id-0 SQLite file is adopted only when it provably holds nothing: one page
 * (the schema table's root; any table needs a page of its own), user_version 0, not in WAL mode
 * (we never create such a file in WAL mode, and a WAL could hold tables the header cannot show)
 * and no journal beside it.
 */
function isEmptyForeignCandidate(
  file: string,
  inspection: Extract<FileInspection, { kind: 'sqlite' }>
): boolean {
  return (
    inspection.pageCount <= 1 &&
    inspection.userVersion === 0 &&
    !inspection.walMode &&
    !existsSync(`${file}-wal`) &&
    !existsSync(`${file}-journal`)
  )
}

/**
 * Reads a file that claims to be ours through a read-only connection: its real user_version
 * (a WAL may hold a newer one than the header) and its schema, which fails on a damaged file.
 * A read-only connection never writes the main file; for a WAL database SQLite may create the
 * -wal/-shm files beside it, which are removed again if the file turns out to be unreadable.
 */
function probeOurDatabase(file: string): number {
  const walBefore = existsSync(`${file}-wal`)
  const shmBefore = existsSync(`${file}-shm`)
  let probe: Database.Database | null = null
  try {
    probe = new Database(file, { readonly: true, fileMustExist: true, ...nativeBindingOption() })
    const applicationId = probe.pragma('application_id', { simple: true }) as number
    const userVersion = probe.pragma('user_version', { simple: true }) as number
    const tables = new Set(
      (probe.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).all() as { name: string }[]).map(
        (r) => r.name
      )
    )
    if (applicationId !== APPLICATION_ID)
      throw new Error(`its application id reads 0x${applicationId.toString(16)}`)
    if (userVersion >= 1 && userVersion <= LATEST_SCHEMA_VERSION)
      for (const table of ['experiment', 'run', 'run_summary', 'run_result'])
        if (!tables.has(table)) throw new Error(`table ${table} is missing`)
    probe.close()
    // A file this version will refuse keeps no trace of the look it was given.
    if (userVersion > LATEST_SCHEMA_VERSION) removeSideFiles(file, walBefore, shmBefore)
    return userVersion
  } catch (e) {
    if (probe?.open) probe.close()
    removeSideFiles(file, walBefore, shmBefore)
    throw new LabFailure(
      labError(
        'Database',
        `${file} is marked as a Migration Lab history database, but it cannot be read: ${(e as Error).message}. ` +
          'The file was left untouched. Restore a backup, or choose another file with --db.'
      )
    )
  }
}

function writable(path: string): boolean {
  return hasAccess(path, fsConstants.W_OK)
}

/** Whether SQLite may create (or already has) the -wal and -shm files beside `file`. */
function canCreateBeside(file: string): boolean {
  return writable(dirname(file)) || (existsSync(`${file}-wal`) && existsSync(`${file}-shm`))
}

/**
 * Why this process cannot write the history at `file` (null when it can): the file itself, or
 * the folder where SQLite must create its -wal and -shm files.
 */
export function writeBlocker(file: string): string | null {
  if (!existsSync(file)) return writable(dirname(file)) ? null : `the folder ${dirname(file)} is read-only`
  if (!writable(file)) return 'the file is read-only'
  if (!canCreateBeside(file)) return `the folder ${dirname(file)} is read-only`
  return null
}

function walHasContent(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > 0
  } catch {
    return false
  }
}

function removeSideFiles(file: string, walBefore: boolean, shmBefore: boolean): void {
  removeIfCreated(`${file}-wal`, walBefore, true)
  removeIfCreated(`${file}-shm`, shmBefore, false)
}

function removeIfCreated(side: string, existedBefore: boolean, onlyIfEmpty: boolean): void {
  if (existedBefore || !existsSync(side)) return
  try {
    if (onlyIfEmpty && statSync(side).size > 0) return
    unlinkSync(side)
  } catch {
    // Best effort: a leftover empty side file does not change the database.
  }
}

/**
 * better-sqlite3's native binding for this runtime: none under Node (node_modules holds Node's
 * build), Electron's own build inside the desktop app (`npm start` makes it; toolchain.md §4).
 */
function nativeBindingOption(): { nativeBinding?: string } {
  const nativeBinding = sqliteNativeBinding()
  return nativeBinding ? { nativeBinding } : {}
}
