import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared reference data lives beside the checkout: <repo>/../shared. */
export const SHARED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');

/** Path of a file under ../shared; fails loudly (not skips) when the data is missing. */
export function sharedPath(...parts: string[]): string {
  const p = path.join(SHARED_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(`this test needs the shared reference data: ${p} is missing (expected ../shared next to the repository)`);
  }
  return p;
}
