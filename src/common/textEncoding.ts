import { z } from 'zod';

/**
 * The encodings a data file is read in. `utf-8` and `utf-8-bom` decode alike (a byte-order mark is
 * dropped when present); they differ in what detection saw. `windows-1252` is the WHATWG decoder's
 * (Windows' Western code page: € and “smart quotes” at 0x80–0x9F), `latin-1` ISO-8859-1 proper
 * (every byte is the code point of the same number).
 */
export const TextEncodingSchema = z.enum(['utf-8', 'utf-8-bom', 'windows-1252', 'latin-1']);
export type TextEncoding = z.infer<typeof TextEncodingSchema>;

export const TEXT_ENCODING_NAMES: Record<TextEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-8-bom': 'UTF-8 with BOM',
  'windows-1252': 'Windows-1252',
  'latin-1': 'Latin-1',
};
