import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatasetSummary } from '../../src/common/api.js';
import { startHttpServer, type WorkbenchHttpServer } from '../../src/service/http/server.js';
import type { WorkbenchService } from '../../src/service/workbenchService.js';
import { request } from '../support/httpClient.js';
import { openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* Runs that cannot work are refused before any work, over real HTTP: 400 and one line, nothing queued. */

const dir = tempDir('wb-validation-');
const TOKEN = 'validation-token-0123456789';
let service: WorkbenchService;
let server: WorkbenchHttpServer;
let dataset: DatasetSummary;

beforeAll(async () => {
  ({ service } = await openService({ dataDir: path.join(dir, 'data'), autoStart: false }));
  dataset = await service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  server = await startHttpServer({ service, port: 0, token: TOKEN, rendererDir: path.join(dir, 'no-renderer'), log: () => {} });
});
afterAll(() => server?.close());

const call = (method: string, body: string) =>
  request(server.origin, `/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    body,
  });

/** Both planRuns and createRuns answer 400 with one line matching `message`; nothing is queued. */
async function refused(grid: unknown, message: RegExp): Promise<void> {
  for (const method of ['planRuns', 'createRuns']) {
    const reply = await call(method, JSON.stringify([grid]));
    const { error } = reply.json() as { error: string };
    expect([reply.status, error], method).toEqual([400, expect.stringMatching(message)]);
    expect(error).not.toContain('\n');
  }
  expect(await service.listRuns()).toEqual([]);
}

it('refuses a split that leaves validation or test empty', async () => {
  const split = (train: number, val: number, test: number) => ({
    ...tinyRun(dataset.id),
    dataset: { source: dataset.id, split: { train, val, test } },
  });
  await refused({ base: split(1, 0, 0) }, /^.*split 1,0,0: the validation and test sets would be empty; every split needs messages/);
  await refused({ base: split(0.9, 0, 0.1) }, /split 0\.9,0,0\.1: the validation set would be empty/);
  // Not zero, but too small for this data set's rows (the slice: 400 messages, balanced to its spam count).
  await refused(
    { base: split(0.995, 0.001, 0.004) },
    /split 0\.995,0\.001,0\.004: the validation set would get no message of this data set's \d+; give it a larger fraction/,
  );
});

it("refuses a context or batch whose attention alone exceeds this machine's memory", async () => {
  const huge = {
    ...tinyRun(dataset.id),
    model: { preset: 'custom', custom: { nLayer: 1, nEmbd: 8, nHead: 2, nPositions: 65536 }, weights: 'random' },
    maxLength: 'context',
  };
  await refused(
    { base: huge },
    /one training step needs at least [\d.]+ [GTP]B of memory \(the attention scores of batch 8 × 2 heads × 65,536² positions alone take [\d.]+ [GTP]B\), more than this machine's [\d.]+ [GMT]B; lower maxLength, batchSize or the model's size$/,
  );
  // The same model padded to 1,024 fits: planned.
  const fits = await call('planRuns', JSON.stringify([{ base: { ...huge, maxLength: 1024 } }]));
  expect(fits.status).toBe(200);
  // A batch large enough is refused on its own.
  const batch = Math.ceil(os.totalmem() / (2 * 2 * 1024 ** 2 * 4)) + 1;
  await refused({ base: { ...huge, maxLength: 1024, batchSize: batch } }, /one training step needs at least .* of memory/);
});

it('refuses arguments nested deeper than any schema allows, before the schema or a clone recurses', async () => {
  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  for (const body of [
    `[{"base":{"dataset":${deep(10_000)}}}]`,
    `[{"base":{},"vary":{"dropout":[${deep(10_000)}]}}]`,
    `[{"base":{"x":${deep(40)}}}]`,
  ]) {
    for (const method of ['planRuns', 'createRuns']) {
      const reply = await call(method, body);
      expect([reply.status, reply.json()]).toEqual([
        400,
        { error: `${method}: invalid arguments: nested more than 32 levels deep, deeper than any argument of the API` },
      ]);
    }
  }
  // The service itself (the desktop app's IPC goes through the same check) says the same.
  const nested = JSON.parse(`{"base":{"dataset":${deep(10_000)}}}`) as never;
  await expect(service.createRuns(nested)).rejects.toThrow(/^createRuns: invalid arguments: nested more than 32 levels deep/);
  expect(await service.listRuns()).toEqual([]);
});
