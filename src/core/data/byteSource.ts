import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { describeCause } from '../errorReasons.js';
import { WorkbenchError } from '../errors.js';

/**
 * A data file's bytes, read a chunk at a time and as often as a reader passes over them: a file of
 * hundreds of megabytes is never held whole (see dataset.ts). Reads are synchronous: they run in a
 * command or on the data-set thread, never on a thread that answers requests.
 */
export interface ByteSource {
  /** The file's name in messages about it. */
  name: string;
  size: number;
  /** The bytes in order; a chunk is valid until the next one is asked for (its memory is used again). */
  chunks(): Iterable<Uint8Array>;
}

const CHUNK_BYTES = 1 << 20;

export function bytesSource(bytes: Uint8Array, name = 'the file'): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    *chunks() {
      for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
    },
  };
}

/** The file at `path`, named `name` in messages; a file that cannot be read is a WorkbenchError saying why. */
export function fileSource(path: string, name = path): ByteSource {
  const fail = (err: unknown) => new WorkbenchError(`cannot read ${name}: ${describeCause(err)}`, { cause: err });
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw fail(err);
  }
  return {
    name,
    size,
    *chunks() {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch (err) {
        throw fail(err);
      }
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      try {
        for (;;) {
          let read: number;
          try {
            read = readSync(fd, chunk, 0, CHUNK_BYTES, null);
          } catch (err) {
            throw fail(err);
          }
          if (read === 0) return;
          yield chunk.subarray(0, read);
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}
