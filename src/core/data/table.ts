import { WorkbenchError } from '../errors.js';
import { detectDelimiter } from './delimiterDetection.js';
import { looksLikeHeader } from './headerDetection.js';
import type { Problem } from './problems.js';
import { readRecords, type RawRecord, type Reading } from './recordReading.js';

/** How to read a delimited file; anything left out is detected. */
export interface TableOptions {
  delimiter?: string;
  header?: boolean;
  quoting?: boolean;
}

/** A delimited file read into columns: data records with the right field count, and the malformed ones. */
export interface Table {
  delimiter: string;
  quoting: boolean;
  header: boolean;
  /** Header names, or the 0-based indexes as strings when there is no header. */
  columns: string[];
  records: RawRecord[];
  malformed: Problem[];
}

/** Reads LF-normalized text (see textDecoding.ts). */
export function readTable(text: string, options: TableOptions = {}): Table {
  const delimiter = options.delimiter ?? detectDelimiter(text);
  if (delimiter === undefined) {
    throw new WorkbenchError('could not detect the delimiter (tried tab, comma, semicolon, pipe); give it explicitly');
  }
  checkDelimiter(delimiter);
  const reading = options.quoting === undefined ? chooseReading(text, delimiter) : readRecords(text, delimiter, options.quoting);
  const [first] = reading.records;
  if (!first) throw new WorkbenchError('the file has no records');
  const header = options.header ?? looksLikeHeader(reading.records.map((r) => r.fields));
  const width = header ? first.fields.length : modalFieldCount(reading.records);
  const body = header ? reading.records.slice(1) : reading.records;
  const columns = header ? first.fields.map((name) => name.trim()) : Array.from({ length: width }, (_, i) => String(i));
  const wrongWidth = body.filter((r) => r.fields.length !== width);
  return {
    delimiter,
    quoting: reading.quoting,
    header,
    columns,
    records: body.filter((r) => r.fields.length === width),
    malformed: [...reading.malformed, ...wrongWidth.map((r) => fieldCountProblem(r, width))],
  };
}

/**
 * Quote characters are not always quoting: SMSSpamCollection is plain TSV whose messages contain
 * quotes, and reading it as CSV merges lines (pandas gets 5,572 records instead of 5,574). So the
 * file is read both ways (quoting strictly, see recordReading.ts) and the reading with fewer malformed
 * records wins. On a tie, quoting wins, as in standard CSV, except in tab-separated text when quoting
 * puts a line break inside a field: TSV proper has neither quoting nor line breaks in fields, so
 * there two quotes that pair up across lines are stray quotes in two messages.
 */
function chooseReading(text: string, delimiter: string): Reading {
  const plain = readRecords(text, delimiter, false);
  const badPlain = malformedCount(plain);
  // A quoted reading with more quote errors than the plain one has problems has lost already: stop it there.
  const quoted = readRecords(text, delimiter, true, badPlain);
  if (quoted.malformed.length > badPlain) return plain;
  const badQuoted = malformedCount(quoted);
  if (badQuoted !== badPlain) return badQuoted < badPlain ? quoted : plain;
  return delimiter === '\t' && hasLineBreakInField(quoted) ? plain : quoted;
}

function hasLineBreakInField(reading: Reading): boolean {
  return reading.records.some((r) => r.fields.some((field) => field.includes('\n')));
}

function malformedCount(reading: Reading): number {
  const width = modalFieldCount(reading.records);
  return reading.malformed.length + reading.records.filter((r) => r.fields.length !== width).length;
}

function modalFieldCount(records: readonly RawRecord[]): number {
  const frequency = new Map<number, number>();
  let modal = 0;
  for (const { fields } of records) {
    const n = (frequency.get(fields.length) ?? 0) + 1;
    frequency.set(fields.length, n);
    if (n > (frequency.get(modal) ?? 0)) modal = fields.length;
  }
  return modal;
}

function fieldCountProblem(record: RawRecord, width: number): Problem {
  return { line: record.line, kind: 'malformed', message: `${record.fields.length} fields where the file has ${width}` };
}

function checkDelimiter(delimiter: string): void {
  if (delimiter === '' || /["\r\n]/.test(delimiter)) {
    throw new WorkbenchError(`cannot use ${JSON.stringify(delimiter)} as the delimiter`);
  }
}
