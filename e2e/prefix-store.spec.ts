import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures.js';
import { callApi, smsSlice } from './helpers.js';

/*
 * The prefix store in the app: two runs of the same tiny model and data share a frozen prefix; the second
 * run's details say it was read from the store, and the System page shows the store, sets its cap and clears it.
 */

// Real training: seconds for two tiny runs on 2 idle cores; the margin is for a loaded machine.
const TRAINING_TIMEOUT = 240_000;
const GIB = 2 ** 30;

const runIds: number[] = [];

test.beforeAll(async ({ workbench }) => {
  test.setTimeout(TRAINING_TIMEOUT);
  const file = { name: 'sms-first-300.tsv', base64: Buffer.from(smsSlice(300)).toString('base64') };
  const { id } = await callApi(workbench, 'importDataset', file, {}, 'SMS 300');
  const base = {
    dataset: { source: id },
    model: { preset: 'custom', custom: { nLayer: 2, nEmbd: 32, nHead: 4, nPositions: 64 }, weights: 'random' },
    trainable: 'last-1',
    epochs: 1,
    maxLength: 32,
    evalEvery: 10,
    evalBatches: 1,
    seed: 4242, // no other spec's run on this server shares its weights
  };
  // One after the other, so that the second finds the first's entry.
  for (let i = 0; i < 2; i++) runIds.push(...(await callApi(workbench, 'createRuns', { base })).map((r) => r.id));
  await callApi(workbench, 'setQueuePaused', false);
  for (const runId of runIds) {
    await expect
      .poll(async () => (await callApi(workbench, 'getRun', runId)).status, { timeout: TRAINING_TIMEOUT, intervals: [500] })
      .toBe('finished');
  }
});

// The server is shared by the specs of this test worker: others count the runs they make.
test.afterAll(async ({ workbench }) => {
  for (const id of runIds) await callApi(workbench, 'deleteRun', id);
});

test("the second run's details say its prefix came from the prefix store", async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  await page.getByTestId(`run-open-${runIds[0]}`).click();
  await expect(page.getByTestId('details-frozen-prefix')).toHaveText(/^1 block on \w+, [\d,]+ messages, computed by this run$/);
  await page.getByTestId(`run-open-${runIds[1]}`).click();
  await expect(page.getByTestId('details-frozen-prefix')).toHaveText(/^1 block on \w+, [\d,]+ messages, read from the prefix store$/);
});

test('System shows the store’s entries and size, saves a new cap, and Clear empties the store', async ({ page, workbench }) => {
  const before = (await callApi(workbench, 'getSystemInfo')).prefixStore;
  expect(before.entries).toBeGreaterThanOrEqual(1);
  await page.goto(workbench.url.href);
  await page.getByTestId('nav-system').click();
  const panel = page.getByTestId('prefix-store');
  await expect(panel.getByTestId('prefix-store-entries')).toHaveText(String(before.entries));
  await expect(panel.getByTestId('prefix-store-size')).toHaveText(/^[\d.]+ (KiB|MiB|GiB)$/);
  await expect(panel).toContainText(path.join(workbench.dataDir, 'prefix-store'));
  await expect(panel.getByTestId('prefix-store-cap')).toHaveValue(String(before.capBytes / GIB));

  await panel.getByTestId('prefix-store-cap').fill('4');
  await panel.getByTestId('prefix-store-save-cap').click();
  await expect.poll(async () => (await callApi(workbench, 'getSystemInfo')).prefixStore.capBytes).toBe(4 * GIB);
  await expect(panel.getByTestId('prefix-store-entries')).toHaveText(String(before.entries)); // all fit under 4 GiB

  await panel.getByTestId('prefix-store-clear').click();
  await panel.getByTestId('prefix-store-clear-confirm').click();
  await expect(panel.getByTestId('prefix-store-entries')).toHaveText('0');
  await expect(panel.getByTestId('prefix-store-size')).toHaveText('0 B');
  await expect(panel.getByTestId('prefix-store-clear')).toBeDisabled();
  expect(readdirSync(path.join(workbench.dataDir, 'prefix-store')).filter((n) => n.endsWith('.prefix'))).toEqual([]);

  await page.reload();
  await expect(page.getByTestId('prefix-store-cap')).toHaveValue('4'); // the cap is kept
});
