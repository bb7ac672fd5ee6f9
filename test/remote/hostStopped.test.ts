import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { isFinal } from '../../src/common/runLifecycle.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* Ctrl-C / SIGTERM on a host finishes nothing half: the run goes back to the queue and resumes elsewhere. */

const dir = tempDir('wb-remote-stop-');

it('a host stopped by SIGTERM gives its run back; another host resumes it from the last uploaded checkpoint', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [run] = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 4 }) });
  const first = startHost(c, redis.url, 'box-1', path.join(dir, 'host-1'));
  const checkpoint = path.join(dir, 'coordinator', 'runs', String(run.id), 'checkpoints', 'checkpoint.json');
  await waitForRun(c.service, run.id, () => existsSync(checkpoint), [first]);
  first.child.kill('SIGTERM');
  expect(await first.exit).toBe(0);
  expect(first.stderr()).toMatch(/run 1: back in the queue/);
  expect((await c.service.listHosts()).find((h) => h.name === 'box-1')?.state).toBe('stopped');
  expect((await c.service.getRun(run.id)).status).toBe('running');

  const second = startHost(c, redis.url, 'box-2', path.join(dir, 'host-2'));
  const resumed = await waitForRun(c.service, run.id, (r) => isFinal(r.status), [second]);
  expect(resumed.error).toBeNull();
  expect(resumed.status).toBe('finished');
  expect(resumed.restarts).toBe(1);
  expect(resumed.hosts).toEqual(['box-1', 'box-2']);
  expect(resumed.resumedFromEpoch).not.toBeNull();
  expect(resumed.logTail).toMatch(/stopped by SIGTERM: the run goes back to the queue/);
  expect(resumed.curves.epochs.map((p) => p.epoch)).toEqual([0, 1, 2, 3]);
  second.child.kill('SIGINT');
  expect(await second.exit).toBe(0);
}, 180_000);
