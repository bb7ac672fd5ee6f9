import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { lastJson, runWorkbench, smsSliceFlags, TINY_RUN_FLAGS } from './support/cli.js';
import { skipUnlessRedis, startRedis, type RedisServer } from './support/redisServer.js';
import { startServe, type Serving } from './support/serveProcess.js';
import { tempDir } from './support/tempDir.js';

/* `serve --redis`, WORKBENCH_REDIS_URL and the System page's Training hosts setting, on a real serve and redis-server. */

const dir = tempDir('wb-cli-serve-redis-');
const servers: RedisServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

async function redisWithPassword(): Promise<RedisServer> {
  const server = await startRedis({ password: 'pw' });
  servers.push(server);
  return server;
}
const noRedisEnv = { WORKBENCH_REDIS_URL: '' };

/** Everything serve said at start: its last start-up line comes after the URL it is started on. */
async function startupLines(s: Serving): Promise<string> {
  while (!s.stderr().includes('Ctrl-C stops')) await new Promise((resolve) => setTimeout(resolve, 50));
  return s.stderr();
}

async function stop(s: Serving): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(0);
}

it('refuses a URL that is not Redis, from the flag or the environment, in one line without its password', async () => {
  const flag = await runWorkbench(['serve', '--data', path.join(dir, 'bad'), '--redis', 'http://u:hunter2@box:6379'], { env: noRedisEnv });
  expect([flag.code, flag.stderr]).toEqual([
    1,
    'workbench: --redis: "http://u:****@box:6379/" is not a Redis URL (redis://[user:password@]host[:port][/db], or rediss:// for TLS)\n',
  ]);
  const env = await runWorkbench(['serve', '--data', path.join(dir, 'bad')], { env: { WORKBENCH_REDIS_URL: 'box:6379' } });
  expect([env.code, env.stderr]).toEqual([
    1,
    'workbench: WORKBENCH_REDIS_URL: "box:6379" is not a Redis URL (redis://[user:password@]host[:port][/db], or rediss:// for TLS)\n',
  ]);
  const alone = await runWorkbench(['serve', '--data', path.join(dir, 'bad'), '--train-here'], { env: noRedisEnv });
  expect([alone.code, alone.stderr]).toEqual([
    1,
    'workbench: --train-here needs a Redis URL (--redis or WORKBENCH_REDIS_URL): without one every run trains here anyway\n',
  ]);
});

it('with --redis, prints the worker command (password masked) and the page shows the setting it cannot change', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await redisWithPassword();
  const s = await startServe(['--data', path.join(dir, 'flag'), '--redis', redis.url, '--train-here'], noRedisEnv);
  const masked = `redis://:****@127.0.0.1:${redis.port}`;
  expect(await startupLines(s)).toContain(
    `training hosts: runs train here and on the hosts; on each machine run (the Redis password where **** stands)\n` +
      `  workbench worker --redis ${masked} --workbench ${s.url.origin} --token ${s.token}\n` +
      '  (this workbench listens on this machine only: a host elsewhere reaches it through an SSH tunnel, `ssh -L`, or serve --host)\n',
  );
  expect(s.stderr()).not.toContain(':pw@');
  expect(await s.call('getTrainingHosts')).toEqual({
    status: 200,
    body: { redisUrl: masked, trainHere: true, source: 'flag', available: true },
  });
  const refused = await s.call('setTrainingHosts', [{ redisUrl: null, trainHere: false }]);
  expect(refused).toMatchObject({ status: 400, body: { error: expect.stringMatching(/set by `serve --redis`/) as unknown } });
  await stop(s);
});

it('without a URL at start, the saved Training hosts setting applies, now and at the next start', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await redisWithPassword();
  const data = path.join(dir, 'saved');
  const first = await startServe(['--data', data], noRedisEnv);
  expect(await startupLines(first)).not.toContain('training hosts:');
  expect((await first.call('getTrainingHosts')).body).toEqual({ redisUrl: null, trainHere: true, source: null, available: true });
  const masked = `redis://:****@127.0.0.1:${redis.port}`;
  expect(await first.call('setTrainingHosts', [{ redisUrl: redis.url, trainHere: false }])).toEqual({
    status: 200,
    body: { redisUrl: masked, trainHere: false, source: 'settings', available: true },
  });
  const bad = await first.call('setTrainingHosts', [{ redisUrl: 'redis://host/queue', trainHere: false }]);
  expect(bad).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^Redis URL: .*database number/) as unknown } });
  await stop(first);

  const again = await startServe(['--data', data], noRedisEnv);
  expect(await startupLines(again)).toContain(
    `training hosts: runs train on the hosts only; on each machine run (the Redis password where **** stands)`,
  );
  expect((await again.call('getTrainingHosts')).body).toEqual({ redisUrl: masked, trainHere: false, source: 'settings', available: true });
  await stop(again);

  // queue run cannot be reached by hosts: with the URL saved it trains the run itself rather than leave it in Redis.
  await runWorkbench(['runs', 'add', '--data', data, ...smsSliceFlags(dir, 'sms-slice.tsv'), ...TINY_RUN_FLAGS, '--epochs', '1']);
  const trained = lastJson(await runWorkbench(['queue', 'run', '--data', data, '--json'], { env: noRedisEnv }));
  expect(trained).toMatchObject({ runs: [{ id: 1, status: 'finished', error: null }] });
  expect(lastJson(await runWorkbench(['runs', 'show', '1', '--data', data, '--json']))).toMatchObject({ host: 'local', hosts: ['local'] });
});
