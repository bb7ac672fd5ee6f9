import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messageOf } from '../../test/support/errors.js';
import { closeAllServers, startServer, type TestServer } from '../../test/support/httpServer.js';
import { sharedPath } from '../../test/support/shared.js';
import { tempDir } from '../../test/support/tempDir.js';
import { downloadFile, partialPath, type DownloadProgress } from './download.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Looked up when the file loads, so that without ../shared the whole file fails at once.
const TINY = sharedPath('fixtures/hf-tiny-gpt2/model.safetensors');
const GOLDEN = sharedPath('fixtures/golden/golden-gpt2.safetensors');

let tiny: Buffer; // 413 KB
let golden: Buffer; // 14 MB
const dir = tempDir('download-test-');
let caseNumber = 0;

beforeAll(async () => {
  tiny = await readFile(TINY);
  golden = await readFile(GOLDEN);
});

/** A fresh destination per test, in a folder that does not exist yet. */
function newDest(): string {
  caseNumber++;
  return path.join(dir, `case-${caseNumber}`, 'nested', 'model.safetensors');
}

interface Seen {
  path: string;
  range?: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, requestNumber: number) => void;

afterEach(closeAllServers);

/** A server that records every request's path and Range header in `seen` before `handler` answers it. */
async function serve(handler: Handler): Promise<TestServer & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await startServer((req, res) => {
    seen.push({ path: req.url ?? '', range: req.headers.range });
    handler(req, res, seen.length);
  });
  return { ...server, seen };
}

/** Answers like a static file server: 206 (or 416 past the end) for "Range: bytes=N-" unless ignoreRange, else 200. */
function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  bytes: Buffer,
  opts: { ignoreRange?: boolean; headers?: http.OutgoingHttpHeaders } = {},
): void {
  const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (match && !opts.ignoreRange) {
    const start = Number(match[1]);
    if (start >= bytes.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
      res.end();
      return;
    }
    res.writeHead(206, {
      ...opts.headers,
      'Content-Length': bytes.length - start,
      'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
    });
    res.end(bytes.subarray(start));
  } else {
    res.writeHead(200, { ...opts.headers, 'Content-Length': bytes.length });
    res.end(bytes);
  }
}

/** Sends the headers and the first half of the body, then kills the connection. */
function sendHalfAndDrop(res: http.ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { 'Content-Length': bytes.length });
  res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
}

describe('downloadFile', () => {
  it('downloads a complete file with progress, creating the parent folders', async () => {
    const { url } = await serve((req, res) => sendFile(req, res, golden));
    const dest = newDest();
    const progress: DownloadProgress[] = [];
    const result = await downloadFile({
      url: `${url}/golden.safetensors`,
      dest,
      sha256: sha256(golden),
      onProgress: (p) => progress.push(p),
    });

    expect(result).toEqual({ path: dest, size: golden.length, sha256: sha256(golden), resumed: false });
    expect(sha256(await readFile(dest))).toBe(sha256(golden));
    expect(await readdir(path.dirname(dest))).toEqual(['model.safetensors']);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ received: golden.length, total: golden.length }); // total from Content-Length
    expect(progress.every((p, i) => i === 0 || p.received > progress[i - 1].received)).toBe(true);
  });

  it('resumes with a Range request after the connection drops mid-body', async () => {
    const { url, seen } = await serve((req, res, n) => (n === 1 ? sendHalfAndDrop(res, tiny) : sendFile(req, res, tiny)));
    const result = await downloadFile({
      url: `${url}/model.safetensors`,
      dest: newDest(),
      expectedSize: tiny.length,
      sha256: sha256(tiny),
    });

    expect(result.resumed).toBe(true);
    expect(result.sha256).toBe(sha256(tiny));
    expect(seen).toHaveLength(2);
    expect(seen[0].range).toBeUndefined();
    const offset = Number(/^bytes=(\d+)-$/.exec(seen[1].range ?? '')?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(tiny.length >> 1);
    expect(sha256(await readFile(result.path))).toBe(sha256(tiny));
  });

  it('continues a partial file left by an earlier run', async () => {
    const dest = newDest();
    const { url, seen } = await serve((req, res) => sendFile(req, res, tiny));
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(partialPath(dest, `${url}/model.safetensors`), tiny.subarray(0, 1000));
    const result = await downloadFile({ url: `${url}/model.safetensors`, dest, sha256: sha256(tiny) });
    expect(result).toMatchObject({ resumed: true, size: tiny.length, sha256: sha256(tiny) });
    expect(seen.at(-1)?.range).toBe('bytes=1000-');
  });

  it('restarts from zero when the server ignores Range and answers 200', async () => {
    const dest = newDest();
    const { url, seen } = await serve((req, res) => sendFile(req, res, tiny, { ignoreRange: true }));
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(partialPath(dest, `${url}/model.safetensors`), Buffer.alloc(5000, 0xee)); // stale bytes that must not survive
    const result = await downloadFile({ url: `${url}/model.safetensors`, dest });
    expect(result).toMatchObject({ resumed: false, size: tiny.length, sha256: sha256(tiny) });
    expect(seen.at(-1)?.range).toBe('bytes=5000-');
    expect(sha256(await readFile(dest))).toBe(sha256(tiny));
  });

  it('finishes a complete partial file without a request when the size is known', async () => {
    const dest = newDest();
    const { url, seen } = await serve((req, res) => sendFile(req, res, tiny));
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(partialPath(dest, `${url}/model.safetensors`), tiny);
    const result = await downloadFile({ url: `${url}/model.safetensors`, dest, expectedSize: tiny.length, sha256: sha256(tiny) });
    expect(result.resumed).toBe(true);
    expect(seen).toEqual([]);
  });

  it('accepts a complete partial file when the server answers 416 to resuming past its end', async () => {
    const dest = newDest();
    const { url, seen } = await serve((req, res) => sendFile(req, res, tiny));
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(partialPath(dest, `${url}/model.safetensors`), tiny);
    const result = await downloadFile({ url: `${url}/model.safetensors`, dest });
    expect(result).toMatchObject({ resumed: true, size: tiny.length, sha256: sha256(tiny) });
    expect(seen).toEqual([{ path: '/model.safetensors', range: `bytes=${tiny.length}-` }]);
  });

  it('rejects corrupted bytes, leaving no file behind', async () => {
    const corrupted = Buffer.from(tiny);
    corrupted[12345] ^= 0xff;
    const { url } = await serve((req, res) => sendFile(req, res, corrupted));
    const dest = newDest();
    const message = await messageOf(downloadFile({ url: `${url}/model.safetensors`, dest, sha256: sha256(tiny) }));
    expect(message).toBe(
      `download of ${url}/model.safetensors is corrupt: expected sha256 ${sha256(tiny)}, got ${sha256(corrupted)}; the partial file was deleted, try again`,
    );
    expect(await readdir(path.dirname(dest))).toEqual([]);
  });

  it('rejects a file of the wrong size', async () => {
    const { url } = await serve((req, res) => sendFile(req, res, tiny));
    const message = await messageOf(downloadFile({ url: `${url}/m`, dest: newDest(), expectedSize: tiny.length + 1 }));
    expect(message).toContain(`expected ${tiny.length + 1} bytes, got ${tiny.length}`);
  });

  it('follows a hub-style redirect and checks the X-Linked-Size / X-Linked-Etag it announces', async () => {
    const corrupted = Buffer.from(tiny);
    corrupted[0] ^= 1;
    const { url, seen } = await serve((req, res) => {
      if (req.url?.startsWith('/resolve/')) {
        res.writeHead(302, {
          Location: req.url.replace('/resolve/', '/cdn/'),
          'X-Linked-Size': String(tiny.length),
          'X-Linked-Etag': `"${sha256(tiny)}"`,
        });
        res.end();
      } else {
        sendFile(req, res, req.url === '/cdn/good' ? tiny : corrupted);
      }
    });
    const good = await downloadFile({ url: `${url}/resolve/good`, dest: newDest() });
    expect(good.sha256).toBe(sha256(tiny));
    expect(seen.map((s) => s.path)).toEqual(['/resolve/good', '/cdn/good']);
    const message = await messageOf(downloadFile({ url: `${url}/resolve/bad`, dest: newDest() }));
    expect(message).toContain(`expected sha256 ${sha256(tiny)}, got ${sha256(corrupted)}`);
  });

  it('reports a 404 with URL and status, without retrying', async () => {
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(404);
      res.end('Entry not found');
    });
    expect(await messageOf(downloadFile({ url: `${url}/missing.bin`, dest: newDest() }))).toBe(
      `cannot download ${url}/missing.bin: HTTP 404 Not Found`,
    );
    expect(seen).toHaveLength(1);
  });

  it('retries a busy server', async () => {
    const { url } = await serve((req, res, n) => {
      if (n === 1) {
        res.writeHead(503);
        res.end();
      } else {
        sendFile(req, res, tiny);
      }
    });
    expect((await downloadFile({ url: `${url}/m`, dest: newDest() })).sha256).toBe(sha256(tiny));
  });

  it('gives up after the given number of attempts, naming URL and cause', async () => {
    const { url, seen } = await serve((_req, res) => sendHalfAndDrop(res, tiny));
    const message = await messageOf(downloadFile({ url: `${url}/m`, dest: newDest(), attempts: 2 }));
    expect(message).toMatch(new RegExp(`^cannot download ${url}/m: .+ \\(gave up after 2 attempts\\)$`));
    expect(seen).toHaveLength(2);
  });

  it('fails fast with the cause when nothing listens', async () => {
    const { url, close } = await serve(() => undefined);
    await close();
    const started = Date.now();
    expect(await messageOf(downloadFile({ url: `${url}/m`, dest: newDest() }))).toBe(
      `cannot download ${url}/m: connection refused (ECONNREFUSED)`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops when cancelled, keeping the partial file for a later resume', async () => {
    const { url } = await serve((_req, res) => sendHalfAndDrop(res, golden));
    const dest = newDest();
    const controller = new AbortController();
    const message = await messageOf(
      downloadFile({ url: `${url}/m`, dest, signal: controller.signal, onProgress: (p) => p.received > 100_000 && controller.abort() }),
    );
    expect(message).toBe(`download of ${url}/m cancelled`);
    expect(existsSync(partialPath(dest, `${url}/m`))).toBe(true);
    expect(existsSync(dest)).toBe(false);
  });
});
