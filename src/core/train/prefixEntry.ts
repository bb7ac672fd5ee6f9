import { createHash } from 'node:crypto';
import { constants } from 'node:buffer';
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../atomicWrite.js';
import { rowsStart, fileStart, StoreHeaderSchema } from './storeFile.js';

/*
 * One prefix-store entry: the frozen-prefix rows of every example of a run, in one file.
 *
 *   "SWPREFIX"        8 bytes
 *   format version    u32 little-endian (ENTRY_FORMAT)
 *   header length H   u32 little-endian
 *   header            H bytes of JSON (EntryHeader: the key, dtype, width, per-example row offsets),
 *                     zero-padded so the rows start at a multiple of 4 bytes
 *   rows              Float32 little-endian, example after example: example i is rows
 *                     offsets[i]..offsets[i+1] of `width` floats each
 *   sha256            32 bytes, of everything before it: a truncated or damaged file fails it
 */

const MAGIC = Buffer.from('SWPREFIX', 'latin1');
export const ENTRY_FORMAT = 1;
const PREAMBLE = MAGIC.length + 8;
const DIGEST = 32;

const HeaderSchema = StoreHeaderSchema.extend({
  /** Example i's rows are offsets[i] ≤ r < offsets[i+1]; offsets[0] = 0. */
  offsets: z.array(z.number().int().min(0)),
});
export type EntryHeader = z.infer<typeof HeaderSchema>;

/** The row counts of the examples, as offsets: [0, n0, n0 + n1, …]. */
export function rowOffsets(rowCounts: number[]): number[] {
  const offsets = [0];
  for (const n of rowCounts) offsets.push(offsets[offsets.length - 1] + n);
  return offsets;
}

/** The entry's size in bytes. */
export function entryBytes(header: EntryHeader): number {
  return dataOffset(header) + header.offsets[header.offsets.length - 1] * header.width * 4 + DIGEST;
}

/** Where the rows start (storeFile.ts). */
function dataOffset(header: EntryHeader): number {
  return rowsStart(PREAMBLE, header);
}

/** Writes an entry atomically (temp file, fsync, rename): readers see the old entry, none, or this one whole. */
export async function writeEntry(file: string, header: EntryHeader, rows: Float32Array[]): Promise<void> {
  const start = fileStart(MAGIC, ENTRY_FORMAT, PREAMBLE, header);
  await writeFileAtomic(file, async (handle) => {
    const hash = createHash('sha256');
    const put = async (bytes: Uint8Array) => {
      hash.update(bytes);
      await handle.write(bytes);
    };
    await put(start);
    for (const row of rows) await put(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
    await handle.write(hash.digest());
  });
}

/** What a read found: the rows (one per example), or why the file is not a usable entry. */
export type EntryRead = { rows: Float32Array[] } | { problem: string };

/**
 * Reads an entry whole into one buffer and views each example's rows in place (no copy): the run holds
 * every row in memory anyway (PrefixCache), so reading lazily would save nothing. `expected` is the key and
 * row offsets the run needs; any difference, a short file or a wrong checksum is a problem, not an error.
 */
export async function readEntry(file: string, expected: { key: string; width: number; offsets: number[] }): Promise<EntryRead> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < PREAMBLE + DIGEST) return { problem: `truncated (${size} bytes)` };
    if (size > constants.MAX_LENGTH) return { problem: `too large to read (${size} bytes)` };
    const bytes = Buffer.allocUnsafeSlow(size);
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(size - at, 1 << 26), at);
      if (bytesRead === 0) return { problem: `truncated while reading (${at} of ${size} bytes)` };
      at += bytesRead;
    }
    return parseEntry(bytes, expected);
  } finally {
    await handle.close();
  }
}

function parseEntry(bytes: Buffer, expected: { key: string; width: number; offsets: number[] }): EntryRead {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return { problem: 'not a prefix-store entry' };
  const format = bytes.readUInt32LE(MAGIC.length);
  if (format !== ENTRY_FORMAT) return { problem: `format ${format}, this version reads ${ENTRY_FORMAT}` };
  const length = bytes.readUInt32LE(MAGIC.length + 4);
  if (PREAMBLE + length > bytes.length) return { problem: 'truncated header' };
  let header: EntryHeader;
  try {
    header = HeaderSchema.parse(JSON.parse(bytes.toString('utf8', PREAMBLE, PREAMBLE + length)));
  } catch {
    return { problem: 'unreadable header' };
  }
  if (header.key !== expected.key) return { problem: `another key (${header.key.slice(0, 12)}…)` };
  if (header.width !== expected.width || !sameNumbers(header.offsets, expected.offsets))
    return { problem: 'rows of other shapes than its key says' };
  if (bytes.length !== entryBytes(header)) return { problem: `${bytes.length} bytes where ${entryBytes(header)} were written` };
  const body = bytes.subarray(0, bytes.length - DIGEST);
  if (!createHash('sha256').update(body).digest().equals(bytes.subarray(body.length))) return { problem: 'checksum mismatch' };
  const start = dataOffset(header);
  const rows = header.offsets
    .slice(0, -1)
    .map(
      (from, i) =>
        new Float32Array(bytes.buffer, bytes.byteOffset + start + from * header.width * 4, (header.offsets[i + 1] - from) * header.width),
    );
  return { rows };
}

function sameNumbers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
