import { createHash } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { rowsStart, fileStart, StoreHeaderSchema } from './storeFile.js';

/*
 * One trail: the hidden states after the first d dropped blocks (dropout scope `all`) at every training step of a
 * run, so that a later run with the same data, seed and dropout reads them instead of running those blocks.
 *
 *   "SWPTRAIL"        8 bytes
 *   format version    u32 little-endian (TRAIL_FORMAT)
 *   header length H   u32 little-endian
 *   steps written N   u32 little-endian: set when the writer finishes (fewer than planned after early stopping)
 *   header            H bytes of JSON (TrailHeader: the key, dtype, width, the rows of every planned step),
 *                     zero-padded so the steps start at a multiple of 4 bytes
 *   steps             step after step, s < N: rows[s] rows of `width` float32 little-endian, then the sha256 of
 *                     s (u32 little-endian) and those floats, so each step is checked as it is read
 *
 * A trail for GPT-2 small in book mode is ~2 GB: it is written step by step as the run goes and read one step at a time.
 */

const MAGIC = Buffer.from('SWPTRAIL', 'latin1');
export const TRAIL_FORMAT = 1;
const STEPS_AT = MAGIC.length + 8;
const PREAMBLE = STEPS_AT + 4;
const DIGEST = 32;

const HeaderSchema = StoreHeaderSchema.extend({
  /** Rows (B·T) of each planned step. */
  rows: z.array(z.number().int().min(0)),
});
export type TrailHeader = z.infer<typeof HeaderSchema>;

/** Where the steps start (storeFile.ts). */
function dataOffset(header: TrailHeader): number {
  return rowsStart(PREAMBLE, header);
}

/** Where each step starts, and (last) where the steps written end: [start of 0, start of 1, …, end of steps − 1]. */
function stepOffsets(header: TrailHeader, steps: number): number[] {
  const offsets = [dataOffset(header)];
  for (let s = 0; s < steps; s++) offsets.push(offsets[s] + header.rows[s] * header.width * 4 + DIGEST);
  return offsets;
}

/** The trail's size in bytes with every planned step written. */
export function trailBytes(header: TrailHeader): number {
  return stepOffsets(header, header.rows.length)[header.rows.length];
}

function stepDigest(step: number, rows: Uint8Array): Buffer {
  const index = Buffer.alloc(4);
  index.writeUInt32LE(step);
  return createHash('sha256').update(index).update(rows).digest();
}

const bytesOf = (rows: Float32Array) => new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);

/**
 * Writes a trail step by step into `<file>.tmp-<pid>` (so the store's eviction removes it when this process dies
 * mid-run) and renames it into place when finished; until then no reader sees it.
 */
export class TrailWriter {
  private written = 0;
  /** Where the next step goes (every write is positioned: the file's own position does not move with them). */
  private at: number;

  private constructor(
    private readonly file: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly header: TrailHeader,
  ) {
    this.at = dataOffset(header);
  }

  static async create(file: string, header: TrailHeader): Promise<TrailWriter> {
    const temp = `${file}.tmp-${process.pid}`;
    const handle = await open(temp, 'w');
    const start = fileStart(MAGIC, TRAIL_FORMAT, PREAMBLE, header);
    try {
      await handle.write(start, 0, start.length, 0);
    } catch (err) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    return new TrailWriter(file, temp, handle, header);
  }

  /** The steps appended so far. */
  get steps(): number {
    return this.written;
  }

  /** Appends the next step's rows (the header's row count of it × width floats). */
  async append(rows: Float32Array): Promise<void> {
    const s = this.written;
    if (s >= this.header.rows.length) throw new Error(`TrailWriter: step ${s} is past the ${this.header.rows.length} planned`);
    if (rows.length !== this.header.rows[s] * this.header.width) {
      throw new Error(`TrailWriter: step ${s} has ${rows.length} floats where ${this.header.rows[s] * this.header.width} were planned`);
    }
    const bytes = bytesOf(rows);
    await this.handle.write(bytes, 0, bytes.length, this.at);
    await this.handle.write(stepDigest(s, bytes), 0, DIGEST, this.at + bytes.length);
    this.at += bytes.length + DIGEST;
    this.written++;
  }

  /** Records the steps written, syncs and renames the trail into place; returns its size. */
  async finish(): Promise<number> {
    try {
      const count = Buffer.alloc(4);
      count.writeUInt32LE(this.written);
      await this.handle.write(count, 0, 4, STEPS_AT);
      await this.handle.sync(); // on disk before the rename makes it the trail
    } finally {
      await this.handle.close();
    }
    await rename(this.temp, this.file);
    return stepOffsets(this.header, this.written)[this.written];
  }

  /** Drops the unfinished trail. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined); // closed already after a failed finish
    await unlink(this.temp).catch(() => undefined);
  }
}

/** What the run reading a trail expects of it: its key, and the rows of each step it will take (its own plan). */
export interface TrailExpectation {
  key: string;
  width: number;
  rows: number[];
}

/** A trail opened for reading, or why the file is not a usable one. */
export type TrailOpening = { reader: TrailReader } | { problem: string };

/** A step read: its rows, why they are not usable, or null past the steps written (the run computes those). */
export type TrailStep = { rows: Float32Array<ArrayBuffer> } | { problem: string } | null;

/** Reads a trail one step at a time, each checked against its own sha256; the file stays open until closed. */
export class TrailReader {
  private constructor(
    private readonly handle: FileHandle,
    private readonly header: TrailHeader,
    /** Steps written. */
    readonly steps: number,
    private readonly offsets: number[],
  ) {}

  /** Opens `file` (a missing file throws ENOENT); a header that is not `expected`'s or a wrong size is a problem. */
  static async open(file: string, expected: TrailExpectation): Promise<TrailOpening> {
    const handle = await open(file, 'r');
    const opening = await TrailReader.check(handle, expected).catch((err: unknown) => ({ problem: String(err) }));
    if ('problem' in opening) await handle.close();
    return opening;
  }

  private static async check(handle: FileHandle, expected: TrailExpectation): Promise<TrailOpening> {
    const size = (await handle.stat()).size;
    const preamble = Buffer.alloc(PREAMBLE);
    if ((await handle.read(preamble, 0, PREAMBLE, 0)).bytesRead < PREAMBLE) return { problem: `truncated (${size} bytes)` };
    if (!preamble.subarray(0, MAGIC.length).equals(MAGIC)) return { problem: 'not a trail' };
    const format = preamble.readUInt32LE(MAGIC.length);
    if (format !== TRAIL_FORMAT) return { problem: `format ${format}, this version reads ${TRAIL_FORMAT}` };
    const length = preamble.readUInt32LE(MAGIC.length + 4);
    const steps = preamble.readUInt32LE(STEPS_AT);
    if (PREAMBLE + length > size) return { problem: 'truncated header' };
    const json = Buffer.alloc(length);
    await handle.read(json, 0, length, PREAMBLE);
    let header: TrailHeader;
    try {
      header = HeaderSchema.parse(JSON.parse(json.toString('utf8')));
    } catch {
      return { problem: 'unreadable header' };
    }
    if (header.key !== expected.key) return { problem: `another key (${header.key.slice(0, 12)}…)` };
    if (steps > header.rows.length) return { problem: `${steps} steps written of ${header.rows.length} planned` };
    const common = Math.min(steps, expected.rows.length);
    if (header.width !== expected.width || header.rows.slice(0, common).some((n, s) => n !== expected.rows[s])) {
      return { problem: 'steps of other shapes than its key says' };
    }
    const offsets = stepOffsets(header, steps);
    if (size !== offsets[steps]) return { problem: `${size} bytes where ${offsets[steps]} were written` };
    return { reader: new TrailReader(handle, header, steps, offsets) };
  }

  /** Step `step`'s rows, checked. */
  async read(step: number): Promise<TrailStep> {
    if (step >= this.steps) return null;
    const rows = new Float32Array(this.header.rows[step] * this.header.width);
    const digest = Buffer.alloc(DIGEST);
    const { bytesRead } = await this.handle.readv([bytesOf(rows), digest], this.offsets[step]);
    if (bytesRead !== rows.byteLength + DIGEST) return { problem: `step ${step} truncated` };
    if (!stepDigest(step, bytesOf(rows)).equals(digest)) return { problem: `step ${step} fails its checksum` };
    return { rows };
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
