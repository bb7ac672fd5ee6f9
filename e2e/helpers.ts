import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, TestInfo } from '@playwright/test';
import type { WorkbenchApi } from '../src/common/api.js';
import { SMS_SPAM_COLLECTION, sharedPath } from '../test/support/shared.js';
import type { Workbench } from './fixtures.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The first `lines` messages of the real SMS Spam Collection as a TSV file with a `label<TAB>text` header. */
export function smsSlice(lines: number): string {
  const rows = readFileSync(sharedPath(SMS_SPAM_COLLECTION), 'utf8').split(/\r?\n/).filter(Boolean).slice(0, lines);
  return ['label\ttext', ...rows].join('\n') + '\n';
}

/** Calls a WorkbenchApi method over serve's HTTP API, as the page does. */
export async function callApi<M extends keyof WorkbenchApi>(
  workbench: Workbench,
  method: M,
  ...args: Parameters<WorkbenchApi[M]>
): Promise<Awaited<ReturnType<WorkbenchApi[M]>>> {
  const response = await fetch(`${workbench.origin}/api/${method}`, {
    method: 'POST',
    body: JSON.stringify(args),
    headers: { Authorization: `Bearer ${workbench.token}` },
  });
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
  // Methods that return nothing answer with an empty body.
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as Awaited<ReturnType<WorkbenchApi[M]>>;
}

/**
 * Drops a file on the page the way a browser does: dragenter, dragover and drop events carrying a
 * DataTransfer that holds a File made in the page (Playwright cannot drag a file from the desktop).
 * `between` runs after dragover, while the file is over the window.
 */
export async function dropFile(page: Page, name: string, content: string | Uint8Array, between?: () => Promise<void>): Promise<void> {
  // Bytes cross into the page as a list of numbers (text as it is: the page encodes it as UTF-8).
  const data = typeof content === 'string' ? content : Array.from(content);
  const dataTransfer = await page.evaluateHandle(
    ([fileName, body]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([typeof body === 'string' ? body : new Uint8Array(body)], fileName, { type: 'text/plain' }));
      return transfer;
    },
    [name, data] as const,
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
