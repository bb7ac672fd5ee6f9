import { constants } from 'node:buffer';
import { TEXT_ENCODING_NAMES, type TextEncoding } from '../../common/textEncoding.js';
import { WorkbenchError } from '../errors.js';
import { bytesSource, type ByteSource } from './byteSource.js';

/**
 * The most bytes a data file may have: V8's longest string (512 MiB on 64-bit), so that decodeData can
 * still hold any data file as one string. UTF-8 never decodes to more UTF-16 code units than it has
 * bytes, and the single-byte encodings decode to exactly one per byte.
 */
export const MAX_DATA_BYTES = constants.MAX_STRING_LENGTH;

/** A data file's text, and the encoding it was read in: detected, or as the caller chose. */
export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  detected: boolean;
}

/** A data file's text a chunk at a time (line breaks normalized, see normalizedChunks), as often as a reader passes over it. */
export interface TextSource {
  encoding: TextEncoding;
  detected: boolean;
  chunks(): Iterable<string>;
}

/**
 * Bytes of a data file → text, in the chosen encoding or else the detected one (see detectEncoding).
 * A chosen UTF-8 must be valid UTF-8: the message names the line of the first bad byte. A BOM is
 * dropped. Line breaks are normalized to LF so that line numbers and quoted multi-line texts do not
 * depend on the platform that wrote the file. One pass over the bytes decides all that; the text is
 * decoded anew, a chunk at a time, on each pass over `chunks()`.
 */
export function decodeSource(source: ByteSource, options: { encoding?: TextEncoding } = {}): TextSource {
  checkDataSize(source.size, source.name);
  const facts = surveyBytes(source);
  if (facts.utf16) throw new WorkbenchError(`${source.name} is UTF-16 text; save it as UTF-8`);
  const encoding = options.encoding ?? encodingOf(facts);
  if (encoding.startsWith('utf-8') && !facts.utf8) {
    throw new WorkbenchError(
      `${source.name} is not UTF-8 text (first invalid byte on line ${firstInvalidLine(source)}); read it as ${TEXT_ENCODING_NAMES['windows-1252']} or ${TEXT_ENCODING_NAMES['latin-1']}, or save it as UTF-8`,
    );
  }
  return {
    encoding,
    detected: options.encoding === undefined,
    chunks: () => normalizedChunks(decodedChunks(source, encoding), facts.lineFeeds),
  };
}

/** Text as it is (one chunk), for data given as a string. */
export function stringSource(text: string): TextSource {
  const normalized = normalizeText(text);
  return { encoding: 'utf-8', detected: false, chunks: () => [normalized] };
}

/** The whole text of `bytes` (see decodeSource). */
export function decodeData(bytes: Uint8Array, options: { encoding?: TextEncoding; name?: string } = {}): DecodedText {
  const source = decodeSource(bytesSource(bytes, options.name), options);
  return { text: [...source.chunks()].join(''), encoding: source.encoding, detected: source.detected };
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
  return encodingOf(surveyBytes(bytesSource(bytes)));
}

const WINDOWS_1252_UNDEFINED = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

/** What the bytes say about their encoding and line breaks, found in one pass. */
interface ByteFacts {
  utf16: boolean;
  utf8: boolean;
  bom: boolean;
  undefined1252: boolean;
  /** Whether any line ends in LF (else CRs are the line breaks, see normalizeText). */
  lineFeeds: boolean;
}

function surveyBytes(source: ByteSource): ByteFacts {
  const facts: ByteFacts = { utf16: false, utf8: true, bom: false, undefined1252: false, lineFeeds: false };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  for (const chunk of source.chunks()) {
    if (first) {
      facts.utf16 = (chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff);
      facts.bom = chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
      first = false;
    }
    if (facts.utf8) facts.utf8 = decodes(() => utf8.decode(chunk, { stream: true }));
    facts.undefined1252 ||= WINDOWS_1252_UNDEFINED.some((b) => chunk.includes(b));
    facts.lineFeeds ||= chunk.includes(10);
  }
  if (facts.utf8) facts.utf8 = decodes(() => utf8.decode());
  return facts;
}

function decodes(decode: () => string): boolean {
  try {
    decode();
    return true;
  } catch {
    return false;
  }
}

function encodingOf(facts: ByteFacts): TextEncoding {
  if (facts.utf8) return facts.bom ? 'utf-8-bom' : 'utf-8';
  return facts.undefined1252 ? 'latin-1' : 'windows-1252';
}

function* decodedChunks(source: ByteSource, encoding: TextEncoding): Generator<string> {
  if (encoding.startsWith('utf-8')) {
    // Streaming: a character cut in two by a chunk's end is decoded whole with the next chunk.
    const decoder = new TextDecoder('utf-8');
    for (const chunk of source.chunks()) yield decoder.decode(chunk, { stream: true });
    yield decoder.decode();
    return;
  }
  for (const chunk of source.chunks()) {
    const text = latin1(chunk);
    // Not TextDecoder('windows-1252'): Node 20's decodes that label as ISO-8859-1 (0x80 → U+0080, not €).
    yield encoding === 'windows-1252' ? text.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]) : text;
  }
}

/**
 * Chunks with the BOM dropped and CRLF turned into LF (or, in a file without LF, every CR: see normalizeText),
 * exactly as normalizeText does to the whole text: a CR at a chunk's end waits for the next chunk's first character.
 */
function* normalizedChunks(chunks: Iterable<string>, lineFeeds: boolean): Generator<string> {
  let started = false;
  let heldCR = false;
  for (let text of chunks) {
    if (!started && text !== '') {
      text = text.replace(/^\uFEFF/, '');
      started = true;
    }
    if (!lineFeeds) {
      yield text.replace(/\r/g, '\n');
      continue;
    }
    if (heldCR) text = `\r${text}`;
    heldCR = text.endsWith('\r');
    yield (heldCR ? text.slice(0, -1) : text).replace(/\r\n/g, '\n');
  }
  if (heldCR) yield '\r';
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

/** The line of the first byte that is not UTF-8, counted in one lossy pass that stops there. */
function firstInvalidLine(source: ByteSource): number {
  const decoder = new TextDecoder('utf-8');
  let line = 1;
  for (const chunk of source.chunks()) {
    const text = decoder.decode(chunk, { stream: true });
    const at = text.indexOf('\uFFFD');
    line += countLineFeeds(at === -1 ? text : text.slice(0, at));
    if (at !== -1) return line;
  }
  return line;
}

function countLineFeeds(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
