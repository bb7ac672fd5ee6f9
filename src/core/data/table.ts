import { WorkbenchError } from '../errors.js';
import { detectDelimiter } from './delimiterDetection.js';
import { looksLikeHeader } from './headerDetection.js';
import type { Problem } from './problems.js';
import { readAll, recordReader, type RawRecord, type RecordSink } from './recordReading.js';
import type { TextSource } from './textDecoding.js';

/** How to read a delimited file; anything left out is detected. */
export interface TableOptions {
  delimiter?: string;
  header?: boolean;
  quoting?: boolean;
}

/** How a delimited file is read: its delimiter, whether quotes quote, its header and the field count of its data records. */
export interface TableShape {
  delimiter: string;
  quoting: boolean;
  header: boolean;
  /** Header names, or the 0-based indexes as strings when there is no header. */
  columns: string[];
  /** Fields in a data record: a record with another count is malformed. */
  width: number;
}

/** The records looked at to tell a header from data (see looksLikeHeader). */
const HEADER_SAMPLE = 1001;
/** The text the delimiter is detected from: its first lines (see detectDelimiter). */
const DELIMITER_SAMPLE_CHARS = 2 ** 20;

/** Decides how to read LF-normalized text (see textDecoding.ts): what is given is used, the rest found in passes that keep only counts. */
export function surveyTable(text: TextSource, options: TableOptions = {}): TableShape {
  const delimiter = options.delimiter ?? detectDelimiter(firstChars(text, DELIMITER_SAMPLE_CHARS));
  if (delimiter === undefined) {
    throw new WorkbenchError('could not detect the delimiter (tried tab, comma, semicolon, pipe); give it explicitly');
  }
  checkDelimiter(delimiter);
  // A given header needs only the first record; otherwise the field counts of all of them tell the width.
  const firstOnly = options.quoting !== undefined && options.header === true;
  const reading =
    options.quoting === undefined ? chooseReading(text, delimiter) : countRecords(text, delimiter, options.quoting, Infinity, firstOnly);
  const [first] = reading.firstRecords;
  if (!first) throw new WorkbenchError('the file has no records');
  const header = options.header ?? looksLikeHeader(reading.firstRecords.map((r) => r.fields));
  const width = header ? first.fields.length : reading.modalWidth;
  const columns = header ? first.fields.map((name) => name.trim()) : Array.from({ length: width }, (_, i) => String(i));
  return { delimiter, quoting: reading.quoting, header, columns, width };
}

/**
 * Reads the data records of the table (after the header) into `sink`, a record whose field count is not the
 * table's as malformed; stops early once `done()` says so.
 */
export function readTable(text: TextSource, shape: TableShape, sink: RecordSink, done?: () => boolean): void {
  let header = shape.header;
  const reader = recordReader(shape.delimiter, shape.quoting, {
    record(record) {
      if (header) header = false;
      else if (record.fields.length === shape.width) sink.record(record);
      else sink.malformed(fieldCountProblem(record, shape.width));
    },
    malformed: (problem) => sink.malformed(problem),
  });
  readAll(text.chunks(), reader, done);
}

/** What one reading of a file (with or without quoting) found, without its records. */
interface ReadingCounts {
  quoting: boolean;
  records: number;
  malformed: number;
  /** The most common field count (the first to reach its count on a tie), and how many records have it. */
  modalWidth: number;
  modalRecords: number;
  /** The first records, for header detection. */
  firstRecords: RawRecord[];
  lineBreakInField: boolean;
  /** Read only in part: more than the allowed records were malformed. */
  stopped: boolean;
}

function countRecords(text: TextSource, delimiter: string, quoting: boolean, maxMalformed: number, firstOnly = false): ReadingCounts {
  const counts: ReadingCounts = {
    quoting,
    records: 0,
    malformed: 0,
    modalWidth: 0,
    modalRecords: 0,
    firstRecords: [],
    lineBreakInField: false,
    stopped: false,
  };
  const frequency = new Map<number, number>();
  const reader = recordReader(
    delimiter,
    quoting,
    {
      record({ fields, line }) {
        counts.records++;
        if (counts.firstRecords.length < HEADER_SAMPLE) counts.firstRecords.push({ fields, line });
        const n = (frequency.get(fields.length) ?? 0) + 1;
        frequency.set(fields.length, n);
        if (n > counts.modalRecords) [counts.modalWidth, counts.modalRecords] = [fields.length, n];
        counts.lineBreakInField ||= quoting && fields.some((field) => field.includes('\n'));
      },
      malformed: () => counts.malformed++,
    },
    maxMalformed,
  );
  readAll(text.chunks(), reader, () => firstOnly && counts.records > 0);
  counts.stopped = reader.stopped;
  return counts;
}

/**
 * Quote characters are not always quoting: SMSSpamCollection is plain TSV whose messages contain
 * quotes, and reading it as CSV merges lines (pandas gets 5,572 records instead of 5,574). So the
 * file is read both ways (quoting strictly, see recordReading.ts) and the reading with fewer malformed
 * records wins. On a tie, quoting wins, as in standard CSV, except in tab-separated text when quoting
 * puts a line break inside a field: TSV proper has neither quoting nor line breaks in fields, so
 * there two quotes that pair up across lines are stray quotes in two messages.
 */
function chooseReading(text: TextSource, delimiter: string): ReadingCounts {
  const plain = countRecords(text, delimiter, false, Infinity);
  const badPlain = malformedCount(plain);
  // A quoted reading with more quote errors than the plain one has problems has lost already: stop it there.
  const quoted = countRecords(text, delimiter, true, badPlain);
  if (quoted.stopped) return plain;
  const badQuoted = malformedCount(quoted);
  if (badQuoted !== badPlain) return badQuoted < badPlain ? quoted : plain;
  return delimiter === '\t' && quoted.lineBreakInField ? plain : quoted;
}

function malformedCount(reading: ReadingCounts): number {
  return reading.malformed + reading.records - reading.modalRecords;
}

function fieldCountProblem(record: RawRecord, width: number): Problem {
  return { line: record.line, kind: 'malformed', message: `${record.fields.length} fields where the file has ${width}` };
}

function checkDelimiter(delimiter: string): void {
  if (delimiter === '' || /["\r\n]/.test(delimiter)) {
    throw new WorkbenchError(`cannot use ${JSON.stringify(delimiter)} as the delimiter`);
  }
}

/** The text's first `chars` characters or a little more (whole chunks). */
function firstChars(text: TextSource, chars: number): string {
  let out = '';
  for (const chunk of text.chunks()) {
    out += chunk;
    if (out.length >= chars) break;
  }
  return out;
}
