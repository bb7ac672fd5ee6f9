import { WorkbenchError } from '../errors.js';

/**
 * Bytes of a data file → text. Only UTF-8 is accepted (a wrong guess at a legacy encoding would
 * silently change the texts); a BOM is dropped. Line breaks are normalized to LF so that line
 * numbers and quoted multi-line texts do not depend on the platform that wrote the file.
 */
export function decodeDataText(bytes: Uint8Array, name = 'the file'): string {
  try {
    return normalizeText(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new WorkbenchError(`${name} is not UTF-8 text (first invalid byte on line ${firstInvalidLine(bytes)}); save it as UTF-8`);
  }
}

/** Drops a BOM and turns CRLF into LF (for text that did not come through decodeDataText). */
export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

function firstInvalidLine(bytes: Uint8Array): number {
  const lossy = new TextDecoder('utf-8').decode(bytes);
  const at = lossy.indexOf('\uFFFD');
  return lossy.slice(0, at).split('\n').length;
}
