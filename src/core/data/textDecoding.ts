import { constants, isUtf8 } from 'node:buffer';
import { TEXT_ENCODING_NAMES, type TextEncoding } from '../../common/textEncoding.js';
import { WorkbenchError } from '../errors.js';

/**
 * The most bytes of a data file read into memory: V8's longest string (512 MiB on 64-bit). UTF-8
 * never decodes to more UTF-16 code units than it has bytes, and the single-byte encodings decode
 * to exactly one per byte, so anything up to this size fits.
 */
export const MAX_DATA_BYTES = constants.MAX_STRING_LENGTH;

/** A data file's text, and the encoding it was read in: detected, or as the caller chose. */
export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  detected: boolean;
}

/**
 * Bytes of a data file → text, in the chosen encoding or else the detected one (see detectEncoding).
 * A chosen UTF-8 must be valid UTF-8: the message names the line of the first bad byte. A BOM is
 * dropped. Line breaks are normalized to LF so that line numbers and quoted multi-line texts do not
 * depend on the platform that wrote the file.
 */
export function decodeData(bytes: Uint8Array, options: { encoding?: TextEncoding; name?: string } = {}): DecodedText {
  const name = options.name ?? 'the file';
  checkDataSize(bytes.byteLength, name);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new WorkbenchError(`${name} is UTF-16 text; save it as UTF-8`);
  }
  const encoding = options.encoding ?? detectEncoding(bytes);
  return { text: normalizeText(decodeAs(bytes, encoding, name)), encoding, detected: options.encoding === undefined };
}

/** Strict UTF-8 (a BOM dropped), for files that are UTF-8 by definition (the built-in data set). */
export function decodeDataText(bytes: Uint8Array, name = 'the file'): string {
  return decodeData(bytes, { encoding: 'utf-8', name }).text;
}

/**
 * Valid UTF-8 is UTF-8 (`utf-8-bom` when it starts with the byte-order mark EF BB BF): text in a legacy
 * encoding is almost never valid UTF-8 by accident once it has a byte above 0x7F. Otherwise the file is
 * in a single-byte encoding, and which one the bytes cannot prove: Windows-1252 (what Excel and Notepad
 * on Western Windows save) unless it holds one of the five bytes Windows-1252 leaves undefined (0x81,
 * 0x8D, 0x8F, 0x90, 0x9D), then Latin-1 (ISO-8859-1), where every byte is a character. Detection never
 * fails; the mapping step shows what it found and takes another choice.
 */
export function detectEncoding(bytes: Uint8Array): TextEncoding {
  if (isUtf8(bytes)) return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 'utf-8-bom' : 'utf-8';
  return WINDOWS_1252_UNDEFINED.some((b) => bytes.includes(b)) ? 'latin-1' : 'windows-1252';
}

const WINDOWS_1252_UNDEFINED = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

function decodeAs(bytes: Uint8Array, encoding: TextEncoding, name: string): string {
  switch (encoding) {
    case 'utf-8':
    case 'utf-8-bom':
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new WorkbenchError(
          `${name} is not UTF-8 text (first invalid byte on line ${firstInvalidLine(bytes)}); read it as ${TEXT_ENCODING_NAMES['windows-1252']} or ${TEXT_ENCODING_NAMES['latin-1']}, or save it as UTF-8`,
        );
      }
    case 'windows-1252':
      // WHATWG's decoder: 0x80–0x9F as Windows-1252 (€, “ ”, …), its five undefined bytes as the C1 controls.
      return new TextDecoder('windows-1252').decode(bytes);
    case 'latin-1':
      // Not TextDecoder('latin1'): WHATWG makes that label Windows-1252. Node's 'latin1' is ISO-8859-1 proper.
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/** Refuses, with the sizes, a file too large to be held as one string. */
export function checkDataSize(bytes: number, name = 'the file'): void {
  if (bytes <= MAX_DATA_BYTES) return;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  throw new WorkbenchError(`${name} is ${mib(bytes)}; data files up to ${mib(MAX_DATA_BYTES)} can be read (split it into smaller files)`);
}

/**
 * Drops a BOM and turns CRLF into LF (for text that did not come through decodeData). A file
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
