import { CsvError, parse } from 'csv-parse/sync';
import type { Problem } from './problems.js';

/** One record of a delimited file with the physical line (1-based) where it starts. */
export interface RawRecord {
  fields: string[];
  line: number;
}

/** The records of a file read one way (with or without quoting) and the records that could not be read. */
export interface Reading {
  quoting: boolean;
  records: RawRecord[];
  malformed: Problem[];
}

/** Why csv-parse stopped, in the user's words. */
const QUOTE_ERRORS: Partial<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'text follows the closing quote of a quoted field',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double its quotes)',
};

/**
 * Reads LF-normalized text (see textDecoding.ts) as delimited records; blank lines are not records.
 * With quoting, fields follow RFC 4180 strictly (`"a, ""b"""`, line breaks inside quotes): any other
 * use of a quote makes the record malformed. Strictness is what lets a stray quote show instead of
 * silently merging the lines up to the next quote into one field. After a malformed record, reading
 * resumes on the line after its first line, so the lines it would have swallowed are read (and
 * reported) on their own. Reading stops early, incomplete, once more than `maxMalformed` records are malformed.
 */
export function readRecords(text: string, delimiter: string, quoting: boolean, maxMalformed = Infinity): Reading {
  if (!quoting) return { quoting, records: splitRecords(text, delimiter), malformed: [] };
  // Bytes, because csv-parse works on a Buffer: resuming on a subarray then copies nothing.
  const bytes = Buffer.from(text);
  const lineStarts = lineStartOffsets(bytes);
  const reading: Reading = { quoting, records: [], malformed: [] };
  let line = 1;
  while (line <= lineStarts.length) {
    const problem = readFrom(bytes.subarray(lineStarts[line - 1]), line, delimiter, quoting, reading.records);
    if (problem === undefined) break;
    reading.malformed.push(problem);
    if (reading.malformed.length > maxMalformed) break;
    line = problem.line + 1;
  }
  return reading;
}

/**
 * Without quoting a record is a line and a field what lies between delimiters; split directly, this is
 * what csv-parse does with `quote: false`, at a tenth of its time (the fuzz tests hold the two equal).
 */
function splitRecords(text: string, delimiter: string): RawRecord[] {
  const records: RawRecord[] = [];
  let line = 0;
  for (let start = 0; start < text.length;) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    line++;
    if (stop > start) records.push({ fields: text.slice(start, stop).split(delimiter), line });
    start = stop + 1;
  }
  return records;
}

/** Appends the records of `chunk` (which starts on physical line `firstLine`); returns the problem that stopped it. */
function readFrom(chunk: Buffer, firstLine: number, delimiter: string, quoting: boolean, out: RawRecord[]): Problem | undefined {
  // csv-parse counts the line where a record ends; the next record starts after it and after the blank lines it skipped.
  let previousEnd = 0;
  let previousEmpty = 0;
  const lineOf = (lines: number) => firstLine - 1 + lines;
  const startLine = (emptyLines: number) => lineOf(previousEnd + 1 + emptyLines - previousEmpty);
  try {
    parse(chunk, {
      delimiter,
      quote: quoting ? '"' : false,
      record_delimiter: '\n',
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (fields: string[], ctx) => {
        out.push({ fields, line: startLine(ctx.empty_lines) });
        previousEnd = ctx.lines;
        previousEmpty = ctx.empty_lines;
        return null; // collected above; csv-parse need not keep a second copy
      },
    });
    return undefined;
  } catch (err) {
    const reason = err instanceof CsvError ? QUOTE_ERRORS[err.code] : undefined;
    if (!(err instanceof CsvError) || reason === undefined) throw err;
    const line = startLine(Number(err.empty_lines));
    const at = err.code === 'CSV_QUOTE_NOT_CLOSED' ? line : lineOf(Number(err.lines));
    return { line, kind: 'malformed', message: at === line ? reason : `${reason}, on line ${at}` };
  }
}

function lineStartOffsets(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(10); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}
