/**
 * The experiment history (SQLite). Open it with `openHistory(file)`; see history-db.ts for the
 * API, src/shared/history.ts for the types the UI shares, and migrations.ts for the schema.
 */
export {
  openHistory,
  HistoryDb,
  type OpenHistoryOptions,
  type CreateExperimentInput,
  type JsonImportOutcome
} from './history-db'
export {
  LATEST_SCHEMA_VERSION,
  APPLICATION_ID,
  MIGRATIONS,
  migrate,
  type Migration,
  type MigrationReport
} from './migrations'
export { inspectFile, writeBlocker, type FileInspection } from './open'
export {
  FLUSH_INTERVAL_MS,
  FLUSH_POINTS,
  INTERRUPTED_REASON,
  defaultHostDescription,
  type BeginRunInput,
  type TelemetryChunk
} from './writer'
export { exportDocumentSchema, type GuestperfImportOptions } from './exchange'
