import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ColumnMapping, DatasetPreview } from '../common/api.js';
import { WorkbenchError } from '../core/errors.js';
import type { AnalysisSource, ImportFacts } from './datasetAnalysis.js';
import { InvalidRequest } from './errors.js';

/*
 * Previews and imports of data files are read on a worker thread (datasetThread.ts): reading and
 * validating a 200 MB file takes a minute or more, and on the main thread every API call and the event
 * stream would wait for it. The thread has a heap limit of its own, so a file too large for memory fails
 * its call ("needs more memory …") instead of taking the server down. It is started on first use and
 * stopped after a while without requests, which gives its memory back.
 */

export type DatasetThreadRequest =
  { id: number; op: 'preview' | 'import'; source: AnalysisSource; mapping: ColumnMapping; name: string } | { id: number; op: 'forget' };

export type DatasetThreadReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; kind: 'invalid' | 'user' | 'bug'; message: string };

export interface DatasetReaderOptions {
  /** The thread's heap limit (default: half the machine's memory, at most 4 GiB). */
  heapMb?: number;
  /** How long the thread (and the reading it keeps for an import after a preview) stays without requests. */
  idleMs?: number;
  /** Where failures that are bugs are reported. */
  log?: (line: string) => void;
}

const DEFAULT_IDLE_MS = 120_000;

export function defaultHeapMb(): number {
  return Math.max(512, Math.min(4096, Math.floor((os.totalmem() / 2 ** 20) * 0.5)));
}

/** The bundled app has out/main/datasetThread.js beside its entries; source runs load the TypeScript through datasetThreadEntry.mjs. */
function threadEntry(): URL {
  const names = { bundled: ['./datasetThread.js', '../datasetThread.js'], source: './datasetThreadEntry.mjs' };
  const bundled = names.bundled.map((name) => new URL(name, import.meta.url)).find((url) => existsSync(fileURLToPath(url)));
  return bundled ?? new URL(names.source, import.meta.url);
}

interface Pending {
  name: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class DatasetReader {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly heapMb: number;
  private closed = false;

  constructor(private readonly options: DatasetReaderOptions = {}) {
    this.heapMb = options.heapMb ?? defaultHeapMb();
  }

  preview(source: AnalysisSource, mapping: ColumnMapping, name: string): Promise<DatasetPreview> {
    return this.request('preview', source, mapping, name) as Promise<DatasetPreview>;
  }

  importFacts(source: AnalysisSource, mapping: ColumnMapping, name: string): Promise<ImportFacts> {
    return this.request('import', source, mapping, name) as Promise<ImportFacts>;
  }

  /** Stops the thread; calls still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = null;
    this.failAll(new WorkbenchError('the workbench is shutting down'));
    await worker?.terminate();
  }

  private request(op: 'preview' | 'import', source: AnalysisSource, mapping: ColumnMapping, name: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new WorkbenchError('the workbench is shutting down'));
    const worker = this.thread();
    worker.ref();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { name, resolve, reject });
      worker.postMessage({ id, op, source, mapping, name } satisfies DatasetThreadRequest);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(threadEntry(), { resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
    this.worker = worker;
    worker.on('message', (reply: DatasetThreadReply) => this.settle(reply));
    worker.on('error', (err: Error & { code?: string }) => {
      if (this.worker === worker) this.worker = null;
      this.failAll(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? null
          : new WorkbenchError(`the data-set reader failed: ${err.message.split('\n', 1)[0]}`, { cause: err }),
      );
      if (err.code !== 'ERR_WORKER_OUT_OF_MEMORY') this.options.log?.(`data-set thread: ${err.stack ?? err.message}`);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.failAll(new WorkbenchError(`the data-set reader stopped (exit code ${code}); try again`));
    });
    return worker;
  }

  private settle(reply: DatasetThreadReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else if (reply.kind === 'bug') {
      this.options.log?.(`reading ${waiting.name} failed unexpectedly: ${reply.message}`);
      waiting.reject(new Error(reply.message.split('\n', 1)[0]));
    } else waiting.reject(reply.kind === 'invalid' ? new InvalidRequest(reply.message) : new WorkbenchError(reply.message));
    if (this.pending.size === 0) this.armIdle();
  }

  /** Every waiting call fails with `err`, or (null) with the out-of-memory message naming its file. */
  private failAll(err: Error | null): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) {
      w.reject(
        err ??
          new WorkbenchError(
            `${w.name}: reading it needs more memory than the workbench gives a data file (${this.heapMb} MiB); split it into smaller files`,
          ),
      );
    }
  }

  private armIdle(): void {
    const worker = this.worker;
    if (!worker) return;
    // Idle, the thread does not keep the process alive (a command that imported a file ends at once).
    worker.unref();
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = null;
      void worker.terminate();
    }, this.options.idleMs ?? DEFAULT_IDLE_MS);
    this.idleTimer.unref();
  }
}
