import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { expect, it, onTestFinished } from 'vitest';
import { RemoteJobSchema } from '../../src/common/hostProtocol.js';
import { uploadLimitOf } from '../../src/service/remote/routes.js';
import { versionFromPackage } from '../../src/service/workbenchService.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, waitForRun } from '../support/trainingHosts.js';

/* The routes of training hosts: behind the token, a run's files only for the host that trains it now, uploads capped and whole. */

const dir = tempDir('wb-remote-routes-');

it('guards every route with the token, and gives and takes only what the current host of a run may', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const dataDir = path.join(dir, 'coordinator');
  const c = await startCoordinator(dataDir, redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [run] = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }) });
  const version = versionFromPackage();
  c.service.hosts.recordHeartbeat({ name: 'by-hand', state: 'idle', run: null, backend: null, device: null, version });
  await waitForRun(c.service, run.id, (r) => r.status === 'running');
  const queue = new Queue(c.service.hostRoutes.coordinator.queueName, { connection: { url: redis.url } });
  const job = await waitFor(async () => (await queue.getJobs(['wait']))[0]);
  await queue.close();
  const { dispatch, dataset: file } = RemoteJobSchema.parse(job.data);

  const call = (route: string, init: RequestInit = {}, token: string | null = c.token) =>
    fetch(`${c.origin}/api/remote/${route}`, {
      ...init,
      headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), 'Content-Type': 'application/json' },
    });
  const post = (route: string, body: unknown) => call(route, { method: 'POST', body: JSON.stringify(body) });
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

  for (const route of ['hello', `datasets/${file!.sha256}`, `runs/${run.id}/files/checkpoints/checkpoint.json?dispatch=${dispatch}`])
    expect((await call(route, {}, null)).status).toBe(401);
  expect((await call(`runs/${run.id}/files/checkpoints/checkpoint-1.safetensors`, { method: 'PUT', body: 'x' }, 'wrong')).status).toBe(401);

  const attach = { dispatch, attempt: 'attempt-one', host: 'by-hand', version };
  const older = await post(`runs/${run.id}/attach`, { ...attach, version: '0.0.1' });
  expect(older.status).toBe(409);
  expect(await errorOf(older)).toBe(`host by-hand runs workbench 0.0.1, this workbench is ${version}: install the same version on both`);
  expect((await post(`runs/${run.id}/attach`, { ...attach, dispatch: 'another-dispatch-0000' })).status).toBe(410);
  expect(await (await post(`runs/${run.id}/attach`, attach)).json()).toEqual({ cancel: false });
  expect((await c.service.getRun(run.id)).hosts).toEqual(['by-hand']);

  // The run's data set by its sha256; no other file of the data folder.
  const stored = path.join(dataDir, 'datasets', `${file!.sha256}${file!.ext}`);
  expect(Buffer.from(await (await call(`datasets/${file!.sha256}`)).arrayBuffer())).toEqual(readFileSync(stored));
  expect((await call(`datasets/${'0'.repeat(64)}`)).status).toBe(404);

  const put = (name: string, body: Uint8Array | string, attempt = 'attempt-one') =>
    call(`runs/${run.id}/files/checkpoints/${name}?dispatch=${dispatch}&attempt=${attempt}`, { method: 'PUT', body });
  const checkpoints = path.join(dataDir, 'runs', String(run.id), 'checkpoints');
  expect((await put('checkpoint-1.safetensors', 'x', 'another-attempt')).status).toBe(410);
  for (const name of ['workbench.sqlite', '..%2F..%2Fworkbench.sqlite', 'checkpoint-1.json'])
    expect((await put(name, 'x')).status).toBe(404);
  const pointer = JSON.stringify({ tensorsFile: 'checkpoint-1.safetensors', epoch: 0 });
  expect((await put('checkpoint.json', pointer)).status).toBe(409);
  // Past the most this run can write: refused, and nothing of it kept.
  const row = await c.service.getRun(run.id);
  const tooLarge = await put('checkpoint-1.safetensors', new Uint8Array(uploadLimitOf(row.config, row.parameters!.trainable) + 1));
  expect(tooLarge.status).toBe(413);
  expect(readdirSync(checkpoints)).toEqual([]);

  expect((await put('checkpoint-1.safetensors', 'tensors')).status).toBe(200);
  expect((await put('checkpoint.json', pointer)).status).toBe(200);
  expect((await put('checkpoint-2.safetensors', 'newer tensors')).status).toBe(200);
  expect((await put('checkpoint.json', pointer.replace('-1.', '-2.'))).status).toBe(200);
  expect(readdirSync(checkpoints).sort()).toEqual(['checkpoint-2.safetensors', 'checkpoint.json']);
  const back = await call(`runs/${run.id}/files/checkpoints/checkpoint-2.safetensors?dispatch=${dispatch}`);
  expect(await back.text()).toBe('newer tensors');

  const report = { dispatch, attempt: 'attempt-one', first: 0, items: [{ line: 'hello from the host' }], exit: null };
  expect(await (await post(`runs/${run.id}/report`, report)).json()).toEqual({ cancel: false });
  expect((await post(`runs/${run.id}/report`, { ...report, attempt: 'someone-else' })).status).toBe(410);
  expect((await c.service.getRun(run.id)).logTail).toContain('hello from the host');
}, 60_000);

it('fails a run that names a weights file of this machine, saying how to train it', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const dataDir = path.join(dir, 'coordinator-2');
  const c = await startCoordinator(dataDir, redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const weightsFile = path.join(dataDir, 'my-gpt2.safetensors');
  writeFileSync(weightsFile, 'weights');
  const model = { preset: 'custom', custom: { nLayer: 2, nEmbd: 64, nHead: 4, nPositions: 64 }, weights: 'pretrained', weightsFile };
  const [run] = await c.service.createRuns({ base: tinyRun(dataset.id, { model }) });
  c.service.hosts.recordHeartbeat({
    name: 'by-hand',
    state: 'idle',
    run: null,
    backend: null,
    device: null,
    version: versionFromPackage(),
  });
  const failed = await waitForRun(c.service, run.id, (r) => r.status === 'failed');
  expect(failed.error).toBe(
    `cannot queue the run for training hosts: it names a weights file of this machine (${weightsFile}), and hosts take GPT-2's weights only from their own cache or the download: train it here (serve --train-here, or Train here too on the System page)`,
  );
}, 60_000);

async function waitFor<T>(get: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
