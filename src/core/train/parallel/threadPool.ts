import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WorkbenchError } from '../../errors.js';
import type { ShardRequest, ThreadInit, ThreadReply } from './protocol.js';

export interface ShardResult {
  loss: number;
  grads: Float32Array[];
}

let live = 0;

/** Training threads currently running (tests check that none outlive a run). */
export function liveTrainThreads(): number {
  return live;
}

/**
 * The bundled app has out/main/trainThread.js beside its entries, this code being in one of them or
 * in out/main/chunks/; source runs load the TypeScript through threadEntry.mjs. The names are
 * variables so the bundler does not treat them as assets.
 */
function threadEntry(): URL {
  const names = { bundled: ['./trainThread.js', '../trainThread.js'], source: './threadEntry.mjs' };
  const bundled = names.bundled.map((name) => new URL(name, import.meta.url)).find((url) => existsSync(fileURLToPath(url)));
  return bundled ?? new URL(names.source, import.meta.url);
}

/** One training thread: requests go out in order and are answered in order. */
class TrainThread {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (r: ShardResult) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  readonly ready: Promise<void>;

  constructor(
    readonly index: number,
    init: ThreadInit,
  ) {
    this.worker = new Worker(threadEntry(), { workerData: init });
    live++;
    this.ready = new Promise((resolve, reject) => {
      this.waiting.push({ resolve: () => resolve(), reject });
    });
    this.worker.on('message', (reply: ThreadReply) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(this.failed(err.message)));
    this.worker.once('exit', (code) => {
      live--;
      this.fail(this.failed(`it stopped (exit code ${code})`));
    });
  }

  private failed(why: string): Error {
    return new WorkbenchError(`training thread ${this.index} failed: ${why}`);
  }

  private settle(reply: ThreadReply): void {
    if (reply.type === 'error') return this.fail(this.failed(reply.message));
    const next = this.waiting.shift();
    next?.resolve(reply.type === 'grads' ? { loss: reply.loss, grads: reply.grads } : { loss: NaN, grads: [] });
  }

  /** Rejects everything pending and every later request with the first failure. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  shard(req: ShardRequest): Promise<ShardResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(req, req.prefix ? [req.prefix.data.buffer] : []);
    });
  }

  async stop(): Promise<void> {
    this.failure ??= new WorkbenchError(`training thread ${this.index} was stopped`);
    await this.worker.terminate();
  }
}

/** Worker threads that each hold a copy of the model and compute the gradients of a batch's shards. */
export class ThreadPool {
  private constructor(private readonly threads: TrainThread[]) {}

  /** Starts `count` threads; resolves once every one has built its model, else stops them all and rejects. */
  static async start(count: number, init: ThreadInit): Promise<ThreadPool> {
    const pool = new ThreadPool(Array.from({ length: count }, (_, i) => new TrainThread(i + 1, init)));
    try {
      await Promise.all(pool.threads.map((t) => t.ready));
    } catch (err) {
      await pool.dispose();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  /** Gradients of each request's shard, request i on thread i. */
  gradients(requests: Omit<ShardRequest, 'type' | 'id'>[]): Promise<ShardResult[]> {
    return Promise.all(requests.map((r, i) => this.threads[i].shard({ type: 'shard', id: i, ...r })));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}
