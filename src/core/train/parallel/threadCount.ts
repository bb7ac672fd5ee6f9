import { WorkbenchError } from '../../errors.js';
import { backendName } from '../../model/backend.js';

/**
 * How many threads train: `requested`, else WORKBENCH_TRAIN_THREADS, else 1. One when dropout is on
 * (its masks are drawn per batch tensor, so a split batch would draw others) and on the native
 * backends, which use every core by themselves.
 */
export function trainThreadCount(
  requested: number | undefined,
  dropout: number,
  env: string | undefined = process.env.WORKBENCH_TRAIN_THREADS,
): number {
  const n = requested ?? (env ? Number(env) : 1);
  if (!Number.isInteger(n) || n < 1) {
    throw new WorkbenchError(
      `${requested === undefined ? 'WORKBENCH_TRAIN_THREADS' : 'threads'} must be a whole number of at least 1, not "${requested ?? env}"`,
    );
  }
  if (n === 1 || dropout !== 0 || !['wasm', 'cpu'].includes(backendName())) return 1;
  return n;
}
