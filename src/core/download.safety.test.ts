import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { messageOf } from '../../test/support/errors.js';
import { closeAllServers, startHttpsServer, startServer, trustingSelfSigned } from '../../test/support/httpServer.js';
import { tempDir } from '../../test/support/tempDir.js';
import { downloadFile, partialPath, type DownloadProgress } from './download.js';

// Tests of what a download must refuse or must not mix up (the plain cases are in download.test.ts).

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const dir = tempDir('download-safety-test-');
let caseNumber = 0;
const newDest = () => path.join(dir, `case-${++caseNumber}`, 'file.bin');
const bytesOf = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const A = bytesOf(200_000, 1);
const B = bytesOf(200_000, 2);

afterEach(closeAllServers);

/** A static file with an ETag: honours Range, and If-Range (a validator that is not the current ETag gets the whole file). */
function sendVersioned(req: http.IncomingMessage, res: http.ServerResponse, bytes: Buffer, etag: string): void {
  const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  if (match && (ifRange === undefined || ifRange === etag)) {
    const start = Number(match[1]);
    res.writeHead(206, {
      ETag: etag,
      'Content-Length': bytes.length - start,
      'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
    });
    res.end(bytes.subarray(start));
  } else {
    res.writeHead(200, { ETag: etag, 'Content-Length': bytes.length });
    res.end(bytes);
  }
}

function sendHalfAndDrop(res: http.ServerResponse, bytes: Buffer, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(200, { ...headers, 'Content-Length': bytes.length });
  res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
}

describe('downloads: redirects', () => {
  it('refuses a redirect from https to http, without asking the http server', async () => {
    const plainRequests: string[] = [];
    const plain = await startServer((req, res) => {
      plainRequests.push(req.url ?? '');
      res.end(A);
    });
    const secure = await startHttpsServer((_req, res) => {
      res.writeHead(302, { Location: `${plain.url}/file` });
      res.end();
    });
    const message = await trustingSelfSigned(() => messageOf(downloadFile({ url: `${secure.url}/file`, dest: newDest() })));
    expect(message).toBe(`cannot download ${secure.url}/file: refused a redirect from https to http (${plain.url})`);
    expect(plainRequests).toEqual([]);
  });

  it('follows a redirect from https to https', async () => {
    const secure = await startHttpsServer((req, res) => {
      if (req.url === '/file') res.writeHead(302, { Location: '/cdn/file' }).end();
      else res.writeHead(200, { 'Content-Length': A.length }).end(A);
    });
    const result = await trustingSelfSigned(() => downloadFile({ url: `${secure.url}/file`, dest: newDest(), sha256: sha256(A) }));
    expect(result.sha256).toBe(sha256(A));
  });
});

describe('downloads: sizes', () => {
  it('stops reading once the server sends more than the expected size, and keeps nothing', async () => {
    const { url } = await startServer((_req, res) => res.writeHead(200, { 'Content-Length': A.length }).end(A));
    const dest = newDest();
    const progress: DownloadProgress[] = [];
    const message = await messageOf(downloadFile({ url: `${url}/f`, dest, expectedSize: 1000, onProgress: (p) => progress.push(p) }));
    expect(message).toBe(`cannot download ${url}/f: the server sent more than the expected 1000 bytes; stopped there`);
    expect(progress.every((p) => p.received <= 1000)).toBe(true);
    expect(readdirSync(path.dirname(dest))).toEqual([]);
  });

  it('stops a body of unannounced size at the cap', async () => {
    const { url } = await startServer((_req, res) => {
      res.writeHead(200); // chunked: no Content-Length
      res.end(A);
    });
    const message = await messageOf(downloadFile({ url: `${url}/f`, dest: newDest(), maxSize: 50_000 }));
    expect(message).toBe(`cannot download ${url}/f: the server sent more than the expected 50000 bytes; stopped there`);
  });

  it('refuses an announced size above the cap before reading the body', async () => {
    const { url } = await startServer((_req, res) => res.writeHead(200, { 'Content-Length': A.length }).end(A));
    const progress: DownloadProgress[] = [];
    const message = await messageOf(
      downloadFile({ url: `${url}/f`, dest: newDest(), maxSize: 50_000, onProgress: (p) => progress.push(p) }),
    );
    expect(message).toBe(`cannot download ${url}/f: it is ${A.length} bytes, more than the 50000 this file can be`);
    expect(progress).toEqual([]);
  });
});

describe('downloads: resuming', () => {
  it('resumes with If-Range naming the ETag the partial file came from', async () => {
    const seen: { range?: string; ifRange?: string }[] = [];
    const { url } = await startServer((req, res) => {
      seen.push({ range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
      if (seen.length === 1) sendHalfAndDrop(res, A, { ETag: '"v1"' });
      else sendVersioned(req, res, A, '"v1"');
    });
    const result = await downloadFile({ url: `${url}/f`, dest: newDest(), sha256: sha256(A) });
    expect(result).toMatchObject({ resumed: true, sha256: sha256(A) });
    expect(seen[1].range).toMatch(/^bytes=\d+-$/);
    expect(seen[1].ifRange).toBe('"v1"');
  });

  it('takes the whole new file when it changed on the server since the partial file was written', async () => {
    const dest = newDest();
    let version: 'v1' | 'v2' = 'v1';
    const { url } = await startServer((req, res) =>
      version === 'v1' ? sendHalfAndDrop(res, A, { ETag: '"v1"' }) : sendVersioned(req, res, B, '"v2"'),
    );
    await messageOf(downloadFile({ url: `${url}/f`, dest, attempts: 1 })); // leaves half of A
    expect(existsSync(partialPath(dest, `${url}/f`))).toBe(true);
    version = 'v2';
    const result = await downloadFile({ url: `${url}/f`, dest });
    expect(result).toMatchObject({ resumed: false, sha256: sha256(B) });
    expect(readFileSync(dest).equals(B)).toBe(true);
    expect(readdirSync(path.dirname(dest))).toEqual(['file.bin']);
  });

  it('never continues the partial file of another URL (a mirror) for the same destination', async () => {
    const dest = newDest();
    const first = await startServer((_req, res) => sendHalfAndDrop(res, A));
    const ranges: (string | undefined)[] = [];
    const mirror = await startServer((req, res) => {
      ranges.push(req.headers.range);
      res.writeHead(200, { 'Content-Length': B.length }).end(B);
    });
    await messageOf(downloadFile({ url: `${first.url}/f`, dest, attempts: 1 }));
    const result = await downloadFile({ url: `${mirror.url}/f`, dest });
    expect(ranges).toEqual([undefined]);
    expect(result.sha256).toBe(sha256(B));
  });
});
