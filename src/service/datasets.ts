import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ApiProblem, ColumnMapping, DatasetFile, DatasetPreview, DatasetSummary } from '../common/api.js';
import type { RunConfig } from '../common/runConfig.js';
import type { TextEncoding } from '../common/textEncoding.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { datasetFrom, errorLines, readDataset, withoutLines, type DatasetReading } from '../core/data/dataset.js';
import { isError, type Problem } from '../core/data/problems.js';
import { loadSmsSpam, smsSpamPath, SMS_SPAM_SHA256 } from '../core/data/smsSpam.js';
import { splitRows } from '../core/data/split.js';
import { WorkbenchError } from '../core/errors.js';
import type { Db } from './database.js';
import { Conflict, InvalidRequest, NotFound } from './errors.js';

interface BuiltinSet {
  id: 'sms-spam-book' | 'sms-spam';
  name: string;
}

export const BUILTIN_DATASETS: readonly BuiltinSet[] = [
  { id: 'sms-spam-book', name: "SMS Spam Collection (the book's reading)" },
  { id: 'sms-spam', name: 'SMS Spam Collection (all 5,574 messages)' },
];

type Raw = Record<string, unknown>;

/**
 * The resolved mapping an imported file is read with, so a run reads it exactly as the import did.
 * `encoding` is missing in data sets imported before it was recorded (they were UTF-8: nothing else was read);
 * `skipProblemRows` is there when rows were left out, so a run leaves out the same rows.
 */
interface StoredMapping {
  textColumn: number;
  labelColumn: number;
  delimiter: string;
  header: boolean;
  quoting: boolean;
  encoding?: TextEncoding;
  skipProblemRows?: true;
}

const SAMPLE_ROWS = 10;
/** The preview shows at most this many rows with errors besides its first rows. */
const PROBLEM_ROWS_SHOWN = 20;

/**
 * Data sets: the built-in SMS Spam Collection (two readings) and imported files, each kept as a
 * copy under its sha256 in <data>/datasets so a run can be repeated after the original moves.
 */
export class DatasetCatalog {
  private builtinFacts = new Map<string, { contentHash: string; rows: number; labels: Record<string, number> }>();

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly cacheDir: string | undefined,
  ) {}

  preview(file: DatasetFile, mapping: ColumnMapping): DatasetPreview {
    const reading = this.read(decodeFile(file), mapping, file.name);
    const { report, table } = reading;
    const problemLines = errorLines(report.problems);
    const kept = withoutLines(reading.rows, problemLines);
    const keptLabels = new Set(kept.map((row) => row.label)).size;
    // Fewer than two usable labels: nothing to split, and the problems already say why.
    const leaks = keptLabels >= 2 ? splitRows(kept).leaks.length : 0;
    const sample = table.records.slice(0, SAMPLE_ROWS);
    const inSample = new Set(sample.map((r) => r.line));
    return {
      fileName: file.name,
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

  /**
   * All or nothing, unless `mapping.skipProblemRows`: then the rows with errors are left out and their lines
   * recorded with the data set. The same rows imported again return the data set already there.
   */
  async import(file: DatasetFile & { path?: string }, mapping: ColumnMapping, name: string): Promise<DatasetSummary> {
    const bytes = decodeFile(file);
    const reading = this.read(bytes, mapping, file.name);
    const { report } = reading;
    let dataset;
    try {
      dataset = datasetFrom(reading, { excludeInvalid: mapping.skipProblemRows });
    } catch (err) {
      throw fileError(file.name, err);
    }
    const id = `ds-${dataset.contentHash.slice(0, 16)}`;
    if (!this.row(id)) {
      const fileSha = createHash('sha256').update(bytes).digest('hex');
      const ext = /^\.(csv|tsv|txt)$/i.test(path.extname(file.name)) ? path.extname(file.name).toLowerCase() : '';
      const relative = path.posix.join('datasets', `${fileSha}${ext}`);
      const target = path.join(this.dataDir, relative);
      await mkdir(path.dirname(target), { recursive: true });
      if (!existsSync(target)) await writeFileAtomic(target, bytes);
      const stored: StoredMapping = {
        textColumn: report.textColumn,
        labelColumn: report.labelColumn,
        delimiter: report.delimiter,
        header: report.header,
        quoting: report.quoting,
        encoding: report.encoding,
        ...(dataset.excludedLines.length > 0 ? { skipProblemRows: true as const } : {}),
      };
      this.db
        .prepare(
          `INSERT INTO datasets (id, name, original_path, file, file_sha256, content_hash, columns, mapping, labels, rows, problems, skipped_lines, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          name,
          file.path ?? file.name,
          relative,
          fileSha,
          dataset.contentHash,
          JSON.stringify(report.columns),
          JSON.stringify(stored),
          JSON.stringify(labelCounts(dataset.labels, dataset.rows)),
          dataset.rows.length,
          JSON.stringify(report.problems),
          JSON.stringify(dataset.excludedLines),
          new Date().toISOString(),
        );
    }
    return this.summary(id, () => 0);
  }

  list(runsUsing: (id: string) => number): DatasetSummary[] {
    const imported = (this.db.prepare('SELECT id FROM datasets ORDER BY created_at, id').pluck().all() as string[]).map((id) =>
      this.summary(id, runsUsing),
    );
    return [...BUILTIN_DATASETS.map((b) => this.summary(b.id, runsUsing)), ...imported];
  }

  summary(id: string, runsUsing: (id: string) => number): DatasetSummary {
    const builtin = BUILTIN_DATASETS.find((b) => b.id === id);
    if (builtin) {
      const facts = this.builtinFacts.get(id) ?? null;
      return {
        id,
        name: builtin.name,
        builtin: true,
        originalPath: null,
        contentHash: facts?.contentHash ?? null,
        rows: facts?.rows ?? null,
        labels: facts?.labels ?? null,
        problems: [],
        skippedLines: [],
        encoding: null,
        createdAt: null,
        runs: runsUsing(id),
      };
    }
    const r = this.row(id);
    if (!r) throw new NotFound(`no data set "${id}"`);
    return {
      id,
      name: String(r.name),
      builtin: false,
      originalPath: (r.original_path as string | null) ?? null,
      contentHash: String(r.content_hash),
      rows: Number(r.rows),
      labels: JSON.parse(String(r.labels)) as Record<string, number>,
      problems: (JSON.parse(String(r.problems)) as Problem[]).map(apiProblem),
      skippedLines: JSON.parse(String(r.skipped_lines)) as number[],
      encoding: (JSON.parse(String(r.mapping)) as StoredMapping).encoding ?? 'utf-8',
      createdAt: String(r.created_at),
      runs: runsUsing(id),
    };
  }

  /** Reads the built-in set's facts when it is cached (never downloads). */
  async refreshBuiltins(): Promise<void> {
    if (!existsSync(smsSpamPath(this.cacheDir))) return;
    for (const b of BUILTIN_DATASETS) {
      if (this.builtinFacts.has(b.id)) continue;
      const d = await loadSmsSpam({ cacheDir: this.cacheDir, reading: b.id === 'sms-spam-book' ? 'book' : 'exact', urls: [] });
      const labels = Object.fromEntries(d.labels.map((l) => [l, d.rows.filter((r) => r.label === l).length]));
      this.builtinFacts.set(b.id, { contentHash: d.contentHash, rows: d.rows.length, labels });
    }
  }

  async delete(id: string, runsUsing: number): Promise<void> {
    if (BUILTIN_DATASETS.some((b) => b.id === id)) throw new Conflict(`"${id}" is built in and cannot be deleted`);
    const r = this.row(id);
    if (!r) throw new NotFound(`no data set "${id}"`);
    if (runsUsing > 0)
      throw new Conflict(`data set "${r.name}" is used by ${runsUsing} queued or running run${runsUsing === 1 ? '' : 's'}`);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
    const shared = this.db.prepare('SELECT count(*) FROM datasets WHERE file = ?').pluck().get(r.file);
    if (Number(shared) === 0) await rm(path.join(this.dataDir, String(r.file)), { force: true });
  }

  /** Which content a run trains on: the pinned file for a built-in, the rows' hash for an import. */
  contentKey(id: string): string {
    if (BUILTIN_DATASETS.some((b) => b.id === id)) return `${id}:${SMS_SPAM_SHA256}`;
    const r = this.row(id);
    if (!r) throw new InvalidRequest(`unknown data set "${id}"; use one of ${this.ids().join(', ')}`);
    return String(r.content_hash);
  }

  labelCount(id: string): number {
    if (BUILTIN_DATASETS.some((b) => b.id === id)) return 2;
    const r = this.row(id);
    return r ? Object.keys(JSON.parse(String(r.labels)) as object).length : 2;
  }

  name(id: string): string {
    return BUILTIN_DATASETS.find((b) => b.id === id)?.name ?? (this.row(id)?.name as string | undefined) ?? id;
  }

  /** The dataset part of a run's config as the engine reads it: a built-in name, or the stored copy with the import's mapping. */
  resolve(config: RunConfig): RunConfig {
    const id = config.dataset.source;
    if (BUILTIN_DATASETS.some((b) => b.id === id)) return config;
    const r = this.row(id);
    if (!r) throw new WorkbenchError(`the data set "${id}" of this run was deleted`);
    const mapping = JSON.parse(String(r.mapping)) as StoredMapping;
    return { ...config, dataset: { ...config.dataset, ...mapping, source: path.join(this.dataDir, String(r.file)) } };
  }

  private ids(): string[] {
    return [...BUILTIN_DATASETS.map((b) => b.id), ...(this.db.prepare('SELECT id FROM datasets ORDER BY id').pluck().all() as string[])];
  }

  private row(id: string): Raw | undefined {
    return this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as Raw | undefined;
  }

  /** Reads the file as the mapping says; a file that cannot be read is a failure of the call (HTTP 422), not a malformed call. */
  private read(bytes: Uint8Array, mapping: ColumnMapping, fileName: string): DatasetReading {
    const { skipProblemRows: _importOnly, ...options } = mapping;
    try {
      return readDataset(bytes, { ...options, name: fileName });
    } catch (err) {
      throw fileError(fileName, err);
    }
  }
}

/** An error about a file, naming it once: messages about its bytes name it already, the others get it in front. */
function fileError(fileName: string, err: unknown): unknown {
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

function decodeFile(file: DatasetFile): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.base64)) throw new InvalidRequest(`${file.name}: base64 is not valid base64`);
  return Buffer.from(file.base64, 'base64');
}

function apiProblem(p: Problem): ApiProblem {
  return { line: p.line, kind: p.kind, message: p.message, severity: isError(p) ? 'error' : 'warning' };
}
