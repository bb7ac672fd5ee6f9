import { z } from 'zod';

/*
 * What the prefix store's two kinds of file (prefixEntry.ts, prefixTrail.ts) start with: an 8-byte magic, the
 * format version and the JSON header's length (u32 little-endian each), any fields of the kind's own, then the
 * header, zero-padded so the float32 rows after it start at a multiple of 4 bytes (viewed in place).
 */

/** The header fields both kinds have: the key, what it was made of (for a person reading the file), the rows' type and width. */
export const StoreHeaderSchema = z.object({
  key: z.string(),
  parts: z.unknown(),
  dtype: z.literal('float32-le'),
  width: z.number().int().min(1),
});

export function headerBytes(header: object): Buffer {
  return Buffer.from(JSON.stringify(header), 'utf8');
}

/** Where the rows start after a preamble of `preamble` bytes and the header. */
export function rowsStart(preamble: number, header: object): number {
  return Math.ceil((preamble + headerBytes(header).length) / 4) * 4;
}

/** The bytes before the rows: magic, format, header length, the kind's own fields left zero, the header. */
export function fileStart(magic: Buffer, format: number, preamble: number, header: object): Buffer {
  const json = headerBytes(header);
  const start = Buffer.alloc(rowsStart(preamble, header));
  magic.copy(start);
  start.writeUInt32LE(format, magic.length);
  start.writeUInt32LE(json.length, magic.length + 4);
  json.copy(start, preamble);
  return start;
}
