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

/** The real SMS Spam Collection, relative to SHARED_DIR: `sharedPath(SMS_SPAM_COLLECTION)`. */
export const SMS_SPAM_COLLECTION = 'data/sms-spam-collection/SMSSpamCollection';

/** A fresh cache folder (in `parent`, by default the OS temp folder) holding the real SMS Spam Collection where the built-in data set looks for it. */
export function smsCacheDir(parent: string = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(parent, 'wb-cache-'));
  mkdirSync(path.join(dir, 'datasets', 'sms-spam'), { recursive: true });
  copyFileSync(sharedPath(SMS_SPAM_COLLECTION), path.join(dir, 'datasets', 'sms-spam', 'SMSSpamCollection'));
  return dir;
}
