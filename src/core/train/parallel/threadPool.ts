import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WorkbenchError } from '../../errors.js';
import type { ThreadInit, ThreadReply, ThreadRequest } from './protocol.js';

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
  private readonly waiting: { resolve: (r: ThreadReply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  readonly ready: Promise<void>;

  constructor(
    readonly index: number,
    init: Omit<ThreadInit, 'index'>,
  ) {
    this.worker = new Worker(threadEntry(), { workerData: { ...init, index } satisfies ThreadInit });
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
    this.waiting.shift()?.resolve(reply);
  }

  /** Rejects everything pending and every later request with the first failure. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  request(req: ThreadRequest): Promise<ThreadReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(req, req.type === 'shard' && req.shard?.prefix ? [req.shard.prefix.data.buffer] : []);
    });
  }

  async stop(): Promise<void> {
    this.failure ??= new WorkbenchError(`training thread ${this.index} was stopped`);
    await this.worker.terminate();
  }
}

/** Worker threads that each hold a replica of the model (replica.ts). */
export class ThreadPool {
  private constructor(private readonly threads: TrainThread[]) {}

  /** Starts `count` threads; resolves once every one has built its model, else stops them all and rejects. */
  static async start(count: number, init: Omit<ThreadInit, 'index'>): Promise<ThreadPool> {
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

  /** requests[i] to thread i + 1, at the same time; their replies, in order. */
  ask(requests: ThreadRequest[]): Promise<ThreadReply[]> {
    return Promise.all(requests.map((r, i) => this.threads[i].request(r)));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}
