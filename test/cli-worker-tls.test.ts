import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import type { RunSummary } from '../src/common/api.js';
import { isFinal } from '../src/common/runLifecycle.js';
import { runWorkbench } from './support/cli.js';
import { skipUnlessRedis, startRedis } from './support/redisServer.js';
import { startServe } from './support/serveProcess.js';
import { smsSlice, SMS_MAPPING, tinyRun } from './support/service.js';
import { tempDir } from './support/tempDir.js';

/*
 * The README's TLS set-up, as a user runs it: a redis-server that speaks only TLS, with a certificate of the user's
 * own CA; `workbench serve --redis rediss://…` and `workbench worker --redis rediss://…`, each trusting the CA
 * through NODE_EXTRA_CA_CERTS. A worker that does not trust it says so in one line.
 */

const dir = tempDir('wb-worker-tls-');

it('serve and a worker use a rediss:// Redis whose CA they trust; a worker that does not is refused in one line', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis({ password: 'pw', tls: true });
  onTestFinished(() => redis.close());
  const trust = { NODE_EXTRA_CA_CERTS: redis.caFile!, WORKBENCH_REDIS_URL: '' };
  const serve = await startServe(['--data', path.join(dir, 'data'), '--redis', redis.url], trust);
  onTestFinished(async () => {
    serve.child.kill('SIGTERM');
    await serve.exit;
  });
  const worker = ['worker', '--redis', redis.url, '--workbench', serve.url.origin, '--token', serve.token, '--name', 'tls-host'];

  const untrusting = await runWorkbench([...worker, '--data', path.join(dir, 'untrusting')], { env: { WORKBENCH_REDIS_URL: '' } });
  expect(untrusting.code).toBe(1);
  expect(untrusting.stderr).toMatch(new RegExp(`^workbench: cannot use Redis at rediss://:\\*{4}@127\\.0\\.0\\.1:${redis.port}: .+\\n$`));

  const dataset = (await serve.call('importDataset', [smsSlice(), SMS_MAPPING, 'SMS slice'])).body as { id: string };
  const [{ id }] = (await serve.call('createRuns', [{ base: tinyRun(dataset.id, { epochs: 1 }) }])).body as { id: number }[];
  let stopping = false;
  const stopped = await runWorkbench([...worker, '--data', path.join(dir, 'host')], {
    env: { ...trust, WORKBENCH_CACHE_DIR: path.join(dir, 'host-cache') },
    // Once its run ended, the host is stopped as a user would, with one SIGTERM.
    onStderr: (said, pid) => {
      if (stopping || !/run \d+: ended/.test(said)) return;
      stopping = true;
      process.kill(pid, 'SIGTERM');
    },
  });
  expect(stopped.code, stopped.stderr).toBe(0);
  const run = ((await serve.call('listRuns')).body as RunSummary[]).find((r) => r.id === id);
  expect(run && isFinal(run.status)).toBe(true);
  expect(run).toMatchObject({ status: 'finished', host: 'tls-host', error: null });
}, 180_000);
