import type { ApiProblem, ColumnMapping, DatasetPreview } from '../common/api.js';
import { fileSource } from '../core/data/byteSource.js';
import { importOutcome, keptContentHash, scanDataset, type DataSource, type DatasetScan } from '../core/data/dataset.js';
import { isError, type Problem } from '../core/data/problems.js';
import { readTable } from '../core/data/table.js';
import { splitRows } from '../core/data/split.js';
import type { TextSource } from '../core/data/textDecoding.js';
import { WorkbenchError } from '../core/errors.js';
import type { TextEncoding } from '../common/textEncoding.js';

/*
 * The heavy part of previewing and importing a data file: decoding, reading and validating every row.
 * It runs on a thread of its own (datasetThread.ts) so the service keeps answering while a large file is
 * read, and reads a file in passes of a chunk at a time (see scanDataset), so its memory grows with the
 * distinct texts, not with the file's bytes; what comes back is small (the preview, or the facts an import
 * records), never the rows.
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
 * Reads files as mappings say, keeping what the last reading of an uploaded file found: the mapping step
 * previews it, then the import of the same file with the same mapping uses that instead of reading it again.
 */
export class DatasetAnalyser {
  private last: { key: string; scan: DatasetScan } | null = null;

  async preview(source: AnalysisSource, mapping: ColumnMapping, fileName: string): Promise<DatasetPreview> {
    const scan = this.read(source, mapping, fileName, true);
    const preview = previewOf(scan, fileName);
    scan.leakRows = undefined; // the leaks are counted; their memory can go
    return preview;
  }

  async importFacts(source: AnalysisSource, mapping: ColumnMapping, fileName: string): Promise<ImportFacts> {
    const scan = this.read(source, mapping, fileName, false);
    // An import is the last use of an upload's reading.
    this.last = null;
    const { report } = scan;
    try {
      const outcome = importOutcome(scan, { excludeInvalid: mapping.skipProblemRows });
      return {
        contentHash: keptContentHash(scan),
        rows: [...scan.kept.values()].reduce((a, b) => a + b, 0),
        // fromEntries defines own properties: a label called "__proto__" stays a label.
        labels: Object.fromEntries(scan.kept),
        excludedLines: outcome.excludedLines,
        columns: report.columns,
        problems: report.problems,
        textColumn: report.textColumn,
        labelColumn: report.labelColumn,
        delimiter: report.delimiter,
        header: report.header,
        quoting: report.quoting,
        encoding: report.encoding,
      };
    } catch (err) {
      throw fileError(fileName, err);
    }
  }

  /** Forgets the kept reading (its memory goes back). */
  forget(): void {
    this.last = null;
  }

  private read(source: AnalysisSource, mapping: ColumnMapping, fileName: string, preview: boolean): DatasetScan {
    const { skipProblemRows: _importOnly, ...options } = mapping;
    const key = 'file' in source ? JSON.stringify([source.file, options]) : null;
    if (key !== null && this.last?.key === key && !preview) return this.last.scan;
    this.last = null; // the previous reading can go before the next one is made
    const data: DataSource = 'file' in source ? fileSource(source.file, fileName) : source.bytes;
    let scan: DatasetScan;
    try {
      scan = scanDataset(data, { ...options, name: fileName, sample: SAMPLE_ROWS, leakRows: preview });
    } catch (err) {
      throw fileError(fileName, err);
    }
    if (key !== null) this.last = { key, scan };
    return scan;
  }
}

function previewOf(scan: DatasetScan, fileName: string): DatasetPreview {
  const { report, sample, errorLines: problemLines } = scan;
  const keptLabels = scan.kept.size;
  // Fewer than two usable labels: nothing to split, and the problems already say why.
  // The rows whose text occurs once share the text '' there (see DatasetScan.leakRows): they cannot leak, but their '' would.
  const leaks = keptLabels >= 2 ? splitRows(scan.leakRows ?? []).leaks.filter((leak) => leak.text !== '').length : 0;
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
      scan,
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
 * malformed record (which has no fields that fit the columns), its first physical line as written. Read
 * again from the file, up to the last of them.
 */
function problemRows({ text, shape }: DatasetScan, lines: readonly number[]): DatasetPreview['problemRows'] {
  const shown = lines.slice(0, PROBLEM_ROWS_SHOWN);
  if (shown.length === 0) return [];
  const last = shown[shown.length - 1];
  const wanted = new Set(shown);
  const records = new Map<number, string[]>();
  let past = false;
  readTable(
    text,
    shape,
    {
      record(r) {
        if (wanted.has(r.line)) records.set(r.line, r.fields);
        past = r.line >= last;
      },
      malformed: (p) => (past = p.line >= last),
    },
    () => past,
  );
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
function physicalLines(text: TextSource, lines: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  if (lines.length === 0) return out;
  const wanted = new Set(lines);
  const last = Math.max(...lines);
  let line = 1;
  let partial = '';
  for (const chunk of text.chunks()) {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1 && line <= last; end = chunk.indexOf('\n', start)) {
      if (wanted.has(line)) out.set(line, partial + chunk.slice(start, end));
      partial = '';
      line++;
      start = end + 1;
    }
    if (line > last) return out;
    if (wanted.has(line)) partial += chunk.slice(start);
  }
  if (wanted.has(line)) out.set(line, partial);
  return out;
}

export function apiProblem(p: Problem): ApiProblem {
  return { line: p.line, kind: p.kind, message: p.message, severity: isError(p) ? 'error' : 'warning' };
}
