import { WorkbenchError } from '../core/errors.js';

/*
 * Faults of the disk or the database file, told apart by their codes (SQLite's extended result codes as
 * better-sqlite3 names them, and the file-system errno codes), each with its own message: a full disk, a
 * read-only folder or file, a damaged database. None of them advises moving the database away: that
 * would start a new database over a folder whose runs it does not know.
 */

export type StorageFault = 'disk-full' | 'read-only' | 'damaged' | 'io';

/** Which storage fault `err` is (looking through causes), or null when it is none. */
export function storageFault(err: unknown): StorageFault | null {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code === 'ENOSPC' || code === 'EDQUOT' || code.startsWith('SQLITE_FULL')) return 'disk-full';
      if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return 'read-only';
      if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'damaged';
      // The schema is the migrations' and was checked at open: a table gone since is the file changed under the workbench.
      if (code === 'SQLITE_ERROR' && /^no such table: /.test(e.message)) return 'damaged';
      if (code === 'EIO' || code.startsWith('SQLITE_IOERR')) return 'io';
    }
  }
  return null;
}

/**
 * One line saying what happened to the storage and what to do, naming `what` was being done ("saving the
 * metrics of run 3"). For other errors, the first line of their message.
 */
export function storageMessage(err: unknown, what: string, dataDir?: string): string {
  const where = dataDir ? ` (${dataDir})` : '';
  switch (storageFault(err)) {
    case 'disk-full':
      return `${what} failed: the disk of the data folder${where} is full — free some space; nothing else was lost`;
    case 'read-only':
      return `${what} failed: the data folder${where} or its database is read-only — make it writable for this user`;
    case 'damaged':
      return `${what} failed: the workbench database${where} is damaged — stop the workbench and restore workbench.sqlite from a backup (\`sqlite3 workbench.sqlite "PRAGMA integrity_check"\` shows what is wrong)`;
    case 'io':
      return `${what} failed: the disk reported an input/output error${where} — check the disk`;
    default:
      return `${what} failed: ${firstLine(err instanceof Error ? err.message : String(err))}`;
  }
}

/** A WorkbenchError with the storage message, keeping the original as its cause. */
export function storageError(err: unknown, what: string, dataDir?: string): WorkbenchError {
  return new StorageError(storageMessage(err, what, dataDir), storageFault(err), { cause: err });
}

/** A storage fault as the user reads it; the HTTP transport answers 507 for a full disk and 503 otherwise. */
export class StorageError extends WorkbenchError {
  constructor(
    message: string,
    readonly fault: StorageFault | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export function firstLine(message: string): string {
  return message.split('\n', 1)[0];
}
