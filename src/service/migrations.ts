/**
 * The schema, one step at a time. A step is never edited once released: a change is a new step,
 * so a database made by any earlier version upgrades in place.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'datasets, runs, metrics, evaluations, settings',
    sql: `
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        original_path TEXT,
        file TEXT NOT NULL,              -- the workbench's copy, relative to the data folder
        file_sha256 TEXT NOT NULL,
        content_hash TEXT NOT NULL,      -- sha256 of the labelled rows (core/data/dataset.ts)
        columns TEXT NOT NULL,           -- JSON string[]
        mapping TEXT NOT NULL,           -- JSON: the resolved column mapping
        labels TEXT NOT NULL,            -- JSON {label: count}
        rows INTEGER NOT NULL,
        problems TEXT NOT NULL,          -- JSON: the validation report's findings
        created_at TEXT NOT NULL
      );
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        config TEXT NOT NULL,            -- JSON RunConfig
        config_hash TEXT NOT NULL,
        dataset_id TEXT NOT NULL,
        dataset_hash TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled')),
        queue_position INTEGER,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        seconds REAL,
        backend TEXT,
        trainable_parameters INTEGER,
        total_parameters INTEGER,
        error TEXT,
        output_tail TEXT,
        resumed_from_epoch INTEGER,
        duplicate_of INTEGER
      );
      CREATE INDEX runs_by_config ON runs (config_hash, dataset_hash);
      CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('step', 'eval', 'epoch')),
        step INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        examples_seen INTEGER NOT NULL,
        split TEXT NOT NULL CHECK (split IN ('train', 'val')),
        loss REAL,
        accuracy REAL,
        tokens_per_second REAL
      );
      CREATE INDEX metrics_by_run ON metrics (run_id, kind, step);
      CREATE TABLE evaluations (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
        count INTEGER NOT NULL,
        loss REAL NOT NULL,
        accuracy REAL NOT NULL,
        confusion TEXT NOT NULL,         -- JSON number[][], rows true class, columns predicted
        PRIMARY KEY (run_id, split)
      );
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'saved classifiers, gaps, labels and restarts of runs',
    sql: `
      CREATE TABLE classifiers (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        path TEXT NOT NULL,              -- relative to the data folder
        labels TEXT NOT NULL,            -- JSON string[]
        created_at TEXT NOT NULL
      );
      ALTER TABLE runs ADD COLUMN labels TEXT;
      ALTER TABLE runs ADD COLUMN gap_train_val REAL;
      ALTER TABLE runs ADD COLUMN gap_train_test REAL;
      ALTER TABLE runs ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 3,
    name: 'per-example predictions of finished runs',
    sql: `
      CREATE TABLE predictions (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
        count INTEGER NOT NULL,
        data BLOB NOT NULL,              -- core/train/predictions.ts: true class, predicted class, probability; 8 bytes an example
        PRIMARY KEY (run_id, split)
      );
    `,
  },
  {
    version: 4,
    name: 'tags and a note per run',
    sql: `
      ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';   -- JSON string[], sorted, unique
      ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 5,
    name: 'rows left out of imported data sets',
    sql: `
      -- JSON number[]: the lines of the rows with errors left out at the import (skipProblemRows); the
      -- file's encoding is in mapping (missing there: UTF-8, the only encoding read before)
      ALTER TABLE datasets ADD COLUMN skipped_lines TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 6,
    name: 'training hosts, and the hosts each run trained on',
    sql: `
      CREATE TABLE hosts (
        name TEXT PRIMARY KEY,           -- the worker's --name; "local" is this workbench's own trainer and never a row
        state TEXT NOT NULL CHECK (state IN ('idle', 'training', 'stopped')),
        run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        backend TEXT,
        device TEXT,
        version TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
      );
      -- JSON string[]: the hosts a run trained on, in order ("local" or a host's name); a run resumed elsewhere keeps both
      ALTER TABLE runs ADD COLUMN hosts TEXT NOT NULL DEFAULT '[]';
      -- Every run that started before hosts existed trained here.
      UPDATE runs SET hosts = '["local"]' WHERE started_at IS NOT NULL;
    `,
  },
];
