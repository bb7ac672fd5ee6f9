import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, TestInfo } from '@playwright/test';
import { SMS_SPAM_COLLECTION, sharedPath } from '../test/support/shared.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The first `lines` messages of the real SMS Spam Collection as a TSV file with a `label<TAB>text` header. */
export function smsSlice(lines: number): string {
  const rows = readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split(/\r?\n/).filter(Boolean).slice(0, lines);
  return ['label\ttext', ...rows].join('\n') + '\n';
}

/**
 * Drops a file on the page the way a browser does: dragenter, dragover and drop events carrying a
 * DataTransfer that holds a File made in the page (Playwright cannot drag a file from the desktop).
 * `between` runs after dragover, while the file is over the window.
 */
export async function dropFile(page: Page, name: string, content: string, between?: () => Promise<void>): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([fileName, text]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], fileName, { type: 'text/plain' }));
      return transfer;
    },
    [name, content] as const,
  );
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await between?.();
  await page.dispatchEvent('main', 'drop', { dataTransfer });
  await dataTransfer.dispose();
}

/**
 * Saves a screenshot of the page: into docs/screenshots (for the README) when WORKBENCH_SCREENSHOTS
 * is set (`npm run screenshots`), else with the test's output, so that a test run leaves the
 * checkout as it was.
 */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = process.env.WORKBENCH_SCREENSHOTS
    ? path.join(REPO_ROOT, 'docs/screenshots', `${name}.png`)
    : testInfo.outputPath(`${name}.png`);
  mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}
