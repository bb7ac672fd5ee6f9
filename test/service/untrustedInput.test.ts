import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchEvent } from '../../src/common/api.js';
import { DatasetReader } from '../../src/service/datasetReader.js';
import { startHttpServer, type WorkbenchHttpServer } from '../../src/service/http/server.js';
import { DATASET_RULE, WEIGHTS_RULE } from '../../src/service/localFiles.js';
import { forkWorker } from '../../src/service/trainerHost.js';
import { UPLOADS_FOLDER } from '../../src/service/uploads.js';
import type { WorkbenchService } from '../../src/service/workbenchService.js';
import { errorOf } from '../support/errors.js';
import { request } from '../support/httpClient.js';
import { nextEvent, openService, smsSlice, SMS_MAPPING, tinyRun } from '../support/service.js';
import { tempDir } from '../support/tempDir.js';

/*
 * What a page (or anyone with the token) sends to serve mode, over real HTTP to the real service: data files
 * streamed to /api/upload, run configs naming files outside the workbench's folders, static paths that are links
 * out of the build folder, a file too large for the data-set thread's memory, and a training process whose
 * loss became NaN.
 */

const dir = tempDir('wb-untrusted-');
const dataDir = path.join(dir, 'data');
const cacheDir = path.join(dir, 'cache');
const rendererDir = path.join(dir, 'renderer');
const TOKEN = 'untrusted-token-0123456789abcdef';
let service: WorkbenchService;
let server: WorkbenchHttpServer;
const logged: string[] = [];

const call = (method: string, args: unknown[]) =>
  request(server.origin, `/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  });

async function upload(
  name: string,
  bytes: Uint8Array,
): Promise<{ status: number; body: { uploadId?: string; bytes?: number; error?: string } }> {
  const res = await fetch(`${server.origin}/api/upload?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as { uploadId?: string; error?: string } };
}

beforeAll(async () => {
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>workbench</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
  writeFileSync(path.join(dir, 'secret.txt'), 'root:x:0:0 outside the build folder');
  symlinkSync(path.join(dir, 'secret.txt'), path.join(rendererDir, 'assets', 'leak.js'));
  symlinkSync(path.join(rendererDir, 'assets', 'app.js'), path.join(rendererDir, 'assets', 'alias.js'));
  symlinkSync(dir, path.join(rendererDir, 'up'));
  mkdirSync(cacheDir, { recursive: true });
  ({ service } = await openService({
    dataDir,
    cacheDir,
    autoStart: true,
    spawnWorker: forkWorker(path.resolve('test/support/nanWorker.mjs')),
  }));
  server = await startHttpServer({ service, port: 0, token: TOKEN, rendererDir, log: (line) => logged.push(line) });
});
afterAll(() => server?.close());

describe('POST /api/upload', () => {
  it('streams a file into the data folder; preview and import name it by id, and the import moves it into datasets/', async () => {
    const bytes = Buffer.from(smsSlice(300).base64!, 'base64');
    const sent = await upload('sms.tsv', bytes);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ uploadId: expect.stringMatching(/^[0-9a-f]{32}$/), bytes: bytes.length });
    const file = { name: 'sms.tsv', uploadId: sent.body.uploadId };
    const preview = await call('previewDataset', [file, SMS_MAPPING]);
    expect(preview.status).toBe(200);
    expect(preview.json()).toMatchObject({ fileName: 'sms.tsv', rows: 300, importable: true });
    const imported = await call('importDataset', [file, SMS_MAPPING, 'sms 300']);
    expect(imported.status).toBe(200);
    expect(imported.json()).toMatchObject({ name: 'sms 300', rows: 300 });
    // Moved, not copied: the upload is gone, and naming it again says so.
    expect(readdirSync(path.join(dataDir, UPLOADS_FOLDER))).toEqual([]);
    const again = await call('previewDataset', [file, SMS_MAPPING]);
    expect([again.status, (again.json() as { error: string }).error]).toEqual([
      404,
      expect.stringMatching(/^no upload [0-9a-f]{32}: it was imported/),
    ]);
  });

  it('refuses an upload id that is not one, and a file given both ways or neither, before touching a path', async () => {
    for (const file of [
      { name: 'x.csv', uploadId: '../../workbench.sqlite' },
      { name: 'x.csv', uploadId: 'a'.repeat(32), base64: '' },
      { name: 'x.csv' },
    ]) {
      const reply = await call('previewDataset', [file, {}]);
      expect(reply.status).toBe(400);
    }
    expect((await upload('../escape.csv', Buffer.from('a,b\n'))).status).toBe(400);
  });

  it('keeps the base64 form working for small files', async () => {
    const reply = await call('previewDataset', [smsSlice(50), SMS_MAPPING]);
    expect([reply.status, (reply.json() as { rows: number }).rows]).toEqual([200, 50]);
  });
});

describe('run configs from the API name only what the workbench holds', () => {
  const grid = (config: Record<string, unknown>) => [{ base: config, vary: {} }];

  it('refuses weightsFile outside the data and cache folders with 400 naming the rule, never reading the file', async () => {
    const inCache = path.join(cacheDir, 'mine.safetensors');
    writeFileSync(inCache, Buffer.alloc(16));
    symlinkSync('/etc/passwd', path.join(cacheDir, 'linked.safetensors'));
    for (const weightsFile of [
      '/etc/passwd',
      '/etc/shadow',
      path.join(cacheDir, 'linked.safetensors'),
      path.join(cacheDir, '../secret.txt'),
      'relative.safetensors',
    ]) {
      for (const method of ['planRuns', 'createRuns']) {
        const reply = await call(method, grid({ model: { preset: 'gpt2-small', weightsFile } }));
        expect(reply.status, `${method} ${weightsFile}`).toBe(400);
        const { error } = reply.json() as { error: string };
        expect(error).toBe(`model.weightsFile "${weightsFile}" is refused: ${WEIGHTS_RULE}`);
        expect(error).not.toMatch(/root:|bytes|header length|no such file/);
      }
    }
    // Inside the cache folder, a .safetensors file is fine (planning reads nothing of it).
    expect((await call('planRuns', grid({ model: { preset: 'gpt2-small', weightsFile: inCache } }))).status).toBe(200);
    expect((await service.listRuns()).length).toBe(0);
  });

  it('refuses a data file path as dataset.source with 400 naming the rule', async () => {
    for (const source of ['/etc/passwd', path.join(dataDir, 'workbench.sqlite'), 'data.csv']) {
      const reply = await call('createRuns', grid({ dataset: { source } }));
      expect(reply.status).toBe(400);
      expect((reply.json() as { error: string }).error).toBe(`dataset.source "${source}" is refused: ${DATASET_RULE}`);
    }
  });
});

describe('static files', () => {
  it('serve only real paths inside the build folder: a link leading out of it is 404, one inside it is served', async () => {
    expect((await request(server.origin, '/assets/app.js')).status).toBe(200);
    expect((await request(server.origin, '/assets/alias.js')).body).toBe('console.log(1);');
    for (const leaking of ['/assets/leak.js', '/up/secret.txt']) {
      const reply = await request(server.origin, leaking);
      expect(reply.status, leaking).toBe(404);
      expect(reply.body).not.toMatch(/root:/);
    }
  });
});

describe('a data file too large for memory', () => {
  it('fails its preview with one line when the data-set thread runs out of memory; the thread comes back for the next file', async () => {
    const file = path.join(dir, 'big.csv');
    // A thousand texts, each 400 times: reading keeps a problem (a duplicate) for every repeat, which outgrows 48 MiB.
    const row = (i: number) => `${i % 2 ? 'spam' : 'ham'},"message number ${i % 1000} with some words in it"\n`;
    writeFileSync(file, 'label,text\n' + Array.from({ length: 400_000 }, (_, i) => row(i)).join(''));
    const reader = new DatasetReader({ heapMb: 48 });
    try {
      const err = await errorOf(reader.preview({ file }, {}, 'big.csv'));
      expect(err.message).toBe(
        'big.csv: reading it needs more memory than the workbench gives a data file (48 MiB); split it into smaller files',
      );
      const small = path.join(dir, 'small.csv');
      writeFileSync(small, 'label,text\nham,hello there\nspam,WIN now\n');
      expect((await reader.preview({ file: small }, {}, 'small.csv')).rows).toBe(2);
    } finally {
      await reader.close();
    }
  });
});

describe('a training process whose loss became NaN', () => {
  it('ends the run failed with "the loss became NaN at step 3", and the process is stopped', async () => {
    const { id } = await service.importDataset(smsSlice(200), SMS_MAPPING, 'sms 200');
    const ended = nextEvent(service, (e) => e.type === 'run-status' && (e.status === 'failed' || e.status === 'finished'));
    const [run] = await service.createRuns({ base: tinyRun(id), vary: {} } as never);
    const event = (await ended) as Extract<WorkbenchEvent, { type: 'run-status' }>;
    expect([event.runId, event.status, event.error]).toEqual([run.id, 'failed', 'the loss became NaN at step 3: lower the learning rate']);
    const detail = await service.getRun(run.id);
    expect([detail.status, detail.error]).toEqual(['failed', 'the loss became NaN at step 3: lower the learning rate']);
    expect(existsSync(dataDir)).toBe(true);
  });
});
