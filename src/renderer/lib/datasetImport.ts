import type { ApiProblem, DatasetPreview } from '../../common/api.js';
import { TEXT_ENCODING_NAMES, TextEncodingSchema, type TextEncoding } from '../../common/textEncoding.js';

/*
 * The mapping step's logic, apart from its components: which rows the preview table shows and how,
 * which retry can help after a file could not be read, and the words of the import choices.
 */

export const ENCODING_CHOICES: readonly { value: TextEncoding; label: string }[] = TextEncodingSchema.options.map((value) => ({
  value,
  label: TEXT_ENCODING_NAMES[value],
}));

export const DELIMITER_CHOICES: readonly { value: string; label: string }[] = [
  { value: ',', label: 'comma' },
  { value: '\t', label: 'tab' },
  { value: ';', label: 'semicolon' },
  { value: '|', label: 'pipe' },
];

/** "Windows-1252 (detected)", "Latin-1 (chosen)". */
export function encodingText(encoding: TextEncoding, detected: boolean): string {
  return `${TEXT_ENCODING_NAMES[encoding]} (${detected ? 'detected' : 'chosen'})`;
}

/** One row of the preview table: a record's fields, or a malformed record's line as written (`raw`). */
export interface PreviewRow {
  line: number;
  fields: string[];
  raw: boolean;
  /** The worst of the row's problems; null when it has none. */
  severity: ApiProblem['severity'] | null;
  /** The row's problems in one line, for its tooltip ("" when none). */
  title: string;
  /** Lines were left out between the previous row and this one. */
  gapBefore: boolean;
}

/**
 * The first rows and the rows with errors among the rest, in line order, each marked with its problems.
 * A row that does not follow the previous one (a record spanning lines, a blank line, or rows not
 * shown) is marked `gapBefore` only when rows were left out: when a row with errors comes after the
 * first rows.
 */
export function previewRows(preview: Pick<DatasetPreview, 'sample' | 'problemRows' | 'problems'>): PreviewRow[] {
  const byLine = new Map<number, ApiProblem[]>();
  for (const p of preview.problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  const lastSampled = preview.sample.length === 0 ? 0 : preview.sample[preview.sample.length - 1].line;
  const rows = [
    ...preview.sample.map((r) => ({ ...r, raw: false })),
    ...preview.problemRows.map((r) => ({ line: r.line, fields: r.fields, raw: r.raw })),
  ].sort((a, b) => a.line - b.line);
  let afterSample = false;
  return rows.map((r) => {
    const problems = byLine.get(r.line) ?? [];
    const gapBefore = r.line > lastSampled && !afterSample && preview.sample.length > 0;
    if (r.line > lastSampled) afterSample = true;
    return {
      ...r,
      severity: problems.some((p) => p.severity === 'error') ? 'error' : problems.length > 0 ? 'warning' : null,
      title: problems.map((p) => `${p.kind}: ${p.message}`).join('; '),
      gapBefore,
    };
  });
}

/**
 * Which choice could make a file readable that could not be read at all, from the service's message:
 * another delimiter when none was found or everything fell in one column; nothing for the rest (an
 * empty file, UTF-16, a file too large), where offering a retry would only waste the user's time.
 * Encodings need no retry here: detection always reads a file, and a chosen one is changed in the mapping step.
 */
export function retryChoice(message: string): 'delimiter' | null {
  return /could not detect the delimiter|has only one column/.test(message) ? 'delimiter' : null;
}

/** "Import without the 3 rows with problems". */
export function skipButtonText(rows: number): string {
  return `Import without the ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} with problems`;
}

/** "lines 4, 7, 9" / "line 4", the first `limit` of them and how many more. */
export function linesText(lines: readonly number[], limit = 12): string {
  const shown = lines.slice(0, limit).join(', ');
  const more = lines.length > limit ? ` and ${(lines.length - limit).toLocaleString('en-US')} more` : '';
  return `line${lines.length === 1 ? '' : 's'} ${shown}${more}`;
}
