import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { expect, it, onTestFinished } from 'vitest';
import { isFinal } from '../../src/common/runLifecycle.js';
import { startTrainingHost } from '../../src/service/remote/host.js';
import { spawnNodeWorker } from '../../src/service/trainerHost.js';
import { versionFromPackage } from '../../src/service/workbenchService.js';
import { runWorkbench } from '../support/cli.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startCoordinator, startHost, waitForRun } from '../support/trainingHosts.js';

/* What a host refuses, and what refuses a host: each is one clear line and a non-zero exit, and no run is lost. */

const dir = tempDir('wb-remote-refusals-');

it('a host of another workbench version refuses the job, naming both versions; the run waits for a host of the right one', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator'), redis.url, { appVersion: '0.0.9' });
  const dataset = await c.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [run] = await c.service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }) });

  const host = startHost(c, redis.url, 'newer', path.join(dir, 'host-1'));
  expect(await host.exit).toBe(1);
  expect(host.stderr()).toContain(
    `refusing run ${run.id}: this host runs workbench ${versionFromPackage()}, the workbench at ${c.origin} runs 0.0.9; install the same version on both`,
  );
  expect((await c.service.getRun(run.id)).status).toBe('running');
  const queue = new Queue(c.service.hostRoutes.coordinator.queueName, { connection: { url: redis.url } });
  expect(await queue.getJobCounts('wait', 'active')).toEqual({ wait: 1, active: 0 });
  await queue.close();

  // A host of the coordinator's version takes it and trains it.
  const said: string[] = [];
  const right = await startTrainingHost({
    redisUrl: redis.url,
    workbench: new URL(c.origin),
    token: c.token,
    name: 'same',
    dataDir: path.join(dir, 'host-2'),
    cacheDir: path.join(dir, 'host-2', 'cache'),
    version: '0.0.9',
    leaseMs: 2000,
    spawnWorker: spawnNodeWorker,
    say: (line) => said.push(line),
  });
  const trained = await waitForRun(c.service, run.id, (r) => isFinal(r.status));
  expect(trained.status).toBe('finished');
  expect(trained.hosts).toEqual(['same']);
  await right.stop('the test');
  expect(await right.stopped).toBe(0);
}, 120_000);

it('a wrong token, or a wrong Redis password, is one line and exit code 1', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis({ password: 'right-password' });
  onTestFinished(() => redis.close());
  const c = await startCoordinator(path.join(dir, 'coordinator-2'), redis.url);
  const worker = (redisUrl: string, token: string) =>
    runWorkbench([
      'worker',
      '--redis',
      redisUrl,
      '--workbench',
      c.origin,
      '--token',
      token,
      '--name',
      'box',
      '--data',
      path.join(dir, 'host-3'),
    ]);

  const wrongToken = await worker(redis.url, 'not-the-token');
  expect(wrongToken.code).toBe(1);
  expect(wrongToken.stderr).toBe(`workbench: the workbench at ${c.origin} refused the token: give --token the token \`serve\` printed\n`);

  const wrongPassword = await worker(`redis://:wrong-password@127.0.0.1:${redis.port}`, c.token);
  expect(wrongPassword.code).toBe(1);
  expect(wrongPassword.stderr).toMatch(/^workbench: cannot use Redis at redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+\/?: WRONGPASS [^\n]*\n$/);
  expect(wrongPassword.stderr).not.toContain('wrong-password');
  expect(await c.service.listHosts()).toEqual([]);
}, 60_000);

it('a worker without what it needs, or with a bad option, says so in one line with exit code 1', async () => {
  const port = await freePort();
  const given = ['--redis', `redis://127.0.0.1:${port}`, '--workbench', `http://127.0.0.1:${port}`, '--token', 't'];
  const runs = await Promise.all([
    runWorkbench(['worker', '--redis', given[1]]),
    runWorkbench(['worker', ...given, '--lease', '0']),
    runWorkbench(['worker', ...given, '--name', 'local']),
    runWorkbench(['worker', ...given.slice(0, 2), '--workbench', 'ftp://x', '--token', 't']),
    runWorkbench(['worker', ...given]),
  ]);
  expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1, 1]);
  expect(runs.map((r) => r.stderr)).toEqual([
    'workbench: worker: --redis, --workbench and --token are needed\n',
    'workbench: worker: --lease takes seconds from 1 to 3600, not "0"\n',
    'workbench: worker: --name: host name "local" is this workbench\'s own trainer; give the host another --name\n',
    'workbench: worker: --workbench "ftp://x" is not an http(s) URL\n',
    `workbench: cannot reach the workbench at http://127.0.0.1:${port}: ECONNREFUSED\n`,
  ]);
}, 60_000);

/** A port nobody listens on at this moment. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
