import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeCause } from './errorReasons.js';
import { WorkbenchError } from './errors.js';

/**
 * Creates dir if needed and proves a file can be written there, so that a run whose results could
 * not be saved fails before training rather than after it.
 */
export async function ensureWritableFolder(dir: string, what: string): Promise<void> {
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe);
  } catch (err) {
    throw new WorkbenchError(`cannot write ${what} ${dir}: ${describeCause(err)}`, { cause: err });
  }
}
