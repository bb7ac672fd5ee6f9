import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeCause } from './errorReasons.js';
import { WorkbenchError } from './errors.js';

export interface DownloadProgress {
  received: number;
  total?: number;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  expectedSize?: number;
  sha256?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** How many requests to make in all when the connection drops (default 5). */
  attempts?: number;
  /** Refuse a file larger than this when its size is not known in advance (it is stopped there). */
  maxSize?: number;
}

export interface DownloadResult {
  path: string;
  size: number;
  sha256: string;
  /** True when the final transfer continued bytes already on disk. */
  resumed: boolean;
}

interface Expected {
  size?: number;
  sha256?: string;
  /** Set by the caller: the most bytes to accept when `size` stays unknown. */
  maxSize?: number;
}

interface Transfer {
  size: number;
  sha256: string;
  resumed: boolean;
}

/** A failure worth another attempt (a dropped connection, a busy server); cause is the reason. */
class TransientError extends Error {
  constructor(cause: unknown) {
    super('transient download failure', { cause });
  }
}

const MAX_REDIRECTS = 10;
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** Connection errors that mean "offline" or "nothing there": retrying would only make the user wait. */
const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * The partial file of a download of url to dest: one per URL, so that mirrors of the same file
 * (which may differ) never continue each other's bytes.
 */
export function partialPath(dest: string, url: string): string {
  return `${dest}.${createHash('sha256').update(url).digest('hex').slice(0, 16)}.partial`;
}

/** Beside the partial file: the ETag or Last-Modified of the reply it came from, sent as If-Range when resuming. */
function validatorPath(partial: string): string {
  return `${partial}.validator`;
}

/**
 * Downloads url to dest via a partial file, resuming it with a Range request (If-Range: the
 * validator it was written from, so a changed file is sent whole) when it exists, and checks size
 * and sha256 (given, or announced by the server) before renaming into place.
 */
export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const partial = partialPath(opts.dest, opts.url);
  const expected: Expected = { size: opts.expectedSize, sha256: opts.sha256?.toLowerCase(), maxSize: opts.maxSize };
  const attempts = opts.attempts ?? 5;
  await makeParentFolder(opts.dest);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      if (attempt > 1) await sleep(retryDelayMs(attempt), undefined, { signal: opts.signal });
      const transfer = await transferOnce(opts, partial, expected);
      await verify(transfer, expected, partial, opts.url);
      await rename(partial, opts.dest);
      await discard(validatorPath(partial));
      return { path: opts.dest, ...transfer };
    } catch (err) {
      if (opts.signal?.aborted) throw new WorkbenchError(`download of ${opts.url} cancelled`, { cause: err });
      if (!(err instanceof TransientError)) throw asWorkbenchError(err, opts.url);
      lastError = err.cause;
    }
  }
  throw new WorkbenchError(`cannot download ${opts.url}: ${describeCause(lastError)} (gave up after ${attempts} attempts)`, {
    cause: lastError,
  });
}

function retryDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 2), 4000);
}

async function makeParentFolder(dest: string): Promise<void> {
  const folder = path.dirname(dest);
  try {
    await mkdir(folder, { recursive: true });
  } catch (err) {
    throw new WorkbenchError(`cannot create folder ${folder}: ${describeCause(err)}`, { cause: err });
  }
}

function asWorkbenchError(err: unknown, url: string): WorkbenchError {
  if (err instanceof WorkbenchError) return err;
  return new WorkbenchError(`cannot download ${url}: ${describeCause(err)}`, { cause: err });
}

/** One HTTP request: continues the partial file on 206, rewrites it on 200. */
async function transferOnce(opts: DownloadOptions, partial: string, expected: Expected): Promise<Transfer> {
  const offset = await keptPartialSize(partial, expected);
  if (offset > 0 && offset === expected.size) return finishedPartial(partial);
  const validator = offset > 0 ? await readFile(validatorPath(partial), 'utf8').catch(() => undefined) : undefined;
  const response = await request(opts.url, { offset, validator }, expected, opts.signal);
  learnTotal(expected, response);
  if (response.status === 416 && offset > 0 && offset === expected.size) {
    await response.body?.cancel(); // the partial file was already complete
    return finishedPartial(partial);
  }
  await rejectUnusable(response, offset, partial, opts.url);
  await rejectOversized(response, expected, opts.url);
  if (response.status === 200) await keepValidator(partial, response.headers);
  return receiveBody(response, partial, response.status === 206 ? offset : 0, expected, opts);
}

/** A strong ETag, else Last-Modified: what If-Range accepts (a weak ETag cannot be used there). */
async function keepValidator(partial: string, headers: Headers): Promise<void> {
  const etag = headers.get('etag');
  const validator = etag && !etag.startsWith('W/') ? etag : headers.get('last-modified');
  if (validator)
    await writeFile(validatorPath(partial), validator).catch(() => undefined); // without it, resuming is only less safe
  else await discard(validatorPath(partial));
}

/** The size the file must not exceed: the known one, else the caller's cap. */
function sizeLimit(expected: Expected): number | undefined {
  return expected.size ?? expected.maxSize;
}

async function rejectOversized(response: Response, expected: Expected, url: string): Promise<void> {
  if (expected.maxSize === undefined || expected.size === undefined || expected.size <= expected.maxSize) return;
  await response.body?.cancel();
  throw new WorkbenchError(`cannot download ${url}: it is ${expected.size} bytes, more than the ${expected.maxSize} this file can be`);
}

/** Size of the partial file to resume from; a partial larger than the expected file is garbage. */
async function keptPartialSize(partial: string, expected: Expected): Promise<number> {
  const size = await fileSize(partial);
  if (expected.size === undefined || size <= expected.size) return size;
  await discardPartial(partial);
  return 0;
}

async function finishedPartial(partial: string): Promise<Transfer> {
  return { ...(await hashFile(partial)), resumed: true };
}

/** Throws for every reply but 200 and a 206 starting where the partial file ends. */
async function rejectUnusable(response: Response, offset: number, partial: string, url: string): Promise<void> {
  const { status, statusText } = response;
  if (status === 200 || (status === 206 && contentRange(response)?.start === offset)) return;
  await response.body?.cancel();
  if (status === 206 || status === 416) {
    await discardPartial(partial); // the server cannot continue this partial file: start over
    throw new TransientError(new Error(`server could not resume at byte ${offset}`));
  }
  if (RETRY_STATUSES.has(status)) throw new TransientError(new Error(`HTTP ${status} ${statusText}`));
  throw new WorkbenchError(`cannot download ${url}: HTTP ${status} ${statusText}`.trimEnd());
}

/** Fetches following redirects by hand, because the HF hub sends X-Linked-Size/Etag on the redirect, not on the CDN's reply. */
async function request(
  url: string,
  resume: { offset: number; validator?: string },
  expected: Expected,
  signal?: AbortSignal,
): Promise<Response> {
  // identity: Content-Length must be the file size, and a gzip body cannot be resumed by byte offset.
  const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
  if (resume.offset > 0) headers.Range = `bytes=${resume.offset}-`;
  if (resume.offset > 0 && resume.validator) headers['If-Range'] = resume.validator;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetchOrExplain(current, { headers, redirect: 'manual', signal });
    learnLinked(expected, response.headers);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    const next = new URL(location, current);
    // A download asked for over https must not be continued in the clear (anyone on the way could replace it).
    if (new URL(current).protocol === 'https:' && next.protocol !== 'https:') {
      throw new WorkbenchError(
        `cannot download ${url}: refused a redirect from https to ${next.protocol.replace(/:$/, '')} (${next.origin})`,
      );
    }
    current = next.toString();
  }
  throw new WorkbenchError(`cannot download ${url}: too many redirects`);
}

async function fetchOrExplain(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (isOffline(err)) throw err;
    throw new TransientError(err);
  }
}

function isOffline(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && OFFLINE_CODES.has(code)) return true;
  }
  return false;
}

/** The HF hub's LFS headers: X-Linked-Size is the file size, X-Linked-Etag its sha256 in quotes. */
function learnLinked(expected: Expected, headers: Headers): void {
  expected.size ??= parseCount(headers.get('x-linked-size'));
  const etag = headers.get('x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  if (expected.sha256 === undefined && etag && /^[0-9a-f]{64}$/.test(etag)) expected.sha256 = etag;
}

/** The file size from Content-Length of a plain 200, else from Content-Range (206, 416). */
function learnTotal(expected: Expected, response: Response): void {
  const encoding = response.headers.get('content-encoding') ?? 'identity';
  const length = response.status === 200 && encoding === 'identity' ? parseCount(response.headers.get('content-length')) : undefined;
  expected.size ??= length ?? contentRange(response)?.total;
}

function parseCount(text: string | null): number | undefined {
  return text !== null && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
}

/** Parses "bytes START-END/TOTAL" (206) or "bytes *\/TOTAL" (416). */
function contentRange(response: Response): { start?: number; total?: number } | undefined {
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(response.headers.get('content-range')?.trim() ?? '');
  if (!match) return undefined;
  return { start: match[1] === undefined ? undefined : Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}

async function receiveBody(
  response: Response,
  partial: string,
  offset: number,
  expected: Expected,
  opts: DownloadOptions,
): Promise<Transfer> {
  // Hashing the kept prefix again costs a read of it, but keeps the hash exact across restarts.
  const hash = offset > 0 ? await hashFileInto(createHash('sha256'), partial) : createHash('sha256');
  const file = await openPartial(partial, offset > 0 ? 'a' : 'w');
  const reader = response.body?.getReader();
  let received = offset;
  try {
    for (;;) {
      const chunk = await readChunk(reader);
      if (!chunk) break;
      const limit = sizeLimit(expected);
      if (limit !== undefined && received + chunk.byteLength > limit) {
        await reader?.cancel().catch(() => undefined);
        await discardPartial(partial);
        throw new WorkbenchError(`cannot download ${opts.url}: the server sent more than the expected ${limit} bytes; stopped there`);
      }
      hash.update(chunk);
      await writeChunk(file, chunk, partial);
      received += chunk.byteLength;
      opts.onProgress?.({ received, total: expected.size });
    }
  } catch (err) {
    await reader?.cancel().catch(() => undefined); // frees the connection when the disk, not the network, failed
    throw err;
  } finally {
    await file.close();
  }
  return { size: received, sha256: hash.digest('hex'), resumed: offset > 0 };
}

type BodyReader = ReadableStreamDefaultReader<Uint8Array> | undefined;

async function readChunk(reader: BodyReader): Promise<Uint8Array | undefined> {
  if (!reader) return undefined;
  try {
    const { done, value } = await reader.read();
    return done ? undefined : value;
  } catch (err) {
    throw new TransientError(err);
  }
}

async function openPartial(partial: string, flags: 'a' | 'w'): Promise<FileHandle> {
  try {
    return await open(partial, flags);
  } catch (err) {
    throw new WorkbenchError(`cannot write ${partial}: ${describeCause(err)}`, { cause: err });
  }
}

async function writeChunk(file: FileHandle, chunk: Uint8Array, partial: string): Promise<void> {
  try {
    for (let done = 0; done < chunk.byteLength;) done += (await file.write(chunk, done)).bytesWritten;
  } catch (err) {
    throw new WorkbenchError(`cannot write ${partial}: ${describeCause(err)}`, { cause: err });
  }
}

async function verify(transfer: Transfer, expected: Expected, partial: string, url: string): Promise<void> {
  let problem: string | undefined;
  if (expected.size !== undefined && transfer.size !== expected.size) {
    problem = `expected ${expected.size} bytes, got ${transfer.size}`;
  } else if (expected.sha256 !== undefined && transfer.sha256 !== expected.sha256) {
    problem = `expected sha256 ${expected.sha256}, got ${transfer.sha256}`;
  }
  if (problem === undefined) return;
  await discardPartial(partial);
  throw new WorkbenchError(`download of ${url} is corrupt: ${problem}; the partial file was deleted, try again`);
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function discard(file: string): Promise<void> {
  await unlink(file).catch(() => undefined); // already gone is fine
}

async function discardPartial(partial: string): Promise<void> {
  await discard(partial);
  await discard(validatorPath(partial));
}

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = await hashFileInto(createHash('sha256'), file);
  return { size: await fileSize(file), sha256: hash.digest('hex') };
}

async function hashFileInto(hash: Hash, file: string): Promise<Hash> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}
