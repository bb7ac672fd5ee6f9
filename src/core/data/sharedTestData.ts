import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** For tests: the real data set, kept outside the repo in `<repo>/../shared` (see DESIGN.md, "Environment notes"). */
export const SMS_SPAM_COLLECTION = 'data/sms-spam-collection/SMSSpamCollection';

/** A file under `<repo>/../shared`, or an error that says where it was expected. */
export function sharedDataFile(relative: string): string {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const shared = path.join(repo, '..', 'shared');
  const file = path.join(shared, relative);
  if (!existsSync(file)) throw new Error(`test data missing: ${file} — these tests need the shared data folder at ${shared}`);
  return file;
}
