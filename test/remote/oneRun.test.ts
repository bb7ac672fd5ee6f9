import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { isFinal } from '../../src/common/runLifecycle.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* One run end to end: a coordinator with a real redis-server, one `workbench worker` process, a tiny model. */

const dir = tempDir('wb-remote-one-');

it("a queued run trains on a training host and its record is a local run's: curves, evaluation, classifier, host", async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url);
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [created] = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 2 }) });
  // No host yet: the run waits in the workbench's queue, not on Redis.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect((await c.service.getRun(created.id)).status).toBe('queued');

  const host = startHost(c, redis.url, 'box-1', path.join(dir, 'host-1'));
  const run = await waitForRun(c.service, created.id, (r) => isFinal(r.status));
  expect(run.error).toBeNull();
  expect(run.status).toBe('finished');
  expect(run.hosts).toEqual(['box-1']);
  expect(run.host).toBe('box-1');
  expect(run.restarts).toBe(0);
  expect(run.curves.epochs.map((p) => p.epoch)).toEqual([0, 1]);
  expect(run.curves.evals.length).toBeGreaterThan(0);
  expect(run.evaluation?.test.count).toBeGreaterThan(0);
  expect(run.logTail).toMatch(/training on host box-1/);
  expect(run.logTail).toMatch(/epoch 2: train accuracy/);
  // The classifier was uploaded into the run's folder: the workbench classifies with it.
  const [prediction] = await c.service.classify(created.id, ['WINNER!! Claim your free prize now']);
  expect(['ham', 'spam']).toContain(prediction.label);
  // The host keeps the data set under the name the coordinator stores it by: its sha256.
  const [stored] = readdirSync(path.join(dir, 'coordinator', 'datasets'));
  expect(stored).toMatch(/^[0-9a-f]{64}\.tsv$/);
  expect(existsSync(path.join(dir, 'host-1', 'host-datasets', stored))).toBe(true);
  const hosts = await c.service.listHosts();
  expect(hosts.map((h) => h.name)).toEqual(['box-1']);

  host.child.kill('SIGTERM');
  expect(await host.exit).toBe(0);
  expect((await c.service.listHosts())[0].state).toBe('stopped');
}, 120_000);
