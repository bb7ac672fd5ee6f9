import { execFileSync } from 'node:child_process';
import type { HostSummary } from '../src/common/api.js';
import { redisSkipReason, startRedis } from '../test/support/redisServer.js';
import { expect, test, type Workbench } from './fixtures.js';
import { callApi, saveScreenshot, smsSlice } from './helpers.js';

/*
 * Training hosts as the app shows them: the System page lists the hosts a coordinator recorded (written here
 * through the registry into serve's own database, as the coordinator does), the Runs table says where a run
 * trained, and the Training hosts setting is saved with its password masked.
 */
test.describe.configure({ mode: 'serial' });

const TINY = {
  model: { preset: 'custom', custom: { nLayer: 1, nEmbd: 32, nHead: 2, nPositions: 64 }, weights: 'random' },
  epochs: 1,
  maxLength: 32,
};

type Heartbeat = Omit<HostSummary, 'state' | 'lastSeen'> & { state: 'idle' | 'training' | 'stopped' };
type HostRecord = { heartbeat: Heartbeat } | { runHost: [number, string] };

/** Writes into serve's database, through the hosts registry, what the coordinator writes when hosts report (test/support/recordHosts.ts). */
function record(workbench: Workbench, records: HostRecord[]): void {
  execFileSync(process.execPath, ['test/support/tsChild.mjs', 'test/support/recordHosts.ts', workbench.dataDir, JSON.stringify(records)]);
}

const beat = (over: Partial<Heartbeat> & Pick<Heartbeat, 'name'>): HostRecord => ({
  heartbeat: { state: 'idle', run: null, backend: 'onnxruntime-node', device: 'cpu', version: '0.1.0', ...over },
});

test('the System page lists the training hosts and follows their heartbeats; the Runs table names the host of a run', async ({
  page,
  workbench,
}) => {
  const { paused } = await callApi(workbench, 'setQueuePaused', true);
  const file = { name: 'sms-60.tsv', base64: Buffer.from(smsSlice(60)).toString('base64') };
  const { id: datasetId } = await callApi(workbench, 'importDataset', file, {}, 'SMS 60 (hosts)');
  const [{ id: runId }] = await callApi(workbench, 'createRuns', { base: { ...TINY, dataset: { source: datasetId } } });
  // gpu-box took the run and trains it; then the user cancels it (a cancelled run keeps the hosts it ran on).
  record(workbench, [
    { runHost: [runId, 'gpu-box'] },
    beat({ name: 'gpu-box', state: 'training', run: runId, backend: 'tfjs-node-gpu', device: 'cuda:0' }),
    beat({ name: 'laptop' }),
  ]);
  await callApi(workbench, 'cancelRun', runId);

  await page.goto(`${workbench.url.href}#/system`);
  const gpu = page.getByTestId('host-row-gpu-box');
  await expect(gpu.locator('td')).toHaveText(['gpu-box', 'training', `#${runId}`, /^\d+s ago$/, 'tfjs-node-gpu', 'cuda:0', '0.1.0']);
  await expect(page.getByTestId('host-row-laptop')).toHaveAttribute('data-state', 'idle');

  // The page reads the hosts again by itself: laptop says goodbye, gpu-box finished with the run.
  record(workbench, [beat({ name: 'laptop', state: 'stopped' }), beat({ name: 'gpu-box', backend: 'tfjs-node-gpu', device: 'cuda:0' })]);
  await expect(page.getByTestId('host-row-laptop')).toHaveAttribute('data-state', 'stopped', { timeout: 20_000 });
  await expect(gpu.locator('td').nth(2)).toHaveText('—');

  await page.goto(`${workbench.url.href}#/runs`);
  await expect(page.getByTestId(`run-row-${runId}`)).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId(`run-host-${runId}`)).toHaveText('on gpu-box');
  expect((await callApi(workbench, 'listRuns')).find((r) => r.id === runId)).toMatchObject({ host: 'gpu-box', hosts: ['gpu-box'] });

  await callApi(workbench, 'deleteRun', runId);
  await callApi(workbench, 'setQueuePaused', paused);
});

test('the Training hosts setting is saved from the System page, its password shown masked, with the worker command', async ({
  page,
  workbench,
}) => {
  const reason = redisSkipReason();
  test.skip(reason !== null, reason ?? '');
  const redis = await startRedis({ password: 's3cret' });
  try {
    await page.goto(`${workbench.url.href}#/system`);
    const url = page.getByTestId('redis-url');
    await expect(url).toHaveValue('');
    await expect(page.getByTestId('train-here')).toBeDisabled();
    await url.fill(redis.url);
    await expect(page.getByTestId('train-here')).not.toBeChecked();
    await page.getByTestId('train-here').check();
    await page.getByTestId('training-hosts-save').click();

    const masked = `redis://:****@127.0.0.1:${redis.port}`;
    await expect(page.getByTestId('training-hosts-saved')).toBeVisible();
    await expect(url).toHaveValue(masked);
    await expect(page.getByTestId('worker-command')).toHaveText(
      `workbench worker --redis ${masked} --workbench ${workbench.origin} --token ${workbench.token}`,
    );
    await expect(page.locator('body')).not.toContainText('s3cret');
    await saveScreenshot(page, test.info(), 'training-hosts');
    // Saved again as shown, masked: accepted (the saved password is kept, trainingHosts.test.ts).
    await page.getByTestId('training-hosts-save').click();
    await expect(page.getByTestId('training-hosts-saved')).toBeVisible();

    await page.reload();
    await expect(url).toHaveValue(masked);
    await expect(page.getByTestId('train-here')).toBeChecked();

    // Emptied: everything trains here again.
    await url.fill('');
    await page.getByTestId('training-hosts-save').click();
    await expect(page.getByTestId('training-hosts-saved')).toBeVisible();
    await expect(page.getByTestId('worker-command')).toHaveCount(0);
    expect(await callApi(workbench, 'getTrainingHosts')).toEqual({ redisUrl: null, trainHere: true, source: null, available: true });
  } finally {
    await redis.close();
  }
});
