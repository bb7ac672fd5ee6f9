import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WorkbenchError } from '../core/errors.js';
import type { Db } from './database.js';
import { Conflict } from './errors.js';

export const QUEUE_LOCK_FILE = 'queue.lock';
const HOLDER_FILE = 'queue.lock.holder';

/**
 * The right to run a data folder's queue: an exclusive SQLite lock on `queue.lock`, held by an open
 * transaction for as long as the holder lives. SQLite locks with fcntl (LockFileEx on Windows), which the
 * operating system drops the moment the holding process ends, zombie or not, so no PID is ever checked:
 * a second taker gets SQLITE_BUSY at once (timeout 0). Its pid goes to `queue.lock.holder`, only for the
 * refusal's message.
 */
export class QueueLock {
  private constructor(private readonly db: Db) {}

  /** Takes the lock, or throws Conflict naming the process that holds it. */
  static take(dataDir: string): QueueLock {
    const file = path.join(dataDir, QUEUE_LOCK_FILE);
    let db: Db;
    try {
      db = new Database(file, { timeout: 0 });
    } catch (err) {
      throw new WorkbenchError(`cannot open the queue's lock ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      exclusive(db);
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') {
        throw new WorkbenchError(`cannot take the queue's lock ${file}: ${(err as Error).message}`, { cause: err });
      }
      const holder = readHolder(dataDir);
      throw new Conflict(
        `the queue of ${dataDir} is already being run by ${holder ? `process ${holder}` : 'another process'}; stop it first`,
      );
    }
    try {
      writeFileSync(path.join(dataDir, HOLDER_FILE), `${process.pid}\n`, { mode: 0o600 });
    } catch {
      // The holder's pid only serves the message of a refused taker.
    }
    return new QueueLock(db);
  }

  /** Whether some process (this one included) holds the lock now. */
  static isHeld(dataDir: string): boolean {
    try {
      QueueLock.take(dataDir).release();
      return false;
    } catch (err) {
      if (err instanceof Conflict) return true;
      throw err;
    }
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}

/** Attempts at the lock before a taker believes it is held, further apart each time, at random (~0.3 s in all). */
const ATTEMPTS = 25;

/**
 * BEGIN EXCLUSIVE passes through a shared lock: two takers at the same instant can each hold the shared lock the
 * other must wait out, and both be refused with nobody holding it. Each lets go and tries again after a random
 * pause, so one of them gets through even on a busy machine; an owner that really holds the lock refuses every attempt.
 */
function exclusive(db: Db): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.exec('BEGIN EXCLUSIVE');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt === ATTEMPTS) throw err;
      Atomics.wait(PAUSE, 0, 0, 1 + Math.random() * 2 * attempt);
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function readHolder(dataDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
