import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_DATA_BYTES } from '../core/data/textDecoding.js';
import { WorkbenchError } from '../core/errors.js';
import { InvalidRequest, NotFound } from './errors.js';
import { storageError } from './storageErrors.js';

/*
 * Data files on their way in: `POST /api/upload` (or the CLI) streams a file's bytes here, into
 * <data>/uploads/<id>, hashing them on the way; previewDataset and importDataset then name the upload
 * by its id instead of carrying the bytes as base64 in JSON. An import moves the file into datasets/;
 * uploads nobody imported are removed after a day.
 */

export const UPLOADS_FOLDER = 'uploads';
const ID = /^[0-9a-f]{32}$/;
const KEPT_MS = 24 * 3600 * 1000;

export interface Upload {
  id: string;
  name: string;
  bytes: number;
  sha256: string;
  /** The file's absolute path. */
  file: string;
}

/** The upload was larger than the cap; the rest of it was not read. */
export class UploadTooLarge extends WorkbenchError {
  constructor(readonly limit: number) {
    super(`the file is larger than ${(limit / 2 ** 20).toFixed(0)} MiB, the most a data file can be`);
    this.name = 'UploadTooLarge';
  }
}

export class UploadStore {
  readonly dir: string;

  constructor(private readonly dataDir: string) {
    this.dir = path.join(dataDir, UPLOADS_FOLDER);
  }

  /** Streams `source` into a new upload, refusing it once it passes `limit` bytes. */
  async receive(source: Readable, name: string, limit = MAX_DATA_BYTES): Promise<Upload> {
    if (name.length === 0 || name.length > 255 || /[\0/\\]/.test(name))
      throw new InvalidRequest('upload: give the file name (no slashes), as ?name=');
    await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      throw storageError(err, 'keeping the uploaded file', this.dataDir);
    });
    const id = randomBytes(16).toString('hex');
    const file = path.join(this.dir, id);
    const part = `${file}.part`;
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > limit) return done(new UploadTooLarge(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, count, createWriteStream(part, { mode: 0o600 }));
    } catch (err) {
      await rm(part, { force: true });
      if (err instanceof WorkbenchError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET')
        throw new InvalidRequest(`upload: the connection closed before ${name} was received whole`);
      throw storageError(err, `keeping the uploaded file ${name}`, this.dataDir);
    }
    const upload: Upload = { id, name, bytes, sha256: hash.digest('hex'), file };
    try {
      await writeFile(`${file}.json`, JSON.stringify({ name, bytes, sha256: upload.sha256 }), { mode: 0o600 });
      await rename(part, file);
    } catch (err) {
      await Promise.all([rm(part, { force: true }), rm(`${file}.json`, { force: true })]);
      throw storageError(err, `keeping the uploaded file ${name}`, this.dataDir);
    }
    return upload;
  }

  /** The upload `id`, or NotFound (ids are checked before they touch a path). */
  async get(id: string): Promise<Upload> {
    if (!ID.test(id)) throw new InvalidRequest(`"${id}" is not an upload id`);
    const file = path.join(this.dir, id);
    const meta = await readFile(`${file}.json`, 'utf8').catch(() => null);
    if (meta === null || !(await stat(file).catch(() => null))?.isFile())
      throw new NotFound(`no upload ${id}: it was imported or removed already (uploads are kept a day); send the file again`);
    const { name, bytes, sha256 } = JSON.parse(meta) as { name: string; bytes: number; sha256: string };
    return { id, name, bytes, sha256, file };
  }

  /** Moves the upload's file to `target` (on the same disk), or drops it when `target` exists already. */
  async moveTo(upload: Upload, target: string): Promise<void> {
    const exists = await stat(target).catch(() => null);
    if (!exists) await rename(upload.file, target);
    await this.remove(upload.id);
  }

  async remove(id: string): Promise<void> {
    if (!ID.test(id)) return;
    const file = path.join(this.dir, id);
    await Promise.all([rm(file, { force: true }), rm(`${file}.json`, { force: true })]);
  }

  /** Removes uploads (and half-received ones) older than a day; never fails. */
  async removeStale(now = Date.now()): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => null);
      if (info && now - info.mtimeMs > KEPT_MS) await rm(file, { force: true }).catch(() => undefined);
    }
  }
}
