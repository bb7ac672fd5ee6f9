import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { describeCause } from '../core/errorReasons.js';
import { formatBytes } from './diskSpace.js';
import { StorageError, storageFault } from './storageErrors.js';

/*
 * Before the database is opened, and when opening it failed: is the data folder writable, is the database
 * file writable, is there room on the disk? Each answer is its own message; a database that cannot be
 * written is never called unusable (and never advised to be moved away, which would start a new database
 * over the old runs).
 */

/** Below this, SQLite cannot even create its journal: the disk counts as full. */
const MIN_FREE_BYTES = 64 * 1024;

/** Throws a StorageError naming what is wrong when the database file cannot be written; returns when it can. */
export function checkDatabaseWritable(file: string): void {
  const problem = storageProblem(file, null);
  if (problem) throw problem;
}

/**
 * Why opening or upgrading `file` failed with `err`, when the storage is the reason (a read-only folder or file, a
 * full disk); null when it is not (the file itself is damaged or foreign).
 */
export function storageProblem(file: string, err: unknown): StorageError | null {
  const dir = path.dirname(file);
  const folderDenied = denied(dir);
  if (folderDenied) {
    return new StorageError(
      `the data folder ${dir} is read-only (${folderDenied}): the workbench writes its database and runs there — make it writable for this user, or use another --data folder`,
      'read-only',
    );
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    const fileDenied = existsSync(f) ? denied(f) : null;
    if (fileDenied) {
      return new StorageError(
        `the workbench database ${f} is read-only (${fileDenied}): make it writable for this user (chmod u+w), or use another --data folder; it was left untouched`,
        'read-only',
      );
    }
  }
  const free = freeBytes(dir);
  if ((free !== null && free < MIN_FREE_BYTES) || storageFault(err) === 'disk-full') {
    return new StorageError(
      `the disk of the data folder ${dir} is full (${free === null ? 'no space' : `${formatBytes(free)} free`}): free some space and start again; the database was left untouched`,
      'disk-full',
    );
  }
  return null;
}

function denied(target: string): string | null {
  try {
    accessSync(target, constants.W_OK);
    return null;
  } catch (err) {
    return describeCause(err);
  }
}

function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
