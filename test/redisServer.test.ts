import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { skipUnlessRedis, startRedis, type RedisServer } from './support/redisServer.js';

// The test helper the remote-host tests stand on: a real redis-server that keeps what it acknowledged.

const servers: RedisServer[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.close();
});

async function start(password?: string, tls = false): Promise<RedisServer> {
  const server = await startRedis({ password, tls });
  servers.push(server);
  return server;
}

function client(url: string): Redis {
  // No retries: a refused connection or password is the answer, not something to wait out.
  const c = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

it('answers on 127.0.0.1 at its url and keeps the data over a stop and a restart on the same port', async (ctx) => {
  skipUnlessRedis(ctx);
  const server = await start();
  expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
  const before = client(server.url);
  await before.set('run:1', 'queued');
  before.disconnect();

  await server.stop();
  await expect(client(server.url).ping()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);
  await server.restart();
  expect(await client(server.url).get('run:1')).toBe('queued');
});

it('loses no acknowledged write when killed (AOF fsynced at every write)', async (ctx) => {
  skipUnlessRedis(ctx);
  const server = await start();
  const c = client(server.url);
  await c.rpush('grid', 'a', 'b', 'c');
  c.disconnect();
  await server.stop('SIGKILL');
  await server.restart();
  expect(await client(server.url).lrange('grid', 0, -1)).toEqual(['a', 'b', 'c']);
});

it('with a password, refuses clients without it and takes the url it gives', async (ctx) => {
  skipUnlessRedis(ctx);
  const server = await start('s3cret/pa:ss');
  expect(server.url).toBe(`redis://:s3cret%2Fpa%3Ass@127.0.0.1:${server.port}`);
  await expect(client(`redis://127.0.0.1:${server.port}`).set('k', 'v')).rejects.toThrow(/NOAUTH/);
  await expect(client(`redis://:wrong@127.0.0.1:${server.port}`).ping()).rejects.toThrow(/WRONGPASS|invalid password/);
  expect(await client(server.url).ping()).toBe('PONG');
});

it('with tls, answers rediss:// clients that trust its CA, and nothing else', async (ctx) => {
  skipUnlessRedis(ctx);
  const server = await start('pw', true);
  expect(server.url).toBe(`rediss://:pw@127.0.0.1:${server.port}`);
  const trusting = new Redis(server.url, { tls: { ca: readFileSync(server.caFile!) }, maxRetriesPerRequest: 0, retryStrategy: () => null });
  trusting.on('error', () => {});
  clients.push(trusting);
  expect(await trusting.ping()).toBe('PONG');
  await expect(client(server.url).ping()).rejects.toThrow();
  await expect(client(server.url.replace('rediss:', 'redis:')).ping()).rejects.toThrow();
});

it('close stops the server and removes its folder', async (ctx) => {
  skipUnlessRedis(ctx);
  const server = await startRedis();
  await server.close();
  expect(existsSync(server.dir)).toBe(false);
  await expect(client(server.url).ping()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);
  await server.close();
});
