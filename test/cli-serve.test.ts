import { statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { WorkbenchEvent } from '../src/common/api.js';
import { initDevice } from '../src/core/model/onnx/session.js';
import { lastJson, runWorkbench } from './support/cli.js';
import { startServe } from './support/serveProcess.js';
import { openEventStream } from './support/httpClient.js';
import { smsSlice, SMS_MAPPING, tinyRun } from './support/service.js';
import { tempDir } from './support/tempDir.js';

/* `workbench serve` as users start it: a real process, the URL it prints, the API behind it, and a clean stop. */

const dir = tempDir('wb-cli-serve-');
// The port as each test gives it: several start again on the data folder's last port.
const serve = (args: string[]) => startServe(args, {}, { freePort: false });

it('prints the URL with a token, serves the API with it, and exits 0 on SIGTERM', async () => {
  const data = path.join(dir, 'data');
  const s = await serve(['--port', '0', '--data', data]);
  const token = s.url.searchParams.get('token')!;
  expect(token.length).toBeGreaterThanOrEqual(32);
  expect(s.info).toEqual({ url: s.url.href, host: '127.0.0.1', port: Number(s.url.port), token, dataFolder: data });

  const api = (headers: Record<string, string>) => fetch(new URL('/api/getSystemInfo', s.url), { method: 'POST', headers, body: '[]' });
  expect((await api({})).status).toBe(401);
  const info = await api({ Authorization: `Bearer ${token}` });
  expect(info.status).toBe(200);
  // The device the server's sessions run on, decided as in this process (same machine, same WORKBENCH_DEVICE).
  const { device, reason } = await initDevice();
  expect(await info.json()).toMatchObject({ dataFolder: data, versions: { electron: null }, device, deviceReason: reason });

  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(0);
  expect(s.stderr()).toMatch(/SIGTERM: stopping/);
});

it('refuses a port in use with a hint, and warns when bound beyond this machine', async () => {
  const s = await serve(['--port', '0', '--host', '0.0.0.0', '--data', path.join(dir, 'wide')]);
  expect(s.stderr()).toMatch(/^workbench: warning: listening on 0\.0\.0\.0, not only this machine/);
  expect((await fetch(new URL('/api/listRuns', s.url), { method: 'POST', body: '[]' })).status).toBe(401);
  const busy = await runWorkbench(['serve', '--port', s.url.port, '--data', path.join(dir, 'busy')]);
  expect(busy.code).toBe(1);
  expect(busy.stderr).toMatch(new RegExp(`^workbench: port ${s.url.port} is in use; pass --port 0 for a free one$`, 'm'));
  s.child.kill('SIGINT');
  expect(await s.exit).toBe(0);

  const bad = await runWorkbench(['serve', '--port', 'http']);
  expect([bad.code, bad.stderr]).toEqual([1, 'workbench: serve: --port takes a number from 0 to 65535 (0 = a free one), not "http"\n']);
});

it('trains the queue, and a run stopped by SIGTERM resumes at the next start', async () => {
  const data = path.join(dir, 'training');
  const s = await serve(['--port', '0', '--data', data]);
  const token = s.url.searchParams.get('token')!;
  const call = async (method: string, ...args: unknown[]) => {
    const res = await fetch(new URL(`/api/${method}`, s.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify(args),
    });
    expect(res.status, method).toBe(200);
    return res.json() as Promise<unknown>;
  };
  const events = await openEventStream(s.url.origin, `/api/events?token=${token}`);
  const dataset = (await call('importDataset', smsSlice(), SMS_MAPPING, 'SMS slice')) as { id: string };
  const [run] = (await call('createRuns', { base: tinyRun(dataset.id, { epochs: 2 }) })) as { id: number }[];
  await events.next<WorkbenchEvent>(
    (e) => e.type === 'run-progress' && e.runId === run.id && e.progress.stage === 'training' && e.progress.epoch === 1,
  );
  events.close();
  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(0);

  const resumed = lastJson(await runWorkbench(['queue', 'run', '--data', data, '--json']));
  expect(resumed).toEqual({ runs: [{ id: run.id, name: expect.any(String), status: 'finished', error: null }] });
  const shown = lastJson(await runWorkbench(['runs', 'show', String(run.id), '--data', data, '--json']));
  expect(shown).toMatchObject({ restarts: 1 });
});

it('reuses the last port and token of the data folder, kept readable by its owner only; --new-token replaces the token', async () => {
  const data = path.join(dir, 'again');
  const first = await serve(['--port', '0', '--data', data]);
  first.child.kill('SIGTERM');
  expect(await first.exit).toBe(0);
  expect(statSync(path.join(data, 'serve.json')).mode & 0o777).toBe(0o600);

  const again = await serve(['--data', data]);
  expect(again.url.href).toBe(first.url.href);
  again.child.kill('SIGTERM');
  expect(await again.exit).toBe(0);

  const renewed = await serve(['--data', data, '--new-token']);
  expect(renewed.url.port).toBe(first.url.port);
  expect(renewed.url.searchParams.get('token')).not.toBe(first.url.searchParams.get('token'));
  renewed.child.kill('SIGTERM');
  expect(await renewed.exit).toBe(0);
  // Another process holds the last port now: the next start takes another one rather than failing.
  const blocker = await serve(['--port', renewed.url.port, '--data', path.join(dir, 'holder')]);
  const moved = await serve(['--data', data]);
  expect(moved.url.port).not.toBe(renewed.url.port);
  expect(moved.url.searchParams.get('token')).toBe(renewed.url.searchParams.get('token'));
  for (const s of [blocker, moved]) {
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  }
});
