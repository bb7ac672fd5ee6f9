import { Redis } from 'ioredis';
import { WorkbenchError } from '../../core/errors.js';
import { maskRedisUrl } from '../trainingHosts.js';

/** How BullMQ connects: commands wait for a reconnect instead of failing (a restarted Redis loses nobody's work). */
export function bullConnection(redisUrl: string) {
  return { url: redisUrl, maxRetriesPerRequest: null };
}

/** The BullMQ queue of one data folder: named for its database id, so two workbenches can share a Redis. */
export function queueNameFor(databaseId: string): string {
  return `workbench-${databaseId}`;
}

/**
 * Connects once and pings, failing fast with one line that names the URL (password hidden) and what Redis said:
 * a wrong password, nobody listening, a TLS mismatch. BullMQ itself would retry forever without a word.
 */
export async function checkRedis(redisUrl: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  let lastError: Error | null = null;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const reason = ((lastError ?? err) as Error).message.replace(/^(ReplyError|Error): /, '');
    throw new WorkbenchError(`cannot use Redis at ${maskRedisUrl(redisUrl)}: ${reason}`, { cause: err });
  } finally {
    client.disconnect();
  }
}
