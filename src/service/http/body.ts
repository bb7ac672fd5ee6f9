import type { IncomingMessage } from 'node:http';

/**
 * The largest JSON body. Data files do not travel in JSON over HTTP: they are streamed to `POST /api/upload`
 * first (UPLOAD_PATH), so an API call's body is small, and parsing it never holds the server up.
 */
export const MAX_BODY_BYTES = 64 * 2 ** 20;

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${(limit / 2 ** 20).toFixed(0)} MiB (send data files to POST /api/upload first)`);
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
