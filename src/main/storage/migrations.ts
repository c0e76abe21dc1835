/**
 * The history database schema, as an ordered list of migrations (style.md rule 12, after Signal
 * Desktop's `ts/sql/migrations`). Migration N takes a database from `user_version` N−1 to N.
 * All pending migrations run in ONE transaction and then set `user_version`, so a database is
 * always at exactly one known version: a failure leaves it as it was.
 *
 * Released migrations are never edited: a database in a user's hands was built by them. Change
 * the schema by appending one. Each migration is tested from a fixture database built at the
 * previous version (test/fixtures/history/).
 */
import type Database from 'better-sqlite3'

/** `PRAGMA application_id` of every Migration Lab history: "MLab" in ASCII. */
export const APPLICATION_ID = 0x4d4c6162

export interface Migration {
  /** The user_version this migration produces. */
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'experiments, runs, summaries, results and telemetry chunks',
    sql: `
      CREATE TABLE experiment (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        base_config_json TEXT NOT NULL,
        varied_json TEXT NOT NULL DEFAULT '[]',
        repetitions INTEGER NOT NULL DEFAULT 1 CHECK (repetitions >= 1),
        status TEXT NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'running', 'completed', 'cancelled', 'failed', 'interrupted')),
        starred INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),
        writer_pid INTEGER,
        writer_token TEXT,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        deleted_at_ms INTEGER
      );

      CREATE TABLE run (
        id INTEGER PRIMARY KEY,
        experiment_id INTEGER REFERENCES experiment (id) ON DELETE CASCADE,
        label TEXT NOT NULL DEFAULT '',
        config_json TEXT NOT NULL,
        config_sha256 TEXT NOT NULL,
        seed INTEGER NOT NULL,
        engine_version TEXT NOT NULL,
        host TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('simulated', 'measured')),
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'interrupted')),
        reason TEXT,
        started_at_ms INTEGER NOT NULL,
        ended_at_ms INTEGER,
        writer_pid INTEGER,
        writer_token TEXT,
        starred INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),
        deleted_at_ms INTEGER
      );
      CREATE INDEX run_by_experiment ON run (experiment_id);
      CREATE INDEX run_by_started ON run (started_at_ms);
      CREATE INDEX run_by_config ON run (config_sha256);
      CREATE INDEX run_while_running ON run (id) WHERE status = 'running';

      -- One row per finished run: lists and comparisons read this, never the samples.
      CREATE TABLE run_summary (
        run_id INTEGER PRIMARY KEY REFERENCES run (id) ON DELETE CASCADE,
        downtime_ms REAL,
        guest_pause_ms REAL,
        total_time_ms REAL NOT NULL,
        setup_time_ms REAL NOT NULL,
        transferred_bytes REAL NOT NULL,
        dirty_sync_count INTEGER NOT NULL,
        converged INTEGER NOT NULL,
        verified INTEGER NOT NULL,
        expected_downtime_ms REAL NOT NULL,
        max_throttle_pct REAL NOT NULL
      );

      CREATE TABLE run_result (
        run_id INTEGER PRIMARY KEY REFERENCES run (id) ON DELETE CASCADE,
        result_json TEXT NOT NULL
      );

      -- Telemetry in chunks (see codec.ts for the encodings).
      CREATE TABLE progress_chunk (
        run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        first_time_ms REAL NOT NULL,
        last_time_ms REAL NOT NULL,
        points INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE throughput_chunk (
        run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        vcpu INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        start_ms REAL NOT NULL,
        bucket_ms REAL NOT NULL,
        points INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run_id, vcpu, seq)
      );
      CREATE TABLE timeline_chunk (
        run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        points INTEGER NOT NULL,
        events_json TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE sync_chunk (
        run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        points INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run_id, seq)
      );

      -- Processes that write runs, so that a run whose writer died can be told apart from one
      -- that is still being written by another process (see writer.ts).
      CREATE TABLE writer (
        token TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        hostname TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL,
        heartbeat_at_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
    `
  },
  {
    version: 2,
    name: 'notes and tags on runs and experiments',
    sql: `
      ALTER TABLE run ADD COLUMN notes TEXT NOT NULL DEFAULT '';
      ALTER TABLE experiment ADD COLUMN notes TEXT NOT NULL DEFAULT '';

      CREATE TABLE run_tag (
        run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX run_tag_by_tag ON run_tag (tag, run_id);

      CREATE TABLE experiment_tag (
        experiment_id INTEGER NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (experiment_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX experiment_tag_by_tag ON experiment_tag (tag, experiment_id);
    `
  },
  {
    version: 3,
    name: 'indexes for the history list: listed runs by start time, summaries by every sort key',
    sql: `
      -- The list shows runs not in the bin, newest first: a partial index serves its first page
      -- without touching deleted rows.
      DROP INDEX run_by_started;
      CREATE INDEX run_listed_by_started ON run (started_at_ms, id) WHERE deleted_at_ms IS NULL;
      CREATE INDEX run_summary_by_downtime ON run_summary (downtime_ms);
      CREATE INDEX run_summary_by_guest_pause ON run_summary (guest_pause_ms);
      CREATE INDEX run_summary_by_total_time ON run_summary (total_time_ms);
      CREATE INDEX run_summary_by_transferred ON run_summary (transferred_bytes);
      CREATE INDEX run_summary_by_syncs ON run_summary (dirty_sync_count);
    `
  },
  {
    version: 4,
    name: 'experiment shards: which shards of a sweep an experiment holds (sweep --shard)',
    sql: `
      -- NULL: the whole sweep (every experiment before this version). Otherwise an
      -- ExperimentShard as JSON: {"sweep": sha256, "count": N, "indices": [...]}.
      ALTER TABLE experiment ADD COLUMN shard_json TEXT;
      CREATE INDEX experiment_by_shard_sweep ON experiment (json_extract(shard_json, '$.sweep'))
        WHERE shard_json IS NOT NULL;
    `
  }
]

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

export interface MigrationReport {
  from: number
  to: number
  applied: string[]
}

/**
 * Brings `db` to `targetVersion` (default: the latest) in one IMMEDIATE transaction. The version
 * is read inside the transaction, so two processes opening an old database at once migrate it
 * once. A database newer than `migrations` knows is not touched (the caller refuses it first).
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  targetVersion: number = migrations.length > 0 ? migrations[migrations.length - 1].version : 0
): MigrationReport {
  const run = db.transaction((): MigrationReport => {
    const from = db.pragma('user_version', { simple: true }) as number
    const pending = migrations.filter((m) => m.version > from && m.version <= targetVersion)
    for (const migration of pending) db.exec(migration.sql)
    const to = pending.length > 0 ? pending[pending.length - 1].version : from
    // user_version cannot take a bound parameter; `to` is an integer from the list above.
    if (to !== from) db.pragma(`user_version = ${Math.trunc(to)}`)
    return { from, to, applied: pending.map((m) => `${m.version}: ${m.name}`) }
  })
  return run.immediate()
}
