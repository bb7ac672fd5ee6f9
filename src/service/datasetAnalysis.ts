import { readFile, stat } from 'node:fs/promises';
import type { ApiProblem, ColumnMapping, DatasetPreview } from '../common/api.js';
import type { TextEncoding } from '../common/textEncoding.js';
import { datasetFrom, errorLines, readDataset, withoutLines, type DatasetReading } from '../core/data/dataset.js';
import { isError, type Problem } from '../core/data/problems.js';
import { splitRows } from '../core/data/split.js';
import { checkDataSize } from '../core/data/textDecoding.js';
import { describeCause } from '../core/errorReasons.js';
import { WorkbenchError } from '../core/errors.js';

/*
 * The heavy part of previewing and importing a data file: decoding, reading and validating every row.
 * It runs on a thread of its own (datasetThread.ts) so the service keeps answering while a large file is
 * read; what comes back is small (the preview, or the facts an import records), never the rows.
 */

/** The file's bytes (a small file sent as base64), or an uploaded file to read from disk. */
export type AnalysisSource = { bytes: Uint8Array } | { file: string };

/** What an import records about a file: everything but its rows. */
export interface ImportFacts {
  contentHash: string;
  rows: number;
  /** Rows per label, in the data set's label order. */
  labels: Record<string, number>;
  excludedLines: number[];
  columns: string[];
  problems: Problem[];
  textColumn: number;
  labelColumn: number;
  delimiter: string;
  header: boolean;
  quoting: boolean;
  encoding: TextEncoding;
}

const SAMPLE_ROWS = 10;
/** The preview shows at most this many rows with errors besides its first rows. */
const PROBLEM_ROWS_SHOWN = 20;

/**
 * Reads files as mappings say, keeping the last reading of an uploaded file: the mapping step previews it,
 * then the import of the same file with the same mapping uses that reading instead of reading it again.
 */
export class DatasetAnalyser {
  private last: { key: string; reading: DatasetReading } | null = null;

  async preview(source: AnalysisSource, mapping: ColumnMapping, fileName: string): Promise<DatasetPreview> {
    const reading = await this.read(source, mapping, fileName);
    return previewOf(reading, fileName);
  }

  async importFacts(source: AnalysisSource, mapping: ColumnMapping, fileName: string): Promise<ImportFacts> {
    const reading = await this.read(source, mapping, fileName);
    // An import is the last use of an upload's reading.
    this.last = null;
    const { report } = reading;
    let dataset;
    try {
      dataset = datasetFrom(reading, { excludeInvalid: mapping.skipProblemRows });
    } catch (err) {
      throw fileError(fileName, err);
    }
    return {
      contentHash: dataset.contentHash,
      rows: dataset.rows.length,
      labels: labelCounts(dataset.labels, dataset.rows),
      excludedLines: dataset.excludedLines,
      columns: report.columns,
      problems: report.problems,
      textColumn: report.textColumn,
      labelColumn: report.labelColumn,
      delimiter: report.delimiter,
      header: report.header,
      quoting: report.quoting,
      encoding: report.encoding,
    };
  }

  /** Forgets the kept reading (its memory goes back). */
  forget(): void {
    this.last = null;
  }

  private async read(source: AnalysisSource, mapping: ColumnMapping, fileName: string): Promise<DatasetReading> {
    const { skipProblemRows: _importOnly, ...options } = mapping;
    const key = 'file' in source ? JSON.stringify([source.file, options]) : null;
    if (key !== null && this.last?.key === key) return this.last.reading;
    this.last = null; // the previous reading can go before the next one is made
    const bytes = 'file' in source ? await readUpload(source.file, fileName) : source.bytes;
    let reading: DatasetReading;
    try {
      reading = readDataset(bytes, { ...options, name: fileName });
    } catch (err) {
      throw fileError(fileName, err);
    }
    if (key !== null) this.last = { key, reading };
    return reading;
  }
}

async function readUpload(file: string, fileName: string): Promise<Uint8Array> {
  try {
    checkDataSize((await stat(file)).size, fileName);
    return await readFile(file);
  } catch (err) {
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError(`cannot read the uploaded ${fileName}: ${describeCause(err)}`, { cause: err });
  }
}

function previewOf(reading: DatasetReading, fileName: string): DatasetPreview {
  const { report, table } = reading;
  const problemLines = errorLines(report.problems);
  const kept = withoutLines(reading.rows, problemLines);
  const keptLabels = new Set(kept.map((row) => row.label)).size;
  // Fewer than two usable labels: nothing to split, and the problems already say why.
  const leaks = keptLabels >= 2 ? splitRows(kept).leaks.length : 0;
  const sample = table.records.slice(0, SAMPLE_ROWS);
  const inSample = new Set(sample.map((r) => r.line));
  return {
    fileName,
    rows: report.rows,
    columns: report.columns,
    header: report.header,
    delimiter: report.delimiter,
    quoting: report.quoting,
    encoding: report.encoding,
    encodingDetected: report.encodingDetected,
    textColumn: report.textColumn,
    labelColumn: report.labelColumn,
    sample: sample.map((r) => ({ line: r.line, fields: r.fields })),
    problemRows: problemRows(
      reading,
      problemLines.filter((line) => !inSample.has(line)),
    ),
    labels: { ...report.labels },
    problems: report.problems.map(apiProblem),
    leaks,
    importable: problemLines.length === 0 && Object.keys(report.labels).length >= 2,
    problemLines,
    importableWithoutProblemRows: keptLabels >= 2,
  };
}

/** An error about a file, naming it once: messages about its bytes name it already, the others get it in front. */
export function fileError(fileName: string, err: unknown): unknown {
  if (!(err instanceof WorkbenchError) || err.message.startsWith(fileName)) return err;
  return new WorkbenchError(`${fileName}: ${err.message}`, { cause: err });
}

/**
 * The preview's rows with errors at `lines` (the first PROBLEM_ROWS_SHOWN): a record's fields, or, for a
 * malformed record (which has no fields that fit the columns), its first physical line as written.
 */
function problemRows({ table, text }: DatasetReading, lines: readonly number[]): DatasetPreview['problemRows'] {
  const shown = lines.slice(0, PROBLEM_ROWS_SHOWN);
  if (shown.length === 0) return [];
  const wanted = new Set(shown);
  const records = new Map(table.records.filter((r) => wanted.has(r.line)).map((r) => [r.line, r.fields]));
  const raw = physicalLines(
    text,
    shown.filter((line) => !records.has(line)),
  );
  return shown.map((line) => {
    const fields = records.get(line);
    return fields ? { line, fields, raw: false } : { line, fields: [raw.get(line) ?? ''], raw: true };
  });
}

/** The text of some physical lines (1-based), found in one pass up to the last of them. */
function physicalLines(text: string, lines: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  const wanted = new Set(lines);
  const last = lines.length === 0 ? 0 : Math.max(...lines);
  for (let line = 1, start = 0; line <= last && start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    if (wanted.has(line)) out.set(line, text.slice(start, stop));
    start = stop + 1;
  }
  return out;
}

/** How many rows each label has, in the data set's label order. */
function labelCounts(labels: readonly string[], rows: readonly { label: string }[]): Record<string, number> {
  const counts = new Map<string, number>(labels.map((label) => [label, 0]));
  for (const row of rows) counts.set(row.label, (counts.get(row.label) ?? 0) + 1);
  // fromEntries defines own properties: a label called "__proto__" stays a label.
  return Object.fromEntries(counts);
}

export function apiProblem(p: Problem): ApiProblem {
  return { line: p.line, kind: p.kind, message: p.message, severity: isError(p) ? 'error' : 'warning' };
}
