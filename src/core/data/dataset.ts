import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { TextEncoding } from '../../common/textEncoding.js';
import { describeCause } from '../errorReasons.js';
import { WorkbenchError } from '../errors.js';
import { chooseColumns, type ColumnChoice, type ColumnOptions } from './columnMapping.js';
import { byLine, isError, summarizeProblems, type Problem } from './problems.js';
import { readTable, type Table, type TableOptions } from './table.js';
import { checkDataSize, decodeData, normalizeText } from './textDecoding.js';
import { validateRows, type LabeledRow, type ValidationOptions } from './validation.js';

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

/** Text as it is, or the file's bytes (in `options.encoding`, else detected). */
export type DataSource = string | Uint8Array;

/** Everything read from a file: the report, its labelled rows (malformed records have none), the table and the decoded text. */
export interface DatasetReading {
  report: DatasetReport;
  rows: LabeledRow[];
  table: Table;
  text: string;
}

export function inspectDataset(source: DataSource, options: DatasetOptions = {}): DatasetReport {
  return readDataset(source, options).report;
}

/**
 * All or nothing: either every row is imported, or a DatasetImportError lists the errors. With
 * `excludeInvalid` the rows with errors are left out and listed in `excluded`; nothing is dropped silently.
 */
export function importDataset(source: DataSource, options: ImportOptions = {}): Dataset {
  return datasetFrom(readDataset(source, options), options);
}

/** The import of what readDataset read (see importDataset). */
export function datasetFrom(
  { report, rows }: Pick<DatasetReading, 'report' | 'rows'>,
  options: Pick<ImportOptions, 'excludeInvalid'> = {},
): Dataset {
  const errors = report.problems.filter(isError);
  if (errors.length > 0 && !options.excludeInvalid) throw new DatasetImportError(errors);
  const kept = withoutLines(rows, errorLines(report.problems));
  const labels = sortLabels(new Set(kept.map((row) => row.label)));
  if (labels.length < 2) {
    throw new WorkbenchError(
      `a classifier needs at least 2 labels; the data set has ${labels.length === 0 ? 'none' : `only ${JSON.stringify(labels[0])}`}${errors.length > 0 ? ' without the rows with problems' : ''}`,
    );
  }
  return {
    rows: kept,
    labels,
    contentHash: contentHash(kept),
    excluded: errors,
    excludedLines: errorLines(report.problems),
    warnings: report.problems.filter((p) => !isError(p)),
  };
}

/** The lines of the rows with errors, ascending, each once. */
export function errorLines(problems: readonly Problem[]): number[] {
  return [...new Set(problems.filter(isError).map((p) => p.line))].sort((a, b) => a - b);
}

/** The rows whose line is not one of `lines`. */
export function withoutLines<T extends { line: number }>(rows: readonly T[], lines: readonly number[]): T[] {
  const drop = new Set(lines);
  return rows.filter((row) => !drop.has(row.line));
}

export async function inspectDatasetFile(path: string, options: DatasetOptions = {}): Promise<DatasetReport> {
  return inspectDataset(await readDataFile(path), { name: path, ...options });
}

export async function importDatasetFile(path: string, options: ImportOptions = {}): Promise<Dataset> {
  return importDataset(await readDataFile(path), { name: path, ...options });
}

/** Sorted by number when every label is a number (so "2" comes before "10"), otherwise by code point (ham → 0, spam → 1, as in the book). */
export function sortLabels(labels: Iterable<string>): string[] {
  const list = [...labels];
  const numeric = list.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  return list.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function contentHash(rows: readonly LabeledRow[]): string {
  return createHash('sha256')
    .update(JSON.stringify(rows.map((row) => [row.label, row.text])))
    .digest('hex');
}

/** Decodes, reads and validates a file: what inspectDataset reports and importDataset imports. */
export function readDataset(source: DataSource, options: DatasetOptions = {}): DatasetReading {
  const decoded =
    typeof source === 'string'
      ? { text: normalizeText(source), encoding: 'utf-8' as const, detected: false }
      : decodeData(source, { encoding: options.encoding, name: options.name });
  const { text } = decoded;
  const table = readTable(text, options);
  const columns = chooseColumns(table, options);
  const rows = labeledRows(table, columns);
  const report: DatasetReport = {
    rows: table.records.length + table.malformed.length,
    columns: table.columns,
    header: table.header,
    delimiter: table.delimiter,
    quoting: table.quoting,
    encoding: decoded.encoding,
    encodingDetected: decoded.detected,
    textColumn: columns.text,
    labelColumn: columns.label,
    labels: labelCounts(rows),
    problems: [...table.malformed, ...validateRows(rows, options)].sort(byLine),
  };
  return { report, rows, table, text };
}

function labeledRows(table: Table, columns: ColumnChoice): LabeledRow[] {
  return table.records.map((r) => ({ text: r.fields[columns.text], label: r.fields[columns.label].trim(), line: r.line }));
}

function labelCounts(rows: readonly LabeledRow[]): Record<string, number> {
  // No prototype: a label may be called "constructor" or "__proto__".
  const counts: Record<string, number> = Object.create(null);
  const present = rows.filter((row) => row.label !== '');
  for (const label of sortLabels(new Set(present.map((row) => row.label)))) counts[label] = 0;
  for (const row of present) counts[row.label]++;
  return counts;
}

async function readDataFile(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    checkDataSize((await stat(path)).size, path); // before reading: a file too large would only fail later, as "not UTF-8"
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError(`cannot read ${path}: ${describeCause(err)}`, { cause: err });
  }
  return bytes;
}
