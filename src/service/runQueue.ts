import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { QueueState, WorkbenchEvent } from '../common/api.js';
import { countParameters } from '../core/model/trainable.js';
import { modelShape } from '../core/train/run.js';
import { bytesNeeded, checkFreeSpace } from './diskSpace.js';
import type { DatasetCatalog } from './datasets.js';
import { Conflict } from './errors.js';
import { runPaths } from './runFiles.js';
import { RunSupervisor, type RunEnd } from './runSupervisor.js';
import type { RunStore } from './runStore.js';
import type { SpawnWorker } from './trainerHost.js';

export interface QueueOptions {
  store: RunStore;
  datasets: DatasetCatalog;
  dataDir: string;
  cacheDir: string | undefined;
  spawnWorker: SpawnWorker;
  concurrency: number;
  diskReserveBytes: number;
  emit(event: WorkbenchEvent): void;
}

const PAUSED = 'queue.paused';
const OWNER = 'queue.owner';

/**
 * The persistent run queue: starts queued runs in order, `concurrency` at a time, each in its own
 * training process, and records how each ended. The database is the queue, so it survives restarts.
 */
export class RunQueue {
  private readonly active = new Map<number, RunSupervisor>();
  private started = false;
  private closing = false;
  /** Runs between leaving the queue and their process starting (preparing, checking the disk). */
  private readonly launching = new Set<number>();
  private readonly launches = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  lastBackend: string | null = null;

  constructor(private readonly o: QueueOptions) {}

  get paused(): boolean {
    return this.o.store.getSetting(PAUSED) === '1';
  }

  state(): QueueState {
    return {
      paused: this.paused,
      running: [...new Set([...this.launching, ...this.active.keys()])],
      queued: this.o.store.queuedIds(),
      concurrency: this.o.concurrency,
    };
  }

  progressOf(id: number) {
    return this.active.get(id)?.progress ?? null;
  }

  isActive(id: number): boolean {
    return this.active.has(id);
  }

  /**
   * Takes the queue over for this process: runs left `running` by a process that is gone go back to
   * the head of the queue (they resume from their checkpoints), then training starts.
   */
  start(): void {
    if (this.started || this.closing) return;
    const owner = this.o.store.getSetting(OWNER);
    if (owner) {
      const { pid, host } = JSON.parse(owner) as { pid: number; host: string };
      if (pid !== process.pid && host === os.hostname() && isAlive(pid)) {
        throw new Conflict(`the queue of ${this.o.dataDir} is already being run by process ${pid}; stop it first`);
      }
    }
    this.o.store.setSetting(OWNER, JSON.stringify({ pid: process.pid, host: os.hostname() }));
    this.started = true;
    if (this.o.store.requeueInterrupted().length > 0) this.o.emit({ type: 'runs-changed' });
    this.pump();
  }

  setPaused(paused: boolean): void {
    this.o.store.setSetting(PAUSED, paused ? '1' : null);
    this.changed();
    this.pump();
  }

  cancel(id: number): boolean {
    const run = this.active.get(id);
    if (!run) return false;
    run.cancel();
    return true;
  }

  /** Resolves when nothing trains and nothing more will start (queue empty, paused, or not started). */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(finishRunning: boolean): Promise<void> {
    this.closing = true;
    if (!finishRunning) for (const run of this.active.values()) run.stop();
    // A launch lasts until its run has ended (or, while closing, until it gives up before spawning).
    await Promise.all([...this.launches]);
    // Settle whatever the exits triggered before the database closes.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.started) {
      const owner = this.o.store.getSetting(OWNER);
      if (owner && (JSON.parse(owner) as { pid: number }).pid === process.pid) this.o.store.setSetting(OWNER, null);
    }
    this.notifyIdle();
  }

  /** Starts queued runs while there is room. */
  pump(): void {
    if (!this.started || this.closing || this.paused) return this.notifyIdle();
    while (this.active.size + this.launching.size < this.o.concurrency) {
      const next = this.o.store.queuedIds()[0];
      if (next === undefined) break;
      this.o.store.markRunning(next);
      this.launching.add(next);
      const launch = this.launch(next).finally(() => {
        this.launches.delete(launch);
        this.pump();
      });
      this.launches.add(launch);
    }
    this.notifyIdle();
  }

  private async launch(id: number): Promise<void> {
    const { store, datasets } = this.o;
    const row = store.get(id)!;
    this.statusChanged(id, 'running', null);
    const paths = runPaths(this.o.dataDir, id);
    let job;
    try {
      const config = datasets.resolve(row.config);
      await mkdir(paths.checkpoints, { recursive: true });
      const trainable =
        row.parameters?.trainable ?? countParameters(modelShape(config), datasets.labelCount(row.datasetId), config.trainable).trainable;
      await checkFreeSpace(paths.dir, bytesNeeded(config, trainable), this.o.diskReserveBytes);
      job = { runId: id, config, checkpointDir: paths.checkpoints, classifierDir: paths.classifier, cacheDir: this.o.cacheDir };
    } catch (err) {
      this.launching.delete(id);
      return this.ended(id, { kind: 'failed', error: (err as Error).message }, [], null);
    }
    // Shutting down while this run was being prepared: it stays `running` and resumes on the next start.
    if (this.closing) return void this.launching.delete(id);
    const started = Date.now();
    const supervisor = new RunSupervisor(this.o.spawnWorker({ runId: id, env: {} }), job, paths.log, {
      onReady: (backend) => {
        this.lastBackend = backend;
        store.setBackend(id, backend);
      },
      onResuming: (epoch, step) => store.markResuming(id, epoch, step),
      onProgress: (progress) => this.o.emit({ type: 'run-progress', runId: id, progress }),
      onMetrics: (rows) => {
        store.addMetrics(rows);
        store.setSeconds(id, (row.seconds ?? 0) + (Date.now() - started) / 1000);
      },
      onPoint: (m) =>
        this.o.emit(m.type === 'eval' ? { type: 'run-eval', runId: id, point: m.point } : { type: 'run-epoch', runId: id, point: m.point }),
    });
    this.active.set(id, supervisor);
    this.launching.delete(id);
    this.changed();
    const end = await supervisor.ended;
    this.active.delete(id);
    this.ended(id, end, supervisor.tail, (row.seconds ?? 0) + (Date.now() - started) / 1000);
  }

  private ended(id: number, end: RunEnd, tail: string[], seconds: number | null): void {
    const { store } = this.o;
    if (!store.get(id)) return; // deleted meanwhile
    const outputTail = tail.length ? tail.join('\n') : null;
    switch (end.kind) {
      case 'finished':
        store.finish(id, end.result, seconds ?? 0, path.relative(this.o.dataDir, runPaths(this.o.dataDir, id).classifier));
        this.statusChanged(id, 'finished', null);
        break;
      case 'failed':
        store.end(id, 'failed', end.error, outputTail, seconds);
        this.statusChanged(id, 'failed', end.error);
        break;
      case 'cancelled':
        store.end(id, 'cancelled', null, outputTail, seconds);
        this.statusChanged(id, 'cancelled', null);
        break;
      case 'interrupted':
        // Left `running`: the next start of the queue resumes it from its checkpoint, and adds to its training time.
        if (seconds !== null) store.setSeconds(id, seconds);
        break;
    }
    this.changed();
  }

  private statusChanged(id: number, status: 'running' | 'finished' | 'failed' | 'cancelled', error: string | null): void {
    this.o.emit({ type: 'run-status', runId: id, status, error });
    this.o.emit({ type: 'runs-changed' });
  }

  /** Tells subscribers the queue changed. */
  changed(): void {
    this.o.emit({ type: 'queue', state: this.state() });
  }

  private idle(): boolean {
    return (
      this.active.size === 0 &&
      this.launching.size === 0 &&
      (!this.started || this.closing || this.paused || this.o.store.queuedIds().length === 0)
    );
  }

  private notifyIdle(): void {
    if (!this.idle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
