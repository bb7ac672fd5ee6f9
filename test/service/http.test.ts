import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchEvent } from '../../src/common/api.js';
import { contentSecurityPolicy } from '../../src/common/csp.js';
import { WorkbenchError } from '../../src/core/errors.js';
import { startHttpServer, type WorkbenchHttpServer } from '../../src/service/http/server.js';
import { NOT_BUILT } from '../../src/service/http/staticFiles.js';
import type { WorkbenchService } from '../../src/service/workbenchService.js';
import { errorOf } from '../support/errors.js';
import { openEventStream, request } from '../support/httpClient.js';
import { openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/* serve mode's transport: the real service on a temp data folder behind the real server on a free port. */

const dir = tempDir('wb-http-');
const rendererDir = path.join(dir, 'renderer');
const TOKEN = 'test-token-0123456789';
const INDEX = '<!doctype html><title>workbench</title><div id="app"></div>';
const logged: string[] = [];
let service: WorkbenchService;
let server: WorkbenchHttpServer;

const auth = { Authorization: `Bearer ${TOKEN}` };
const call = (method: string, body: string, headers: Record<string, string> = auth) =>
  request(server.origin, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

beforeAll(async () => {
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), INDEX);
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
  ({ service } = await openService({ dataDir: path.join(dir, 'data'), autoStart: false }));
  server = await startHttpServer({ service, port: 0, token: TOKEN, rendererDir, log: (line) => logged.push(line) });
});
afterAll(() => server?.close());

describe('the API', () => {
  it('answers a call with the token, in the header or the query', async () => {
    const byHeader = await call('listRuns', '[]');
    expect(byHeader.status).toBe(200);
    expect(byHeader.json()).toEqual([]);
    expect((await call('listRuns', '[]', { Authorization: `bearer ${TOKEN}` })).status).toBe(200);
    const byQuery = await request(server.origin, `/api/getQueueState?token=${TOKEN}`, { method: 'POST', body: '[]' });
    expect(byQuery.json()).toEqual({ paused: false, running: [], queued: [], concurrency: 1 });
  });

  it('refuses a call without the token, or with a wrong one, with 401', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: 'Bearer wrong' },
      { Authorization: `Bearer ${TOKEN.replace('0', '1')}` },
      { Authorization: TOKEN },
    ]) {
      const reply = await call('listRuns', '[]', headers);
      expect(reply.status).toBe(401);
      expect(reply.json()).toEqual({ error: expect.stringMatching(/token/) });
    }
    expect((await request(server.origin, `/api/listRuns?token=wrong`, { method: 'POST', body: '[]' })).status).toBe(401);
  });

  it('refuses a foreign Origin with 403, even with the token, and accepts its own', async () => {
    const foreign = await call('listRuns', '[]', { ...auth, Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json()).toEqual({ error: expect.stringMatching(/^requests from http:\/\/evil\.example are not allowed/) });
    expect((await call('listRuns', '[]', { ...auth, Origin: 'null' })).status).toBe(403);
    expect((await call('listRuns', '[]', { ...auth, Origin: server.origin })).status).toBe(200);
  });

  it('refuses a Host other than the bound address (DNS rebinding) with 421', async () => {
    const port = new URL(server.origin).port;
    const rebound = await call('listRuns', '[]', { ...auth, Host: `evil.example:${port}` });
    expect(rebound.status).toBe(421);
    expect((await call('listRuns', '[]', { ...auth, Host: `localhost:${port}` })).status).toBe(200);
  });

  it('answers a bad body with 400 and the schema message, never calling the service', async () => {
    const notJson = await call('getRun', '{"id": 1');
    expect(notJson.status).toBe(400);
    expect((notJson.json() as { error: string }).error).toMatch(/^getRun: the body is not JSON: /);

    const wrongType = await call('getRun', '["1"]');
    expect(wrongType.status).toBe(400);
    expect((wrongType.json() as { error: string }).error).toMatch(
      /^getRun: invalid arguments \(1 argument given\):\n.*expected number, received string\n.*at \[0\]/,
    );

    const tooMany = await call('listRuns', '[1]');
    expect(tooMany.status).toBe(400);
    expect((tooMany.json() as { error: string }).error).toMatch(/^listRuns: invalid arguments \(1 argument given\)/);

    const notATuple = await call('getRun', '{"id": 1}');
    expect(notATuple.status).toBe(400);
    expect((notATuple.json() as { error: string }).error).toMatch(/^getRun: invalid arguments \(not a list of arguments\)/);

    const badGrid = await call('createRuns', JSON.stringify([{ base: {}, vary: { dropout: [] } }]));
    expect(badGrid.status).toBe(400);
    expect(await service.listRuns()).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('answers an unknown method with 404 and a GET of a method with 405', async () => {
    for (const name of ['nope', 'constructor', '__proto__', 'toString', 'onEvent', 'close']) {
      expect((await call(name, '[]')).status, name).toBe(404);
    }
    expect((await request(server.origin, '/api/listRuns', { headers: auth })).status).toBe(405);
  });

  it("maps the service's refusals to 400, 404 and 409 with their message", async () => {
    const missing = await call('getRun', '[99]');
    expect([missing.status, missing.json()]).toEqual([404, { error: 'no run 99' }]);
    const invalid = await call('deleteCachedModel', '["gpt2-huge"]');
    expect(invalid.status).toBe(400);
    expect((invalid.json() as { error: string }).error).toMatch(/^deleteCachedModel: "gpt2-huge" is not one of /);
    const notQueued = await call('reorderQueue', '[[99]]');
    expect(notQueued.status).toBe(404);
  });

  it('answers a file that cannot be imported with 422 and the line, naming the file once; a malformed file argument with 400', async () => {
    const file = { name: 'bad.csv', base64: Buffer.from('text,label\nhello,ham\n,spam\nwin cash,spam\n').toString('base64') };
    const reply = await call('importDataset', JSON.stringify([file, {}, 'bad']));
    expect(reply.status).toBe(422);
    expect((reply.json() as { error: string }).error).toMatch(/^bad\.csv: 1 problem blocks the import .*line 3/);
    // Windows-1252 bytes read as the UTF-8 the caller chose: the file cannot be read so, and says how it can.
    const cp1252 = {
      name: 'menu.csv',
      base64: Buffer.from([...Buffer.from('text,label\n'), 0x80, ...Buffer.from('5,ham\n')]).toString('base64'),
    };
    const notUtf8 = await call('previewDataset', JSON.stringify([cp1252, { encoding: 'utf-8' }]));
    expect([notUtf8.status, notUtf8.json()]).toEqual([
      422,
      { error: 'menu.csv is not UTF-8 text (first invalid byte on line 2); read it as Windows-1252 or Latin-1, or save it as UTF-8' },
    ]);
    const noDelimiter = await call(
      'previewDataset',
      JSON.stringify([{ name: 'one.txt', base64: Buffer.from('hello\n').toString('base64') }, {}]),
    );
    expect([noDelimiter.status, (noDelimiter.json() as { error: string }).error]).toEqual([
      422,
      expect.stringMatching(/^one\.txt: could not detect the delimiter/),
    ]);
    const badBase64 = await call('previewDataset', JSON.stringify([{ name: 'x.csv', base64: 'not base64!' }, {}]));
    expect(badBase64.status).toBe(400);
    const badEncoding = await call('previewDataset', JSON.stringify([file, { encoding: 'ebcdic' }]));
    expect(badEncoding.status).toBe(400);
  });

  it('answers a failure the user can act on with 422, and a bug or a broken result with 500 and one logged line', async () => {
    // The real service with three methods broken as only a bug (or a failure outside the workbench) breaks them.
    const broken: WorkbenchService = Object.assign(Object.create(service) as WorkbenchService, {
      listRuns: async () => Promise.reject(new TypeError('x is undefined\n    at somewhere')),
      getQueueState: async () => ({ paused: 'no' }),
      listDatasets: async () => Promise.reject(new WorkbenchError('offline: cannot download the SMS Spam Collection')),
    });
    const lines: string[] = [];
    const other = await startHttpServer({ service: broken, port: 0, token: TOKEN, rendererDir, log: (line) => lines.push(line) });
    try {
      const post = (method: string) => request(other.origin, `/api/${method}`, { method: 'POST', headers: auth, body: '[]' });
      const bug = await post('listRuns');
      expect([bug.status, bug.json()]).toEqual([500, { error: 'listRuns failed unexpectedly: x is undefined' }]);
      const badResult = await post('getQueueState');
      expect([badResult.status, badResult.json()]).toEqual([500, { error: 'getQueueState: the app returned an invalid result' }]);
      const offline = await post('listDatasets');
      expect([offline.status, offline.json()]).toEqual([422, { error: 'offline: cannot download the SMS Spam Collection' }]);
      expect(lines).toEqual([
        expect.stringMatching(/^listRuns failed unexpectedly: TypeError: x is undefined/),
        expect.stringMatching(/^getQueueState: the app returned an invalid result:\n/),
      ]);
    } finally {
      await other.close();
    }
  });

  it('refuses a body larger than the cap with 413 before reading it', async () => {
    const reply = await call('listRuns', '[]', { ...auth, 'Content-Length': String(600 * 2 ** 20) }).catch((err: Error) => err);
    // The server answers and closes at once; the announced 600 MiB are never sent.
    expect(reply instanceof Error ? reply.message : (reply as { status: number }).status).toBe(413);
  });

  it('answers a void method with 204 and no body', async () => {
    const reply = await call('deleteCachedModel', '["gpt2-xl"]');
    expect([reply.status, reply.body]).toEqual([204, '']);
  });
});

describe('the event stream', () => {
  it('needs the token', async () => {
    const stream = await openEventStream(server.origin, '/api/events');
    stream.close();
    expect(stream.status).toBe(401);
  });

  it('sends every event as JSON while a run trains', async () => {
    const stream = await openEventStream(server.origin, `/api/events?token=${TOKEN}`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      await call('setQueuePaused', '[true]');
      expect(await stream.next<WorkbenchEvent>((e) => e.type === 'queue')).toEqual({
        type: 'queue',
        state: expect.objectContaining({ paused: true }),
      });

      const dataset = (await call('importDataset', JSON.stringify([smsSlice(), SMS_MAPPING, 'SMS slice']))).json() as { id: string };
      const [run] = (await call('createRuns', JSON.stringify([{ base: tinyRun(dataset.id, { epochs: 1 }) }]))).json() as { id: number }[];
      service.startQueue();
      await call('setQueuePaused', '[false]');
      await stream.next<WorkbenchEvent>((e) => e.type === 'run-status' && e.runId === run.id && e.status === 'running');
      await stream.next<WorkbenchEvent>((e) => e.type === 'run-progress' && e.runId === run.id);
      await stream.next<WorkbenchEvent>((e) => e.type === 'run-epoch' && e.runId === run.id);
      expect(await stream.next<WorkbenchEvent>((e) => e.type === 'run-status' && e.runId === run.id && e.status !== 'running')).toEqual({
        type: 'run-status',
        runId: run.id,
        status: 'finished',
        error: null,
      });
    } finally {
      stream.close();
    }
  });
});

describe('the app', () => {
  it('serves index.html with the CSP header at / and /popup (with the token in the query)', async () => {
    for (const page of ['/', '/popup', `/?token=${TOKEN}`, `/popup?token=${TOKEN}`]) {
      const reply = await request(server.origin, page);
      expect(reply.status, page).toBe(200);
      expect(reply.body).toBe(INDEX);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.headers['content-security-policy']).toBe(contentSecurityPolicy());
    }
  });

  it('sends /popup/ to /popup, keeping the token, so the page finds its relative assets', async () => {
    const reply = await request(server.origin, `/popup/?token=${TOKEN}`);
    expect([reply.status, reply.headers.location]).toEqual([308, `/popup?token=${TOKEN}`]);
    // A leading `//` would make the Location another host's.
    expect((await request(server.origin, '/.//evil.example/')).headers.location).toBe('/evil.example');
  });

  it('serves assets with their content type', async () => {
    const reply = await request(server.origin, '/assets/app.js');
    expect([reply.status, reply.headers['content-type'], reply.body]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log(1);']);
    expect((await request(server.origin, '/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/../package.json',
      '/assets',
    ]) {
      const reply = await request(server.origin, p);
      expect(reply.status, p).toBe(404);
      expect(reply.body).not.toContain('outside the renderer');
    }
  });

  it('says to build the app when out/renderer is missing, and still serves the API', async () => {
    const bare = await startHttpServer({ service, port: 0, token: TOKEN, rendererDir: path.join(dir, 'not-built') });
    try {
      const page = await request(bare.origin, '/');
      expect([page.status, page.json()]).toEqual([404, { error: NOT_BUILT }]);
      expect((await request(bare.origin, '/api/listRuns', { method: 'POST', headers: auth, body: '[]' })).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('listening', () => {
  it('binds 127.0.0.1 only: the machine’s other addresses are refused', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(server.origin).port);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4');
    if (!external) return; // a machine with loopback only has nothing else to try
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, external.address, () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('says when the port is in use', async () => {
    const port = Number(new URL(server.origin).port);
    const err = await errorOf(startHttpServer({ service, port, token: TOKEN, rendererDir }));
    expect(err.message).toBe(`port ${port} is in use; pass --port 0 for a free one`);
  });
});
