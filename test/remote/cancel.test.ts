import path from 'node:path';
import { Queue } from 'bullmq';
import { expect, it, onTestFinished } from 'vitest';
import { isFinal } from '../../src/common/runLifecycle.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* Cancel in the app reaches the run on its host; the host is free for the next run. */

const dir = tempDir('wb-remote-cancel-');

it('cancelling a run that trains on a host stops it within 10 s, and the host trains the next run', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [long] = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 50 }) });
  const [next] = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }) });
  const host = startHost(c, redis.url, 'box-1', path.join(dir, 'host-1'));

  await waitForRun(c.service, long.id, (r) => (r.progress?.step ?? 0) >= 2);
  const asked = Date.now();
  await c.service.cancelRun(long.id);
  const cancelled = await waitForRun(c.service, long.id, (r) => isFinal(r.status));
  expect(cancelled.status).toBe('cancelled');
  expect(Date.now() - asked).toBeLessThan(10_000);
  expect(cancelled.curves.epochs.length).toBeLessThan(50);

  const after = await waitForRun(c.service, next.id, (r) => isFinal(r.status));
  expect(after.status).toBe('finished');
  expect(after.hosts).toEqual(['box-1']);
  expect(host.stderr()).toMatch(/run 1: ended \(exit code 0\)/);
  host.child.kill('SIGTERM');
  expect(await host.exit).toBe(0);
}, 180_000);

it('a run cancelled while it waits on the queue for a host is taken off it and never trains', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator-2'), redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [run] = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }) });
  // A host said it was there, then went silent: the run went to the queue, and waits there.
  c.service.hosts.recordHeartbeat({ name: 'gone', state: 'idle', run: null, backend: null, device: null, version: '0.1.0' });
  await waitForRun(c.service, run.id, (r) => r.status === 'running');
  await c.service.cancelRun(run.id);
  const cancelled = await waitForRun(c.service, run.id, (r) => isFinal(r.status));
  expect(cancelled.status).toBe('cancelled');
  expect(cancelled.hosts).toEqual([]);
  expect(await c.service.getQueueState()).toMatchObject({ running: [], queued: [] });
  // Off Redis too: no host will ever take it.
  const hello = (await (await fetch(`${c.origin}/api/remote/hello`, { headers: { Authorization: `Bearer ${c.token}` } })).json()) as {
    queue: string;
  };
  const queue = new Queue(hello.queue, { connection: { url: redis.url } });
  try {
    expect(await queue.getJobCounts('wait', 'active', 'delayed')).toEqual({ wait: 0, active: 0, delayed: 0 });
  } finally {
    await queue.close();
  }
}, 60_000);
