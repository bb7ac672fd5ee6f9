import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it, onTestFinished } from 'vitest';
import { isFinal } from '../../src/common/runLifecycle.js';
import { DATABASE_FILE } from '../../src/service/workbenchService.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* The workbench stops while a host trains one of its runs: the host trains on, and the record is whole once it is back. */

const dir = tempDir('wb-remote-away-');

it('the host keeps training and retries with back-off; after the coordinator returns, the run is finished with every step', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const dataDir = path.join(dir, 'coordinator');
  const first = await startCoordinator(dataDir, redis.url);
  const dataset = await first.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [run] = await first.service.createRuns({ base: tinyRun(dataset.id, { epochs: 4 }) });
  const host = startHost(first, redis.url, 'box-1', path.join(dir, 'host-1'));
  await waitForRun(first.service, run.id, (r) => r.curves.epochs.length >= 1);
  await first.close();

  // Its own checkpoint moves on while nobody listens at the workbench's address.
  const queue = first.service.hostRoutes.coordinator.queueName;
  const own = path.join(dir, 'host-1', 'host-runs', queue, String(run.id), 'checkpoints', 'checkpoint.json');
  await host.says(/cannot reach the workbench at http:\/\/127\.0\.0\.1:\d+ \([^)]+\) while [a-z]/);
  const epochNow = () => (existsSync(own) ? (JSON.parse(readFileSync(own, 'utf8')) as { epoch: number }).epoch : -1);
  const away = epochNow();
  for (let i = 0; epochNow() === away && i < 1200; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(epochNow()).toBeGreaterThan(away);

  const again = await startCoordinator(dataDir, redis.url, { token: first.token, port: first.server.port });
  const finished = await waitForRun(again.service, run.id, (r) => isFinal(r.status));
  expect(finished.error).toBeNull();
  expect(finished.status).toBe('finished');
  expect(finished.restarts).toBe(0);
  expect(finished.hosts).toEqual(['box-1']);
  expect(finished.curves.epochs.map((p) => p.epoch)).toEqual([0, 1, 2, 3]);
  await host.says(/answers again/);

  // Every step the training process took is recorded once, those it took while the workbench was away too.
  const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
  const steps = db.prepare("SELECT step FROM metrics WHERE run_id = ? AND kind = 'step' ORDER BY step").pluck().all(run.id) as number[];
  db.close();
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  expect(steps.length).toBe(finished.curves.epochs.at(-1)!.step);
  host.child.kill('SIGTERM');
  expect(await host.exit).toBe(0);
}, 240_000);
