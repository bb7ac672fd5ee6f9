import { NO_REDIS_SERVER, redisServerBinary, startLocalRedis, type LocalRedis } from '../../src/cli/localRedis.js';

/**
 * A real `redis-server` for the tests of remote training hosts (src/cli/localRedis.ts): on a free 127.0.0.1 port,
 * its data in a temporary folder, AOF on and fsynced at every write so a stop and restart loses nothing the
 * server acknowledged.
 */
export type RedisServer = LocalRedis;

/**
 * Why a test that needs Redis cannot run here, or null when it can: `it('…', (ctx) => { ctx.skip(redisSkipReason() !== null, …) })`,
 * or `skipUnlessRedis(ctx)`. In CI (where .ci/run installs it) a missing server is a failure, not a skip.
 */
export function redisSkipReason(): string | null {
  if (redisServerBinary() !== null) return null;
  const reason = `${NO_REDIS_SERVER}; .ci/run installs it`;
  if (process.env.CI) throw new Error(`this test needs Redis in CI: ${reason}`);
  return reason;
}

/** Skips the calling test, saying why, when redis-server is missing. */
export function skipUnlessRedis(ctx: { skip(condition: boolean, note?: string): void }): void {
  const reason = redisSkipReason();
  ctx.skip(reason !== null, reason ?? undefined);
}

/** Starts a server, durable (AOF fsynced always); `password` sets `requirepass`; `tls` serves `rediss://` only. */
export function startRedis(options: { password?: string; tls?: boolean } = {}): Promise<RedisServer> {
  return startLocalRedis({ ...options, durable: true });
}
