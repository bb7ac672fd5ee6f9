import { isKnownColumnName } from './columnNames.js';

// A column with at most this many distinct values (and some repeated) holds categories, e.g. labels.
const MAX_CATEGORIES = 50;
const SAMPLE_RECORDS = 1000;

type Verdict = 'header' | 'data' | 'unknown';

/**
 * Whether the first record names the columns. It does when its cells are non-empty and distinct, no
 * column contradicts it, and something supports it: a known column name ("text", "label", …), a
 * non-number on top of a numeric column, or a value missing from a categorical column (e.g. "label"
 * above ham/spam). A first cell that occurs among a categorical column's values is data
 * (SMSSpamCollection starts with "ham").
 */
export function looksLikeHeader(records: readonly string[][]): boolean {
  const [first, ...rest] = records.slice(0, SAMPLE_RECORDS + 1);
  if (!first || rest.length === 0) return false;
  const cells = first.map((cell) => cell.trim());
  if (cells.some((cell) => cell === '') || new Set(cells).size !== cells.length) return false;
  let supported = cells.some(isKnownColumnName);
  for (const [column, cell] of cells.entries()) {
    const verdict = columnVerdict(cell, columnValues(rest, column));
    if (verdict === 'data') return false;
    if (verdict === 'header') supported = true;
  }
  return supported;
}

function columnValues(records: readonly string[][], column: number): string[] {
  return records.map((r) => (r[column] ?? '').trim()).filter((v) => v !== '');
}

function columnVerdict(cell: string, values: string[]): Verdict {
  if (values.length === 0) return 'unknown';
  if (values.every(isNumber)) return isNumber(cell) ? 'data' : 'header';
  const distinct = new Set(values);
  const categorical = distinct.size <= MAX_CATEGORIES && distinct.size < values.length;
  if (!categorical) return 'unknown';
  return distinct.has(cell) ? 'data' : 'header';
}

function isNumber(value: string): boolean {
  return value !== '' && Number.isFinite(Number(value));
}
