import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';
import { smsCacheDir } from '../test/support/shared.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A running `workbench serve` over a fresh data folder. */
export interface Workbench {
  /** The URL it printed: `http://127.0.0.1:PORT/?token=…`. */
  url: URL;
  origin: string;
  token: string;
  dataDir: string;
  /** `url` with another path (the token kept), e.g. `at('/popup')`. */
  at(pathname: string): string;
}

/**
 * `workbench`: one `workbench serve --port 0` per test worker, over a fresh data folder and a cache
 * folder holding the real SMS Spam Collection from ../shared (so the built-in data set works
 * offline), stopped with SIGTERM after the worker's last test.
 */
export const test = base.extend<{ pageErrors: string[] }, { workbench: Workbench }>({
  // Every page runs under the production CSP: a refused script or style, a failed API call or a
  // script error shows up as a console error, and fails the test during which it happened.
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await use(errors);
      expect(errors, 'console errors on the page').toEqual([]);
    },
    { auto: true },
  ],
  workbench: [
    async ({}, use) => {
      if (!existsSync(path.join(REPO_ROOT, 'out/renderer/index.html')))
        throw new Error('the app is not built: run `npm run build` first (npm run e2e does)');
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'wb-e2e-'));
      const dataDir = path.join(tmp, 'data');
      const child = spawn(process.execPath, ['bin/workbench.mjs', 'serve', '--port', '0', '--data', dataDir], {
        cwd: REPO_ROOT,
        env: { ...process.env, WORKBENCH_CACHE_DIR: smsCacheDir(tmp) },
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const url = await new Promise<URL>((resolve, reject) => {
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
          const line = /^Spam Workbench: (\S+)$/m.exec(stdout);
          if (line) resolve(new URL(line[1]));
        });
        void exited.then((code) => reject(new Error(`workbench serve exited with ${code} before printing its URL:\n${stderr}`)));
      });
      const token = url.searchParams.get('token')!;
      await use({ url, origin: url.origin, token, dataDir, at: (pathname) => `${url.origin}${pathname}?token=${token}` });
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(tmp, { recursive: true, force: true });
      if (code !== 0) throw new Error(`workbench serve exited with ${code} on SIGTERM:\n${stderr}`);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect } from '@playwright/test';
