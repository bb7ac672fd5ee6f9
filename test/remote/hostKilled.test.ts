import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { isFinal } from '../../src/common/runLifecycle.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* A host SIGKILLed mid-run: BullMQ's stalled-job check hands the run to another host, which resumes it. */

const dir = tempDir('wb-remote-kill-');

it('another host resumes the run from its last uploaded checkpoint and ends where an uninterrupted run ends', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const config = tinyRun(dataset.id, { epochs: 4, seed: 7 });
  const [victim] = await c.service.createRuns({ base: config });

  const first = startHost(c, redis.url, 'box-1', path.join(dir, 'host-1'));
  // Killed once its first epoch's checkpoint is with the workbench.
  const checkpoint = path.join(dir, 'coordinator', 'runs', String(victim.id), 'checkpoints', 'checkpoint.json');
  await waitForRun(c.service, victim.id, () => existsSync(checkpoint));
  first.child.kill('SIGKILL');
  await first.exit;

  const second = startHost(c, redis.url, 'box-2', path.join(dir, 'host-2'));
  const resumed = await waitForRun(c.service, victim.id, (r) => isFinal(r.status));
  expect(resumed.error).toBeNull();
  expect(resumed.status).toBe('finished');
  expect(resumed.restarts).toBe(1);
  expect(resumed.hosts).toEqual(['box-1', 'box-2']);
  expect(resumed.resumedFromEpoch).not.toBeNull();
  expect(resumed.logTail).toMatch(/host box-2 resumes it from its last uploaded checkpoint/);
  expect(resumed.logTail).toMatch(/resuming from the checkpoint after epoch/);
  expect(resumed.curves.epochs.map((p) => p.epoch)).toEqual([0, 1, 2, 3]);

  // The same settings and seed, trained without a break (on the second host): the same classifier's figures.
  const [again] = await c.service.createRuns({ base: config });
  const whole = await waitForRun(c.service, again.id, (r) => isFinal(r.status));
  expect(whole.status).toBe('finished');
  expect(whole.restarts).toBe(0);
  for (const split of ['train', 'val', 'test'] as const) {
    expect(resumed.evaluation![split].accuracy).toBe(whole.evaluation![split].accuracy);
    expect(resumed.evaluation![split].loss).toBeCloseTo(whole.evaluation![split].loss, 5);
  }
  second.child.kill('SIGTERM');
  expect(await second.exit).toBe(0);
}, 180_000);
