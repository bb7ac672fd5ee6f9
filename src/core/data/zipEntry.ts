import { createReadStream } from 'node:fs';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { WorkbenchError } from '../errors.js';

/** Deflate expands at most ~1032:1, so a slice this small inflates to about 1 MiB at most. */
const SLICE = 1024;

/**
 * The bytes of the first entry of a zip file whose name `wanted` accepts, or undefined when none
 * does. Inflated as a stream and counted as it comes: the sizes a zip declares are not trusted
 * (unzipSync allocates what an entry claims), so an entry larger than `maxBytes` is refused once
 * it actually grows past it, having held at most about 1 MiB more than that.
 */
export async function readZipEntry(zipPath: string, wanted: (name: string) => boolean, maxBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let found: UnzipFile | undefined;
  let done = false;
  const unzip = new Unzip((file) => {
    if (found || !wanted(file.name)) return;
    found = file;
    file.ondata = (err, data, final) => {
      if (err) throw err;
      size += data.length;
      if (size > maxBytes) throw new WorkbenchError(`its entry ${file.name} inflates to more than ${maxBytes} bytes`);
      chunks.push(data);
      done = final;
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  let first = true;
  for await (const chunk of createReadStream(zipPath) as AsyncIterable<Buffer>) {
    if (first && (chunk[0] !== 0x50 || chunk[1] !== 0x4b)) throw new Error('it does not start as a zip file does ("PK")');
    first = false;
    for (let at = 0; at < chunk.length && !done; at += SLICE) unzip.push(chunk.subarray(at, at + SLICE));
    if (done) break;
  }
  if (first) throw new Error('it is empty');
  if (!found) return undefined;
  if (!done) throw new Error(`its entry ${found.name} is truncated`);
  return Buffer.concat(chunks);
}
