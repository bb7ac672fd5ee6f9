import { constants } from 'node:buffer';
import { WorkbenchError } from '../errors.js';

/**
 * The most bytes of a data file read into memory: V8's longest string (512 MiB on 64-bit). UTF-8
 * never decodes to more UTF-16 code units than it has bytes, so anything up to this size fits.
 */
export const MAX_DATA_BYTES = constants.MAX_STRING_LENGTH;

/**
 * Bytes of a data file → text. Only UTF-8 is accepted (a wrong guess at a legacy encoding would
 * silently change the texts); a BOM is dropped. Line breaks are normalized to LF so that line
 * numbers and quoted multi-line texts do not depend on the platform that wrote the file.
 */
export function decodeDataText(bytes: Uint8Array, name = 'the file'): string {
  checkDataSize(bytes.byteLength, name);
  try {
    return normalizeText(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new WorkbenchError(`${name} is not UTF-8 text (first invalid byte on line ${firstInvalidLine(bytes)}); save it as UTF-8`);
  }
}

/** Refuses, with the sizes, a file too large to be held as one string. */
export function checkDataSize(bytes: number, name = 'the file'): void {
  if (bytes <= MAX_DATA_BYTES) return;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  throw new WorkbenchError(`${name} is ${mib(bytes)}; data files up to ${mib(MAX_DATA_BYTES)} can be read (split it into smaller files)`);
}

/**
 * Drops a BOM and turns CRLF into LF (for text that did not come through decodeDataText). A file
 * with no LF at all but CRs (classic Mac OS) has CR line breaks; elsewhere a lone CR is text.
 */
export function normalizeText(text: string): string {
  const unmarked = text.replace(/^\uFEFF/, '');
  return unmarked.includes('\n') ? unmarked.replace(/\r\n/g, '\n') : unmarked.replace(/\r/g, '\n');
}

function firstInvalidLine(bytes: Uint8Array): number {
  const lossy = new TextDecoder('utf-8').decode(bytes);
  const at = lossy.indexOf('\uFFFD');
  return lossy.slice(0, at).split('\n').length;
}
