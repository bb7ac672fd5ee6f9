import type { Problem } from '../../src/core/data/problems.js';
import { readAll, recordReader, type RawRecord } from '../../src/core/data/recordReading.js';
import { readTable as readTableRecords, surveyTable, type TableOptions, type TableShape } from '../../src/core/data/table.js';
import { stringSource } from '../../src/core/data/textDecoding.js';
import { RowValidator, type LabeledRow, type ValidationOptions } from '../../src/core/data/validation.js';

/* The streaming readers of src/core/data collected into arrays, for tests on small texts. */

/** `text` in pieces of `size` code points (the whole text when size is left out), as a decoder gives it: never half a character. */
export function piecesOf(text: string, size?: number): string[] {
  if (size === undefined) return [text];
  const points = Array.from(text);
  const pieces: string[] = [];
  for (let at = 0; at < points.length; at += size) pieces.push(points.slice(at, at + size).join(''));
  return pieces;
}

/** Every record and malformed record of LF-normalized `text`, given to the reader in pieces of `pieceSize`. */
export function readRecords(text: string, delimiter: string, quoting: boolean, maxMalformed = Infinity, pieceSize?: number) {
  const records: RawRecord[] = [];
  const malformed: Problem[] = [];
  const reader = recordReader(delimiter, quoting, { record: (r) => records.push(r), malformed: (p) => malformed.push(p) }, maxMalformed);
  readAll(piecesOf(text, pieceSize), reader);
  return { quoting, records, malformed };
}

/** The table's shape with its data records and malformed ones, as lists. */
export function readTable(text: string, options: TableOptions = {}): TableShape & { records: RawRecord[]; malformed: Problem[] } {
  const source = stringSource(text);
  const shape = surveyTable(source, options);
  const records: RawRecord[] = [];
  const malformed: Problem[] = [];
  readTableRecords(source, shape, { record: (r) => records.push(r), malformed: (p) => malformed.push(p) });
  return { ...shape, records, malformed };
}

/** The problems of `rows`, given to a RowValidator one at a time. */
export function validateRows(rows: readonly LabeledRow[], options: ValidationOptions = {}): Problem[] {
  const validator = new RowValidator(options);
  for (const row of rows) validator.add(row);
  return validator.finish().problems;
}
