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
      // Not TextDecoder('windows-1252'): Node 20's decodes that label as ISO-8859-1 (0x80 → U+0080, not €).
      return latin1(bytes).replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]);
    case 'latin-1':
      return latin1(bytes);
  }
}

/** ISO-8859-1: every byte is the code point of the same number (Node's 'latin1'; WHATWG's "latin1" label is Windows-1252). */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Windows-1252 from 0x80 to 0x9F (elsewhere it is Latin-1), as WHATWG's index-windows-1252 maps them: the
 * five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay the C1 controls of their number.
 */
const WINDOWS_1252_HIGH = [
  '€',
  '\u0081',
  '‚',
  'ƒ',
  '„',
  '…',
  '†',
  '‡',
  'ˆ',
  '‰',
  'Š',
  '‹',
  'Œ',
  '\u008d',
  'Ž',
  '\u008f',
  '\u0090',
  '‘',
  '’',
  '“',
  '”',
  '•',
  '–',
  '—',
  '˜',
  '™',
  'š',
  '›',
  'œ',
  '\u009d',
  'ž',
  'Ÿ',
];

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
