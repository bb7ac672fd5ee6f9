import type { IncomingMessage } from 'node:http';
import { MAX_DATA_BYTES } from '../../core/data/textDecoding.js';

/**
 * The largest request body: a body is parsed as one string, and V8's longest string is what the
 * engine also allows a data file (MAX_DATA_BYTES, 512 MiB on 64-bit). A data set travels as base64
 * (4 bytes per 3), so HTTP carries data files up to ~384 MiB; larger ones go through the CLI.
 */
export const MAX_BODY_BYTES = MAX_DATA_BYTES;

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${(limit / 2 ** 20).toFixed(0)} MiB`);
  }
}

/** The body as text, refused (without reading the rest) once it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new BodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
