import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RUN_FILES, type RunFolderName } from '../../common/hostProtocol.js';
import { writeFileAtomic } from '../../core/atomicWrite.js';
import { removeStaleVersions } from '../../core/versionedFiles.js';
import { Conflict, InvalidRequest, NotFound } from '../errors.js';

/** An upload larger than its run may write: refused, and nothing of it kept. */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the upload is larger than the ${limit} bytes this run may write`);
  }
}

/** Checks that `name` is a file hosts may move in run folder `folder`; which kind it is. */
export function runFileKind(folder: string, name: string): { folder: RunFolderName; pointer: boolean } {
  if (!Object.hasOwn(RUN_FILES, folder))
    throw new NotFound(`no run folder "${folder}" for hosts (only ${Object.keys(RUN_FILES).join(', ')})`);
  const files = RUN_FILES[folder as RunFolderName];
  if (name === files.pointer) return { folder: folder as RunFolderName, pointer: true };
  if (files.versioned.test(name)) return { folder: folder as RunFolderName, pointer: false };
  throw new NotFound(`"${name}" is not a file of a run's ${folder}`);
}

/**
 * Writes an uploaded file into `dir` through a temp file renamed over it (a broken upload leaves nothing), refusing
 * it past `limit` bytes. A pointer (checkpoint.json, classifier.json) goes in only once the tensors file it names
 * is there, and then the older tensors files go: the folder always holds one whole pair, as the trainer's own saves do.
 */
export async function receiveRunFile(
  req: IncomingMessage,
  dir: string,
  folder: RunFolderName,
  name: string,
  limit: number,
): Promise<number> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new UploadTooLarge(limit);
  const files = RUN_FILES[folder];
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let size = 0;
  if (name === files.pointer) {
    const text = await readLimited(req, limit);
    size = text.length;
    const named = pointerTarget(text, folder);
    if (!(await stat(path.join(dir, named)).catch(() => null))?.isFile())
      throw new Conflict(`${name} names ${named}, which was not uploaded first`);
    await writeFileAtomic(path.join(dir, name), text);
    await removeStaleVersions(dir, files.pointer.replace('.json', ''), '.safetensors', named);
    return size;
  }
  await writeFileAtomic(path.join(dir, name), async (file) => {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new UploadTooLarge(limit);
      await file.write(chunk);
    }
  });
  return size;
}

/** The tensors file a pointer names (RUN_FILES' `field`), checked to be one a host may upload. */
function pointerTarget(text: string, folder: RunFolderName): string {
  let named: unknown;
  try {
    named = (JSON.parse(text) as Record<string, unknown>)[RUN_FILES[folder].field];
  } catch (err) {
    throw new InvalidRequest(`${RUN_FILES[folder].pointer} is not JSON: ${(err as Error).message}`);
  }
  if (typeof named !== 'string' || !RUN_FILES[folder].versioned.test(named))
    throw new InvalidRequest(`${RUN_FILES[folder].pointer} names no tensors file of its folder`);
  return named;
}

async function readLimited(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new UploadTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Streams a file of the data or run folder to a host; 404 when it is not there. */
export async function sendFile(res: ServerResponse, file: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new NotFound(`${path.basename(file)} is not there`);
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': info.size, 'Cache-Control': 'no-store' });
  await pipeline(createReadStream(file), res);
}
