import { WorkbenchError } from '../../core/errors.js';
import { Conflict, InvalidRequest, NotFound } from '../errors.js';
import { storageFault, storageMessage, StorageError } from '../storageErrors.js';

/**
 * The HTTP status of an error a service call threw: the three refusals by kind, a fault of the disk or
 * the database 507 (disk full) or 503 (read-only, damaged, I/O error), any other WorkbenchError 422 (a valid
 * call that failed for a reason the user can act on: offline, a file that cannot be read), anything else 500 (a bug).
 */
export function statusOf(err: unknown): 400 | 404 | 409 | 422 | 500 | 503 | 507 {
  if (err instanceof InvalidRequest) return 400;
  if (err instanceof NotFound) return 404;
  if (err instanceof Conflict) return 409;
  const fault = err instanceof StorageError ? err.fault : storageFault(err);
  if (fault) return fault === 'disk-full' ? 507 : 503;
  if (err instanceof WorkbenchError) return 422;
  return 500;
}

/** The one line an answer carries for `err`, thrown by `what` ("listRuns"). */
export function errorLine(err: unknown, what: string): string {
  if (err instanceof WorkbenchError && !(err instanceof StorageError) && storageFault(err) === null) return err.message;
  if (err instanceof StorageError) return err.message;
  if (storageFault(err)) return storageMessage(err, what);
  const message = err instanceof Error ? err.message : String(err);
  return `${what} failed unexpectedly: ${message.split('\n', 1)[0]}`;
}
