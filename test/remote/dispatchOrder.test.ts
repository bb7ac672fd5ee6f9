import path from 'node:path';
import { Queue } from 'bullmq';
import { expect, it, onTestFinished } from 'vitest';
import { RemoteJobSchema } from '../../src/common/hostProtocol.js';
import { versionFromPackage } from '../../src/service/workbenchService.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, waitForRun } from '../support/trainingHosts.js';

/* Runs go to Redis one per free host, so pause and reorder keep their meaning for the runs still queued. */

const dir = tempDir('wb-remote-order-');

it('dispatches nothing while paused, then the head of the reordered queue, one run per host', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  await c.service.setQueuePaused(true);
  const runs = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }), vary: { seed: [1, 2, 3] } });
  const beat = (name: string) =>
    c.service.hosts.recordHeartbeat({ name, state: 'idle', run: null, backend: null, device: null, version: versionFromPackage() });
  beat('box-1');
  const queue = new Queue(c.service.hostRoutes.coordinator.queueName, { connection: { url: redis.url } });
  onTestFinished(() => queue.close());
  const jobs = async () => (await queue.getJobs(['wait'])).map((j) => RemoteJobSchema.parse(j.data).runId).sort((x, y) => x - y);

  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await jobs()).toEqual([]);
  expect((await c.service.getQueueState()).queued).toEqual(runs.map((r) => r.id));

  const [a, b, last] = runs.map((r) => r.id);
  await c.service.reorderQueue([last, a, b]);
  await c.service.setQueuePaused(false);
  await waitForRun(c.service, last, (r) => r.status === 'running');
  // Running from the moment it leaves the queue; on Redis a moment later.
  await until(async () => (await jobs()).length > 0);
  expect(await jobs()).toEqual([last]);
  expect((await c.service.getQueueState()).queued).toEqual([a, b]);

  // A second host: the next in queue order, and no more.
  beat('box-2');
  await waitForRun(c.service, a, (r) => r.status === 'running');
  await until(async () => (await jobs()).length > 1);
  expect(await jobs()).toEqual([a, last]);
  expect((await c.service.getQueueState()).queued).toEqual([b]);
}, 60_000);

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}
