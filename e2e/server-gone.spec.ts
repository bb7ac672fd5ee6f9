import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { smsCacheDir } from '../test/support/shared.js';
import { expect, test, type Workbench } from './fixtures.js';
import { callApi, saveScreenshot, smsSlice } from './helpers.js';

/*
 * The workbench stops under an open page (killed, as a crash or a closed terminal would) and comes back: the
 * page says so, stops showing live figures, knocks ever more rarely, and recovers by itself. Its own server,
 * since the shared one must live on for the other specs.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// A run long enough to be training when the server dies, and to resume from a checkpoint after it.
const LONG_RUN = {
  model: { preset: 'custom', custom: { nLayer: 1, nEmbd: 32, nHead: 2, nPositions: 64 }, weights: 'random' },
  trainable: 'all',
  learningRate: 1e-3,
  epochs: 200,
  maxLength: 32,
  evalEvery: 10,
  evalBatches: 1,
};

interface Served {
  child: ChildProcess;
  workbench: Workbench;
  exited: Promise<number | null>;
}

/** `workbench serve` over `dataDir`; `args` e.g. `--port 0` (else it reuses the folder's last port and token). */
async function serve(tmp: string, dataDir: string, args: string[]): Promise<Served> {
  const child = spawn(process.execPath, ['bin/workbench.mjs', 'serve', '--data', dataDir, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, WORKBENCH_CACHE_DIR: smsCacheDir(tmp) },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = await new Promise<URL>((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const line = /^Spam Workbench: (\S+)$/m.exec(stdout);
      if (line) resolve(new URL(line[1]));
    });
    void exited.then((code) => reject(new Error(`workbench serve exited with ${code} before printing its URL:\n${stderr}`)));
  });
  const token = url.searchParams.get('token')!;
  return { child, exited, workbench: { url, origin: url.origin, token, dataDir, at: (p) => `${url.origin}${p}?token=${token}` } };
}

test('a killed workbench shows a banner, stops the live figures, retries ever more rarely, and the page recovers', async ({
  browser,
}, testInfo) => {
  test.setTimeout(180_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wb-gone-'));
  const dataDir = path.join(tmp, 'data');
  let server: Served | null = await serve(tmp, dataDir, ['--port', '0']);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    const first = server.workbench;
    const file = { name: 'sms-300.tsv', base64: Buffer.from(smsSlice(300)).toString('base64') };
    const { id: datasetId } = await callApi(first, 'importDataset', file, {}, 'SMS 300');
    const [{ id: runId }] = await callApi(first, 'createRuns', { base: { ...LONG_RUN, dataset: { source: datasetId } } });
    // Past its first epochs, so that it has a checkpoint to resume from.
    await expect.poll(async () => (await callApi(first, 'getRun', runId)).progress?.epoch ?? 0, { timeout: 60_000 }).toBeGreaterThan(1);

    await page.goto(first.url.href);
    const row = page.getByTestId(`run-row-${runId}`);
    await expect(row.getByTestId('run-speed')).toBeVisible();
    const failedStreams: number[] = [];
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).pathname === '/api/events') failedStreams.push(Date.now());
    });

    server.child.kill('SIGKILL');
    await server.exited;
    server = null;
    const killedAt = Date.now();
    await expect(page.getByTestId('server-gone')).toBeVisible({ timeout: 10_000 });
    await expect(page.getByTestId('server-gone')).toContainText(`workbench serve --data ${dataDir}`);
    // The last progress heard is not shown as if it were live.
    await expect(row.getByTestId('run-speed')).toHaveCount(0);
    await expect(row.getByTestId('run-not-live')).toBeVisible();
    await saveScreenshot(page, testInfo, 'server-gone');

    // 1 s, 2 s, 4 s, 8 s apart: a handful of attempts in 20 s, where a fixed 3 s would make seven or more.
    await page.waitForTimeout(Math.max(0, 20_000 - (Date.now() - killedAt)));
    const attempts = failedStreams.filter((t) => t >= killedAt - 1000).length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(6);

    server = await serve(tmp, dataDir, []);
    expect(server.workbench.origin, 'the same port again').toBe(first.origin);
    expect(server.workbench.token, 'the same token again').toBe(first.token);
    // The next attempt is at most 30 s away.
    await expect(page.getByTestId('server-gone')).toBeHidden({ timeout: 40_000 });
    await expect(row).toBeVisible();
    // The interrupted run resumed from its checkpoint, and says so.
    await expect(row.getByTestId(`run-restarts-${runId}`)).toContainText(/resumed after epoch \d+/, { timeout: 30_000 });
    await callApi(server.workbench, 'cancelRun', runId);
  } finally {
    await page.close();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(tmp, { recursive: true, force: true });
  }
});
