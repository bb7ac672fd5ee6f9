import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../test/support/errors.js';
import { tempDir } from '../../test/support/tempDir.js';
import { openDatabase } from './database.js';
import { MIGRATIONS } from './migrations.js';
import { RunStore } from './runStore.js';

const dir = tempDir('wb-db-');
let n = 0;
const file = () => path.join(dir, `db-${++n}.sqlite`);

describe('the workbench database', () => {
  it('is created with every migration, in WAL mode', () => {
    const db = openDatabase(file());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM migrations ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    db.close();
  });

  it('upgrades a database made by the first migration in place, keeping its rows', () => {
    const f = file();
    const old = openDatabase(f, MIGRATIONS.slice(0, 1));
    old
      .prepare(
        `INSERT INTO runs (name, config, config_hash, dataset_id, dataset_hash, status, queue_position, created_at, seconds)
       VALUES ('old run', '{"epochs":1}', 'h1', 'sms-spam-book', 'd1', 'finished', NULL, '2026-01-01T00:00:00Z', 12.5)`,
      )
      .run();
    old
      .prepare("INSERT INTO metrics (run_id, kind, step, epoch, examples_seen, split, loss) VALUES (1, 'step', 1, 0, 8, 'train', 0.69)")
      .run();
    old
      .prepare(
        "INSERT INTO evaluations (run_id, split, count, loss, accuracy, confusion) VALUES (1, 'test', 10, 0.3, 0.9, '[[5,0],[1,4]]')",
      )
      .run();
    old.close();

    const db = openDatabase(f);
    expect(db.prepare('SELECT max(version) FROM migrations').pluck().get()).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    const run = new RunStore(db).get(1)!;
    expect(run).toMatchObject({ name: 'old run', status: 'finished', seconds: 12.5, restarts: 0, labels: null, gap: null });
    expect(db.prepare('SELECT loss FROM metrics WHERE run_id = 1').pluck().get()).toBe(0.69);
    expect(db.prepare('SELECT count(*) FROM classifiers').pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a database from a newer version and leaves the file as it was', async () => {
    const f = file();
    const newer = new Database(f);
    newer.exec(
      "CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO migrations VALUES (99, 'future', 'x');",
    );
    newer.close();
    const bytes = readFileSync(f);
    const message = (await errorOf(Promise.resolve().then(() => openDatabase(f)))).message;
    expect(message).toMatch(/newer Spam Workbench \(database schema 99; this version knows up to \d+\); it was left untouched/);
    expect(readFileSync(f).equals(bytes)).toBe(true);
  });

  it("refuses a file that is not a database, and another program's database, leaving both untouched", async () => {
    const text = file();
    writeFileSync(text, 'these are my notes, not a database\n'.repeat(100));
    const foreign = file();
    const other = new Database(foreign);
    other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');");
    other.close();
    for (const [f, reason] of [
      [text, /is not a workbench database \(not an SQLite file\); it was left untouched/],
      [foreign, /is an SQLite database of another program/],
    ] as const) {
      const bytes = readFileSync(f);
      expect((await errorOf(Promise.resolve().then(() => openDatabase(f)))).message).toMatch(reason);
      expect(readFileSync(f).equals(bytes)).toBe(true);
    }
  });
});
