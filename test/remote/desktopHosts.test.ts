import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import type { HostListenerView, TrainingHostsInput } from '../../src/common/api.js';
import { isFinal } from '../../src/common/runLifecycle.js';
import { startDesktopService, type DesktopService } from '../../src/main/desktopService.js';
import { readServeState } from '../../src/service/http/serveState.js';
import { skipUnlessRedis, startRedis } from '../support/redisServer.js';
import { smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';
import { startHost, waitForRun } from '../support/trainingHosts.js';

/*
 * The desktop app as coordinator, without Electron: the service started by the function src/main/index.ts calls,
 * its listener for hosts following the System page's setting, a real redis-server and a real `workbench worker`.
 */

const dir = tempDir('wb-desktop-hosts-');

async function startApp(dataDir: string): Promise<DesktopService> {
  const app = await startDesktopService({ dataDir, cacheDir: path.join(dataDir, 'no-cache'), log: () => {} });
  onTestFinished(() => app.close());
  return app;
}

/** The desktop app's listener as the System page's save answers with it (the save waits for it to start or stop). */
async function saveHosts(app: DesktopService, input: TrainingHostsInput): Promise<HostListenerView> {
  const { listener } = await app.service.setTrainingHosts(input);
  if (!listener) throw new Error('the desktop app shows no listener');
  return listener;
}

it('listens for hosts once a Redis URL is saved, behind the token, and a worker trains a run through it', async (ctx) => {
  skipUnlessRedis(ctx);
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const dataDir = path.join(dir, 'app');
  const app = await startApp(dataDir);
  // No URL: nothing listens, and the page says nothing is wrong.
  expect(await app.service.getTrainingHosts()).toMatchObject({ redisUrl: null, available: false, listener: { origin: null, error: null } });

  const listener = await saveHosts(app, { redisUrl: redis.url, trainHere: false });
  expect(listener).toMatchObject({ host: '127.0.0.1', port: null, error: null, warning: null });
  expect(listener.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  // serve's token and port, kept for the next start in the same file.
  expect(await readServeState(dataDir)).toEqual({ port: Number(new URL(listener.origin!).port), token: listener.token });
  expect((await app.service.getTrainingHosts()).available).toBe(true);

  // The token guards the hosts' routes; nothing but them answers, even with it.
  const hello = `${listener.origin}/api/remote/hello`;
  expect((await fetch(hello)).status).toBe(401);
  expect((await fetch(hello, { headers: { Authorization: `Bearer ${'x'.repeat(32)}` } })).status).toBe(401);
  const auth = { Authorization: `Bearer ${listener.token}` };
  const answer = await fetch(hello, { headers: auth });
  expect(answer.status).toBe(200);
  expect(await answer.json()).toMatchObject({ queue: expect.stringMatching(/^workbench-/) });
  expect((await fetch(`${listener.origin}/api/listRuns`, { method: 'POST', headers: auth, body: '[]' })).status).toBe(404);
  expect((await fetch(`${listener.origin}/api/events`, { headers: auth })).status).toBe(404);
  expect((await fetch(`${listener.origin}/`, { headers: auth })).status).toBe(404);

  const dataset = await app.service.importDataset(smsSlice(), SMS_MAPPING, 'SMS slice');
  const [created] = await app.service.createRuns({ base: tinyRun(dataset.id, { epochs: 1 }) });
  const host = startHost({ origin: listener.origin!, token: listener.token! }, redis.url, 'box-1', path.join(dir, 'host-1'));
  const run = await waitForRun(app.service, created.id, (r) => isFinal(r.status));
  expect(run.error).toBeNull();
  expect(run.status).toBe('finished');
  expect(run.hosts).toEqual(['box-1']);
  expect(run.evaluation?.test.count).toBeGreaterThan(0);
  host.child.kill('SIGTERM');
  expect(await host.exit).toBe(0);

  // Turned off: the listener stops, and runs train here again.
  expect(await saveHosts(app, { redisUrl: null, trainHere: false })).toMatchObject({ origin: null, token: null, error: null });
  await expect(fetch(hello, { headers: auth })).rejects.toThrow();
  expect((await app.service.getTrainingHosts()).available).toBe(false);

  // The next start with a URL saved listens at once, on the same port with the same token: hosts' commands keep working.
  const again = await saveHosts(app, { redisUrl: redis.url, trainHere: false });
  await app.close();
  const restarted = await startApp(dataDir);
  expect((await restarted.service.getTrainingHosts()).listener).toMatchObject({ origin: again.origin, token: listener.token });
}, 120_000);

it('says why it cannot listen where the page asks, sends nothing to hosts meanwhile, and listens once the address is free', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  const app = await startApp(path.join(dir, 'taken'));
  // Nothing answers at this Redis URL: while nothing listens for hosts, the workbench does not even try it.
  const refused = await saveHosts(app, { redisUrl: 'redis://127.0.0.1:1', trainHere: false, listen: { host: '127.0.0.1', port } });
  expect(refused).toMatchObject({ port, origin: null, token: null });
  expect(refused.error).toBe(`port ${port} is in use: choose another port, or leave the port empty for a free one`);
  expect((await app.service.getTrainingHosts()).available).toBe(false);
  await new Promise<void>((resolve) => taken.close(() => resolve()));
  // Saved again (the page's Save), the listener tries again.
  const up = await saveHosts(app, { redisUrl: 'redis://127.0.0.1:1', trainHere: false, listen: { host: '127.0.0.1', port } });
  expect(up.origin).toBe(`http://127.0.0.1:${port}`);
});
