import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { describeCause } from '../errorReasons.js';
import { WorkbenchError } from '../errors.js';
import { chooseColumns, type ColumnChoice, type ColumnOptions } from './columnMapping.js';
import { byLine, isError, summarizeProblems, type Problem } from './problems.js';
import { readTable, type Table, type TableOptions } from './table.js';
import { checkDataSize, decodeDataText, normalizeText } from './textDecoding.js';
import { validateRows, type LabeledRow, type ValidationOptions } from './validation.js';

export type DatasetOptions = TableOptions & ColumnOptions & ValidationOptions;

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
  /** Problems of rows that were kept: duplicates, texts longer than the context. */
  warnings: Problem[];
}

/** The import was refused; `problems` are the errors, the message names the first few. */
export class DatasetImportError extends WorkbenchError {
  constructor(readonly problems: Problem[]) {
    super(
      `${problems.length} ${problems.length === 1 ? 'problem blocks' : 'problems block'} the import (fix them, or exclude those rows): ${summarizeProblems(problems)}`,
    );
    this.name = 'DatasetImportError';
  }
}

/** Text as it is, or the file's bytes (UTF-8, with or without BOM). */
export type DataSource = string | Uint8Array;

export function inspectDataset(source: DataSource, options: DatasetOptions = {}): DatasetReport {
  return analyze(source, options).report;
}

/**
 * All or nothing: either every row is imported, or a DatasetImportError lists the errors. With
 * `excludeInvalid` the rows with errors are left out and listed in `excluded`; nothing is dropped silently.
 */
export function importDataset(source: DataSource, options: ImportOptions = {}): Dataset {
  const { report, rows } = analyze(source, options);
  const errors = report.problems.filter(isError);
  if (errors.length > 0 && !options.excludeInvalid) throw new DatasetImportError(errors);
  const badLines = new Set(errors.map((p) => p.line));
  const kept = rows.filter((row) => !badLines.has(row.line));
  const labels = sortLabels(new Set(kept.map((row) => row.label)));
  if (labels.length < 2) {
    throw new WorkbenchError(
      `a classifier needs at least 2 labels; the data set has ${labels.length === 0 ? 'none' : `only ${JSON.stringify(labels[0])}`}`,
    );
  }
  return { rows: kept, labels, contentHash: contentHash(kept), excluded: errors, warnings: report.problems.filter((p) => !isError(p)) };
}

export async function inspectDatasetFile(path: string, options: DatasetOptions = {}): Promise<DatasetReport> {
  return inspectDataset(await readDataFile(path), options);
}

export async function importDatasetFile(path: string, options: ImportOptions = {}): Promise<Dataset> {
  return importDataset(await readDataFile(path), options);
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

function analyze(source: DataSource, options: DatasetOptions): { report: DatasetReport; rows: LabeledRow[] } {
  const text = typeof source === 'string' ? normalizeText(source) : decodeDataText(source);
  const table = readTable(text, options);
  const columns = chooseColumns(table, options);
  const rows = labeledRows(table, columns);
  const report: DatasetReport = {
    rows: table.records.length + table.malformed.length,
    columns: table.columns,
    header: table.header,
    delimiter: table.delimiter,
    quoting: table.quoting,
    textColumn: columns.text,
    labelColumn: columns.label,
    labels: labelCounts(rows),
    problems: [...table.malformed, ...validateRows(rows, options)].sort(byLine),
  };
  return { report, rows };
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

async function readDataFile(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    checkDataSize((await stat(path)).size, path); // before reading: a file too large would only fail later, as "not UTF-8"
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError(`cannot read ${path}: ${describeCause(err)}`, { cause: err });
  }
  return decodeDataText(bytes, path);
}
