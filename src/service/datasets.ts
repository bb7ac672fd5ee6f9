import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ApiProblem, ColumnMapping, DatasetFile, DatasetPreview, DatasetSummary } from '../common/api.js';
import type { RunConfig } from '../common/runConfig.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { importDataset, inspectDataset, type DatasetOptions } from '../core/data/dataset.js';
import { isError, type Problem } from '../core/data/problems.js';
import { loadSmsSpam, smsSpamPath, SMS_SPAM_SHA256 } from '../core/data/smsSpam.js';
import { splitRows } from '../core/data/split.js';
import { readTable } from '../core/data/table.js';
import { decodeDataText } from '../core/data/textDecoding.js';
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

/** The resolved mapping an imported file is read with, so a run reads it exactly as the import did. */
interface StoredMapping {
  textColumn: number;
  labelColumn: number;
  delimiter: string;
  header: boolean;
  quoting: boolean;
}

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
    const bytes = decodeFile(file);
    const report = this.inspect(bytes, mapping, file.name);
    const table = readTable(decodeDataText(bytes, file.name), {
      ...mapping,
      delimiter: report.delimiter,
      header: report.header,
      quoting: report.quoting,
    });
    let leaks = 0;
    try {
      leaks = splitRows(importDataset(bytes, { ...mapping, excludeInvalid: true }).rows).leaks.length;
    } catch {
      // Fewer than two usable labels: nothing to split, and the problems already say why.
    }
    return {
      fileName: file.name,
      rows: report.rows,
      columns: report.columns,
      header: report.header,
      delimiter: report.delimiter,
      quoting: report.quoting,
      textColumn: report.textColumn,
      labelColumn: report.labelColumn,
      sample: table.records.slice(0, 10).map((r) => ({ line: r.line, fields: r.fields })),
      labels: { ...report.labels },
      problems: report.problems.map(apiProblem),
      leaks,
      importable: !report.problems.some(isError) && Object.keys(report.labels).length >= 2,
    };
  }

  /** All or nothing; the same rows imported again return the data set already there. */
  async import(file: DatasetFile & { path?: string }, mapping: ColumnMapping, name: string): Promise<DatasetSummary> {
    const bytes = decodeFile(file);
    const report = this.inspect(bytes, mapping, file.name);
    let dataset;
    try {
      dataset = importDataset(bytes, mapping);
    } catch (err) {
      throw err instanceof WorkbenchError ? new InvalidRequest(`${file.name}: ${err.message}`) : err;
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
      };
      this.db
        .prepare(
          `INSERT INTO datasets (id, name, original_path, file, file_sha256, content_hash, columns, mapping, labels, rows, problems, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
          JSON.stringify(report.labels),
          dataset.rows.length,
          JSON.stringify(report.problems),
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

  private inspect(bytes: Uint8Array, mapping: ColumnMapping, fileName: string) {
    try {
      return inspectDataset(bytes, mapping as DatasetOptions);
    } catch (err) {
      throw err instanceof WorkbenchError ? new InvalidRequest(`${fileName}: ${err.message}`) : err;
    }
  }
}

function decodeFile(file: DatasetFile): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.base64)) throw new InvalidRequest(`${file.name}: base64 is not valid base64`);
  return Buffer.from(file.base64, 'base64');
}

function apiProblem(p: Problem): ApiProblem {
  return { line: p.line, kind: p.kind, message: p.message, severity: isError(p) ? 'error' : 'warning' };
}
