import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { WorkbenchError } from '../core/errors.js';

/** Owner only: the data folder holds people's messages. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Everything this process (and the training processes it starts, which inherit it) creates is its owner's only. */
export const PRIVATE_UMASK = 0o077;

/**
 * Sets this process's umask to 077. Worker threads cannot change the umask (Node refuses): there the
 * data folder's modes are still fixed at each service start, by `makeDataFolderPrivate`.
 */
export function usePrivateUmask(): void {
  try {
    process.umask(PRIVATE_UMASK);
  } catch {
    // Not allowed in a worker thread.
  }
}

/**
 * Creates the data folder (0700) when missing, and brings what an older workbench created there to
 * folders 0700 and files 0600. Symbolic links are left alone (their mode is their target's).
 */
export function makeDataFolderPrivate(dataDir: string): void {
  usePrivateUmask();
  try {
    mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (err) {
    throw new WorkbenchError(`cannot create the data folder ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  if (process.platform === 'win32') return; // modes there are ACLs, which Node's chmod does not set
  privateTree(dataDir);
}

function privateTree(dir: string): void {
  fixMode(dir, PRIVATE_DIR_MODE);
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) privateTree(full);
    else if (entry.isFile()) fixMode(full, PRIVATE_FILE_MODE);
  }
}

function fixMode(file: string, mode: number): void {
  try {
    const current = lstatSync(file).mode & 0o777;
    if (current !== mode) chmodSync(file, mode);
  } catch {
    // Another user's file, or gone meanwhile: the start goes on; the folder's own 0700 keeps others out.
  }
}
