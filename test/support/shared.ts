import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
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

/** A fresh cache folder holding the real SMS Spam Collection where the built-in data set looks for it. */
export function smsCacheDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-cache-'));
  mkdirSync(path.join(dir, 'datasets', 'sms-spam'), { recursive: true });
  copyFileSync(sharedPath('data/sms-spam-collection/SMSSpamCollection'), path.join(dir, 'datasets', 'sms-spam', 'SMSSpamCollection'));
  return dir;
}
