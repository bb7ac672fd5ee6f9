import { createHash } from 'node:crypto';
import type { TextEncoding } from '../../common/textEncoding.js';
import { WorkbenchError } from '../errors.js';
import { bytesSource, fileSource, type ByteSource } from './byteSource.js';
import { chooseColumns, columnFigures, type ColumnChoice, type ColumnOptions } from './columnMapping.js';
import { byLine, isError, summarizeProblems, type Problem } from './problems.js';
import type { RawRecord } from './recordReading.js';
import { readTable, surveyTable, type TableOptions, type TableShape } from './table.js';
import { decodeSource, stringSource, type TextSource } from './textDecoding.js';
import { IntList } from './textKeys.js';
import { RowValidator, type LabeledRow, type ValidationOptions } from './validation.js';

export interface EncodingOptions {
  /** How to decode a file given as bytes (default: detected, see detectEncoding). */
  encoding?: TextEncoding;
  /** The file's name in messages about its bytes (default "the file"). */
  name?: string;
}

export type DatasetOptions = TableOptions & ColumnOptions & ValidationOptions & EncodingOptions;

export interface ImportOptions extends DatasetOptions {
  /** Import the rows without errors and list the others in `excluded`, instead of refusing the file. */
  excludeInvalid?: boolean;
}

/** What a file holds and what is wrong with it: the mapping step's view, and `workbench dataset inspect`. */
export interface DatasetReport {
  /** Data records (after the header), malformed ones included. */
  rows: number;
  columns: string[];
  header: boolean;
  delimiter: string;
  quoting: boolean;
  /** The encoding the bytes were read in (`utf-8` for text given as a string), and whether it was detected. */
  encoding: TextEncoding;
  encodingDetected: boolean;
  /** 0-based indexes into `columns`. */
  textColumn: number;
  labelColumn: number;
  labels: Record<string, number>;
  /** Errors and warnings (see problems.ts), sorted by line. */
  problems: Problem[];
}

/** An imported data set. `labels` is sorted (see sortLabels); a label's index there is its class id. */
export interface Dataset {
  rows: LabeledRow[];
  labels: string[];
  /** sha256 of the rows' labels and texts: the same content is the same data set, whatever file it came in. */
  contentHash: string;
  /** Problems of the rows left out (only with `excludeInvalid`). */
  excluded: Problem[];
  /** The lines of the rows left out, ascending (only with `excludeInvalid`). */
  excludedLines: number[];
  /** Problems of rows that were kept: duplicates, texts longer than the context. */
  warnings: Problem[];
}

/** The import was refused; `problems` are the errors, the message names the first few. */
export class DatasetImportError extends WorkbenchError {
  constructor(readonly problems: Problem[]) {
    super(
      `${problems.length} ${problems.length === 1 ? 'problem blocks' : 'problems block'} the import (fix them, or skip those rows): ${summarizeProblems(problems)}`,
    );
    this.name = 'DatasetImportError';
  }
}

/** Text as it is, a file's bytes (in `options.encoding`, else detected), or a file read a chunk at a time. */
export type DataSource = string | Uint8Array | ByteSource;

/**
 * What one reading and validation of a file found: the report, the first data records, and what an import
 * records besides — everything but the rows, which are read again only when they are wanted (see keptRows).
 * Memory grows with the distinct texts (see RowValidator), never with the file's bytes.
 */
export interface DatasetScan {
  report: DatasetReport;
  text: TextSource;
  shape: TableShape;
  columns: ColumnChoice;
  /** The first data records (as many as asked for). */
  sample: RawRecord[];
  /** The lines of the rows with errors, ascending. */
  errorLines: number[];
  /** The rows without errors, per label (label order). */
  kept: Map<string, number>;
  /** sha256 of the rows without errors (see contentHash), or null when rows found wrong after they were hashed must come out first. */
  contentHash: string | null;
  /**
   * With `leakRows`: each row without errors, in order, as much as counting leaks across splits needs (see
   * splitRows): a row whose text repeats has its line, label and a key for its text; the rows whose text
   * occurs once, which cannot leak, are one shared row per label with line 0 and text '' (no object each).
   */
  leakRows?: LabeledRow[];
}

export interface ScanOptions extends DatasetOptions {
  /** Data records to keep in `sample`. */
  sample?: number;
  leakRows?: boolean;
}

export function inspectDataset(source: DataSource, options: DatasetOptions = {}): DatasetReport {
  return scanDataset(source, options).report;
}

/**
 * All or nothing: either every row is imported, or a DatasetImportError lists the errors. With
 * `excludeInvalid` the rows with errors are left out and listed in `excluded`; nothing is dropped silently.
 */
export function importDataset(source: DataSource, options: ImportOptions = {}): Dataset {
  const scan = scanDataset(source, options);
  const outcome = importOutcome(scan, options);
  const rows = keptRows(scan);
  return { rows, ...outcome, contentHash: scan.contentHash ?? contentHash(rows) };
}

/** What importDataset returns besides the rows and their hash, or the error that refuses the import. */
export function importOutcome(
  scan: DatasetScan,
  options: Pick<ImportOptions, 'excludeInvalid'> = {},
): Omit<Dataset, 'rows' | 'contentHash'> {
  const { problems } = scan.report;
  const errors = problems.filter(isError);
  if (errors.length > 0 && !options.excludeInvalid) throw new DatasetImportError(errors);
  const labels = [...scan.kept.keys()];
  if (labels.length < 2) {
    throw new WorkbenchError(
      `a classifier needs at least 2 labels; the data set has ${labels.length === 0 ? 'none' : `only ${JSON.stringify(labels[0])}`}${errors.length > 0 ? ' without the rows with problems' : ''}`,
    );
  }
  return { labels, excluded: errors, excludedLines: scan.errorLines, warnings: problems.filter((p) => !isError(p)) };
}

/** The rows without errors, read again from the file. */
export function keptRows(scan: DatasetScan): LabeledRow[] {
  const rows: LabeledRow[] = [];
  forKeptRows(scan, (row) => rows.push(row));
  return rows;
}

/** The content hash of the rows without errors (scan.contentHash, or read again from the file when it is null). */
export function keptContentHash(scan: DatasetScan): string {
  if (scan.contentHash !== null) return scan.contentHash;
  const hash = new ContentHash();
  forKeptRows(scan, (row) => hash.add(row));
  return hash.digest();
}

function forKeptRows(scan: DatasetScan, visit: (row: LabeledRow) => void): void {
  const drop = new Set(scan.errorLines);
  readTable(scan.text, scan.shape, {
    record: (record) => drop.has(record.line) || visit(labeledRow(record, scan.columns)),
    malformed: () => undefined,
  });
}

/** The lines of the rows with errors, ascending, each once. */
export function errorLines(problems: readonly Problem[]): number[] {
  return [...new Set(problems.filter(isError).map((p) => p.line))].sort((a, b) => a - b);
}

export function inspectDatasetFile(path: string, options: DatasetOptions = {}): Promise<DatasetReport> {
  return Promise.resolve().then(() => inspectDataset(fileSource(path), { name: path, ...options }));
}

export function importDatasetFile(path: string, options: ImportOptions = {}): Promise<Dataset> {
  return Promise.resolve().then(() => importDataset(fileSource(path), { name: path, ...options }));
}

/** Sorted by number when every label is a number (so "2" comes before "10"), otherwise by code point (ham → 0, spam → 1, as in the book). */
export function sortLabels(labels: Iterable<string>): string[] {
  const list = [...labels];
  const numeric = list.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  return list.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** sha256 of the rows' [label, text] pairs as one JSON array, hashed a row at a time. */
export class ContentHash {
  private readonly hash = createHash('sha256');
  private rows = 0;

  add(row: Pick<LabeledRow, 'label' | 'text'>): void {
    this.hash.update(this.rows++ === 0 ? '[' : ',');
    this.hash.update(JSON.stringify([row.label, row.text]));
  }

  digest(): string {
    return this.hash.update(this.rows === 0 ? '[]' : ']').digest('hex');
  }
}

export function contentHash(rows: readonly LabeledRow[]): string {
  const hash = new ContentHash();
  for (const row of rows) hash.add(row);
  return hash.digest();
}

/** Decodes, reads and validates a file in passes over its text (see surveyTable), never holding it whole: what inspectDataset reports and importDataset imports. */
export function scanDataset(source: DataSource, options: ScanOptions = {}): DatasetScan {
  const text = textSource(source, options);
  const shape = surveyTable(text, options);
  const columns = chooseColumns(shape, options, () => columnFigures(text, shape));
  const validator = new RowValidator(options);
  const malformed: Problem[] = [];
  const labels = new Map<string, number>();
  const kept = new Map<string, number>();
  const hash = new ContentHash();
  const sample: RawRecord[] = [];
  // With leakRows, each row without errors of its own: its line, label and text number (no object each).
  const leak = options.leakRows
    ? { lines: new IntList(), texts: new IntList(), labels: new IntList(), names: new Map<string, number>() }
    : undefined;
  let records = 0;
  readTable(text, shape, {
    record(record) {
      records++;
      if (sample.length < (options.sample ?? 0)) sample.push(record);
      const row = labeledRow(record, columns);
      if (row.label !== '') labels.set(row.label, (labels.get(row.label) ?? 0) + 1);
      const textNumber = validator.add(row);
      if (textNumber < 0) return;
      kept.set(row.label, (kept.get(row.label) ?? 0) + 1);
      hash.add(row);
      leak?.lines.push(row.line);
      leak?.texts.push(textNumber);
      if (leak) leak.labels.push(leak.names.get(row.label) ?? leak.names.set(row.label, leak.names.size).size - 1);
    },
    malformed: (problem) => malformed.push(problem),
  });
  const checked = validator.finish();
  for (const row of checked.conflicting) kept.set(row.label, kept.get(row.label)! - 1);
  const problems = [...malformed, ...checked.problems].sort(byLine);
  const wrong = errorLines(problems);
  const report: DatasetReport = {
    rows: records + malformed.length,
    columns: shape.columns,
    header: shape.header,
    delimiter: shape.delimiter,
    quoting: shape.quoting,
    encoding: text.encoding,
    encodingDetected: text.detected,
    textColumn: columns.text,
    labelColumn: columns.label,
    labels: labelCounts(labels),
    problems,
  };
  return {
    report,
    text,
    shape,
    columns,
    sample,
    errorLines: wrong,
    kept: new Map(sortLabels([...kept.keys()].filter((l) => kept.get(l)! > 0)).map((l) => [l, kept.get(l)!])),
    contentHash: checked.conflicting.length === 0 ? hash.digest() : null,
    leakRows: leak && leakRows(leak, validator, new Set(checked.conflicting.map((row) => row.line))),
  };
}

function textSource(source: DataSource, options: EncodingOptions): TextSource {
  if (typeof source === 'string') return stringSource(source);
  return decodeSource(source instanceof Uint8Array ? bytesSource(source, options.name) : source, options);
}

function leakRows(
  rows: { lines: IntList; texts: IntList; labels: IntList; names: ReadonlyMap<string, number> },
  validator: RowValidator,
  conflicting: ReadonlySet<number>,
): LabeledRow[] {
  const out: LabeledRow[] = [];
  const labels = [...rows.names.keys()];
  const once = new Map<string, LabeledRow>();
  for (let i = 0; i < rows.lines.length; i++) {
    const [line, label, text] = [rows.lines.at(i), labels[rows.labels.at(i)], rows.texts.at(i)];
    if (conflicting.has(line)) continue;
    if (validator.repeated(text)) out.push({ line, label, text: String(text) });
    else out.push(once.get(label) ?? once.set(label, { line: 0, label, text: '' }).get(label)!);
  }
  return out;
}

function labeledRow(record: RawRecord, columns: ColumnChoice): LabeledRow {
  return { text: record.fields[columns.text], label: record.fields[columns.label].trim(), line: record.line };
}

function labelCounts(counts: ReadonlyMap<string, number>): Record<string, number> {
  // No prototype: a label may be called "constructor" or "__proto__".
  const out: Record<string, number> = Object.create(null);
  for (const label of sortLabels(counts.keys())) out[label] = counts.get(label)!;
  return out;
}
