import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import type { WorkbenchEvent } from '../../src/common/api.js';
import { isFinal } from '../../src/common/runLifecycle.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* Redis stops and comes back (its AOF keeps the queue) in the middle of a grid: nothing is lost, nothing trained twice. */

const dir = tempDir('wb-remote-redis-');

it('every run of the grid finishes, once, with all its epochs', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url);
  const events: WorkbenchEvent[] = [];
  c.service.onEvent((e) => events.push(e));
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const runs = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 2 }), vary: { seed: [1, 2, 3, 4] } });
  const hosts = [startHost(c, redis.url, 'box-1', path.join(dir, 'host-1')), startHost(c, redis.url, 'box-2', path.join(dir, 'host-2'))];

  await waitForRun(c.service, runs[0].id, (r) => (r.progress?.step ?? 0) >= 1, hosts);
  await redis.stop();
  // Longer than the hosts' lease: their jobs' locks run out meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await redis.restart();

  for (const run of runs) {
    const done = await waitForRun(c.service, run.id, (r) => isFinal(r.status), hosts);
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.curves.epochs.map((p) => p.epoch)).toEqual([0, 1]);
  }
  const finishes = events.filter((e) => e.type === 'run-status' && e.status === 'finished').map((e) => (e as { runId: number }).runId);
  expect(finishes.sort()).toEqual(runs.map((r) => r.id).sort());
  // The hosts did lose Redis for a while.
  expect(hosts.some((h) => /Redis: .*\(reconnecting\)/.test(h.stderr()))).toBe(true);
  for (const host of hosts) host.child.kill('SIGTERM');
  expect(await Promise.all(hosts.map((h) => h.exit))).toEqual([0, 0]);
}, 300_000);
