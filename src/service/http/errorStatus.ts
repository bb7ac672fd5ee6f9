import { WorkbenchError } from '../../core/errors.js';
import { Conflict, InvalidRequest, NotFound } from '../errors.js';

/**
 * The HTTP status of an error a service call threw: the three refusals by kind, any other
 * WorkbenchError 422 (a valid call that failed for a reason the user can act on: offline, a file
 * that cannot be read), anything else 500 (a bug).
 */
export function statusOf(err: unknown): 400 | 404 | 409 | 422 | 500 {
  if (err instanceof InvalidRequest) return 400;
  if (err instanceof NotFound) return 404;
  if (err instanceof Conflict) return 409;
  if (err instanceof WorkbenchError) return 422;
  return 500;
}
