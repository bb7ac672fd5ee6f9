import { createHash } from 'node:crypto';

/** What prefixFiller.ts says: its entry's key, the rows per example, and the digest of the rows it computed. */
export interface FillerMessage {
  key: string;
  rowCounts: number[];
  digest: string;
}

/** sha256 of the rows' bytes, in order. */
export function rowsDigest(rows: Float32Array[]): string {
  const hash = createHash('sha256');
  for (const r of rows) hash.update(new Uint8Array(r.buffer, r.byteOffset, r.byteLength));
  return hash.digest('hex');
}
