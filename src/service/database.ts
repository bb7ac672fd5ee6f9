import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { WorkbenchError } from '../core/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { checkDatabaseWritable, storageProblem } from './storageChecks.js';

export type Db = Database.Database;

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Opens (or creates) the workbench database and brings its schema up to date. A file that is not
 * an SQLite database, belongs to another program, or was written by a newer version is refused
 * before anything is written to it, so the user's data is never recreated or half-upgraded.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  refuseForeignFile(file);
  // A read-only folder or file, or a full disk, is said as such before SQLite fails on it halfway.
  checkDatabaseWritable(file);
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    const storage = storageProblem(file, err);
    if (storage) throw storage;
    const message = (err as Error).message;
    // The one native module, built for one ABI at a time: `npm start` builds it for Electron.
    const hint = /NODE_MODULE_VERSION/.test(message)
      ? ' — better-sqlite3 is built for the other runtime (Node and Electron each need their own build): `node scripts/native-abi.mjs node` before the CLI, `npm start` for the app'
      : '';
    throw new WorkbenchError(`cannot open the workbench database ${file}: ${message}${hint}`, { cause: err });
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = schemaVersion(db, file);
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (version > latest) {
      throw new WorkbenchError(
        `${file} was written by a newer Spam Workbench (database schema ${version}; this version knows up to ${latest}); it was left untouched — update the workbench, or use another --data folder`,
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations, version);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof WorkbenchError) throw err;
    const storage = storageProblem(file, err);
    if (storage) throw storage;
    throw new WorkbenchError(
      `${file} is not a usable workbench database (${(err as Error).message}); it was left untouched — restore it from a backup, or use another --data folder`,
      { cause: err },
    );
  }
}

function refuseForeignFile(file: string): void {
  if (!existsSync(file) || statSync(file).size === 0) return;
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) {
    throw new WorkbenchError(
      `${file} is not a workbench database (not an SQLite file); it was left untouched — move it away, or use another --data folder`,
    );
  }
}

/** 0 for a new, empty database; the highest applied migration otherwise. */
function schemaVersion(db: Db, file: string): number {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  if (tables.length === 0) return 0;
  if (!tables.includes('migrations')) {
    throw new WorkbenchError(
      `${file} is an SQLite database of another program (no migrations table); it was left untouched — use another --data folder`,
    );
  }
  return (db.prepare('SELECT coalesce(max(version), 0) FROM migrations').pluck().get() as number) ?? 0;
}

function migrate(db: Db, migrations: readonly Migration[], from: number): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const record = db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations.filter((m) => m.version > from)) {
    // Each step and its record commit together: a crash mid-upgrade leaves the previous version.
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
}
