import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { isFinal } from '../../src/common/runLifecycle.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* "Train here too": the workbench's own trainer is one more host beside the training hosts. */

const dir = tempDir('wb-remote-here-');

it('with train here, runs train both here ("local") and on the host, and the queue counts both', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url, { trainHere: true });
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const host = startHost(c, redis.url, 'box-1', path.join(dir, 'host-1'));
  await host.says(/takes runs of the workbench/);
  const runs = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 2 }), vary: { seed: [1, 2] } });
  const done = [];
  for (const run of runs) done.push(await waitForRun(c.service, run.id, (r) => isFinal(r.status)));
  expect(done.map((r) => r.status)).toEqual(['finished', 'finished']);
  expect(done.map((r) => r.hosts).sort()).toEqual([['box-1'], ['local']]);
  expect((await c.service.getQueueState()).concurrency).toBe(2);
  host.child.kill('SIGTERM');
  expect(await host.exit).toBe(0);
}, 180_000);
