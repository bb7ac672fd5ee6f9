import { CsvError, Parser } from 'csv-parse';
import type { Problem } from './problems.js';

/** One record of a delimited file with the physical line (1-based) where it starts. */
export interface RawRecord {
  fields: string[];
  line: number;
}

/** Where a reader's records go, each as soon as it ends, and the records it could not read. */
export interface RecordSink {
  record(record: RawRecord): void;
  malformed(problem: Problem): void;
}

/** Reads LF-normalized text (see textDecoding.ts) given a chunk at a time. */
export interface RecordReader {
  push(text: string): void;
  end(): void;
  /** Set once more records than allowed are malformed: the reader then ignores the rest. */
  readonly stopped: boolean;
}

/** Why csv-parse stopped, in the user's words. */
const QUOTE_ERRORS: Partial<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'text follows the closing quote of a quoted field',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double its quotes)',
  CSV_MAX_RECORD_SIZE: 'a record runs over 8 MiB (is a closing quote missing?)',
};

/** The longest record read: a quote never closed is reported here instead of holding the rest of the file. */
const MAX_RECORD_CHARS = 8 * 2 ** 20;
/** Text kept behind the last whole record, for reading on after a malformed one, is cut back once it passes this. */
const KEPT_CHARS = 2 ** 20;

/**
 * A reader of delimited records; blank lines are not records. With quoting, fields follow RFC 4180
 * strictly (`"a, ""b"""`, line breaks inside quotes): any other use of a quote makes the record
 * malformed. Strictness is what lets a stray quote show instead of silently merging the lines up to
 * the next quote into one field. After a malformed record, reading resumes on the line after its first
 * line, so the lines it would have swallowed are read (and reported) on their own. The reader stops once
 * more than `maxMalformed` records are malformed.
 */
export function recordReader(delimiter: string, quoting: boolean, sink: RecordSink, maxMalformed = Infinity): RecordReader {
  return quoting ? new QuotedReader(delimiter, sink, maxMalformed) : new LineReader(delimiter, sink);
}

/** Feeds `chunks` to `reader` until they end, it stops, or `done()` says enough was read. */
export function readAll(chunks: Iterable<string>, reader: RecordReader, done: () => boolean = () => false): void {
  for (const chunk of chunks) {
    reader.push(chunk);
    if (reader.stopped || done()) return;
  }
  reader.end();
}

/**
 * Without quoting a record is a line and a field what lies between delimiters; split directly, this is
 * what csv-parse does with `quote: false`, at a tenth of its time (the fuzz tests hold the two equal).
 */
class LineReader implements RecordReader {
  readonly stopped = false;
  private rest = '';
  private line = 0;

  constructor(
    private readonly delimiter: string,
    private readonly sink: RecordSink,
  ) {}

  push(text: string): void {
    let end = text.indexOf('\n');
    if (end === -1) {
      this.rest += text;
      return;
    }
    this.emit(this.rest + text.slice(0, end));
    let start = end + 1;
    for (end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      this.emit(text.slice(start, end));
      start = end + 1;
    }
    this.rest = text.slice(start);
  }

  end(): void {
    if (this.rest !== '') this.emit(this.rest);
    this.rest = '';
  }

  private emit(line: string): void {
    this.line++;
    if (line !== '') this.sink.record({ fields: line.split(this.delimiter), line: this.line });
  }
}

/** One csv-parse parser, started on physical line `firstLine`, and how to report the error that stopped it. */
interface Parsing {
  parser: Parser;
  problemOf(err: Error): Problem;
}

/**
 * csv-parse's streaming parser, written to synchronously (its records and errors arrive before `write`
 * returns). A parser stops at its first error, so the reader keeps the text behind the last whole record
 * and starts a new parser on the line after the malformed record's first line.
 */
class QuotedReader implements RecordReader {
  stopped = false;
  private malformedCount = 0;
  private parsing: Parsing;
  /** The text from physical line `keptLine` on: whatever no whole record has been read from yet. */
  private kept = '';
  private keptLine = 1;
  /** The physical line where the last whole record ended. */
  private endedLine = 0;
  /** Line breaks still to come before reading resumes (a malformed record's first line not yet given whole). */
  private skipLines = 0;

  constructor(
    private readonly delimiter: string,
    private readonly sink: RecordSink,
    private readonly maxMalformed: number,
  ) {
    this.parsing = this.startParsing(1);
  }

  push(text: string): void {
    if (this.stopped) return;
    if (this.skipLines > 0) ({ rest: text, missing: this.skipLines } = dropLines(text, this.skipLines));
    if (this.kept.length > KEPT_CHARS && this.endedLine >= this.keptLine) {
      this.kept = dropLines(this.kept, this.endedLine + 1 - this.keptLine).rest;
      this.keptLine = this.endedLine + 1;
    }
    this.kept += text;
    this.write(text);
  }

  end(): void {
    while (!this.stopped) {
      this.parsing.parser.end();
      const err = this.parsing.parser.errored;
      if (!err) return;
      const rest = this.recover(err);
      if (rest !== null) this.write(rest);
    }
  }

  private write(text: string): void {
    for (let next: string | null = text; next !== null && next !== '';) {
      this.parsing.parser.write(next);
      const err = this.parsing.parser.errored;
      next = err ? this.recover(err) : null;
    }
  }

  /** Reports the malformed record that `err` ended and starts parsing on the line after its first; returns the text to parse, or null when reading stops. */
  private recover(err: Error): string | null {
    const problem = this.parsing.problemOf(err);
    this.sink.malformed(problem);
    if (++this.malformedCount > this.maxMalformed) {
      this.stopped = true;
      return null;
    }
    const resume = problem.line + 1;
    ({ rest: this.kept, missing: this.skipLines } = dropLines(this.kept, resume - this.keptLine));
    this.keptLine = resume;
    this.parsing = this.startParsing(resume);
    return this.kept;
  }

  private startParsing(firstLine: number): Parsing {
    // csv-parse counts the line where a record ends; the next record starts after it and after the blank lines it skipped.
    let previousEnd = 0;
    let previousEmpty = 0;
    const lineOf = (lines: number) => firstLine - 1 + lines;
    const startLine = (emptyLines: number) => lineOf(previousEnd + 1 + emptyLines - previousEmpty);
    const parser = new Parser({
      delimiter: this.delimiter,
      quote: '"',
      record_delimiter: '\n',
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
      on_record: (fields: string[], ctx) => {
        this.sink.record({ fields, line: startLine(ctx.empty_lines) });
        previousEnd = ctx.lines;
        previousEmpty = ctx.empty_lines;
        this.endedLine = lineOf(ctx.lines);
        return null; // handed on above; the stream need not buffer it
      },
    });
    parser.on('error', () => undefined); // read from `errored` right after each write
    const problemOf = (err: Error): Problem => {
      const reason = err instanceof CsvError ? QUOTE_ERRORS[err.code] : undefined;
      if (!(err instanceof CsvError) || reason === undefined) throw err;
      const line = startLine(Number(err.empty_lines));
      const at = err.code === 'CSV_INVALID_CLOSING_QUOTE' || err.code === 'INVALID_OPENING_QUOTE' ? lineOf(Number(err.lines)) : line;
      return { line, kind: 'malformed', message: at === line ? reason : `${reason}, on line ${at}` };
    };
    return { parser, problemOf };
  }
}

/** `text` without its first `lines` lines, and how many line breaks were missing from it for that. */
function dropLines(text: string, lines: number): { rest: string; missing: number } {
  let start = 0;
  for (let n = 0; n < lines; n++) {
    const end = text.indexOf('\n', start);
    if (end === -1) return { rest: '', missing: lines - n };
    start = end + 1;
  }
  return { rest: text.slice(start), missing: 0 };
}
