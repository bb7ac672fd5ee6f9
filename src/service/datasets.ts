import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ColumnMapping, DatasetFile, DatasetPreview, DatasetSummary } from '../common/api.js';
import { builtinDataset, BUILTIN_DATASETS } from '../common/builtinDatasets.js';
import type { RunConfig } from '../common/runConfig.js';
import type { TextEncoding } from '../common/textEncoding.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import type { Problem } from '../core/data/problems.js';
import { loadSmsSpam, smsSpamPath, SMS_SPAM_SHA256 } from '../core/data/smsSpam.js';
import { WorkbenchError } from '../core/errors.js';
import type { GPT2Config } from '../core/model/config.js';
import { countParameters } from '../core/model/trainable.js';
import { modelShape } from '../core/train/run.js';
import { apiProblem, type AnalysisSource } from './datasetAnalysis.js';
import { DatasetReader } from './datasetReader.js';
import type { Db } from './database.js';
import { Conflict, InvalidRequest, NotFound } from './errors.js';
import { storageError } from './storageErrors.js';
import { UploadStore, type Upload } from './uploads.js';

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
    private readonly reader = new DatasetReader(),
    readonly uploads = new UploadStore(dataDir),
  ) {}

  /** Stops the data-set thread. */
  close(): Promise<void> {
    return this.reader.close();
  }

  /** The mapping step's view of a file: read on the data-set thread, the server answering meanwhile. */
  async preview(file: DatasetFile, mapping: ColumnMapping): Promise<DatasetPreview> {
    const { source } = await this.source(file);
    return this.reader.preview(source, mapping, file.name);
  }

  /**
   * All or nothing, unless `mapping.skipProblemRows`: then the rows with errors are left out and their lines
   * recorded with the data set. The same rows imported again return the data set already there. The file is
   * read and validated once, on the data-set thread (an uploaded file previewed with the same mapping not
   * even that: the preview's reading is used); an uploaded file is moved into the data folder, not copied.
   */
  async import(file: DatasetFile, mapping: ColumnMapping, name: string): Promise<DatasetSummary> {
    const { source, upload, bytes } = await this.source(file);
    const facts = await this.reader.importFacts(source, mapping, file.name);
    const id = `ds-${facts.contentHash.slice(0, 16)}`;
    if (!this.row(id)) {
      const fileSha = upload?.sha256 ?? createHash('sha256').update(bytes!).digest('hex');
      const ext = /^\.(csv|tsv|txt)$/i.test(path.extname(file.name)) ? path.extname(file.name).toLowerCase() : '';
      const relative = path.posix.join('datasets', `${fileSha}${ext}`);
      const target = path.join(this.dataDir, relative);
      try {
        await mkdir(path.dirname(target), { recursive: true });
        if (upload) await this.uploads.moveTo(upload, target);
        else if (!existsSync(target)) await writeFileAtomic(target, bytes!);
      } catch (err) {
        throw storageError(err, `keeping a copy of ${file.name}`, this.dataDir);
      }
      const stored: StoredMapping = {
        textColumn: facts.textColumn,
        labelColumn: facts.labelColumn,
        delimiter: facts.delimiter,
        header: facts.header,
        quoting: facts.quoting,
        encoding: facts.encoding,
        ...(facts.excludedLines.length > 0 ? { skipProblemRows: true as const } : {}),
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
          facts.contentHash,
          JSON.stringify(facts.columns),
          JSON.stringify(stored),
          JSON.stringify(facts.labels),
          facts.rows,
          JSON.stringify(facts.problems),
          JSON.stringify(facts.excludedLines),
          new Date().toISOString(),
        );
    } else if (upload) {
      await this.uploads.remove(upload.id);
    }
    return this.summary(id, () => 0);
  }

  /** The bytes of a file sent as base64, or the upload it names. */
  private async source(file: DatasetFile): Promise<{ source: AnalysisSource; upload?: Upload; bytes?: Uint8Array }> {
    if (file.uploadId !== undefined) {
      const upload = await this.uploads.get(file.uploadId);
      return { source: { file: upload.file }, upload };
    }
    const bytes = decodeFile(file);
    return { source: { bytes }, bytes };
  }

  list(runsUsing: (id: string) => number): DatasetSummary[] {
    const imported = (this.db.prepare('SELECT id FROM datasets ORDER BY created_at, id').pluck().all() as string[]).map((id) =>
      this.summary(id, runsUsing),
    );
    return [...BUILTIN_DATASETS.map((b) => this.summary(b.id, runsUsing)), ...imported];
  }

  summary(id: string, runsUsing: (id: string) => number): DatasetSummary {
    const builtin = builtinDataset(id);
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
      const d = await loadSmsSpam({ cacheDir: this.cacheDir, reading: b.reading, urls: [] });
      const labels = Object.fromEntries(d.labels.map((l) => [l, d.rows.filter((r) => r.label === l).length]));
      this.builtinFacts.set(b.id, { contentHash: d.contentHash, rows: d.rows.length, labels });
    }
  }

  async delete(id: string, runsUsing: number): Promise<void> {
    if (builtinDataset(id)) throw new Conflict(`"${id}" is built in and cannot be deleted`);
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
    if (builtinDataset(id)) return `${id}:${SMS_SPAM_SHA256}`;
    const r = this.row(id);
    if (!r) throw new InvalidRequest(`unknown data set "${id}"; use one of ${this.ids().join(', ')}`);
    return String(r.content_hash);
  }

  /** Whether `id` is a built-in or imported data set. */
  has(id: string): boolean {
    return builtinDataset(id) !== undefined || this.row(id) !== undefined;
  }

  /** The trainable and total parameters of a run of `config` on data set `id` (its label count sizes the head). */
  parameters(config: RunConfig, id: string, shape: GPT2Config = modelShape(config)): { trainable: number; total: number } {
    return countParameters(shape, this.labelCount(id), config.trainable);
  }

  labelCount(id: string): number {
    if (builtinDataset(id)) return 2;
    const r = this.row(id);
    return r ? Object.keys(JSON.parse(String(r.labels)) as object).length : 2;
  }

  name(id: string): string {
    return builtinDataset(id)?.name ?? (this.row(id)?.name as string | undefined) ?? id;
  }

  /** The dataset part of a run's config as the engine reads it: a built-in name, or the stored copy with the import's mapping. */
  resolve(config: RunConfig): RunConfig {
    const id = config.dataset.source;
    if (builtinDataset(id)) return config;
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
}

function decodeFile(file: DatasetFile): Uint8Array {
  if (file.base64 === undefined) throw new InvalidRequest(`${file.name}: give the file as base64 or as an upload id`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.base64)) throw new InvalidRequest(`${file.name}: base64 is not valid base64`);
  return Buffer.from(file.base64, 'base64');
}
